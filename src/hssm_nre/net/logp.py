"""Per-trial log-likelihoods from a network, as pure jitted JAX functions.

``make_logp(net)`` gives ``logp(theta, x) -> (n,)``. For a normalized network this is
``f(theta_without_t, rt - t, c) + log q(rt - t, c)``, a true log-density (``q`` the learned
mixture, or with ``base = "ddm"`` in the card the analytic DDM density at the model's
``v, a, z``); for a plain
ratio network it is the log-ratio ``f(theta, x)``, which differs from the
log-likelihood by a term that does not depend on ``theta``. In both cases:

* a parameter outside the network's training box gives ``-inf``;
* for models with a non-decision time, ``rt <= t`` gives ``-inf``;
* a response that is not one of the model's choices gives ``-inf`` (and
  :func:`make_logp` called with concrete arrays raises a ``ValueError`` for it);
* nothing is clipped or replaced by a made-up finite value.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import jax
import jax.numpy as jnp
import numpy as np

from hssm_nre.net.base import base_logpdf
from hssm_nre.net.features import (
    TINY,
    Transform,
    choice_index,
    featurize,
    mlp,
    obs_to_y,
    onset,
    time_of,
)
from hssm_nre.net.noise import (
    Q_PREFIX,
    TRANSFORM_NUMBERS,
    q_head_params,
    q_head_params_repeated,
    q_logpdf_along,
    q_logpdf_y,
    reference_logpdf,
    with_numbers,
)
from hssm_nre.net.table import span, table_1d

if TYPE_CHECKING:  # the artifact layer sits above this one: no runtime import
    from hssm_nre.store.artifact import Network

__all__ = ["build_grid_logp", "build_logp", "make_hssm_logp", "make_logp", "member_parts"]


def _build_raw(weights: dict, card: dict):
    """Unmasked ``logp(theta, x)`` of one network (no box or onset check)."""
    raw = _raw_fn(card)
    tr = Transform.from_dict(card["transform"])
    w = {k: jnp.asarray(v) for k, v in weights.items()}
    return lambda theta, x, varying=None: raw(w, tr, theta, x, varying)


def _raw_fn(card: dict):
    """``raw(weights, transform, theta, x, varying)``: one network's unmasked log-density.

    The weights and the transform are arguments, so that the members of an ensemble can run
    as one batched computation (:func:`_build_stacked`).
    """
    normalized = bool(card["method"]["normalized"])
    q_m = int(card["method"].get("q_components") or 0)
    base = card["method"].get("base") or "none"
    base_index = tuple(card["method"].get("base_index") or ())

    def raw(weights, tr, theta, x, varying=None):
        # theta is (n, P), or (1, P) when every trial shares it: then the work that depends on
        # theta alone (the noise density's head, an MLP) runs once instead of once per trial.
        # ``varying`` (static) names the columns of a per-trial theta that differ between rows.
        net_w = {k: v for k, v in weights.items() if not k.startswith("ref_")}
        learned = f"{Q_PREFIX}W0" in weights
        shared, along = theta, None
        if varying is not None and theta.shape[0] > 1:
            seen = [j for j in varying if j in tr.param_index]  # the head sees these columns
            if not seen:
                shared = theta[:1]
            elif len(seen) == 1 and theta.shape[0] >= HEAD_TABLE_MIN_ROWS:
                along = seen[0]
            elif len(seen) == 2 and theta.shape[0] >= HEAD_GRID_MIN_ROWS:
                along = tuple(seen)
        theta = jnp.broadcast_to(theta, (*x.shape[:-1], theta.shape[-1]))
        out = mlp(net_w, featurize(tr, theta, x))
        if base != "none":
            out = out + base_logpdf(base, tr, base_index, theta, x)
        elif learned:
            y, ci, log_jac = obs_to_y(tr, theta, x)
            if along is None:
                if shared.shape[0] >= HEAD_REPEATED_MIN_ROWS:  # every row its own parameters
                    qp = q_head_params_repeated(net_w, tr, shared, q_m, HEAD_REPEATED_MAX)
                else:
                    qp = q_head_params(net_w, tr, shared, q_m)
                qp = jax.tree.map(lambda a: jnp.broadcast_to(a, (*x.shape[:-1], *a.shape[x.ndim - 1 :])), qp)
                out = out + q_logpdf_y(qp, y, ci) + log_jac
            else:
                out = out + q_logpdf_along(net_w, tr, theta, q_m, along, y, ci) + log_jac
        elif normalized:
            u = time_of(tr, theta, x)
            ref = {k: v for k, v in weights.items() if k.startswith("ref_")}
            out = out + reference_logpdf(ref, u, choice_index(tr, x[..., 1]))
        return out

    return raw


def _stackable(parts: list[tuple[dict, dict]]) -> bool:
    """Whether an ensemble's members can run as one batched network (:func:`_build_stacked`)."""
    if len(parts) < 2:
        return False
    w0, c0 = parts[0]

    def fixed(card):
        tr = {k: v for k, v in card["transform"].items() if k not in TRANSFORM_NUMBERS}
        return tr, card["method"], card.get("architecture")

    def lengths(card):
        return [np.shape(card["transform"][k]) for k in TRANSFORM_NUMBERS]

    return all(
        fixed(c) == fixed(c0)
        and lengths(c) == lengths(c0)
        and set(w) == set(w0)
        and all(np.shape(w[k]) == np.shape(w0[k]) for k in w0)
        for w, c in parts[1:]
    )


