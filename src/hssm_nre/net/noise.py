"""Closed-form reference densities q(u, c) for normalized ratio networks.

A normalized network learns ``f = log p(u, c | theta) - log q(u, c)`` against a
*known* density ``q`` of the decision time ``u = rt - t`` and the choice ``c``, so that
``log p = f + log q`` integrates to one and is ``-inf`` for ``u <= 0``. Here ``q`` is a
choice probability times a mixture of log-normals in ``u`` per choice, fitted by EM
to simulated decision times pooled over the training box. It uses nothing but the
simulations (no analytic first-passage density).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import logsumexp

from hssm_nre.net.features import (
    is_lower,
    mlp_out,
    n_choices,
    obs_dim_continuous,
    reflect,
    theta_features,
)
from hssm_nre.net.table import cubic_read, node_positions, span

__all__ = ["fit_reference", "reference_logpdf", "reference_sample"]

LOG_2PI = float(np.log(2 * np.pi))


def _em_1d(y: np.ndarray, m: int, iters: int = 200, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Fit a 1-D Gaussian mixture with ``m`` components by EM."""
    rng = np.random.default_rng(seed)
    qs = np.quantile(y, (np.arange(m) + 0.5) / m)
    mu = qs + 1e-3 * rng.standard_normal(m)
    sd = np.full(m, y.std() / np.sqrt(m) + 1e-3)
    w = np.full(m, 1.0 / m)
    for _ in range(iters):
        lp = np.log(w) - 0.5 * ((y[:, None] - mu) / sd) ** 2 - np.log(sd) - 0.5 * LOG_2PI
        lse = np.logaddexp.reduce(lp, axis=1, keepdims=True)
        r = np.exp(lp - lse)
        nk = r.sum(0) + 1e-12
        w = nk / nk.sum()
        mu = (r * y[:, None]).sum(0) / nk
        sd = np.sqrt((r * (y[:, None] - mu) ** 2).sum(0) / nk) + 1e-3
    return np.log(w), mu, sd


def fit_reference(
    u: np.ndarray, c: np.ndarray, choices: tuple[int, ...], n_components: int = 6, symmetric: bool = False
) -> dict[str, np.ndarray]:
    """Fit ``q(u, c) = P(c) * LogNormalMixture_c(u)`` to decision times.

    Parameters
    ----------
    u
        Positive decision times.
    c
        Choices (values in ``choices``).
    choices
        All possible choices.
    n_components
        Log-normal components per choice.
    symmetric
        One mixture for all choices, fitted to the pooled times, and equal choice
        probabilities (for models with a choice symmetry over a symmetric box).

    Returns
    -------
    dict
        Arrays ``ref_logpi`` (C,), ``ref_logw``, ``ref_mu``, ``ref_sigma`` (C, M).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ref = fit_reference(rng.lognormal(size=500), rng.choice([-1, 1], 500), (-1, 1), 2)
    >>> ref["ref_mu"].shape
    (2, 2)
    """
    u = np.asarray(u, dtype=np.float64)
    c = np.asarray(c)
    if np.any(u <= 0):
        raise ValueError("decision times must be positive to fit the reference density")
    if symmetric:
        one = fit_reference(u, np.zeros(len(u)), (0,), n_components)
        k = len(choices)
        out = {key: np.repeat(val, k, axis=0) for key, val in one.items()}
        out["ref_logpi"] = np.full(k, -np.log(k), np.float32)
        return out
    logpi, logw, mu, sd = [], [], [], []
    for ch in choices:
        y = np.log(u[c == ch])
        if y.size < 10 * n_components:
            raise ValueError(f"too few simulated trials with choice {ch} ({y.size}) to fit q")
        lw, m, s = _em_1d(y, n_components)
        logpi.append(np.log(y.size / u.size))
        logw.append(lw)
        mu.append(m)
        sd.append(s)
    f32 = np.float32
    return {
        "ref_logpi": np.asarray(logpi, f32),
        "ref_logw": np.asarray(logw, f32),
        "ref_mu": np.asarray(mu, f32),
        "ref_sigma": np.asarray(sd, f32),
    }


