r"""Training data: parameters drawn from the box, one simulated trial per draw.

Each :class:`~hssm_nre.models.ModelSpec` names its route (``simulator``, checked by
:func:`check_route`). Diffusion models (``"bridge"``: ddm, angle, weibull, ornstein, ddm_sdv,
full_ddm, gamma_drift) use the package's own vectorized Euler-Maruyama simulator with a
Brownian-bridge boundary-crossing correction. Plain Euler checks the boundary only at the grid
times and misses excursions between them, so its boundaries sit effectively
``0.58 sqrt(dt)`` further out (decision times about 3 % too long at ``dt=1e-3``).
Between two grid points ``x_k`` and ``x_{k+1}`` (both inside), a Brownian path
crosses a boundary that moves linearly from ``b_k`` to ``b_{k+1}`` with probability

.. math:: p = \exp\left(-2 \frac{(b_k - x_k)(b_{k+1} - x_{k+1})}{\sigma^2 \Delta t}\right),

independently of the drift. Drawing that event at every step makes the simulated
first-passage times exact on the grid for constant and linear boundaries (ddm, angle)
and ``O(dt)``-accurate otherwise; the crossing time inside the step is drawn
uniformly (error below ``dt/2``).

Levy flights (``"stable"``: ``levy``) use the package's own Euler scheme with symmetric alpha-stable
increments, as ssm-simulators defines the model (``y += v dt + dt^(1/alpha) S``, ``S`` standard
stable with characteristic function ``exp(-|k|^alpha)``, variance 2 at ``alpha = 2``), drawn
by the Chambers-Mallows-Stuck method with each trial's own ``alpha``. (ssm-simulators 0.15's
sequential levy path draws its noise buffer with the first trial's ``alpha`` and rescales it by
each trial's ``dt^(1/alpha)``, so batches with varying ``alpha`` come out wrong.) A jump
process has no bridge correction; the crossing time is drawn uniformly inside the step.

Two diffusions in sequence (``"seq2"``: ``ddm_seq2_no_bias``, ssm-simulators' ``ddm_seq2``
family) run the bridge simulator twice: the first diffusion (drift ``vh``, start ``zh``) ends at
its lower or upper boundary, which picks the drift (``vl1`` or ``vl2``) and start (``zl1`` or
``zl2``; 0.5 without them) of the second; both have the boundaries ``+-a``, the reaction time
is ``t + t1 + t2`` and the response ``2 c1 + c2`` (``c = 1`` at the upper boundary), i.e.
``0..3``. A trial is dropped when ``t1 + t2`` reaches ``max_t``.

Races of independent diffusions (``"race"``: ``race_no_bias_angle_4``, ssm-simulators'
``race_model``) run ``K`` unit-noise accumulators from ``z a``, each held at or above zero and
absorbed at the boundary (``a``, or a collapsing one); the first to arrive answers (``0..K-1``).
ssm-simulators clips an accumulator at zero after each step; here it is reflected (``|x|``, the
same barrier as ``dt -> 0``), and each accumulator gets the bridge correction above. A trial is
dropped when none has arrived by ``max_t``.

Linear ballistic accumulators (``"lba"``: ``lba3``) are sampled exactly, as hssm's analytical
LBA likelihood defines the model (``_pt_lba3_ll``): each accumulator ``i`` starts at
``U(0, A)`` and rises at a drift drawn from ``N(v_i, s^2)`` with ``s = 0.1`` (:data:`LBA_S`);
it reaches ``b`` at ``(b - start) / drift`` when its drift is positive; the first to arrive
gives the choice and the reaction time (no non-decision time). A trial whose drifts are all
negative gives no response; hssm's density is divided by ``1 - P(all drifts negative)``, i.e.
it is the law of the responses given that there is one, so such trials are redrawn, never
dropped or kept with a fake rt. (ssm-simulators' ``lba3`` has another box and its own
treatment of those trials; the package does not use it.) ``dt`` plays no part and ``max_t``
drops nothing: the sampler is exact, the heavy ``1 / t^2`` tail of the LBA included.

Every chunk gets its own :class:`numpy.random.SeedSequence` child, so a data set
is a function of ``(model, n, seed, dt, max_t, chunk)`` only, not of the number of
worker processes. By default the parameters are uniform on the box; ``edge_share`` mixes in
an edge-heavy law so that the box's corners are trained on too.
"""