def _build_stacked(parts: list[tuple[dict, dict]]):
    """Unmasked ``logp(theta, x) -> (K, n)`` of K members of equal shape, batched along a first axis.

    The members' weights are stacked and one computation runs them all (``jax.vmap``): each
    matrix product becomes one batched product, each elementwise kernel covers every member.
    """
    card0 = parts[0][1]
    raw = _raw_fn(card0)
    base_tr = Transform.from_dict(card0["transform"])
    weights = {k: jnp.stack([jnp.asarray(w[k]) for w, _ in parts]) for k in parts[0][0]}
    consts = {k: jnp.asarray([c["transform"][k] for _, c in parts], jnp.float32) for k in TRANSFORM_NUMBERS}

    def stacked(theta, x, varying=None):
        def one(w, cs):
            return raw(w, with_numbers(base_tr, cs), theta, x, varying)

        return jax.vmap(one)(weights, consts)

    return stacked


def build_logp(weights: dict, card: dict, batch_members: bool = True):
    """Un-jitted ``logp(theta, x)`` closed over ``weights`` (arrays) and ``card``.

    An ensemble (``members`` in the card) is the equal-weight mixture of its members'
    densities, ``log mean_k exp(logp_k)``: a mixture of normalized densities is normalized.

    ``varying`` (optional, static) lists the columns of a per-trial ``theta (n, P)`` that
    differ between trials; the others must be equal in every row. When the noise density's
    head sees none of them it runs once; when it sees exactly one and there are at least
    :data:`HEAD_TABLE_MIN_ROWS` trials, it is read from a table along that column
    (:func:`hssm_nre.net.noise.q_logpdf_along`); with two, from :data:`HEAD_GRID_MIN_ROWS` trials,
    from a grid over both. ``None`` runs it once per trial.

    ``batch_members`` (default) runs an ensemble's members of equal shape as one batched network;
    ``False`` runs them one by one (the ONNX export: its runtime has no batched matrix product).
    """
    density, valid = _density_and_mask(weights, card, batch_members)

    def logp(theta, x, varying=None):
        theta = jnp.asarray(theta, jnp.float32)
        x = jnp.asarray(x, jnp.float32)
        return jnp.where(valid(theta, x), density(theta, x, varying), -jnp.inf)

    return logp


def _density_and_mask(weights: dict, card: dict, batch_members: bool = True):
    """``density(theta, x)`` (the unmasked mixture) and ``valid(theta, x)`` (box, onset, choice)."""
    model = card["model"]
    lower = jnp.asarray([b[0] for b in model["box"]], jnp.float32)
    upper = jnp.asarray([b[1] for b in model["box"]], jnp.float32)
    ndt = model.get("ndt")
    ndt_index = model["params"].index(ndt) if ndt else None
    spread = model.get("ndt_spread")
    spread_index = model["params"].index(spread) if spread else None
    parts = member_parts(weights, card)
    if batch_members and _stackable(parts):
        members = _build_stacked(parts)
    else:
        raws = [_build_raw(w, c) for w, c in parts]

        def members(theta, x, varying=None):
            return jnp.stack([r(theta, x, varying) for r in raws])

    log_k = float(np.log(len(parts)))
    has_choice = Transform.from_dict(card["transform"]).x_kind == "rt_choice"
    choices = jnp.asarray(model["choices"], jnp.float32)
    pairs = [
        (model["params"].index(lo), model["params"].index(hi)) for lo, hi in model.get("constraints") or ()
    ]

    def density(theta, x, varying=None):
        if len(parts) == 1:
            return members(theta, x, varying)[0]
        return jax.nn.logsumexp(members(theta, x, varying), axis=0) - log_k

    def valid(theta, x):
        ok = jnp.all((theta >= lower) & (theta <= upper), axis=-1)
        for lo, hi in pairs:  # e.g. the LBA's b > A, which a box cannot express
            ok = ok & (theta[..., lo] < theta[..., hi])
        if ndt_index is not None:
            first = theta[..., ndt_index] - (0.0 if spread_index is None else theta[..., spread_index])
            ok = ok & (x[..., 0] > first)
        elif has_choice:  # no non-decision time: the rt itself is the decision time
            ok = ok & (x[..., 0] > 0)
        if has_choice:
            ok = ok & jnp.any(x[..., 1:2] == choices, axis=-1)
        return ok

    return density, valid


