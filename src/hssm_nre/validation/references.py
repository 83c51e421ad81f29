"""Reference likelihoods that networks are validated against (never used in training).

``get_reference(model, kind)`` returns a :class:`Reference` whose ``logp(theta, x)`` gives
per-trial log-densities for one parameter vector ``theta`` (in the package's, i.e.
ssm-simulators', parametrization) and observations ``x = [[rt, response], ...]``:

* ``analytic``: closed forms. ``ddm``: Navarro & Fuss (JAX); ``ddm_sdv``: the same with the
  drift integrated over ``N(v, sv^2)`` (hssm's ``logp_ddm_sdv`` formula, in JAX).
  ``lba3``: hssm's own ``logp_lba3`` (the analytical LBA, ``s = 0.1``, normalized by
  ``1 - P(all drifts negative)``), compiled once by pytensor in float64; ``-inf`` where
  ``b <= A`` or ``rt <= 0`` (hssm gives -66.1 there). ``ddm_seq2_no_bias`` (two diffusions in
  sequence): the convolution of the two analytic DDM densities
  (:func:`hssm_nre.net.seq_density.seq2_logp`, float64).
* ``blackbox``: hssm's HDDM-derived ``full_ddm`` likelihood (numerical integration over
  ``sz``, ``st``, closed form over ``sv``). Conventions differ: ssm-simulators draws the start
  point as ``-a + 2 a z + U(-sz, sz)`` (absolute units) and the non-decision time as
  ``t + U(-st, st)``, while HDDM's ``sz`` and ``st`` are the full widths, ``sz`` relative to
  the boundary separation ``2a``; so hssm is called with ``sz / a`` and ``2 st``.
* ``pyddm``: PyDDM (a test / benchmark dependency) with the boundaries and drift of
  ssm-simulators. Constant boundaries (``ddm``, ``ornstein``): its Crank-Nicolson
  Fokker-Planck solver, which PyDDM supports only for boundaries that do not move.
  ``angle`` (a linearly collapsing boundary): PyDDM's closed-form series (Anderson 1960).
  ``weibull``: PyDDM's implicit (backward Euler) solver on a fine grid (dx = dt = 0.001),
  whose error is measured against the closed-form ``angle`` in
  ``benchmarks/accuracy/reference_accuracy.py``. ``pyddm`` on ``ddm`` checks the solver itself.
* ``fokker_planck``: races of independent diffusions (``race_no_bias_angle_4``): each
  accumulator's first-passage density and survival from its own Fokker-Planck equation
  (Crank-Nicolson on a grid that follows the boundary, float64;
  :mod:`hssm_nre.validation.race_density`), combined as ``f_k prod_{j != k} S_j``.

Which kinds cover a model is part of its :class:`~hssm_nre.models.ModelSpec`
(``references``, the default first); :data:`REFERENCES` is the view ``{kind: models}``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hssm_nre.models import BOUNDARIES, DRIFTS, MODELS, ModelSpec, drift_at, get_model
from hssm_nre.net.ddm_density import ddm_logp_jax

__all__ = ["KINDS", "REFERENCES", "Reference", "get_reference", "unsupported"]


@dataclass(frozen=True)
class Reference:
    """A reference likelihood for one model.

    ``logp(theta (P,), x (n, 2)) -> (n,)`` log-densities, ``-inf`` where impossible.
    """

    model: str
    kind: str
    description: str
    logp: Callable[[np.ndarray, np.ndarray], np.ndarray]


def _import_hssm(module: str):
    """Import a module of hssm without its side effect on JAX.

    Importing hssm's likelihoods turns on JAX's float64 mode for the whole process, after which
    the float32 networks' NUTS programs fail ("cond branches must have equal output types");
    the flag is put back as it was.
    """
    import importlib

    import jax

    x64 = jax.config.jax_enable_x64
    try:
        return importlib.import_module(module)
    finally:
        jax.config.update("jax_enable_x64", x64)


def _analytic_lba(model: str) -> Reference:
    import pytensor
    import pytensor.tensor as pt

    analytical = _import_hssm("hssm.likelihoods.analytical")

    spec = get_model(model)
    k = len(spec.choices)
    data = pt.dmatrix("data")
    params = [pt.dscalar(p) for p in spec.params]
    # FAST_COMPILE: NumPy kernels, no C compilation (which took about 50 s on a cold cache)
    fn = pytensor.function(
        [data, *params], getattr(analytical, f"logp_lba{k}")(data, *params), mode="FAST_COMPILE"
    )

    def logp(theta, x):
        x = np.asarray(x, np.float64)
        theta = [float(p) for p in theta]
        if not theta[0] < theta[1]:  # b <= A: hssm's check_parameters
            return np.full(len(x), -np.inf)
        ok = (x[:, 0] > 0) & np.isin(x[:, 1], spec.choices)
        # hssm indexes its per-choice densities by the response: unknown responses are evaluated
        # at a valid placeholder and masked, not passed in (an IndexError there)
        safe = np.where(ok[:, None], x, np.array([[1.0, float(spec.choices[0])]]))
        out = np.asarray(fn(safe, *theta), np.float64).reshape(len(x))
        return np.where(ok, out, -np.inf)

    return Reference(model, "analytic", f"hssm's analytical logp_lba{k} (pytensor, float64)", logp)


def _analytic(model: str) -> Reference:
    import jax
    import jax.numpy as jnp

    if get_model(model).simulator == "lba":
        return _analytic_lba(model)
    if get_model(model).simulator == "seq2":
        from hssm_nre.net.seq_density import seq2_logp

        params = get_model(model).params
        return Reference(
            model,
            "analytic",
            "convolution of the two stages' analytic DDM densities (FFT on a grid, float64)",
            lambda theta, x: seq2_logp(theta, x, params),
        )
    if get_model(model).params == _DDM:
        fn = jax.jit(lambda th, x: ddm_logp_jax(jnp.broadcast_to(th, (x.shape[0], 4)), x))
        desc = "analytic DDM density (Navarro & Fuss series, JAX, float64 in NumPy out)"
    else:
        fn = jax.jit(
            lambda th, x: ddm_logp_jax(jnp.broadcast_to(th[:4], (x.shape[0], 4)), x, sv=th[4]),
        )
        desc = "analytic DDM density with the drift integrated over N(v, sv^2) (as hssm's logp_ddm_sdv)"

    def logp(theta, x):
        return np.asarray(fn(jnp.asarray(theta, jnp.float32), jnp.asarray(x, jnp.float32)), np.float64)

    return Reference(model, "analytic", desc, logp)


def _blackbox_full_ddm(model: str = "full_ddm") -> Reference:
    logp_full_ddm = _import_hssm("hssm.likelihoods.blackbox").logp_full_ddm

    def logp(theta, x):
        v, a, z, t, sz, sv, st = (float(p) for p in theta)
        x = np.asarray(x, np.float64)
        out = np.asarray(logp_full_ddm(x, v, a, z, t, sz / a, sv, 2.0 * st), np.float64)
        # hssm replaces impossible trials by -66.1; keep them impossible
        return np.where(x[:, 0] > t - st, out, -np.inf)

    return Reference(
        model,
        "blackbox",
        "hssm's blackbox full_ddm likelihood (HDDM wfpt), called with sz / a and 2 st",
        logp,
    )


def _log_density(grid: np.ndarray, pdf: np.ndarray, u: np.ndarray, tail: int = 20) -> np.ndarray:
    """Log of a gridded first-passage density at ``u``, with an exponential tail.

    PyDDM stops propagating once almost no probability is left undecided and reports zeros
    from there on (the last non-zero step is partial); beyond the last full step the density
    is continued log-linearly, as the slowest eigenmode of the diffusion decays.
    """
    nz = np.nonzero(pdf > 0)[0]
    with np.errstate(divide="ignore"):
        out = np.log(np.maximum(np.interp(u, grid, pdf), 0.0))
    if len(nz) < tail + 2:
        return out
    last = nz[-1] - 1
    slope = (np.log(pdf[last]) - np.log(pdf[last - tail])) / (grid[last] - grid[last - tail])
    far = u > grid[last]
    out[far] = np.log(pdf[last]) + min(slope, 0.0) * (u[far] - grid[last])
    return out


def _pyddm(
    model: str, dx: float, dt: float, fine: float = 0.001, angle_closed_form: bool = True
) -> Reference:
    try:
        import pyddm
    except ImportError as e:  # pragma: no cover - dev dependency
        raise ImportError("the pyddm reference needs PyDDM: pip install pyddm") from e

    class _Bound(pyddm.Bound):
        name = "ssm-simulators boundary"
        required_parameters = ["a", "kind", "p1", "p2"]

        def get_bound(self, t, conditions=None, **kwargs):
            if self.kind == "angle":
                return max(self.a - t * np.tan(self.p1), 0.0)
            if self.kind == "weibull":  # a exp(-(t / beta)^alpha), p1 = alpha, p2 = beta
                return self.a * np.exp(-((t / self.p2) ** self.p1))
            return self.a

    class _Drift(pyddm.Drift):
        name = "ssm-simulators time-varying drift"
        required_parameters = ["v", "kind", "p"]

        def get_drift(self, t, conditions=None, **kwargs):
            return self.v + float(drift_at(self.kind, t, self.p))

    import jax

    spec = get_model(model)
    collapsing = spec.boundary is not None
    # Crank-Nicolson is only valid for fixed boundaries; moving ones take the implicit
    # solver, first order in dt, hence the finer grid (or the closed form for angle). A
    # time-varying drift keeps Crank-Nicolson but takes the fine time step, which resolves
    # gamma_drift's narrowest bumps (scale 0.01 s).
    step = fine if collapsing or spec.drift is not None else dt
    early = 2 * step
    _short = jax.jit(lambda th, xs: ddm_logp_jax(jax.numpy.broadcast_to(th, (xs.shape[0], 4)), xs))

    def solve(theta, t_max):
        p = dict(zip(spec.params, (float(v) for v in theta), strict=True))
        kind, p1, p2 = "const", 0.0, 1.0
        if spec.boundary == "angle":
            kind, p1 = "angle", p["theta"]
        elif spec.boundary == "weibull":
            kind, p1, p2 = "weibull", p["alpha"], p["beta"]
        closed = kind == "angle" and angle_closed_form and p1 >= 0  # PyDDM's series: collapse only
        if closed:
            bound = pyddm.BoundCollapsingLinear(B=p["a"], t=float(np.tan(p1)))
        elif kind != "const":
            bound = _Bound(a=p["a"], kind=kind, p1=p1, p2=p2)
        else:
            bound = pyddm.BoundConstant(B=p["a"])
        drift = pyddm.DriftLinear(drift=p["v"], x=-p["g"], t=0.0) if "g" in p else None
        if spec.drift is not None:
            drift = _Drift(v=p["v"], kind=spec.drift, p=tuple(p[k] for k in DRIFTS[spec.drift]))
        m = pyddm.Model(
            drift=drift or pyddm.DriftConstant(drift=p["v"]),
            noise=pyddm.NoiseConstant(noise=1.0),
            bound=bound,
            IC=pyddm.ICPointRatio(x0=2.0 * p["z"] - 1.0),
            dx=step if collapsing else dx,
            dt=step,
            T_dur=t_max,
        )
        if closed:
            return p, m.solve_analytical()
        return p, (m.solve_numerical_implicit() if collapsing else m.solve_numerical_cn())

    def logp(theta, x):
        x = np.asarray(x, np.float64)
        u = x[:, 0] - float(theta[spec.params.index("t")])
        t_max = float(np.ceil((max(u.max(), 0.0) + 0.05) / step) * step) + step
        _, sol = solve(theta, t_max)
        out = np.full(len(x), -np.inf)
        for c, name in ((1, "correct"), (-1, "error")):
            sel = (x[:, 1] == c) & (u >= early)
            out[sel] = _log_density(sol.t_domain, sol.pdf(name), u[sel])
        # Below two time steps the grid has no resolution; there the boundary has not moved
        # and the drift not acted, so the constant-boundary DDM density is exact to O(u).
        sel = (u > 0) & (u < early)
        if sel.any():
            p = dict(zip(spec.params, (float(v) for v in theta), strict=True))
            th4 = np.array([p["v"], p["a"], p["z"], 0.0], np.float32)
            xs = np.stack([u[sel], x[sel, 1]], 1).astype(np.float32)
            out[sel] = np.asarray(_short(th4, xs), np.float64)
        return out

    if spec.boundary == "angle" and angle_closed_form:
        how = f"PyDDM's closed form for a linearly collapsing boundary (Anderson 1960), dt = {step}"
    elif collapsing:
        how = f"PyDDM implicit Fokker-Planck solution (dx = dt = {step}), ssm-simulators boundary"
    elif spec.drift is not None:
        how = f"PyDDM Crank-Nicolson Fokker-Planck solution (dx = {dx}, dt = {step}), ssm-simulators drift"
    else:
        how = f"PyDDM Crank-Nicolson Fokker-Planck solution (dx = {dx}, dt = {dt})"
    return Reference(model, "pyddm", how, logp)


def _fokker_planck(model: str) -> Reference:
    from hssm_nre.validation.race_density import race_logp

    spec = get_model(model)
    return Reference(
        model,
        "fokker_planck",
        "each accumulator's Fokker-Planck equation (Crank-Nicolson, 1000 cells, float64), f_k prod S_j",
        lambda theta, x: race_logp(theta, x, spec.params, spec.boundary),
    )


_DDM = ("v", "a", "z", "t")


def _route_problem(kind: str, spec: ModelSpec, what: str) -> str | None:
    """Why the simulator's route cannot take ``spec`` (the density is the simulator's law), or None."""
    from hssm_nre.simulation import check_route

    try:
        check_route(spec)
    except ValueError as e:
        return f"{kind!r} covers {what}: {e}"
    return None


def unsupported(kind: str, spec: ModelSpec | str) -> str | None:
    """Why the implementation of reference ``kind`` cannot compute ``spec``'s likelihood, or ``None``.

    The implementations go by the model's structure, not its name: ``analytic`` takes the DDM's
    parameters, alone or with ``sv``, an LBA with 2 or 3 choices, or two diffusions in sequence;
    ``blackbox`` those of ``full_ddm``; ``pyddm`` a diffusion with unit noise, a constant or collapsing
    (:data:`~hssm_nre.models.BOUNDARIES`) boundary and optionally the leak ``g`` of the
    Ornstein-Uhlenbeck drift ``v - g x`` or a time-varying drift (:data:`~hssm_nre.models.DRIFTS`).

    Examples
    --------
    >>> unsupported("pyddm", "weibull") is None
    True
    >>> unsupported("blackbox", "ddm")
    "'blackbox' covers ('v', 'a', 'z', 't', 'sz', 'sv', 'st'), not ('v', 'a', 'z', 't')"
    """
    spec = get_model(spec)
    if kind not in KINDS:
        return f"unknown reference {kind!r}; choose from {sorted(KINDS)}"
    if kind == "fokker_planck":
        if spec.simulator != "race":
            return f"{kind!r} covers races of independent diffusions (simulator 'race'), not {spec.name!r}"
        return _route_problem(kind, spec, "races of independent diffusions")
    if kind == "analytic" and spec.simulator == "lba":
        k = len(spec.choices)
        if k in (2, 3) and spec.params == ("A", "b", *(f"v{i}" for i in range(k))):
            return None
        return f"{kind!r} covers the LBA with 2 or 3 choices (A, b, v0, ...), not {spec.params}"
    if kind == "analytic" and spec.simulator == "seq2":
        return _route_problem(kind, spec, "two diffusions in sequence")
    if spec.ndt != "t" or spec.choices != (-1, 1):
        return f"{kind!r} covers diffusion models with choices (-1, 1) and non-decision time 't'"
    if kind == "analytic":
        if spec.params in (_DDM, (*_DDM, "sv")):
            return None
        return f"{kind!r} covers {_DDM} or {(*_DDM, 'sv')}, not {spec.params}"
    if kind == "blackbox":
        full = (*_DDM, "sz", "sv", "st")
        if spec.params == full and spec.ndt_spread == "st":
            return None
        return f"{kind!r} covers {full}, not {spec.params}"
    known = {*_DDM, "g", *BOUNDARIES.get(spec.boundary, ()), *DRIFTS.get(spec.drift, ())}
    extra = [p for p in spec.params if p not in known]
    if extra or spec.ndt_spread is not None or not set(_DDM) <= set(spec.params):
        return (
            f"{kind!r} covers v, a, z, t, g and a boundary's or drift's parameters; "
            f"{spec.name!r} has {spec.params}"
        )
    return None


_BUILDERS: dict[str, Callable[[str, float, float], Reference]] = {
    "analytic": lambda model, dx, dt: _analytic(model),
    "blackbox": lambda model, dx, dt: _blackbox_full_ddm(model),
    "pyddm": lambda model, dx, dt: _pyddm(model, dx, dt),
    "fokker_planck": lambda model, dx, dt: _fokker_planck(model),
}
KINDS = tuple(_BUILDERS)
"""The kinds of reference likelihood implemented here, in the order ``hssm-nre validate`` prefers them."""

REFERENCES: dict[str, tuple[str, ...]] = {
    kind: tuple(name for name, spec in MODELS.items() if kind in spec.references) for kind in KINDS
}
"""``{kind: registry models it covers}``, from each :class:`~hssm_nre.models.ModelSpec`'s ``references``."""


def get_reference(model: str, kind: str, dx: float = 0.005, dt: float = 0.005) -> Reference:
    """Return the reference likelihood ``kind`` for ``model`` (see the module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> ref = get_reference("ddm", "analytic")
    >>> bool(np.isfinite(ref.logp(np.array([0.5, 1.0, 0.5, 0.3]), np.array([[0.9, 1.0]]))).all())
    True
    """
    if kind not in REFERENCES:
        raise ValueError(f"unknown reference {kind!r}; choose from {sorted(REFERENCES)}")
    if model not in REFERENCES[kind]:
        have = [k for k, ms in REFERENCES.items() if model in ms]
        raise ValueError(
            f"reference {kind!r} does not cover model {model!r} (it covers {REFERENCES[kind]}); "
            + (f"{model!r} has {have}" if have else f"{model!r} has no reference likelihood")
        )
    why = unsupported(kind, model)
    if why is not None:
        raise ValueError(f"model {model!r} lists reference {kind!r}, which cannot compute it: {why}")
    return _BUILDERS[kind](model, dx, dt)