from __future__ import annotations

import math
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from hssm_nre.models import BOUNDARIES, DRIFTS, MODELS, ModelSpec, boundary_at, drift_at, get_model

__all__ = [
    "SimConfig",
    "SimData",
    "check_route",
    "simulate",
    "simulate_lba",
    "simulate_race",
    "simulate_seq2",
    "simulate_trials",
]

# The registry models of each of the package's own simulators (views of ModelSpec.simulator).
BRIDGE_MODELS = tuple(name for name, spec in MODELS.items() if spec.simulator == "bridge")
STABLE_MODELS = tuple(name for name, spec in MODELS.items() if spec.simulator == "stable")
LBA_MODELS = tuple(name for name, spec in MODELS.items() if spec.simulator == "lba")

# The parameters the "seq2" route needs (besides the optional start points zh, zl1, zl2).
SEQ2_PARAMS = ("vh", "vl1", "vl2", "a", "t")

# Between-trial SD of the LBA drifts, fixed as in hssm's analytical LBA likelihoods.
LBA_S = 0.1

# What the package's own simulators know besides v, a, z and the non-decision time (and a
# boundary's shape parameters, for "bridge"): drift variability, start-point variability, leak.
_BRIDGE_EXTRAS = ("sv", "sz", "g")
_STABLE_EXTRAS = ("alpha",)


def check_route(spec: ModelSpec | str) -> str:
    """Return the simulation route of ``spec`` (its ``simulator``, or ``"custom"`` for a callable).

    Raises a ``ValueError`` when the package's own simulator named by the spec cannot simulate the
    model: ``"bridge"`` knows ``v``, ``a``, ``z``, the non-decision time, ``sv``, ``sz``, ``g``,
    the ``ndt_spread``, the shape parameters of ``boundary`` and those of ``drift``; ``"stable"``
    knows ``v``, ``a``, ``z``, ``alpha`` and the non-decision time. ``"ssms"`` needs
    ssm-simulators to know the name.

    Examples
    --------
    >>> check_route("levy")
    'stable'
    """
    spec = get_model(spec)
    if callable(spec.simulator):
        return "custom"
    if spec.simulator == "ssms":
        return "ssms"
    if spec.simulator == "lba":
        k = len(spec.choices)
        want = ("A", "b", *(f"v{i}" for i in range(k)))
        if spec.params != want or spec.choices != tuple(range(k)) or spec.ndt is not None or k < 2:
            raise ValueError(
                f"no lba simulator for {spec.name!r}: it needs the parameters {want} in that order, "
                f"choices 0..K-1 (K >= 2) and no ndt; got {spec.params}, {spec.choices}, ndt {spec.ndt!r}"
            )
        return "lba"
    if spec.simulator == "seq2":
        known = set(SEQ2_PARAMS) | {"zh", "zl1", "zl2"}
        if (
            not set(SEQ2_PARAMS) <= set(spec.params) <= known
            or spec.choices != (0, 1, 2, 3)
            or spec.ndt != "t"
        ):
            raise ValueError(
                f"no seq2 simulator for {spec.name!r}: it needs the parameters {SEQ2_PARAMS} (and "
                f"optionally zh, zl1, zl2), choices 0..3 and ndt 't'; got {spec.params}, "
                f"{spec.choices}, ndt {spec.ndt!r}"
            )
        return "seq2"
    if spec.simulator == "race":
        k = len(race_drifts(spec.params))
        want = {*race_drifts(spec.params), "a", "z", "t", *BOUNDARIES.get(spec.boundary, ())}
        if set(spec.params) != want or k < 2 or spec.choices != tuple(range(k)) or spec.ndt != "t":
            raise ValueError(
                f"no race simulator for {spec.name!r}: it needs drifts v0 ... v{{K-1}} (K >= 2), a, z, "
                f"t and the boundary's parameters, choices 0..K-1 and ndt 't'; got {spec.params}, "
                f"{spec.choices}, ndt {spec.ndt!r}"
            )
        return "race"
    if spec.simulator not in ("bridge", "stable"):
        raise ValueError(
            f"unknown simulator {spec.simulator!r}: 'bridge', 'stable', 'lba', 'seq2', 'race', 'ssms' "
            "or a callable"
        )
    params = set(spec.params)
    if spec.simulator == "bridge":
        need = {"v", "a", "z"}
        known = need | {
            spec.ndt,
            spec.ndt_spread,
            *_BRIDGE_EXTRAS,
            *BOUNDARIES.get(spec.boundary, ()),
            *DRIFTS.get(spec.drift, ()),
        }
    else:
        need = {"v", "a", "z", *_STABLE_EXTRAS}
        known = need | {spec.ndt}
    problems = []
    if not need <= params:
        problems.append(f"it needs the parameters {sorted(need - params)}")
    if params - known:
        problems.append(f"it does not know {[p for p in spec.params if p not in known]}")
    if spec.ndt is None:
        problems.append("it needs a non-decision time (ndt)")
    if spec.simulator == "stable" and (spec.ndt_spread or spec.boundary):
        problems.append("it has no ndt_spread and no collapsing boundary")
    if spec.choices != (-1, 1) or spec.obs_dim != 2:
        problems.append(f"it gives choices (-1, 1) and obs_dim 2, not {spec.choices} and {spec.obs_dim}")
    if problems:
        raise ValueError(
            f"no {spec.simulator} simulator for {spec.name!r}: {'; '.join(problems)}; "
            "use simulator='ssms' or a callable"
        )
    return spec.simulator


