"""Model registry: one frozen :class:`ModelSpec` per supported simulator model.

Parameters mean exactly what they mean in ssm-simulators, which is also what they
mean in hssm: ``a`` is the distance from the midpoint to each boundary (the
boundaries sit at ``+a`` and ``-a``, so the boundary *separation* is ``2a``; hssm's
analytic DDM doubles ``a`` before calling the Navarro-Fuss density), ``z`` is the
relative starting point in ``(0, 1)``, ``t`` the non-decision time in seconds, the
diffusion noise SD is 1 and response ``+1`` is the upper boundary.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

__all__ = [
    "BOUNDARIES",
    "DRIFTS",
    "MODELS",
    "SIMULATORS",
    "ModelSpec",
    "boundary_at",
    "drift_at",
    "get_model",
    "list_models",
]

# The package's simulation routes (see :mod:`hssm_nre.simulation`); a spec may also carry a callable.
SIMULATORS = ("bridge", "stable", "lba", "seq2", "race", "ssms")


# Collapsing boundaries b(u) of the diffusion models, by name: the shape parameters that
# follow the initial half-width ``a`` (see :func:`boundary_at`).
BOUNDARIES = {"angle": ("theta",), "weibull": ("alpha", "beta")}


def boundary_at(kind: str, u, a, shape, xp=np):
    """Half-width ``b(u)`` of a collapsing boundary at decision time ``u``.

    ``"angle"``: ``max(a - u tan(theta), 0)``; ``"weibull"``: ``a exp(-(u / beta)^alpha)``.
    ``shape`` holds the parameters of :data:`BOUNDARIES` ``[kind]``; ``xp`` is ``numpy``
    in the simulator and ``jax.numpy`` in the network.

    Examples
    --------
    >>> float(boundary_at("weibull", 0.5, 2.0, (1.0, 0.5), np))  # a / e
    0.7357588823428847
    """
    if kind == "angle":
        (theta,) = shape
        return xp.maximum(a - u * xp.tan(theta), 0.0)
    if kind == "weibull":
        alpha, beta = shape
        return a * xp.exp(-xp.power(u / beta, alpha))
    raise ValueError(f"unknown boundary {kind!r}; known: {sorted(BOUNDARIES)}")


# Time-varying drifts ``v + d(u)`` of the diffusion models, by name: the parameters of the
# added component ``d`` (see :func:`drift_at`).
DRIFTS = {"gamma": ("shape", "scale", "c")}


def drift_at(kind: str, u, params, xp=np):
    """Return the time-varying part ``d(u)`` of the drift ``v + d(u)`` at decision time ``u``.

    ``"gamma"`` (ssm-simulators' ``gamma_drift``): a gamma-shaped bump of peak ``c`` at
    ``u = (shape - 1) scale``, ``c (u / ((shape - 1) scale))^(shape - 1) exp(shape - 1 - u / scale)``.
    ``params`` holds the parameters of :data:`DRIFTS` ``[kind]``; ``xp`` is ``numpy`` or
    ``jax.numpy``.

    Examples
    --------
    >>> float(drift_at("gamma", 0.5, (3.0, 0.25, 2.0)))  # the peak
    2.0
    """
    if kind == "gamma":
        shape, scale, c = params
        k = shape - 1.0
        r = xp.maximum(u, 1e-300) / (k * scale)
        return xp.where(u > 0, c * xp.exp(k * (xp.log(r) + 1.0 - r)), 0.0)
    raise ValueError(f"unknown drift {kind!r}; known: {sorted(DRIFTS)}")


@dataclass(frozen=True)
class ModelSpec:
    """Everything the package needs to know about one simulator model.

    Parameters
    ----------
    name
        Model name, as in ssm-simulators and hssm.
    params
        Parameter names, in the order the simulator and hssm use.
    box
        Training box: ``(low, high)`` per parameter, same order as ``params``.
    choices
        Possible responses.
    simulator
        How training data are simulated (:func:`hssm_nre.simulation.simulate_trials`):
        ``"bridge"`` (the default) for the package's own bias-corrected diffusion simulator,
        which knows ``v``, ``a``, ``z``, the non-decision time, ``sv``, ``sz``, ``g``, the
        ``ndt_spread`` and the parameters of ``boundary``; ``"stable"`` for its alpha-stable
        Levy-flight simulator (``v``, ``a``, ``z``, ``alpha``, non-decision time); ``"lba"`` for
        its exact linear ballistic accumulator sampler (``A``, ``b``, drifts ``v0 ... v{K-1}``,
        as hssm's analytical LBA likelihood defines the model); ``"seq2"`` for two diffusions
        one after the other (ssm-simulators' ``ddm_seq2`` family: the first one's boundary picks
        which drift the second runs with, ``rt = t + t1 + t2``, the response ``2 c1 + c2`` for
        ``0..3``), each from the bridge simulator; ``"race"`` for a race of independent
        diffusions (ssm-simulators' ``race_model``: drifts ``v0 ... v{K-1}``, ``a``, ``z``, ``t``
        and a boundary's parameters, responses ``0..K-1``); ``"ssms"``
        for ssm-simulators' model of the same name; or a callable ``f(theta, rng) -> x`` that
        maps an ``(n, n_params)`` array to ``(n, obs_dim)`` observations.
    ndt
        Name of the non-decision-time parameter (``rt = t + decision time``), or
        ``None`` when the model has none.
    obs_dim
        Number of columns of one observation (2 for ``(rt, response)``).
    default_network
        Name of the pretrained network used when none is given.
    description
        One line for listings.
    mirror
        ``(drift, start)`` parameter names when the model is symmetric under swapping
        the two choices: ``p(rt, lower | v, z, ...) = p(rt, upper | -v, 1 - z, ...)``
        (true of every two-choice registry model: the boundaries and the noise are symmetric
        about the midpoint). Further names after the two are parameters that change sign
        with the drift (``gamma_drift``'s ``c``: ``("v", "z", "c")``). A network then learns
        one boundary and gets the other by the reflection, which halves what it must learn.
        Needs a box symmetric under it.
    ndt_spread
        Name of a parameter that spreads the non-decision time uniformly,
        ``t ~ U(t - st, t + st)`` as in ssm-simulators' ``full_ddm`` (hssm's analytic and
        blackbox ``st`` is the full width, ``2 st``). Reaction times then start at
        ``t - st``, and normalized networks count decision time from there.
    boundary
        Name of the model's collapsing boundary in :data:`hssm_nre.net.features.BOUNDARIES`
        (``"angle"``, ``"weibull"``), which the ``"boundary"`` time feature of a network
        evaluates; ``None`` for constant boundaries.
    drift
        Name of a time-varying drift ``v + d(u)`` in :data:`DRIFTS` (``"gamma"``), which the
        bridge simulator and the PyDDM reference evaluate; ``None`` for a constant drift.
    extra
        Free-form metadata (not compared).
    validation_sets
        Parameter sets ``{param: value}`` (every parameter, inside the box) that the
        validation report of the model's networks runs on (for ``ddm``
        :data:`hssm_nre.validation.cases.PARAMETER_SETS`, for the others
        :data:`~hssm_nre.validation.cases.EXTENDED_SETS`). Not compared.
    constraints
        Pairs ``(low, high)`` of parameter names that must satisfy ``theta[low] < theta[high]``
        inside the box (lba3: ``("A", "b")``, hssm's ``b > A``), which a rectangular box cannot
        express. :meth:`sample_box` redraws the rows that break one, the network's
        log-likelihood is ``-inf`` there, as hssm's own ``check_parameters`` makes it.
    references
        Kinds of reference likelihood in :mod:`hssm_nre.validation.references` that cover the
        model (``"analytic"``, ``"blackbox"``, ``"pyddm"``), the default one first
        (``hssm-nre validate`` takes the first kind of
        :data:`~hssm_nre.validation.references.REFERENCES` that covers the model, so keep the
        kinds in that order). Not compared.

    Examples
    --------
    >>> from hssm_nre.models import get_model
    >>> get_model("ddm").params
    ('v', 'a', 'z', 't')
    """

    name: str
    params: tuple[str, ...]
    box: tuple[tuple[float, float], ...]
    choices: tuple[int, ...] = (-1, 1)
    simulator: (
        Literal["bridge", "stable", "lba", "seq2", "race", "ssms"]
        | Callable[[np.ndarray, np.random.Generator], np.ndarray]
    ) = "bridge"
    ndt: str | None = "t"
    obs_dim: int = 2
    default_network: str | None = None
    description: str = ""
    mirror: tuple[str, ...] | None = ("v", "z")
    ndt_spread: str | None = None
    boundary: str | None = None
    drift: str | None = None
    constraints: tuple[tuple[str, str], ...] = ()
    extra: dict = field(default_factory=dict, compare=False, hash=False)
    validation_sets: tuple[dict[str, float], ...] = field(default=(), compare=False, hash=False)
    references: tuple[str, ...] = field(default=(), compare=False, hash=False)

    def __post_init__(self) -> None:
        # lists become tuples and the sets private copies (the spec is frozen, and shared)
        object.__setattr__(self, "validation_sets", tuple(dict(s) for s in self.validation_sets))
        object.__setattr__(self, "references", tuple(self.references))
        object.__setattr__(self, "constraints", tuple(tuple(c) for c in self.constraints))
        for pair in self.constraints:
            if len(pair) != 2 or not set(pair) <= set(self.params) or pair[0] == pair[1]:
                raise ValueError(
                    f"model {self.name!r}: constraint {pair} must be two distinct parameters of "
                    f"{self.params}, (low, high) meaning low < high"
                )
        if len(self.params) != len(self.box):
            raise ValueError(
                f"model {self.name!r}: {len(self.params)} params but {len(self.box)} box "
                "entries; give one (low, high) pair per parameter"
            )
        for p, (lo, hi) in zip(self.params, self.box, strict=True):
            if not lo < hi:
                raise ValueError(f"model {self.name!r}: box of {p!r} is ({lo}, {hi}); need low < high")
        if self.ndt is not None and self.ndt not in self.params:
            raise ValueError(f"model {self.name!r}: ndt {self.ndt!r} is not one of {self.params}")
        if self.ndt_spread is not None and (self.ndt is None or self.ndt_spread not in self.params):
            raise ValueError(f"model {self.name!r}: ndt_spread {self.ndt_spread!r} needs ndt and a parameter")
        for field_, registry, base in (("boundary", BOUNDARIES, "a"), ("drift", DRIFTS, "v")):
            kind = getattr(self, field_)
            if kind is not None and (kind not in registry or not {base, *registry[kind]} <= set(self.params)):
                raise ValueError(
                    f"model {self.name!r}: {field_} {kind!r} needs to be one of {sorted(registry)} "
                    f"and its parameters ({base!r}, {', '.join(map(repr, registry.get(kind, ())))}) "
                    f"to be among {self.params}"
                )
        if self.mirror is not None:
            object.__setattr__(self, "mirror", tuple(self.mirror))
            box = dict(zip(self.params, self.box, strict=True))
            if len(self.mirror) < 2 or not set(self.mirror) <= set(box) or len(self.choices) != 2:
                raise ValueError(
                    f"model {self.name!r}: mirror {self.mirror} needs (drift, start, ...) among "
                    f"{self.params} and two choices (has {self.choices}); pass mirror=None"
                )
            v, z, *odd = self.mirror
            if not (
                all(np.isclose(box[p][0], -box[p][1]) for p in (v, *odd))
                and np.isclose(box[z][0] + box[z][1], 1.0)
            ):
                raise ValueError(
                    f"model {self.name!r}: mirror {self.mirror} needs a box symmetric under "
                    f"{z} -> 1 - {z} and {', '.join(f'{p} -> -{p}' for p in (v, *odd))}; got "
                    + ", ".join(f"{p} {box[p]}" for p in self.mirror)
                )
        if isinstance(self.simulator, str) and self.simulator not in SIMULATORS:
            raise ValueError(
                f"model {self.name!r}: unknown simulator {self.simulator!r}; use one of {SIMULATORS} "
                "or a callable f(theta, rng) -> x"
            )
        for i, values in enumerate(self.validation_sets):
            if set(values) != set(self.params):
                raise ValueError(
                    f"model {self.name!r}: validation set {i} has parameters {sorted(values)}; "
                    f"give a value for each of {self.params}"
                )
            outside = [
                f"{p}={values[p]} not in [{lo}, {hi}]"
                for p, (lo, hi) in zip(self.params, self.box, strict=True)
                if not lo <= values[p] <= hi
            ]
            outside += [f"{lo} < {hi} broken" for lo, hi in self.constraints if not values[lo] < values[hi]]
            if outside:
                raise ValueError(
                    f"model {self.name!r}: validation set {i} leaves the box: {', '.join(outside)}"
                )
        if not all(isinstance(k, str) for k in self.references) or len(set(self.references)) < len(
            self.references
        ):
            raise ValueError(
                f"model {self.name!r}: references must be distinct kind names: {self.references}"
            )

    @property
    def n_params(self) -> int:
        """Number of parameters."""
        return len(self.params)

    @property
    def lower(self) -> np.ndarray:
        """Lower corners of the training box."""
        return np.array([b[0] for b in self.box], dtype=np.float64)

    @property
    def upper(self) -> np.ndarray:
        """Upper corners of the training box."""
        return np.array([b[1] for b in self.box], dtype=np.float64)

    def satisfies(self, theta: np.ndarray) -> np.ndarray:
        """Flag the rows of ``theta`` (..., P) that meet every :attr:`constraints` pair.

        Examples
        --------
        >>> import numpy as np
        >>> get_model("lba3").satisfies(np.array([[0.5, 0.4, 1, 1, 1], [0.3, 0.6, 1, 1, 1]])).tolist()
        [False, True]
        """
        theta = np.asarray(theta)
        ok = np.ones(theta.shape[:-1], bool)
        for lo, hi in self.constraints:
            ok &= theta[..., self.params.index(lo)] < theta[..., self.params.index(hi)]
        return ok

    def box_dict(self) -> dict[str, tuple[float, float]]:
        """Return the training box as ``{param: (low, high)}``."""
        return dict(zip(self.params, self.box, strict=True))

    def sample_box(self, n: int, rng: np.random.Generator, edge_share: float = 0.0) -> np.ndarray:
        """Draw ``n`` parameter vectors from the training box.

        A share ``edge_share`` of the rows (each row by a coin flip) has every coordinate
        drawn from Beta(1/2, 1/2) scaled to the box instead of uniformly. That arcsine law
        piles its mass near both bounds of each parameter, so the box's faces, edges and
        corners, where a uniform draw in d dimensions puts a share ``0.1^d`` of the rows
        within 5 % of a vertex, are trained on too. The network is a conditional density
        in ``x`` given ``theta``, so the proposal over ``theta`` changes where it is
        accurate, not what it estimates. Rows that break a :attr:`constraints` pair are
        redrawn (the law is then the one above restricted to the allowed region).
        """
        if not 0.0 <= edge_share <= 1.0:
            raise ValueError(f"edge_share must be in [0, 1], got {edge_share}")
        out = self._draw_box(n, rng, edge_share)
        bad = ~self.satisfies(out)
        while bad.any():
            out[bad] = self._draw_box(int(bad.sum()), rng, edge_share)
            bad = ~self.satisfies(out)
        return out

    def _draw_box(self, n: int, rng: np.random.Generator, edge_share: float) -> np.ndarray:
        u = rng.uniform(size=(n, self.n_params))
        if edge_share > 0.0:
            edge = rng.uniform(size=n) < edge_share
            u[edge] = rng.beta(0.5, 0.5, size=(int(edge.sum()), self.n_params))
        return self.lower + (self.upper - self.lower) * u

    @classmethod
    def custom(
        cls,
        name: str,
        params: list[str] | tuple[str, ...],
        box: dict[str, tuple[float, float]],
        simulator: Callable[[np.ndarray, np.random.Generator], np.ndarray],
        *,
        obs_dim: int = 1,
        choices: tuple[int, ...] = (),
        ndt: str | None = None,
        description: str = "",
        mirror: tuple[str, ...] | None = None,
    ) -> ModelSpec:
        """Build a spec for a user's own simulator.

        Parameters
        ----------
        name
            A name for the model.
        params
            Parameter names, in the order the simulator expects the columns.
        box
            ``{param: (low, high)}`` for every parameter.
        simulator
            ``f(theta, rng) -> x``: ``theta`` has shape ``(n, len(params))``; ``x``
            must have shape ``(n, obs_dim)`` (one observation per parameter row).
        obs_dim
            Columns of one observation.
        choices
            Discrete responses, if the last column of ``x`` is a choice.
        ndt
            Non-decision-time parameter, if ``x[:, 0]`` is a reaction time.
        description
            One line for listings.
        mirror
            ``(drift, start)`` names if swapping the choices equals ``drift -> -drift``,
            ``start -> 1 - start`` (see :class:`ModelSpec`); off by default.

        Examples
        --------
        >>> import numpy as np
        >>> spec = ModelSpec.custom(
        ...     "normal", ["mu", "sigma"], {"mu": (-5, 5), "sigma": (0.1, 5)},
        ...     lambda th, rng: th[:, :1] + th[:, 1:] * rng.standard_normal((len(th), 1)))
        >>> spec.n_params
        2
        """
        missing = [p for p in params if p not in box]
        if missing:
            raise ValueError(f"box has no entry for {missing}; give (low, high) for every parameter")
        if not callable(simulator):
            raise TypeError(f"simulator must be callable f(theta, rng) -> x, got {type(simulator)}")
        return cls(
            name=name,
            params=tuple(params),
            box=tuple((float(box[p][0]), float(box[p][1])) for p in params),
            choices=tuple(choices),
            simulator=simulator,
            ndt=ndt,
            obs_dim=obs_dim,
            description=description,
            mirror=mirror,
        )


# Each entry carries everything that is per model: the simulation route (``simulator``), the
# validation's parameter sets (spread over the box: slow and fast, biased and unbiased, small and
# large t, the model's own parameters low and high) and the reference likelihoods that cover it
# (the default first). The views ``validation.cases.PARAMETER_SETS`` / ``EXTENDED_SETS``,
# ``validation.references.REFERENCES`` and ``simulation.BRIDGE_MODELS`` are derived from here, in
# this order. A new model is one entry here plus one recipe in ``training/recipes.py``.
MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in [
        ModelSpec(
            "ddm",
            ("v", "a", "z", "t"),
            ((-3.0, 3.0), (0.3, 2.5), (0.1, 0.9), (0.0, 2.0)),
            default_network="ddm",
            description="Drift diffusion model (constant boundaries at +-a)",
            validation_sets=(
                {"v": 0.5, "a": 1.5, "z": 0.5, "t": 0.3},
                {"v": -1.2, "a": 0.8, "z": 0.35, "t": 0.5},
                {"v": 1.5, "a": 1.0, "z": 0.6, "t": 0.15},
                {"v": 0.0, "a": 2.0, "z": 0.5, "t": 1.0},
                {"v": 2.0, "a": 0.6, "z": 0.7, "t": 0.2},
                {"v": -0.7, "a": 1.2, "z": 0.25, "t": 0.8},
            ),
            references=("analytic", "pyddm"),
        ),
        ModelSpec(
            "angle",
            ("v", "a", "z", "t", "theta"),
            ((-3.0, 3.0), (0.3, 3.0), (0.1, 0.9), (0.001, 2.0), (-0.1, 1.3)),
            description="DDM with linearly collapsing boundaries a - t tan(theta)",
            boundary="angle",
            validation_sets=(
                {"v": 1.0, "a": 1.0, "z": 0.5, "t": 0.3, "theta": 0.3},
                {"v": -1.5, "a": 1.5, "z": 0.35, "t": 0.5, "theta": 0.7},
                {"v": 0.3, "a": 0.8, "z": 0.6, "t": 0.2, "theta": 0.1},
                {"v": 2.0, "a": 2.0, "z": 0.5, "t": 1.0, "theta": 1.0},
            ),
            references=("pyddm",),
        ),
        ModelSpec(
            "weibull",
            ("v", "a", "z", "t", "alpha", "beta"),
            ((-2.5, 2.5), (0.3, 2.5), (0.2, 0.8), (0.001, 2.0), (0.31, 4.99), (0.31, 6.99)),
            description="DDM with Weibull-collapsing boundaries a exp(-(t/beta)^alpha)",
            boundary="weibull",
            validation_sets=(
                {"v": 1.0, "a": 1.0, "z": 0.5, "t": 0.3, "alpha": 2.0, "beta": 2.0},
                {"v": -1.5, "a": 1.5, "z": 0.35, "t": 0.5, "alpha": 1.0, "beta": 1.0},
                {"v": 0.3, "a": 0.8, "z": 0.6, "t": 0.2, "alpha": 4.0, "beta": 5.0},
                {"v": 2.0, "a": 2.0, "z": 0.5, "t": 1.0, "alpha": 3.0, "beta": 0.8},
            ),
            references=("pyddm",),
        ),
        ModelSpec(
            "ornstein",
            ("v", "a", "z", "g", "t"),
            ((-2.0, 2.0), (0.3, 3.0), (0.1, 0.9), (-1.0, 1.0), (0.001, 2.0)),
            description="Ornstein-Uhlenbeck diffusion: drift v - g x",
            validation_sets=(
                {"v": 1.0, "a": 1.0, "z": 0.5, "g": 0.5, "t": 0.3},
                {"v": -1.5, "a": 1.5, "z": 0.35, "g": -0.5, "t": 0.5},
                {"v": 0.3, "a": 0.8, "z": 0.6, "g": 0.0, "t": 0.2},
                {"v": 1.0, "a": 2.0, "z": 0.5, "g": 0.9, "t": 1.0},
            ),
            references=("pyddm",),
        ),
        ModelSpec(
            "ddm_sdv",
            ("v", "a", "z", "t", "sv"),
            ((-3.0, 3.0), (0.3, 2.5), (0.1, 0.9), (0.001, 2.0), (0.001, 2.5)),
            description="DDM with trial-to-trial drift variability sv",
            validation_sets=(
                {"v": 1.0, "a": 1.0, "z": 0.5, "t": 0.3, "sv": 0.5},
                {"v": -1.5, "a": 1.5, "z": 0.35, "t": 0.5, "sv": 1.5},
                {"v": 0.3, "a": 0.8, "z": 0.6, "t": 0.2, "sv": 0.1},
                {"v": 2.0, "a": 2.0, "z": 0.5, "t": 1.0, "sv": 1.0},
            ),
            references=("analytic",),
        ),
        ModelSpec(
            "full_ddm",
            ("v", "a", "z", "t", "sz", "sv", "st"),
            (
                (-3.0, 3.0),
                (0.3, 2.5),
                (0.3, 0.7),
                (0.25, 2.25),
                (0.001, 0.2),
                (0.001, 2.0),
                (0.001, 0.25),
            ),
            ndt_spread="st",
            description="DDM with variability in start point (sz), drift (sv) and ndt (st)",
            validation_sets=(
                {"v": 1.0, "a": 1.0, "z": 0.5, "t": 0.5, "sz": 0.1, "sv": 0.5, "st": 0.1},
                {"v": -1.5, "a": 1.5, "z": 0.4, "t": 0.6, "sz": 0.05, "sv": 1.5, "st": 0.2},
                {"v": 0.3, "a": 0.8, "z": 0.6, "t": 0.4, "sz": 0.15, "sv": 0.2, "st": 0.05},
                {"v": 2.0, "a": 2.0, "z": 0.5, "t": 1.0, "sz": 0.1, "sv": 1.0, "st": 0.15},
            ),
            references=("blackbox",),
        ),
        ModelSpec(
            "levy",
            ("v", "a", "z", "alpha", "t"),
            ((-3.0, 3.0), (0.3, 3.0), (0.1, 0.9), (1.0, 2.0), (0.001, 2.0)),
            simulator="stable",
            description="Levy flight with alpha-stable noise (ssm-simulators' model, own simulator)",
            validation_sets=(
                {"v": 1.0, "a": 1.0, "z": 0.5, "alpha": 1.5, "t": 0.3},
                {"v": -1.5, "a": 1.5, "z": 0.35, "alpha": 1.2, "t": 0.5},
                {"v": 0.3, "a": 0.8, "z": 0.6, "alpha": 1.9, "t": 0.2},
                {"v": 2.0, "a": 2.0, "z": 0.5, "alpha": 1.7, "t": 1.0},
            ),
            references=(),  # no reference likelihood: recovery and calibration only
        ),
        ModelSpec(
            "gamma_drift",
            ("v", "a", "z", "t", "shape", "scale", "c"),
            ((-3.0, 3.0), (0.3, 3.0), (0.1, 0.9), (0.001, 2.0), (2.0, 10.0), (0.01, 1.0), (-3.0, 3.0)),
            description="DDM whose drift v + c gamma(u) adds a gamma-shaped bump of peak c (conflict tasks)",
            mirror=("v", "z", "c"),
            drift="gamma",
            validation_sets=(
                {"v": 1.0, "a": 1.0, "z": 0.5, "t": 0.3, "shape": 3.0, "scale": 0.1, "c": -1.5},
                {"v": -1.0, "a": 1.5, "z": 0.4, "t": 0.5, "shape": 5.0, "scale": 0.3, "c": 1.0},
                {"v": 0.5, "a": 0.8, "z": 0.6, "t": 0.2, "shape": 2.5, "scale": 0.05, "c": 2.5},
                {"v": 2.0, "a": 2.0, "z": 0.5, "t": 1.0, "shape": 8.0, "scale": 0.6, "c": -2.0},
            ),
            references=("pyddm",),
        ),
        ModelSpec(
            "lba3",
            ("A", "b", "v0", "v1", "v2"),
            ((0.05, 1.0), (0.2, 1.5), (0.1, 1.5), (0.1, 1.5), (0.1, 1.5)),
            choices=(0, 1, 2),
            simulator="lba",
            ndt=None,
            mirror=None,
            constraints=(("A", "b"),),
            description="Linear ballistic accumulator, 3 choices (hssm's analytical lba3: s = 0.1, no ndt)",
            validation_sets=(
                {"A": 0.3, "b": 0.5, "v0": 0.25, "v1": 0.5, "v2": 0.25},
                {"A": 0.6, "b": 1.0, "v0": 1.0, "v1": 0.6, "v2": 0.3},
                {"A": 0.2, "b": 0.9, "v0": 0.5, "v1": 0.5, "v2": 0.8},
                {"A": 0.8, "b": 1.2, "v0": 0.4, "v1": 1.2, "v2": 0.7},
            ),
            references=("analytic",),
        ),
        ModelSpec(
            "ddm_seq2_no_bias",
            ("vh", "vl1", "vl2", "a", "t"),
            ((-4.0, 4.0), (-4.0, 4.0), (-4.0, 4.0), (0.3, 2.5), (0.0, 2.0)),
            choices=(0, 1, 2, 3),
            simulator="seq2",
            mirror=None,
            description=(
                "Two DDMs in sequence, 4 choices: the first (drift vh) picks which second one runs "
                "(vl1 after its lower, vl2 after its upper boundary); start points in the middle"
            ),
            validation_sets=(
                {"vh": 1.0, "vl1": -0.5, "vl2": 1.5, "a": 1.0, "t": 0.3},
                {"vh": -1.5, "vl1": 2.0, "vl2": 0.0, "a": 0.7, "t": 0.5},
                {"vh": 0.3, "vl1": 1.0, "vl2": -1.0, "a": 1.5, "t": 0.2},
                {"vh": 2.5, "vl1": 0.5, "vl2": 2.5, "a": 0.5, "t": 1.0},
            ),
            references=("analytic",),
        ),
        ModelSpec(
            "race_no_bias_angle_4",
            ("v0", "v1", "v2", "v3", "a", "z", "t", "theta"),
            (
                (0.0, 2.5),
                (0.0, 2.5),
                (0.0, 2.5),
                (0.0, 2.5),
                (1.0, 3.0),
                (0.0, 0.9),
                (0.0, 2.0),
                (-0.1, 1.45),
            ),
            choices=(0, 1, 2, 3),
            simulator="race",
            mirror=None,
            boundary="angle",
            description=(
                "Race of 4 diffusions from a common start z a, held above zero, to a linearly "
                "collapsing boundary (hssm's and ssm-simulators' race_no_bias_angle_4)"
            ),
            validation_sets=(
                {"v0": 1.5, "v1": 0.5, "v2": 0.5, "v3": 0.5, "a": 1.5, "z": 0.3, "t": 0.3, "theta": 0.3},
                {"v0": 0.5, "v1": 1.0, "v2": 1.5, "v3": 2.0, "a": 2.0, "z": 0.5, "t": 0.5, "theta": 0.6},
                {"v0": 2.0, "v1": 2.0, "v2": 0.3, "v3": 1.0, "a": 1.2, "z": 0.1, "t": 0.2, "theta": 0.0},
                {"v0": 0.8, "v1": 0.4, "v2": 1.2, "v3": 0.6, "a": 2.5, "z": 0.6, "t": 1.0, "theta": 1.0},
            ),
            references=("fokker_planck",),
        ),
    ]
}


def list_models() -> list[str]:
    """Names of the registry models.

    Examples
    --------
    >>> "ddm" in list_models()
    True
    """
    return sorted(MODELS)


def get_model(name: str | ModelSpec) -> ModelSpec:
    """Look up a model by name (a :class:`ModelSpec` passes through).

    Examples
    --------
    >>> get_model("angle").params[-1]
    'theta'
    """
    if isinstance(name, ModelSpec):
        return name
    try:
        return MODELS[name]
    except KeyError:
        close = difflib.get_close_matches(str(name), MODELS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"unknown model {name!r}; the registry has {list_models()}.{hint} "
            "For your own simulator use ModelSpec.custom(...)."
        ) from None