# A per-trial theta with one varying column that the noise head sees reads the head from a
# table along that column (:func:`hssm_nre.net.noise.q_logpdf_along`) from this many rows on.
HEAD_TABLE_MIN_ROWS = 256
# With two such columns (random intercepts on two parameters), from this many rows on the head
# comes from a grid over both (51 x 51 evaluations; below, the 16 reads per trial cost about
# what they save: benchmarks/results/head_grid.md).
HEAD_GRID_MIN_ROWS = 8000


# With three or more varying parameters the head sees (or two below HEAD_GRID_MIN_ROWS), from
# HEAD_REPEATED_MIN_ROWS trials on the head runs once per distinct parameter vector when there
# are at most HEAD_REPEATED_MAX of them (random effects by participant), else once per trial
# (:func:`hssm_nre.net.noise.q_head_params_repeated`).
HEAD_REPEATED_MIN_ROWS = 1024
HEAD_REPEATED_MAX = 128


# Nodes per choice of the table that :func:`build_grid_logp` interpolates, and how many of them
# each trial reads (6: the quintic through its six nearest nodes). On ordinary data 128 quintic
# nodes err about as little as the 256 cubic ones used before, at half the network evaluations;
# with the onset just before the fastest trial, 0.03 nats summed against 0.01
# (benchmarks/results/grid_logp.md). These are the settings of angle and of any model not measured.
GRID_NODES = 128
GRID_POINTS = 6
# Models whose density is smooth in log decision time except at its leading edge (no collapsing
# boundary), measured by ``benchmarks/speed/grid_logp.py``: their table has 48 nodes per choice,
# and their 32 fastest trials, where the density rises steepest when the onset nears the
# fastest trial, are evaluated by the network itself. 2 x 53 + 32 network evaluations instead
# of 2 x 133, at per-trial errors of at most about 0.02 nats with the onset 1 ms before the
# fastest trial (benchmarks/results/grid_logp.md).
SMOOTH_TABLE_MODELS = ("ddm", "ddm_sdv", "full_ddm", "levy", "ornstein")
SMOOTH_TABLE = (48, 6, 32, 0)
# weibull's density ends at a wall (its boundary collapses) and is steep at both ends of the
# data: its 8 fastest and 8 slowest trials are evaluated by the network itself, and between them
# each trial reads the polynomial through 40 Chebyshev nodes per choice (``points = 0``: the nodes
# crowd towards the steep ends). 2 x 40 + 16 network evaluations, 1.44x HSSM's LAN at 500 trials;
# the quintic table used until 2026-12-07 (64 nodes, 32 fastest and 32 slowest: 2 x 69 + 64) cost
# 2.30x in the same run and erred as much (summed log-likelihood of 2000 trials 1.7e-3 against
# 3.4e-3 nats, gradient 1.7e-3 against 2.3e-3 relative; with the onset 1-10 ms before the fastest
# trial 7.3e-4 against 3.7e-4 nats). For the five smooth models the same reads cost as much as
# their quintic tables at 500 trials and erred more (benchmarks/results/grid_logp.md).
# angle (a collapsing boundary too): 64 Chebyshev nodes with the 16 fastest and 16 slowest
# trials, 160 evaluations instead of its 128 quintic nodes' 266: the summed log-likelihood of
# 2000 trials within 4.9e-4 nats instead of 1.3e-3, with the onset 1-10 ms before the fastest
# trial 8.5e-4 instead of 3.3e-2; 1.41x the LAN at 500 trials against 1.67x, and from 1000 trials
# on a little dearer (0.29 against 0.20 at 5000: every trial reads 64 nodes).
WALL_TABLES = {"weibull": (40, 0, 8, 8), "angle": (64, 0, 16, 16)}