@dataclass(frozen=True)
class SimConfig:
    """Simulation settings (recorded in every network card).

    Parameters
    ----------
    n
        Number of (parameter, trial) pairs.
    seed
        Seed of the whole data set.
    dt
        Simulator step in seconds. The default 1e-3 with the bridge correction has a
        time error below 0.5 ms; see the module docstring.
    max_t
        Longest decision time simulated; trials not finished by then are counted and
        dropped (never kept with a fake rt).
    chunk
        Trials per work unit (bounds memory; the unit of seeding).
    n_jobs
        Worker processes (``None``: all cores).
    edge_share
        Share of the parameter draws that come from the box's arcsine (edge-heavy) law
        instead of the uniform one (see :meth:`ModelSpec.sample_box`).
    """

    n: int = 1_000_000
    seed: int = 0
    dt: float = 1e-3
    max_t: float = 20.0
    chunk: int = 50_000
    n_jobs: int | None = None
    edge_share: float = 0.0

    def __post_init__(self) -> None:
        if self.n < 1 or self.chunk < 1:
            raise ValueError(f"n and chunk must be positive, got n={self.n}, chunk={self.chunk}")
        if not 0 < self.dt <= 0.01:
            raise ValueError(f"dt must be in (0, 0.01] seconds, got {self.dt}")
        if not self.max_t > 0:
            raise ValueError(f"max_t must be positive, got {self.max_t}")
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed}")
        if not 0.0 <= self.edge_share <= 1.0:
            raise ValueError(f"edge_share must be in [0, 1], got {self.edge_share}")


@dataclass
class SimData:
    """Simulated pairs: ``theta`` (n, n_params) and ``x`` (n, obs_dim), plus counts."""

    theta: np.ndarray
    x: np.ndarray
    n_dropped: int
    n_requested: int


def _boundary(name: str | None, t: float, a: np.ndarray, p: dict[str, np.ndarray]) -> np.ndarray:
    if name in BOUNDARIES:
        return boundary_at(name, t, a, [p[k] for k in BOUNDARIES[name]], np)
    return a


