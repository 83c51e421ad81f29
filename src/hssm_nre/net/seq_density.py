r"""The exact density of two diffusions in sequence (ssm-simulators' ``ddm_seq2`` family).

The first diffusion (drift ``vh``, start ``zh``, boundaries ``+-a``) ends at time ``t1`` at its
lower or upper boundary ``c1``, which picks the drift and start of the second (``vl1, zl1``
after the lower, ``vl2, zl2`` after the upper boundary); that one ends at ``t2`` at ``c2``. The
response is ``2 c1 + c2`` (``0..3``) and ``rt = t + t1 + t2``, so the density is a convolution
of two DDM first-passage densities:

.. math:: p(rt, 2 c_1 + c_2) = \int_0^{u} f_1(s, c_1)\, f_2(u - s, c_2 \mid c_1)\, ds,
   \qquad u = rt - t.

Both factors are the analytic DDM density (:func:`hssm_nre.net.ddm_density.ddm_logp_jax`, in
float64). The integral is the trapezoid rule on an even grid of step ``h`` from 0 to the slowest
trial, computed for every ``u`` of the grid at once by FFT, then read at each trial by a cubic
spline. Both factors vanish at ``s = 0`` with all their derivatives, so the rule's error falls
faster than any power of ``h``; ``tests/validation/test_references.py`` checks that a four times
finer grid moves no trial by more than 1e-6 nats.

Both factors are first multiplied by ``exp(lam s)``, ``lam`` the slower one's decay rate
``v^2 / 2 + pi^2 / (2 (2a)^2)``, which multiplies the convolution by ``exp(lam u)``: the slow
tail is then as large as the bulk, so the FFT's rounding (about 1e-16 of the largest value) is
small relative to the tail too. Where it could still matter (values below 1e-9 of the largest,
before the mode: the fastest decision times), the integral is summed directly at the four
nearest nodes and interpolated (cubic Lagrange).

Used as the exact reference of the ``seq2`` models in validation
(:mod:`hssm_nre.validation.references`), never in training.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["seq2_logp"]

# Grid step: at most 2.5e-4 s, and at most 50,000 steps to the slowest trial.
MIN_STEP = 2.5e-4
MAX_STEPS = 50_000
_DIRECT_BELOW = 1e-9  # share of the peak under which a trial's integral is summed directly


@functools.cache
def _pdf_fn():
    import jax
    import jax.numpy as jnp

    from hssm_nre.net.ddm_density import ddm_logp_jax

    def pdf(v, a, z, s, sign):
        theta = jnp.stack([v, a, z, 0.0 * v])
        x = jnp.stack([s, jnp.full(s.shape, sign)], -1)
        return jnp.exp(ddm_logp_jax(jnp.broadcast_to(theta, (*s.shape, 4)), x, n_terms=20))

    return jax.jit(pdf)


def _ddm_pdf(v, a, z, s, upper: bool) -> np.ndarray:
    """DDM first-passage density at decision times ``s`` (float64), 0 at ``s <= 0``."""
    import jax

    with jax.enable_x64(True):
        args = (np.float64(v), np.float64(a), np.float64(z), np.asarray(s, np.float64))
        return np.asarray(_pdf_fn()(*args, np.float64(1.0 if upper else -1.0)), np.float64)


def _direct(f1: np.ndarray, f2: np.ndarray, k: float, h: float) -> float:
    """Return the convolution at ``k`` grid steps: cubic Lagrange through 4 nodes summed directly."""
    i = min(max(int(k) - 1, 0), len(f1) - 4)
    nodes = np.arange(i, i + 4)
    vals = np.array([h * np.dot(f1[: m + 1], f2[m::-1]) for m in nodes])
    w = [np.prod([(k - q) / (m - q) for q in nodes if q != m]) for m in nodes]
    return float(np.dot(w, vals))


def seq2_logp(
    theta, x, params: tuple[str, ...] = ("vh", "vl1", "vl2", "a", "t"), step: float | None = None
) -> np.ndarray:
    """Per-trial log-density of two diffusions in sequence (module docstring), float64.

    Parameters
    ----------
    theta
        One parameter vector in the order ``params`` (``vh, vl1, vl2, a, t`` and optionally
        ``zh, zl1, zl2``, which are 0.5 when absent).
    x
        ``(n, 2)`` observations ``[rt, response]``, responses ``0..3``.
    params
        Names of ``theta``'s entries.
    step
        Grid step in seconds (default: ``MIN_STEP``, coarser when the slowest trial needs more
        than ``MAX_STEPS`` steps).

    Returns ``-inf`` where ``rt <= t`` or the response is not one of ``0..3``.

    Examples
    --------
    >>> x = np.array([[0.9, 0], [1.2, 3], [0.2, 1]])
    >>> np.round(seq2_logp([1.0, -0.5, 1.5, 1.0, 0.3], x), 3)
    array([-3.48 , -0.521,   -inf])
    """
    from scipy.interpolate import CubicSpline
    from scipy.signal import fftconvolve

    p = dict(zip(params, (float(v) for v in theta), strict=True))
    a = p["a"]
    x = np.asarray(x, np.float64)
    u = x[:, 0] - p["t"]
    resp = x[:, 1]
    ok = (u > 0) & np.isin(resp, (0, 1, 2, 3))
    out = np.full(len(x), -np.inf)
    if not ok.any():
        return out
    u_max = float(u[ok].max())
    h = step or max(MIN_STEP, u_max / MAX_STEPS)
    n = int(np.ceil(u_max / h)) + 3
    grid = h * np.arange(n)
    for c1 in (0, 1):
        f1 = _ddm_pdf(p["vh"], a, p.get("zh", 0.5), grid, upper=bool(c1))
        v2 = p["vl2"] if c1 else p["vl1"]
        z2 = p.get("zl2" if c1 else "zl1", 0.5)
        # Exponential tilt: both factors times exp(lam s), lam the slower one's decay rate, so
        # that the slow tail is as large as the bulk and the FFT's rounding stays relative.
        lam = min(p["vh"] ** 2, v2**2) / 2.0 + np.pi**2 / (8.0 * a * a)
        lam = min(lam, 600.0 / grid[-1])  # exp(lam u) stays finite (past that the density is < 1e-260)
        tilt = np.exp(lam * grid)
        g1 = f1 * tilt
        for c2 in (0, 1):
            sel = ok & (resp == 2 * c1 + c2)
            if not sel.any():
                continue
            g2 = _ddm_pdf(v2, a, z2, grid, upper=bool(c2)) * tilt
            conv = np.maximum(h * fftconvolve(g1, g2)[:n], 0.0)
            dens = CubicSpline(grid, conv)(u[sel])
            idx = np.flatnonzero(sel)
            onset = (dens < _DIRECT_BELOW * conv.max()) & (u[sel] < grid[np.argmax(conv)])
            for j in np.flatnonzero(onset):  # four nodes summed directly
                dens[j] = _direct(g1, g2, u[idx[j]] / h, h)
            with np.errstate(divide="ignore"):
                out[sel] = np.log(np.maximum(dens, 0.0)) - lam * u[sel]
    return out
