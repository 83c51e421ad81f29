"""The likelihood of a race of independent diffusions, from each accumulator's Fokker-Planck equation.

A race model (ssm-simulators' ``race_model``, hssm's ``race_no_bias_angle_4``) runs ``K``
independent accumulators ``dX_k = v_k du + dW_k`` from ``X_k(0) = z a``, each held at or above
zero (a reflecting barrier; ssm-simulators clips at zero after every step) and absorbed at the
boundary ``b(u)`` (:func:`hssm_nre.models.boundary_at`); the first to reach it gives the
response ``k`` at ``rt = t + u``. The accumulators being independent,

``p(u, k) = f_k(u) prod_{j != k} S_j(u)``

with ``f_k`` the first-passage density and ``S_k`` the survival of accumulator ``k`` alone. Each
is a one-dimensional problem: this module solves its Fokker-Planck equation on ``y = x / b(u)``
in ``[0, 1]`` (a fixed grid while the boundary moves) by finite volumes (1000 cells) and
Crank-Nicolson (backward Euler for the first four steps, which damps the point start), zero
flux at ``y = 0`` and zero density at ``y = 1``. The time step grows from 1 microsecond by 5 %
per step to 1 ms, stays there up to 1 s, is 1 % of ``u`` after that, and never more than a
tenth of ``b(u)^2`` (near a collapsing boundary's end, where the accumulator must cross).
``f_k`` is the survival's loss per step. Its accuracy is checked against the inverse Gaussian
(a linear boundary far above the barrier) and the simulator in ``tests/validation``.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_banded

from hssm_nre.models import boundary_at

__all__ = ["accumulator_passage", "race_logp"]

# The steps grow from 1 microsecond by 5 % each; the first four are backward Euler (they damp
# the point start's sharp modes, which Crank-Nicolson would carry as ringing; Rannacher's
# start), the rest Crank-Nicolson.
_FIRST_STEP, _RAMP, _IMPLICIT_STEPS = 1e-6, 1.05, 4


def _rate(kind: str | None, u: float, a: float, shape: tuple[float, ...]) -> tuple[float, float]:
    """``b(u)`` and ``b'(u)`` (central difference) of the boundary."""
    if kind is None:
        return a, 0.0
    h = 1e-6
    b = float(boundary_at(kind, u, a, shape, np))
    lo = float(boundary_at(kind, max(u - h, 0.0), a, shape, np))
    hi = float(boundary_at(kind, u + h, a, shape, np))
    return b, (hi - lo) / (u + h - max(u - h, 0.0))