def _bridge_diffusion(
    boundary: str | None,
    p: dict[str, np.ndarray],
    rng: np.random.Generator,
    dt: float,
    max_t: float,
    drift_kind: str | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decision times, choices and a finished mask for one chunk of a diffusion model.

    A time-varying drift ``v + d(u)`` (``drift_kind``, :data:`~hssm_nre.models.DRIFTS`) is
    evaluated at each step's midpoint, which integrates it over the step to ``O(dt^2)``.
    """
    n = len(p["v"])
    a = p["a"].astype(np.float64)
    v = p["v"].astype(np.float64)
    if "sv" in p:
        v = v + p["sv"] * rng.standard_normal(n)
    x = -a + 2.0 * a * p["z"]
    if "sz" in p:  # ssm-simulators: start point displaced by U(-sz, sz) in absolute units
        x = x + 2.0 * (rng.uniform(size=n) - 0.5) * p["sz"]
    g = p.get("g")
    sqdt = math.sqrt(dt)
    dtime = np.full(n, np.nan)
    choice = np.zeros(n, dtype=np.int8)
    idx = np.arange(n)
    extra = {k: p[k] for k in BOUNDARIES.get(boundary, ())}
    moving = {k: p[k].astype(np.float64) for k in DRIFTS.get(drift_kind, ())}
    b_old = _boundary(boundary, 0.0, a, extra)
    n_steps = int(math.ceil(max_t / dt))
    for k in range(n_steps):
        if idx.size == 0:
            break
        t_new = (k + 1) * dt
        drift = v if g is None else v - g * x
        if moving:
            drift = drift + drift_at(drift_kind, (k + 0.5) * dt, tuple(moving.values()), np)
        x_new = x + drift * dt + sqdt * rng.standard_normal(idx.size)
        b_new = _boundary(boundary, t_new, a, extra)
        up_end = x_new >= b_new
        lo_end = x_new <= -b_new
        inside = ~(up_end | lo_end)
        # Brownian-bridge crossing probabilities for paths that end inside.
        with np.errstate(over="ignore", invalid="ignore"):
            p_up = np.exp(-2.0 * np.maximum(b_old - x, 0) * np.maximum(b_new - x_new, 0) / dt)
            p_lo = np.exp(-2.0 * np.maximum(x + b_old, 0) * np.maximum(x_new + b_new, 0) / dt)
        u = rng.uniform(size=idx.size)
        up_bridge = inside & (u < p_up)
        lo_bridge = inside & ~up_bridge & (u < p_up + p_lo)
        up = up_end | up_bridge
        lo = (lo_end | lo_bridge) & ~up
        done = up | lo
        if done.any():
            frac = rng.uniform(size=int(done.sum()))
            ids = idx[done]
            dtime[ids] = k * dt + frac * dt
            choice[ids] = np.where(up[done], 1, -1)
            keep = ~done
            idx, x, x_new, v, a = idx[keep], x[keep], x_new[keep], v[keep], a[keep]
            b_new = b_new[keep] if np.ndim(b_new) else b_new
            g = None if g is None else g[keep]
            extra = {key: val[keep] for key, val in extra.items()}
            moving = {key: val[keep] for key, val in moving.items()}
        x, b_old = x_new, b_new
    finished = ~np.isnan(dtime)
    return dtime, choice, finished


def stable_noise(alpha: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Symmetric standard alpha-stable draws, one per entry of ``alpha`` (Chambers-Mallows-Stuck).

    Examples
    --------
    >>> x = stable_noise(np.full(200_000, 2.0), np.random.default_rng(0))
    >>> round(float(x.var()), 1)  # alpha = 2: normal with variance 2
    2.0
    """
    alpha = np.asarray(alpha, np.float64)
    u = rng.uniform(-np.pi / 2, np.pi / 2, alpha.shape)
    w = rng.exponential(1.0, alpha.shape)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        x = (
            np.sin(alpha * u)
            / np.cos(u) ** (1.0 / alpha)
            * (np.cos((1.0 - alpha) * u) / w) ** ((1.0 - alpha) / alpha)
        )
    return np.where(np.isfinite(x), x, np.sign(u) * np.finfo(np.float64).max)


def _stable_flight(
    p: dict[str, np.ndarray], rng: np.random.Generator, dt: float, max_t: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decision times, choices and a finished mask for Levy flights between ``-a`` and ``a``."""
    n = len(p["v"])
    a, v, alpha = (p[k].astype(np.float64) for k in ("a", "v", "alpha"))
    x = -a + 2.0 * a * p["z"]
    scale = dt ** (1.0 / alpha)
    dtime = np.full(n, np.nan)
    choice = np.zeros(n, dtype=np.int8)
    idx = np.arange(n)
    for k in range(int(math.ceil(max_t / dt))):
        if idx.size == 0:
            break
        x = x + v * dt + scale * stable_noise(alpha, rng)
        up, lo = x >= a, x <= -a
        done = up | lo
        if done.any():
            ids = idx[done]
            dtime[ids] = k * dt + rng.uniform(size=ids.size) * dt
            choice[ids] = np.where(up[done], 1, -1)
            keep = ~done
            idx, x, v, a, alpha, scale = idx[keep], x[keep], v[keep], a[keep], alpha[keep], scale[keep]
    return dtime, choice, ~np.isnan(dtime)


def simulate_seq2(
    p: dict[str, np.ndarray], rng: np.random.Generator, dt: float = 1e-3, max_t: float = 20.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two diffusions in sequence (module docstring): decision times, responses ``0..3``, finished.

    Examples
    --------
    >>> p = {k: np.full(4, v) for k, v in dict(vh=1.0, vl1=-1.0, vl2=1.0, a=1.0).items()}
    >>> u, c, ok = simulate_seq2(p, np.random.default_rng(0))
    >>> bool(ok.all()), set(c.tolist()) <= {0, 1, 2, 3}
    (True, True)
    """
    n = len(p["vh"])
    half = np.full(n, 0.5)
    first = {"v": p["vh"], "a": p["a"], "z": p.get("zh", half)}
    t1, c1, ok1 = _bridge_diffusion(None, first, rng, dt, max_t)
    upper = c1 > 0
    second = {
        "v": np.where(upper, p["vl2"], p["vl1"]),
        "a": p["a"],
        "z": np.where(upper, p.get("zl2", half), p.get("zl1", half)),
    }
    t2, c2, ok2 = _bridge_diffusion(None, second, rng, dt, max_t)
    with np.errstate(invalid="ignore"):
        dtime = t1 + t2
        finished = ok1 & ok2 & (dtime < max_t)
    choice = 2 * upper.astype(np.int8) + (c2 > 0).astype(np.int8)
    return dtime, choice, finished


def race_drifts(params: tuple[str, ...]) -> tuple[str, ...]:
    """Return the drift parameters ``v0, v1, ...`` of a race model, in order (module docstring).

    Examples
    --------
    >>> race_drifts(("v0", "v1", "v2", "a", "z", "t"))
    ('v0', 'v1', 'v2')
    """
    out = []
    while f"v{len(out)}" in params:
        out.append(f"v{len(out)}")
    return tuple(out)


def simulate_race(
    p: dict[str, np.ndarray],
    k: int,
    rng: np.random.Generator,
    dt: float = 1e-3,
    max_t: float = 20.0,
    boundary: str | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simulate a race of ``k`` diffusions: decision times, responses ``0..k-1``, finished mask.

    ssm-simulators' ``race_model``: accumulators ``dX_j = v_j du + dW_j`` from ``z a``, held at
    or above zero, the first to reach the boundary ``b(u)`` (``a`` or :data:`BOUNDARIES`
    ``[boundary]``) answers. Here the barrier at zero reflects (``|X|``), and a step whose ends
    both lie below the boundary still crosses it with the Brownian-bridge probability (as in
    the two-boundary simulator); ties within a step go to one of the crossers at random.

    Examples
    --------
    >>> p = {k: np.full(5, v) for k, v in dict(v0=1.0, v1=0.5, v2=0.5, a=1.0, z=0.5).items()}
    >>> u, c, ok = simulate_race(p, 3, np.random.default_rng(0))
    >>> bool(ok.all()), set(c.tolist()) <= {0, 1, 2}
    (True, True)
    """
    n = len(p["a"])
    a = p["a"].astype(np.float64)
    v = np.stack([p[f"v{j}"] for j in range(k)], axis=1).astype(np.float64)
    x = np.repeat((p["z"] * a)[:, None], k, axis=1)
    extra = {name: p[name] for name in BOUNDARIES.get(boundary, ())}
    sqdt = math.sqrt(dt)
    dtime = np.full(n, np.nan)
    choice = np.zeros(n, dtype=np.int8)
    idx = np.arange(n)
    b_old = _boundary(boundary, 0.0, a, extra)
    for step in range(int(math.ceil(max_t / dt))):
        if idx.size == 0:
            break
        x_new = np.abs(x + v * dt + sqdt * rng.standard_normal(x.shape))
        b_new = _boundary(boundary, (step + 1) * dt, a, extra)
        bo, bn = b_old[:, None], b_new[:, None]
        with np.errstate(over="ignore", invalid="ignore"):
            p_cross = np.exp(-2.0 * np.maximum(bo - x, 0) * np.maximum(bn - x_new, 0) / dt)
        crossed = (x_new >= bn) | (rng.uniform(size=x.shape) < p_cross)
        done = crossed.any(axis=1)
        if done.any():
            # one of the crossers, at random: the largest of uniform keys among them
            keys = np.where(crossed[done], rng.uniform(size=(int(done.sum()), k)), -1.0)
            ids = idx[done]
            dtime[ids] = step * dt + rng.uniform(size=ids.size) * dt
            choice[ids] = np.argmax(keys, axis=1)
            keep = ~done
            idx, x_new, v, a, b_new = idx[keep], x_new[keep], v[keep], a[keep], b_new[keep]
            extra = {key: val[keep] for key, val in extra.items()}
        x, b_old = x_new, b_new
    return dtime, choice, ~np.isnan(dtime)


def simulate_lba(theta: np.ndarray, rng: np.random.Generator, s: float = LBA_S) -> np.ndarray:
    """Exact LBA responses ``[rt, choice]`` for rows ``theta = (A, b, v0, ..., v{K-1})``.

    Trials with no positive drift give no response and are redrawn (module docstring).

    Examples
    --------
    >>> x = simulate_lba(np.array([[0.3, 0.5, 0.25, 0.5, 0.25]] * 5), np.random.default_rng(0))
    >>> x.shape, bool((x[:, 0] > 0).all()), set(x[:, 1].tolist()) <= {0.0, 1.0, 2.0}
    ((5, 2), True, True)
    """
    theta = np.asarray(theta, np.float64)
    n, k = theta.shape[0], theta.shape[1] - 2
    a_start, b, v = theta[:, 0], theta[:, 1], theta[:, 2:]
    x = np.empty((n, 2))
    todo = np.arange(n)
    while todo.size:
        m = todo.size
        drift = v[todo] + s * rng.standard_normal((m, k))
        start = a_start[todo, None] * rng.uniform(size=(m, k))
        with np.errstate(divide="ignore"):
            times = np.where(drift > 0, (b[todo, None] - start) / drift, np.inf)
        winner = np.argmin(times, axis=1)
        rt = times[np.arange(m), winner]
        ok = np.isfinite(rt)
        x[todo[ok], 0] = rt[ok]
        x[todo[ok], 1] = winner[ok]
        todo = todo[~ok]
    return x


def _ssms_chunk(spec: ModelSpec, theta: np.ndarray, seed: int, dt: float, max_t: float):
    from ssms import Simulator  # heavy import, only in workers that need it

    out = Simulator(spec.name).simulate(
        theta.astype(np.float32),
        n_samples=1,
        delta_t=dt,
        max_t=max_t,
        random_state=seed,
        return_option="minimal",
    )
    rts = np.asarray(out["rts"], dtype=np.float64).reshape(-1)
    choices = np.asarray(out["choices"]).reshape(-1)
    t = theta[:, spec.params.index(spec.ndt)] if spec.ndt else 0.0
    finished = (rts > 0) & (rts - t < max_t - 2 * dt)
    return rts, choices, finished


def simulate_trials(
    spec: ModelSpec | str,
    theta: np.ndarray,
    rng: np.random.Generator,
    *,
    dt: float = 1e-3,
    max_t: float = 20.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Simulate one trial per parameter row.

    Parameters
    ----------
    spec
        Registry model (name or spec) or a custom :class:`ModelSpec`.
    theta
        ``(n, n_params)`` parameters in the spec's order.
    rng
        Random generator.
    dt, max_t
        Simulator step and longest decision time (seconds).

    Returns
    -------
    x, finished
        Observations ``(n, obs_dim)`` (for diffusion models ``[rt, response]``) and a
        boolean mask of trials that finished before ``max_t``.

    Examples
    --------
    >>> import numpy as np
    >>> th = np.array([[1.0, 1.0, 0.5, 0.3]] * 4)
    >>> x, ok = simulate_trials("ddm", th, np.random.default_rng(0))
    >>> x.shape, bool(ok.all()), bool((x[:, 0] > 0.3).all())
    ((4, 2), True, True)
    """
    spec = get_model(spec)
    theta = np.asarray(theta, dtype=np.float64)
    if theta.ndim != 2 or theta.shape[1] != spec.n_params:
        raise ValueError(f"theta must have shape (n, {spec.n_params}) for {spec.params}, got {theta.shape}")
    route = check_route(spec)
    if route == "custom":
        x = np.asarray(spec.simulator(theta, rng), dtype=np.float64)
        if x.ndim == 1:
            x = x[:, None]
        if x.shape != (len(theta), spec.obs_dim):
            raise ValueError(
                f"custom simulator of {spec.name!r} returned shape {x.shape}; expected "
                f"({len(theta)}, {spec.obs_dim}): one observation per parameter row"
            )
        return x, np.all(np.isfinite(x), axis=1)
    if route == "lba":
        return simulate_lba(theta, rng), np.ones(len(theta), bool)
    p = {name: theta[:, i] for i, name in enumerate(spec.params)}
    if route in ("bridge", "stable", "seq2", "race"):
        if route == "seq2":
            dtime, choice, finished = simulate_seq2(p, rng, dt, max_t)
        elif route == "race":
            k = len(spec.choices)
            dtime, choice, finished = simulate_race(p, k, rng, dt, max_t, spec.boundary)
        elif route == "stable":
            dtime, choice, finished = _stable_flight(p, rng, dt, max_t)
        else:
            dtime, choice, finished = _bridge_diffusion(spec.boundary, p, rng, dt, max_t, spec.drift)
        t = p[spec.ndt]
        if spec.ndt_spread is not None:  # ssm-simulators: ndt displaced by U(-st, st)
            t = t + 2.0 * (rng.uniform(size=len(t)) - 0.5) * p[spec.ndt_spread]
        rt = dtime + t
    else:
        rt, choice, finished = _ssms_chunk(spec, theta, int(rng.integers(2**31 - 1)), dt, max_t)
    x = np.stack([np.where(finished, rt, np.nan), choice.astype(np.float64)], axis=1)
    return x, finished


def _chunk_job(args) -> tuple[np.ndarray, np.ndarray, int]:
    spec, n, seed_seq, dt, max_t, edge_share = args
    rng = np.random.default_rng(seed_seq)
    theta = spec.sample_box(n, rng, edge_share)
    x, ok = simulate_trials(spec, theta, rng, dt=dt, max_t=max_t)
    return theta[ok], x[ok], int((~ok).sum())


def simulate(spec: ModelSpec | str, config: SimConfig | None = None, progress: bool = True) -> SimData:
    """Simulate a training set: ``config.n`` parameter draws from the box, one trial each.

    Parameters
    ----------
    spec
        Model name or :class:`ModelSpec`.
    config
        Budget, seed and simulator settings.
    progress
        Show a progress bar.

    Returns
    -------
    SimData
        Finished trials only; ``n_dropped`` counts those that hit ``max_t``.

    Examples
    --------
    >>> data = simulate("ddm", SimConfig(n=2000, chunk=1000, n_jobs=1), progress=False)
    >>> data.theta.shape[0] + data.n_dropped
    2000
    """
    from hssm_nre.progress import progress_bar

    spec = get_model(spec)
    check_route(spec)  # a clear error here rather than in every worker
    config = config or SimConfig()
    sizes = [config.chunk] * (config.n // config.chunk)
    if config.n % config.chunk:
        sizes.append(config.n % config.chunk)
    seeds = np.random.SeedSequence(config.seed).spawn(len(sizes))
    jobs = [
        (spec, s, ss, config.dt, config.max_t, config.edge_share) for s, ss in zip(sizes, seeds, strict=True)
    ]
    n_jobs = config.n_jobs or mp.cpu_count()
    results = []
    with progress_bar(progress) as bar:
        task = bar.add_task(f"simulate {spec.name}", total=config.n)
        if n_jobs == 1 or callable(spec.simulator) or len(jobs) == 1:
            for job in jobs:
                results.append(_chunk_job(job))
                bar.advance(task, job[1])
        else:
            ctx = mp.get_context("spawn")  # fork is unsafe once JAX threads exist
            with ProcessPoolExecutor(max_workers=n_jobs, mp_context=ctx) as pool:
                for job, res in zip(jobs, pool.map(_chunk_job, jobs), strict=True):
                    results.append(res)
                    bar.advance(task, job[1])
    theta = np.concatenate([r[0] for r in results])
    x = np.concatenate([r[1] for r in results])
    return SimData(theta=theta, x=x, n_dropped=sum(r[2] for r in results), n_requested=config.n)