def reference_logpdf(ref: dict, u: jnp.ndarray, c_index: jnp.ndarray) -> jnp.ndarray:
    """``log q(u, c)``; ``c_index`` is the position of the choice in ``choices``."""
    lu = jnp.log(jnp.maximum(u, 1e-30))
    mu = ref["ref_mu"][c_index]
    sd = ref["ref_sigma"][c_index]
    lw = ref["ref_logw"][c_index]
    comp = lw - 0.5 * ((lu[..., None] - mu) / sd) ** 2 - jnp.log(sd) - 0.5 * LOG_2PI
    out = ref["ref_logpi"][c_index] + logsumexp(comp, axis=-1) - lu
    return jnp.where(u > 0, out, -jnp.inf)


def reference_sample(ref: dict, key: jax.Array, shape: tuple[int, ...]):
    """Draw ``(u, c_index)`` from ``q``."""
    k1, k2, k3 = jax.random.split(key, 3)
    c_index = jax.random.categorical(k1, ref["ref_logpi"], shape=shape)
    comp = jax.random.categorical(k2, ref["ref_logw"][c_index], axis=-1)
    mu = jnp.take_along_axis(ref["ref_mu"][c_index], comp[..., None], -1)[..., 0]
    sd = jnp.take_along_axis(ref["ref_sigma"][c_index], comp[..., None], -1)[..., 0]
    u = jnp.exp(mu + sd * jax.random.normal(k3, shape))
    return u, c_index


# ---------------------------------------------------------------------------
# Learned conditional reference q_phi(x | theta): a mixture-density head.
#
# The continuous part of an observation is y (standardized log decision time for
# "rt_choice" observations, standardized x for "standard" ones); the discrete part is a
# choice index among C choices (C = 1 when there is none). For each theta a small MLP
# gives P(c | theta) and, per choice, a mixture of M diagonal Gaussians in y. It is fitted
# by maximum likelihood on the simulated pairs and is a normalized density by
# construction; the ratio network then learns only the correction log p - log q_phi by NCE.

Q_PREFIX = "q_"


def n_q_outputs(n_choices: int, n_components: int, dim: int, mirror: bool = False) -> int:
    """Width of the mixture head's output (one choice's worth when mirrored)."""
    if mirror:
        return 1 + n_components * (1 + 2 * dim)
    return n_choices + n_choices * n_components * (1 + 2 * dim)


def q_head_params(weights: dict, tr, theta: jnp.ndarray, n_components: int, along: int | None = None):
    """Mixture parameters of the learned reference at ``theta`` (see :func:`q_params`).

    With a mirrored transform the head describes the upper choice only; the lower one
    is the head at the reflected parameters, and ``P(upper) = sigmoid(g(theta) -
    g(reflected theta))`` so that the two choice probabilities sum to one.

    With ``along = j`` (per-trial ``theta`` whose column ``j`` alone varies from row to
    row, as in a regression on one parameter), the head runs at :data:`HEAD_NODES` values of
    that column spanning the rows' range and each row reads the cubic through its four
    nearest nodes (:mod:`hssm_nre.net.table`) instead of running the head once per row.
    """
    c, d = n_choices(tr), obs_dim_continuous(tr)
    if along is None:
        out = _head_outputs(weights, tr, theta)
    else:
        col = theta[..., along]
        lo, h = span(col, HEAD_NODES, 1e-4)
        nodes = jnp.broadcast_to(theta[:1], (HEAD_NODES + 3, theta.shape[-1]))
        nodes = nodes.at[:, along].set(node_positions(lo, h, HEAD_NODES))
        out = cubic_read(_head_outputs(weights, tr, nodes), col, lo, h, HEAD_NODES)
    if tr.mirror is None:
        return q_params(out, c, n_components, d)
    half = out.shape[-1] // 2
    out_up, out_lo = out[..., :half], out[..., half:]
    per_choice = [out_lo if is_lower(tr, ch) else out_up for ch in tr.choices]
    q_out = jnp.concatenate([o[..., :1] for o in per_choice] + [o[..., 1:] for o in per_choice], axis=-1)
    return q_params(q_out, c, n_components, d)