def accumulator_passage(
    v: np.ndarray,
    a: float,
    z: float,
    u_max: float,
    boundary: str | None = None,
    shape: tuple[float, ...] = (),
    n_cells: int = 1000,
    dt: float = 1e-3,
    tol: float = 1e-30,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First-passage densities and survivals of accumulators with drifts ``v`` (module docstring).

    Returns ``(u, f, S)``: step midpoints ``u`` (m,), densities ``f`` (K, m) there and survivals
    ``S`` (K, m) there (the mean of the step's two ends). The solution stops at ``u_max`` or when
    every survival is below ``tol``.

    Examples
    --------
    >>> u, f, S = accumulator_passage(np.array([1.0]), a=1.0, z=0.5, u_max=10.0)
    >>> round(float(np.sum(f * np.diff(np.r_[0.0, _edges(u)]))), 4)  # it integrates to one
    1.0
    """
    v = np.atleast_1d(np.asarray(v, np.float64))
    k, n = len(v), n_cells
    h = 1.0 / n
    y_face = np.arange(n + 1) * h  # faces 0..n; cell i is [y_i, y_{i+1}]
    p = np.zeros((k, n))
    # the point start split between the two cell centres around it (its mean is z exactly)
    pos = min(max(z / h - 0.5, 0.0), n - 1.0)
    cell = min(int(pos), n - 2)
    w = pos - cell
    p[:, cell] = (1.0 - w) / h
    p[:, cell + 1] = w / h
    u, mass = 0.0, np.ones(k)
    mids, dens, surv = [], [], []
    step = 0
    while u < u_max and mass.max() > tol:
        b_now, _ = _rate(boundary, u, a, shape)
        if b_now <= 0:
            break
        ramp = _FIRST_STEP * _RAMP**step  # steps grow geometrically from 1 microsecond
        tau = min(ramp, dt if u < 1.0 else 0.01 * u, 0.1 * b_now**2, u_max - u)
        b, db = _rate(boundary, u + tau / 2, a, shape)  # the operator at the step's middle
        b = max(b, 1e-9)
        diff = 0.5 / b**2
        # interior faces 1..n-1: advection (v - y b') / b, central; diffusion diff / h
        adv = (v[:, None] - y_face[None, 1:n] * db) / b  # (k, n-1)
        lower_c = adv / 2 + diff / h  # coefficient of p_i in the flux from cell i to i+1
        upper_c = adv / 2 - diff / h  # ... of p_{i+1}
        # L p: d p_i / du = (F_{i-1/2} - F_{i+1/2}) / h; the top face's flux is 2 diff p_{n-1} / h
        main = np.zeros((k, n))
        main[:, :-1] -= lower_c / h
        main[:, 1:] += upper_c / h
        main[:, -1] -= 2 * diff / h**2
        sup = -upper_c / h  # L[i, i+1]
        sub = lower_c / h  # L[i+1, i]
        theta_cn = 1.0 if step < _IMPLICIT_STEPS else 0.5
        sup_full = np.concatenate([sup, np.zeros((k, 1))], axis=1)  # L[i, i+1], 0 at a block's end
        sub_full = np.concatenate([sub, np.zeros((k, 1))], axis=1)  # L[i+1, i], 0 at a block's end
        ab = np.zeros((3, k * n))  # the K systems as one banded matrix, uncoupled blocks
        ab[0, 1:] = -theta_cn * tau * sup_full.ravel()[:-1]
        ab[1] = 1.0 - theta_cn * tau * main.ravel()
        ab[2, :-1] = -theta_cn * tau * sub_full.ravel()[:-1]
        lp = main * p
        lp[:, :-1] += sup * p[:, 1:]
        lp[:, 1:] += sub * p[:, :-1]
        new = solve_banded((1, 1), ab, (p + (1 - theta_cn) * tau * lp).ravel()).reshape(k, n)
        new_mass = h * new.sum(axis=1)
        mids.append(u + tau / 2)
        dens.append(np.maximum(mass - new_mass, 0.0) / tau)
        surv.append((mass + new_mass) / 2)
        p, mass, u, step = new, new_mass, u + tau, step + 1
    if not mids:
        return np.zeros(0), np.zeros((k, 0)), np.zeros((k, 0))
    return np.array(mids), np.array(dens).T, np.array(surv).T


def _collapse_time(kind: str, a: float, shape: tuple[float, ...], start: float) -> float:
    """First decision time at which the boundary is zero (bisection from ``start`` on)."""
    lo, hi = 0.0, max(start, 1e-3)
    while _rate(kind, hi, a, shape)[0] > 0:
        lo, hi = hi, 2 * hi
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _rate(kind, mid, a, shape)[0] > 0 else (lo, mid)
    return hi


def _edges(mid: np.ndarray) -> np.ndarray:
    """Right ends of the steps whose midpoints are ``mid`` (the first step starts at 0)."""
    out = np.empty_like(mid)
    left = 0.0
    for i, m in enumerate(mid):
        out[i] = 2 * m - left
        left = out[i]
    return out


def race_logp(
    theta: np.ndarray,
    x: np.ndarray,
    params: tuple[str, ...],
    boundary: str | None = None,
    n_cells: int = 1000,
) -> np.ndarray:
    """Per-trial log-likelihood of a race model at one parameter vector (module docstring).

    ``params`` names ``theta``'s entries: drifts ``v0 ... v{K-1}``, ``a``, ``z``, ``t`` and the
    boundary's shape parameters; ``x = [[rt, response], ...]`` with responses ``0..K-1``.
    ``-inf`` where the response is impossible (``rt <= t``, or past a collapsed boundary).

    Examples
    --------
    >>> names = ("v0", "v1", "a", "z", "t")
    >>> lp = race_logp(np.array([1.0, 0.5, 1.0, 0.5, 0.3]), np.array([[0.8, 0], [0.2, 1]]), names)
    >>> bool(np.isfinite(lp[0])), bool(lp[1] == -np.inf)
    (True, True)
    """
    from hssm_nre.models import BOUNDARIES
    from hssm_nre.simulation import race_drifts

    p = dict(zip(params, np.asarray(theta, np.float64), strict=True))
    k = len(race_drifts(params))
    v = np.array([p[f"v{i}"] for i in range(k)])
    shape = tuple(p[s] for s in BOUNDARIES.get(boundary, ()))
    x = np.asarray(x, np.float64)
    u = x[:, 0] - p["t"]
    choice = x[:, 1].astype(int)
    out = np.full(len(x), -np.inf)
    ok = (u > 0) & (choice >= 0) & (choice < k)
    if not ok.any():
        return out
    grid, f, S = accumulator_passage(v, p["a"], p["z"], float(u[ok].max()) + 1e-3, boundary, shape, n_cells)
    if grid.size == 0:
        return out
    log_f, log_s = np.log(np.maximum(f, 1e-300)), np.log(np.maximum(S, 1e-300))
    # log p(u, k) = log f_k + sum_{j != k} log S_j on the grid, read linearly in u; beyond the
    # grid's end (every accumulator all but surely finished) continued log-linearly, as the
    # slowest eigenmode decays, unless the boundary has collapsed there (then impossible)
    total = log_s.sum(axis=0)
    uu = u[ok]
    vals = np.empty(uu.size)
    end = grid[-1]
    collapsed = _rate(boundary, float(uu.max()), p["a"], shape)[0] <= 0 if boundary else False
    for j in range(k):
        sel = choice[ok] == j
        if sel.any():
            curve = log_f[j] + total - log_s[j]
            vals[sel] = np.interp(uu[sel], grid, curve)
            far = sel & (uu > end)
            if far.any():
                back = max(len(grid) - 21, 0)
                slope = min((curve[-1] - curve[back]) / max(end - grid[back], 1e-12), 0.0)
                vals[far] = curve[-1] + slope * (uu[far] - end)
    if collapsed:
        vals[uu >= _collapse_time(boundary, p["a"], shape, end)] = -np.inf
    out[ok] = vals
    return out