def grid_settings(card: dict) -> tuple[int, int, int, int]:
    """``(n_nodes, points, direct, slowest)`` of :func:`build_grid_logp` for a network's card.

    Examples
    --------
    >>> grid_settings({"model": {"name": "ddm"}}), grid_settings({"model": {"name": "weibull"}})
    ((48, 6, 32, 0), (40, 0, 8, 8))
    >>> grid_settings({"model": {"name": "angle"}}), grid_settings({"model": {"name": "levy_2"}})
    ((64, 0, 16, 16), (128, 6, 0, 0))
    """
    name = card["model"]["name"]
    if name in SMOOTH_TABLE_MODELS:
        return SMOOTH_TABLE
    return WALL_TABLES.get(name, (GRID_NODES, GRID_POINTS, 0, 0))


def grid_evaluations(card: dict, settings: tuple[int, int, int, int] | None = None) -> int:
    """Network evaluations of one table (:func:`build_grid_logp`) with ``settings`` (default: the card's)."""
    n_nodes, points, direct, slowest = settings or grid_settings(card)
    return len(card["model"]["choices"]) * table_rows(n_nodes, points) + direct + slowest


def table_rows(n_nodes: int, points: int) -> int:
    """Rows of one choice's table: ``n_nodes`` Chebyshev nodes (``points = 0``), else the margins too."""
    return n_nodes if points == 0 else n_nodes + points - 1


def build_grid_logp(
    weights: dict,
    card: dict,
    n_nodes: int | None = None,
    points: int | None = None,
    direct: int | None = None,
    slowest: int | None = None,
):
    """``logp(theta (1, P), x (n, 2))`` for ONE parameter vector, read from a table over log decision time.

    With one parameter vector for all trials (an intercept-only model), the density of a
    response depends on the trial only through its decision time ``u = rt - onset`` and its
    choice. The network is evaluated at ``n_nodes`` decision times per choice, evenly spaced
    in ``log u`` over the data's trials (plus a margin of two nodes below and three above),
    and each trial's log-density is the quintic through its six nearest nodes (``points = 4``:
    the cubic through four, with one node below and two above):
    ``choices x (n_nodes + points - 1)`` network evaluations instead of one per trial.
    ``points = 0`` puts the ``n_nodes`` nodes at the Chebyshev points of the range instead, and
    each trial reads the polynomial through all of them (:func:`hssm_nre.net.table.chebyshev_read`):
    ``choices x n_nodes`` evaluations. With
    ``direct = m``, the ``m`` fastest trials (those with the smallest rt, known from the data
    alone) are evaluated by the network itself and the table starts at the next one: as the
    onset nears the fastest trial, the density in ``log u`` grows steep there and nowhere
    else. ``slowest = s`` does the same at the other end: the ``s`` slowest trials by the
    network, the table up to the next one (a density that ends at a wall is steep there too).
    Settings left out are :func:`grid_settings` of the card. The table moves with the
    parameters, so values and gradients are those of the network up to the interpolation error,
    which ``benchmarks/speed/grid_logp.py`` measures for every shipped network. Masking is
    :func:`build_logp`'s: ``-inf`` outside the box, at or before the onset and for unknown
    choices.
    """
    defaults = grid_settings(card)
    n_nodes = defaults[0] if n_nodes is None else n_nodes
    points = defaults[1] if points is None else points
    direct = defaults[2] if direct is None else direct
    slowest = defaults[3] if slowest is None else slowest
    density, valid = _density_and_mask(weights, card)
    tr = Transform.from_dict(card["transform"])
    if tr.x_kind != "rt_choice":
        raise ValueError("a table over decision time needs (rt, choice) observations")
    if points not in (0, 4, 6):
        raise ValueError(f"a table reads 4 (cubic), 6 (quintic) or 0 (every Chebyshev node), not {points}")
    if n_nodes < max(points, 2):
        raise ValueError(f"n_nodes must be at least {max(points, 2)}, got {n_nodes}")
    if direct < 0 or slowest < 0:
        raise ValueError(f"direct and slowest must be at least 0, got {direct} and {slowest}")
    choices = jnp.asarray(card["model"]["choices"], jnp.float32)

    def logp(theta, x):
        theta = jnp.asarray(theta, jnp.float32)
        given = x  # as handed over: data known when traced is ordered in NumPy (_extremes)
        x = jnp.asarray(x, jnp.float32)
        first = onset(tr, theta[0])
        log_u = jnp.log(jnp.maximum(x[:, 0] - first, TINY))
        m = min(direct, x.shape[0] - 1)  # static: the data's shape
        k = min(slowest, x.shape[0] - 1 - m)
        if m > 0 or k > 0:
            fastest, slow = _extremes(given, m + 1, k + 1)
            lo, hi = log_u[fastest[m]], log_u[slow[k]]
            h = jnp.maximum(hi - lo, 1e-3) / (n_nodes - 1)
        else:
            lo, h = span(log_u, n_nodes, 1e-3)
        log_u_nodes, read = table_1d(lo, h, n_nodes, points)
        u_nodes = jnp.exp(log_u_nodes)
        x_nodes = jnp.stack(
            [jnp.tile(u_nodes + first, choices.size), jnp.repeat(choices, u_nodes.size)], axis=-1
        )
        n_table = x_nodes.shape[0]
        if m > 0 or k > 0:
            x_nodes = jnp.concatenate([x_nodes, x[fastest[:m]], x[slow[:k]]])
        values = density(theta, x_nodes)
        table = values[:n_table].reshape(choices.size, u_nodes.size).T  # (nodes, choices)
        ci = jnp.argmax(x[:, 1:2] == choices, axis=-1)
        both = read(table, log_u)  # (n, choices)
        out = jnp.take_along_axis(both, ci[:, None], axis=-1)[:, 0]
        if m > 0 or k > 0:
            out = out.at[fastest[:m]].set(values[n_table : n_table + m])
            out = out.at[slow[:k]].set(values[n_table + m :])
        return jnp.where(valid(theta, x), out, -jnp.inf)

    return logp


