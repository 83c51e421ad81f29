"""The analytic LBA density in JAX (hssm's ``logp_lba2`` / ``logp_lba3``, ``s = 0.1``).

The exact reference of the score check (:func:`hssm_nre.validation.metrics.score_bias`) for the
LBA models; the validation reports use hssm's own pytensor function
(:mod:`hssm_nre.validation.references`), which ``tests/validation/test_references.py`` compares
this with.
"""

from __future__ import annotations

from hssm_nre.simulation import LBA_S  # hssm's fixed drift SD, the exact sampler's too

__all__ = ["lba_logp_jax"]


def _pdf_cdf(t, A, b, v, s):
    """First-passage density and CDF of one accumulator (Brown & Heathcote 2008)."""
    from jax.scipy.stats import norm

    ts = t * s
    g = (b - A - t * v) / ts
    h = (b - t * v) / ts
    pdf = (-v * norm.cdf(g) + s * norm.pdf(g) + v * norm.cdf(h) - s * norm.pdf(h)) / A
    surv_num = (b - A - t * v) * norm.cdf(g) - (b - t * v) * norm.cdf(h) + ts * (norm.pdf(g) - norm.pdf(h))
    cdf = 1.0 + surv_num / A
    return pdf, cdf


def lba_logp_jax(theta, x, s: float = LBA_S):
    """Log-density of a K-choice LBA, ``theta = [A, b, v0, ..., v_{K-1}]``, ``x = [rt, choice]``.

    As hssm's analytical LBA: no non-decision time, choices ``0..K-1``, the joint density
    divided by ``1 - P(every drift negative)``. Unlike hssm it does not clip the density, so
    its gradient is exact everywhere; ``-inf`` where ``b <= A``, ``rt <= 0`` or the choice is
    not one of ``0..K-1``. Differentiable in ``theta``.
    """
    import jax.numpy as jnp
    from jax.scipy.stats import norm

    A, b = theta[..., 0], theta[..., 1]
    k = theta.shape[-1] - 2
    rt, c = x[..., 0], x[..., 1]
    ok = (rt > 0) & (b > A) & (c >= 0) & (c <= k - 1) & (c == jnp.round(c))
    t = jnp.where(ok, rt, 1.0)
    A_ = jnp.where(ok, A, 0.5)
    b_ = jnp.where(ok, b, 1.0)
    tiny = jnp.finfo(t.dtype).tiny
    log_like = jnp.zeros_like(t)
    log_neg = jnp.zeros_like(t)
    for i in range(k):
        v = theta[..., 2 + i]
        pdf, cdf = _pdf_cdf(t, A_, b_, v, s)
        win = c == i
        # floors, not clips of the result: a zero density or survival in the branch not taken
        # must not put an infinite factor (a NaN) into the gradient
        log_pdf = jnp.log(jnp.maximum(pdf, tiny))
        log_surv = jnp.log(jnp.maximum(1.0 - cdf, tiny))
        log_like = log_like + jnp.where(win, log_pdf, log_surv)
        log_neg = log_neg + norm.logcdf(-v / s)
    out = log_like - jnp.log1p(-jnp.exp(log_neg))
    return jnp.where(ok, out, -jnp.inf)
