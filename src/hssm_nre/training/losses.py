"""Loss functions for ratio estimation, as small pure functions of network outputs.

Both take *log-ratios* ``f`` already computed by the network, so they are easy to
test against brute-force formulas.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.scipy.special import logsumexp

__all__ = ["cnre_loss", "nce_loss", "normalization_penalty"]


def cnre_loss(f_joint: jnp.ndarray, f_marginal: jnp.ndarray, gamma: float = 1.0) -> jnp.ndarray:
    r"""Contrastive NRE loss (Miller, Weniger & Forré 2022, "Contrastive Neural Ratio Estimation").

    For an observation :math:`x` the classifier sees :math:`K` parameters
    :math:`\theta_{1..K}` and must tell which one, if any, generated :math:`x`
    (class :math:`k`), or that none did (class 0). With :math:`r = e^{f}`,

    .. math::
        q(y=k \mid \theta_{1:K}, x) = \frac{\gamma\, r(\theta_k, x)}{K + \gamma \sum_j r(\theta_j, x)},
        \qquad q(y=0 \mid \cdot) = \frac{K}{K + \gamma \sum_j r(\theta_j, x)},

    and the loss is :math:`-\frac{\gamma}{1+\gamma} \mathbb E_{\rm joint}[\log q(y=k)]
    - \frac{1}{1+\gamma} \mathbb E_{\rm marginal}[\log q(y=0)]`. At its optimum
    :math:`f(\theta, x) = \log p(x \mid \theta) - \log p(x)`.

    Parameters
    ----------
    f_joint
        ``(B, K)`` log-ratios where column 0 is the pair that generated ``x``.
    f_marginal
        ``(B, K)`` log-ratios of ``K`` parameters independent of ``x``.
    gamma
        Odds of a joint set against an independent set.

    Returns
    -------
    Scalar mean loss.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> float(cnre_loss(jnp.zeros((4, 5)), jnp.zeros((4, 5)))) > 0
    True
    """
    k = f_joint.shape[-1]
    log_k, log_g = jnp.log(k), jnp.log(gamma)
    pad = jnp.full(f_joint.shape[:-1] + (1,), log_k)
    lse_j = logsumexp(jnp.concatenate([pad, log_g + f_joint], -1), axis=-1)
    lse_m = logsumexp(jnp.concatenate([pad, log_g + f_marginal], -1), axis=-1)
    loss_joint = -(log_g + f_joint[..., 0] - lse_j)
    loss_marg = -(log_k - lse_m)
    return jnp.mean(gamma / (1 + gamma) * loss_joint + 1 / (1 + gamma) * loss_marg)


def nce_loss(f_pos: jnp.ndarray, f_neg: jnp.ndarray) -> jnp.ndarray:
    r"""Noise-contrastive estimation against a known reference (Gutmann & Hyvärinen 2010).

    Positives :math:`x \sim p(x \mid \theta)` and :math:`\nu` negatives
    :math:`x' \sim q(x)` per positive; the classifier's logit is
    :math:`f - \log \nu`. The loss

    .. math:: -\mathbb E_p[\log \sigma(f - \log\nu)] - \nu\, \mathbb E_q[\log(1 - \sigma(f - \log\nu))]

    is minimized by :math:`f(\theta, x) = \log p(x \mid \theta) - \log q(x)`, so
    :math:`f + \log q` is a normalized conditional log-density.

    Parameters
    ----------
    f_pos
        ``(B,)`` log-ratios at simulated pairs.
    f_neg
        ``(B, nu)`` log-ratios at reference draws for the same parameters.

    Returns
    -------
    Scalar mean loss.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> round(float(nce_loss(jnp.zeros(3), jnp.zeros((3, 1)))), 4)
    1.3863
    """
    log_nu = jnp.log(f_neg.shape[-1])
    pos = jax.nn.softplus(-(f_pos - log_nu))
    neg = jax.nn.softplus(f_neg - log_nu).sum(-1)
    return jnp.mean(pos + neg)


def normalization_penalty(f_neg: jnp.ndarray, clip: float = 8.0) -> jnp.ndarray:
    r"""Unbiased estimate of :math:`\mathbb E_\theta[(Z(\theta) - 1)^2]` from the NCE reference draws.

    With :math:`p = q\, e^{f}` the mass is :math:`Z(\theta) = \mathbb E_{q(\cdot \mid \theta)}[e^{f}]`.
    Each reference draw :math:`x'_j` gives an unbiased estimate :math:`e^{f_j}` of it; the
    product of two independent ones, :math:`(e^{f_j} - 1)(e^{f_k} - 1)`, has expectation
    :math:`(Z - 1)^2` (a single squared estimate would add its variance, pulling ``f`` to a
    constant). The mean over the :math:`\nu(\nu - 1)` ordered pairs is used. NCE is
    self-normalizing only where the network fits; the penalty asks for unit mass also where it
    does not (the corners of a parameter box). ``f`` is capped at ``clip`` (:math:`e^8 \approx
    3000`) inside the penalty so that a rare draw in a poorly fitted tail cannot blow up a step.

    Parameters
    ----------
    f_neg
        ``(B, nu)`` log-ratios at reference draws, ``nu >= 2``.
    clip
        Cap on ``f`` inside the penalty.

    Returns
    -------
    Scalar mean over the batch.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> float(normalization_penalty(jnp.zeros((3, 2))))
    0.0
    >>> round(float(normalization_penalty(jnp.log(jnp.full((1, 2), 1.5)))), 4)
    0.25
    """
    nu = f_neg.shape[-1]
    if nu < 2:
        raise ValueError(f"the normalization penalty needs nu >= 2 reference draws, got {nu}")
    a = jnp.expm1(jnp.minimum(f_neg, clip))
    pairs = (a.sum(-1) ** 2 - (a**2).sum(-1)) / (nu * (nu - 1))
    return jnp.mean(pairs)
