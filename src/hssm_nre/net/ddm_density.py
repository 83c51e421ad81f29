"""The analytic DDM first-passage density in JAX (Navarro-Fuss series).

Used as a base density in training and inference (:mod:`.base`) and as the exact reference
in validation (:mod:`hssm_nre.validation.references`).
"""

from __future__ import annotations

__all__ = ["ddm_log_survival_jax", "ddm_logp_jax"]


def ddm_logp_jax(theta, x, n_terms: int = 12, sv=None):
    """Analytic DDM log-density in JAX (Navarro & Fuss 2009), for validation only.

    ``theta = [v, a, z, t]`` in the package's (and hssm's) convention: boundary separation
    ``2a`` as in hssm's ``logp_ddm``, relative start ``z``; ``x = [rt, response]``.
    Both the small-time and the large-time series are summed and the one that converges
    faster at the given normalized time is kept. With ``sv``, the drift is integrated over
    ``N(v, sv^2)`` in closed form (the ``ddm_sdv`` density). Differentiable in ``theta``.
    """
    import jax.numpy as jnp

    v, a, z, t = (theta[..., i] for i in range(4))
    rt, c = x[..., 0], x[..., 1]
    sep = 2.0 * a
    up = c > 0
    v_ = jnp.where(up, -v, v)  # density at the lower boundary with reflected parameters
    w = jnp.where(up, 1.0 - z, z)
    u = rt - t
    ok = u > 0
    u = jnp.where(ok, u, 1.0)
    tau = u / sep**2
    # Both series in log space, each relative to its leading term, so that neither
    # underflows in float32 (fast trials far below the density's peak stay finite).
    k = jnp.concatenate([jnp.arange(-n_terms, 0), jnp.arange(1, n_terms + 1)]).astype(tau.dtype)
    wk = w[..., None] + 2.0 * k
    rel = jnp.sum(wk / w[..., None] * jnp.exp(-(wk**2 - w[..., None] ** 2) / (2.0 * tau[..., None])), -1)
    log_small = jnp.log(w) - w**2 / (2.0 * tau) + jnp.log1p(rel) - 0.5 * jnp.log(2 * jnp.pi * tau**3)
    kk = jnp.arange(2, 4 * n_terms + 1, dtype=tau.dtype)
    tail = jnp.sum(
        kk * jnp.exp(-(kk**2 - 1.0) * jnp.pi**2 * tau[..., None] / 2.0) * jnp.sin(kk * jnp.pi * w[..., None]),
        -1,
    )
    lead = jnp.sin(jnp.pi * w)
    log_large = jnp.log(jnp.pi) - jnp.pi**2 * tau / 2.0 + jnp.log(jnp.maximum(lead + tail, 1e-30))
    out = jnp.where(tau < 1.0, log_small, log_large) - 2 * jnp.log(sep)
    if sv is None:
        out = out - v_ * sep * w - v_**2 * u / 2.0
    else:
        s2 = 1.0 + sv**2 * u
        out = out + ((sep * w * sv) ** 2 - 2.0 * sep * v_ * w - v_**2 * u) / (2.0 * s2) - 0.5 * jnp.log(s2)
    return jnp.where(ok, out, -jnp.inf)


def ddm_log_survival_jax(theta, deadline, n_terms: int = 400):
    """Exact ``log P(rt > deadline | theta)`` of the DDM (both boundaries), for validation.

    The large-time series of the first-passage density integrated term by term from
    ``u = deadline - t`` to infinity: per boundary (drift ``v_`` towards it, relative distance
    ``w``, separation ``2a``)

    ``(pi / sep^2) exp(-v_ sep w) sum_k k sin(k pi w) exp(-lambda_k u) / lambda_k``,
    ``lambda_k = v_^2 / 2 + k^2 pi^2 / (2 sep^2)``.

    ``n_terms`` terms keep it exact (in float64) down to ``u / sep^2`` of about 1e-4; below
    that the trial cannot have ended and ``log S`` is 0 to working precision. Same
    convention as :func:`ddm_logp_jax`.
    """
    import jax.numpy as jnp

    v, a, z, t = (theta[..., i] for i in range(4))
    sep = 2.0 * a
    u = jnp.asarray(deadline) - t
    ok = u > 0
    u = jnp.where(ok, u, 1.0)
    k = jnp.arange(1, n_terms + 1, dtype=u.dtype)
    total = 0.0
    for v_, w in ((v, z), (-v, 1.0 - z)):  # lower boundary, then upper (reflected)
        lam = v_[..., None] ** 2 / 2.0 + (k * jnp.pi / sep[..., None]) ** 2 / 2.0
        terms = k * jnp.sin(k * jnp.pi * w[..., None]) * jnp.exp(-lam * u[..., None]) / lam
        total = total + jnp.pi / sep**2 * jnp.exp(-v_ * sep * w) * jnp.sum(terms, -1)
    return jnp.where(ok, jnp.log(jnp.clip(total, 1e-300, 1.0)), 0.0)