def _extremes(x, n_fast: int, n_slow: int):
    """Rows of the ``n_fast`` smallest rts (fastest first) and of the ``n_slow`` largest (slowest first).

    Data known when traced (hssm's data is a constant of the model) is ordered in NumPy: a
    ``top_k`` in the graph made XLA spend about a second more compiling each log-likelihood
    (benchmarks/results/compile_time.md).
    """
    if not isinstance(x, jax.core.Tracer):
        rt = np.asarray(x, np.float32)[:, 0]  # ties in the order top_k gives them: first row first
        fastest, slow = np.argsort(rt, kind="stable")[:n_fast], np.argsort(-rt, kind="stable")[:n_slow]
        return jnp.asarray(fastest, jnp.int32), jnp.asarray(slow, jnp.int32)
    rt = jnp.asarray(x, jnp.float32)[:, 0]
    return jax.lax.top_k(-rt, n_fast)[1], jax.lax.top_k(rt, n_slow)[1]


def make_logp(net: Network):
    """Jitted per-trial ``logp(theta (n, P), x (n, D)) -> (n,)`` for a network.

    Examples
    --------
    >>> import numpy as np
    >>> from hssm_nre import load_network
    >>> logp = make_logp(load_network("ddm"))  # doctest: +SKIP
    >>> logp(np.array([[0.5, 1.0, 0.5, 0.3]]), np.array([[0.9, 1.0]]))  # doctest: +SKIP

    Raises
    ------
    ValueError
        (when called with concrete arrays) for inputs of the wrong width or responses
        that are not among the network's choices.
    """
    jitted = jax.jit(build_logp(net.weights, net.card))
    n_params, dim = len(net.params), int(net.card["model"].get("obs_dim") or 2)
    check_choice = net.transform.x_kind == "rt_choice"
    choices = np.asarray(net.choices)

    def logp(theta, x):
        if not isinstance(theta, jax.core.Tracer) and np.shape(theta)[-1:] != (n_params,):
            raise ValueError(
                f"theta must have {n_params} columns {list(net.params)} for {net.name}, got shape "
                f"{np.shape(theta)}"
            )
        if not isinstance(x, jax.core.Tracer):
            if np.shape(x)[-1:] != (dim,):
                raise ValueError(
                    f"x must have {dim} columns (rt, response) for {net.name}, got shape {np.shape(x)}"
                )
            resp = np.asarray(x)[..., 1] if check_choice else None
            if resp is not None and not np.isin(resp, choices).all():
                bad = sorted(set(resp[~np.isin(resp, choices)].tolist()))[:5]
                raise ValueError(
                    f"responses {bad} are not among the choices {choices.tolist()} of {net.name}; recode "
                    "them (for the DDM family: -1 lower boundary, 1 upper boundary)"
                )
        return jitted(theta, x)

    return logp