# Nodes of the head's table along the one parameter that varies from trial to trial
# (``q_head_params(along=...)``); benchmarks/speed/head_table.py measures its error.
HEAD_NODES = 128


def _head_outputs(weights: dict, tr, theta: jnp.ndarray) -> jnp.ndarray:
    """Run the head at ``theta``; mirrored: ``[g(theta), g(reflected theta)]``."""
    out = mlp_out(weights, theta_features(tr, theta), Q_PREFIX)
    if tr.mirror is None:
        return out
    return jnp.concatenate([out, mlp_out(weights, theta_features(tr, reflect(tr, theta)), Q_PREFIX)], axis=-1)


def q_params(q_out: jnp.ndarray, n_choices: int, n_components: int, dim: int):
    """Split the head output into ``logpi (..., C)``, ``logw (..., C, M)``, ``mu, sd (..., C, M, D)``."""
    lead = q_out.shape[:-1]
    logpi = jax.nn.log_softmax(q_out[..., :n_choices], axis=-1)
    rest = q_out[..., n_choices:].reshape(*lead, n_choices, n_components, 1 + 2 * dim)
    logw = jax.nn.log_softmax(rest[..., 0], axis=-1)
    mu = rest[..., 1 : 1 + dim]
    sd = jax.nn.softplus(rest[..., 1 + dim :]) + 1e-3
    return logpi, logw, mu, sd


def q_logpdf_y(params, y: jnp.ndarray, c_index: jnp.ndarray) -> jnp.ndarray:
    """``log q(y, c | theta)`` in the standardized space (no Jacobian)."""
    logpi, logw, mu, sd = params
    ci = c_index[..., None]
    lp_c = jnp.take_along_axis(logpi, ci, axis=-1)[..., 0]
    lw = jnp.take_along_axis(logw, ci[..., None], axis=-2)[..., 0, :]  # (..., M)
    m = jnp.take_along_axis(mu, ci[..., None, None], axis=-3)[..., 0, :, :]  # (..., M, D)
    s = jnp.take_along_axis(sd, ci[..., None, None], axis=-3)[..., 0, :, :]
    z = (y[..., None, :] - m) / s
    comp = lw + jnp.sum(-0.5 * z**2 - jnp.log(s) - 0.5 * LOG_2PI, axis=-1)
    return lp_c + logsumexp(comp, axis=-1)


def q_sample_y(params, key: jax.Array, n: int):
    """Draw ``n`` pairs ``(y, c_index)`` per leading index: shapes ``(..., n, D)`` and ``(..., n)``."""
    logpi, logw, mu, sd = params
    k1, k2, k3 = jax.random.split(key, 3)
    lead = logpi.shape[:-1]
    c = jax.random.categorical(k1, logpi[..., None, :], shape=(*lead, n))
    lw = jnp.take_along_axis(logw[..., None, :, :], c[..., None, None], axis=-2)[..., 0, :]
    comp = jax.random.categorical(k2, lw, axis=-1)  # (..., n)
    idx_c = c[..., None, None, None]
    m = jnp.take_along_axis(mu[..., None, :, :, :], idx_c, axis=-3)[..., 0, :, :]  # (..., n, M, D)
    s = jnp.take_along_axis(sd[..., None, :, :, :], idx_c, axis=-3)[..., 0, :, :]
    m = jnp.take_along_axis(m, comp[..., None, None], axis=-2)[..., 0, :]
    s = jnp.take_along_axis(s, comp[..., None, None], axis=-2)[..., 0, :]
    y = m + s * jax.random.normal(k3, m.shape)
    return y, c
