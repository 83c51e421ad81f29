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
    u: np.ndarray, c: np.ndarray, choices: tuple[int, ...], n_components: int = 6
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