# With one parameter vector for all trials, hssm fits read the density from a table
# (:func:`build_grid_logp`) from GRID_MIN_TRIALS_PER_EVALUATION times the table's network
# evaluations on: 399 trials for a table of 2 x 133 evaluations (at 250 trials such a table cost
# 1.1-1.6x one evaluation per trial, at 500 0.6-0.8x: it pays from about 290 trials for the
# DDM to 390 for levy, benchmarks/results/grid_logp.md), 207 for the smooth models' 2 x 53 + 32,
# 144 for weibull's 2 x 40 + 8 + 8 and 240 for angle's 2 x 64 + 16 + 16 (at 250 trials weibull's
# table costs about half the evaluations per trial, angle's about as much).
GRID_MIN_TRIALS_PER_EVALUATION = 1.5


def grid_min_trials(card: dict) -> int:
    """Trials from which :func:`make_hssm_logp` reads scalar-parameter fits from a table.

    Examples
    --------
    >>> grid_min_trials({"model": {"name": "angle", "choices": [-1, 1]}})
    240
    """
    return int(math.ceil(GRID_MIN_TRIALS_PER_EVALUATION * grid_evaluations(card)))


def make_hssm_logp(net: Network, n_params: int, grid: bool | None = None):
    """``logp(data, *params)`` in hssm's convention: data ``(n, 2)``, each param a scalar or ``(n,)``.

    Parameters are broadcast to the number of trials and stacked, so per-trial
    regression parameters go through the network in one vectorized call. When every
    parameter is a scalar (no regression), the work that depends on the parameters alone
    runs once, and with ``grid`` (default ``None``: from :func:`grid_min_trials` trials on, for
    (rt, choice) networks) the trials are read from a table over decision time
    (:func:`build_grid_logp`) instead of one network evaluation each. With per-trial
    parameters, the ones given as scalars are known to be shared, so the noise density's head
    runs once or along the one column that varies (see :func:`build_logp`).
    """
    inner = build_logp(net.weights, net.card)
    tabular = net.transform.x_kind == "rt_choice"
    if grid and not tabular:
        raise ValueError(f"{net.name} has no (rt, choice) observations to tabulate")
    table = build_grid_logp(net.weights, net.card) if tabular and grid is not False else None
    min_trials = grid_min_trials(net.card) if table is not None else None

    def logp(data, *params):
        data = jnp.asarray(data, jnp.float32)
        n = data.shape[0]
        params = [jnp.reshape(jnp.asarray(p, jnp.float32), (-1,)) for p in params[:n_params]]
        if all(p.shape[0] == 1 for p in params):  # no regression: one parameter vector for all trials
            theta = jnp.stack(params, axis=-1)
            if table is not None and (grid or n >= min_trials):
                return table(theta, data)
            return inner(theta, data)
        varying = tuple(i for i, p in enumerate(params) if p.shape[0] != 1)
        return inner(jnp.stack([jnp.broadcast_to(p, (n,)) for p in params], axis=-1), data, varying)

    return logp


# Card entries that may differ between the members of an ensemble.
MEMBER_KEYS = ("transform", "method", "architecture", "training", "simulation", "history", "created")


def member_parts(weights: dict, card: dict) -> list[tuple[dict, dict]]:
    """``(weights, card)`` of each member: the card itself, then its ``members`` (an ensemble).

    An ensemble card describes its first member at the top level (unprefixed weights); every
    further member lists the card entries it overrides and the prefix of its weights.
    """
    extra = card.get("members") or []
    prefixes = [m["weights_prefix"] for m in extra]
    first = {k: v for k, v in weights.items() if not any(k.startswith(p) for p in prefixes)}
    parts = [(first, {k: v for k, v in card.items() if k != "members"})]
    for m in extra:
        p = m["weights_prefix"]
        sub = {k[len(p) :]: v for k, v in weights.items() if k.startswith(p)}
        own = {k: v for k, v in m.items() if k != "weights_prefix"}
        parts.append((sub, {**parts[0][1], **own, "validation": {}}))
    return parts
