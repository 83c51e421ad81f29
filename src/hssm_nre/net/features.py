"""Network inputs and the MLP as pure functions: :func:`featurize` then :func:`mlp`.

``mlp(weights, featurize(transform, theta, x))`` is the ratio network's output; the full
log-likelihood (noise density, base density, box and onset) is :func:`hssm_nre.net.logp.make_logp`.
Weights are a flat ``dict[str, array]`` (``"W0"``, ``"b0"``, ...), i.e. data that is
saved and loaded without code. The input transform (which parameters feed the
network, their scaling, how an observation becomes features) is a frozen
:class:`Transform` stored in the network card.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import jax
import jax.numpy as jnp
import numpy as np

from hssm_nre.models import BOUNDARIES, DRIFTS, boundary_at

__all__ = ["Transform", "featurize", "init_mlp", "mlp", "n_layers"]

TINY = 1e-6
TIME_FEATURES = ("log", "linear", "inverse", "boundary", "boundary_half", "drift")
# The time features that read parameters besides the time: the transform's field naming the
# function (with ``<field>_index``: the columns of ``a`` and its parameters), its registry and
# what an error calls it.
PARAM_FEATURES = {
    "boundary": (BOUNDARIES, "a collapsing boundary"),
    "drift": (DRIFTS, "a time-varying drift"),
}


@dataclass(frozen=True)
class Transform:
    """How ``(theta, x)`` become network inputs.

    Parameters
    ----------
    param_index
        Columns of ``theta`` that feed the network (the non-decision time is left
        out when the network sees decision times).
    center, scale
        Affine map of those columns onto about ``[-1, 1]``.
    x_kind
        ``"rt_choice"``: ``x = [rt, response]`` becomes ``[log time, response sign]``;
        ``"standard"``: every column is standardized.
    ndt_index
        Column of the non-decision time; when set, the network sees the decision time
        ``rt - t`` instead of ``rt``.
    x_center, x_scale
        Standardization of the (log-)time or of every column.
    choices
        Possible responses (mapped onto ``[-1, 1]``).
    mirror
        Columns ``(drift, start, ...)`` of ``theta`` when the model is symmetric under swapping
        the choices (see :class:`~hssm_nre.models.ModelSpec`): the network then sees
        the parameters reflected (``v -> -v``, ``z -> 1 - z``, and any further columns
        negated) for the lower choice and no choice input, so it learns one boundary.
    spread_index
        Column of a uniform spread of the non-decision time (``st`` of ``full_ddm``,
        ``t ~ U(t - st, t + st)``); the decision time is then counted from the earliest
        onset, ``rt - (t - st)``, which is positive for every possible trial.
    time_features
        How the (decision) time enters the ratio network (``"rt_choice"`` only): ``"log"``
        (the standardized log time, always first), ``"linear"`` (the time over a slow time
        scale, ``u / exp(center + scale)``) and ``"inverse"`` (a fast time scale over the
        time, ``s / (u + s / 50)`` with ``s = exp(center - scale)``, bounded by 50). First-
        passage densities fall off like ``exp(-c u)`` in the tail and ``exp(-c / u)`` at the
        leading edge; in log time both are doubly exponential, in these features linear.
        ``"boundary"`` (models with a collapsing boundary, decision-time networks only) is
        the share of the boundary left, ``b(u) / a`` in ``[0, 1]``: where the boundary
        collapses abruptly (a Weibull with a large ``alpha``) the trials end at a wall whose
        place depends on the parameters, a step the other features must build from ``theta``.
        ``"boundary_half"`` (with ``"boundary"``) is the share left at half the decision time,
        ``b(u / 2) / a``: the two fix a two-parameter boundary's history up to ``u`` (for the
        Weibull ``(u / beta)^alpha`` and ``alpha``), so a network may see the boundary through
        them alone (``TrainConfig.hide_params``), unmoved where it has not yet fallen.
    drift, drift_index
        Name of a time-varying drift (a key of :data:`hssm_nre.models.DRIFTS`) and the columns of
        ``theta`` that give ``a`` and its parameters, for the ``"drift"`` time feature: the
        evidence the added drift has moved by decision time ``u``, :func:`drift_integral`, over
        the boundary separation ``2 a`` and bounded by ``tanh``. A narrow gamma bump is a kick
        whose time and size depend on three parameters; the feature makes it an input.
    boundary, boundary_index
        Name of the collapsing boundary (a key of :data:`hssm_nre.models.BOUNDARIES`) and the columns of
        ``theta`` that give ``a`` and its shape parameters, for the ``"boundary"`` feature.
    log_index
        Columns of ``theta`` (positive parameters) that feed the networks as their logarithm,
        ``center`` and ``scale`` then being in log units. Where a model is nearly invariant
        under scaling several parameters together (the LBA: ``A``, ``b`` and the drifts), that
        direction is then a straight line in the inputs.
    """

    param_index: tuple[int, ...]
    center: tuple[float, ...]
    scale: tuple[float, ...]
    x_kind: str = "rt_choice"
    ndt_index: int | None = None
    x_center: tuple[float, ...] = (0.0,)
    x_scale: tuple[float, ...] = (1.0,)
    choices: tuple[int, ...] = (-1, 1)
    mirror: tuple[int, ...] | None = None
    spread_index: int | None = None
    time_features: tuple[str, ...] = ("log",)
    boundary: str | None = None
    boundary_index: tuple[int, ...] | None = None
    log_index: tuple[int, ...] = ()
    drift: str | None = None
    drift_index: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if not set(self.log_index) <= set(self.param_index) or (
            self.mirror is not None and set(self.log_index) & set(self.mirror)
        ):
            raise ValueError(
                f"log_index {self.log_index} must be columns that feed the network {self.param_index} "
                f"and not the mirrored drift or start {self.mirror}"
            )
        bad = [f for f in self.time_features if f not in TIME_FEATURES]
        if bad or not self.time_features or self.time_features[0] != "log":
            raise ValueError(
                f"time_features must start with 'log' and use {TIME_FEATURES}; got {self.time_features}"
            )
        for feature, (registry, what) in PARAM_FEATURES.items():
            kind, cols = getattr(self, feature), getattr(self, f"{feature}_index")
            if feature in self.time_features and (
                kind not in registry
                or cols is None
                or len(cols) != 1 + len(registry[kind])
                or self.ndt_index is None
            ):
                raise ValueError(
                    f"the {feature!r} time feature needs {what} (one of {sorted(registry)}, got {kind!r}) "
                    "with the columns of a and its parameters, and a network that sees decision times "
                    "(method 'nce')"
                )
        if "boundary_half" in self.time_features and "boundary" not in self.time_features:
            raise ValueError(
                f"the 'boundary_half' time feature goes with 'boundary'; got {self.time_features}"
            )

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Transform:
        """Inverse of :meth:`to_dict`."""
        d = dict(d)
        tuples = (
            "param_index",
            "center",
            "scale",
            "x_center",
            "x_scale",
            "choices",
            "time_features",
            "log_index",
        )
        for k in (*tuples, "boundary_index", "drift_index"):
            if d.get(k) is None:
                continue
            d[k] = tuple(d[k])
        if d.get("mirror") is not None:
            d["mirror"] = tuple(d["mirror"])
        return cls(**d)

    @property
    def n_inputs(self) -> int:
        """Width of the feature vector."""
        if self.x_kind == "rt_choice":
            n_x = len(self.time_features) + (0 if self.mirror else 1)
        else:
            n_x = len(self.x_center)
        return len(self.param_index) + n_x


def onset(tr: Transform, theta):
    """Earliest possible reaction time: ``t``, or ``t - st`` with a spread (0 without ndt)."""
    if tr.ndt_index is None:
        return 0.0
    t = theta[..., tr.ndt_index]
    return t if tr.spread_index is None else t - theta[..., tr.spread_index]


def time_of(tr: Transform, theta: jnp.ndarray, x: jnp.ndarray) -> jnp.ndarray:
    """Reaction time, or the time since the earliest onset (``rt - t``) when the transform says so."""
    return x[..., 0] - onset(tr, theta)


def drift_integral(kind: str, u: jnp.ndarray, params) -> jnp.ndarray:
    """Evidence ``D(u)`` that the time-varying part of the drift has added by decision time ``u``.

    ``"gamma"``: the integral of :func:`hssm_nre.models.drift_at`'s bump, ``c scale e^k Gamma(k + 1)
    k^-k P(k + 1, u / scale)`` with ``k = shape - 1`` and ``P`` the regularized lower incomplete
    gamma function.

    Examples
    --------
    >>> round(float(drift_integral("gamma", jnp.asarray(1e3), (2.0, 0.5, 1.0))), 4)  # 0.5 e
    1.3591
    """
    if kind == "gamma":
        shape, scale, c = params
        k = shape - 1.0
        total = jnp.exp(jnp.log(scale) + k + jax.scipy.special.gammaln(k + 1.0) - k * jnp.log(k))
        return c * total * jax.scipy.special.gammainc(k + 1.0, jnp.maximum(u, 0.0) / scale)
    raise ValueError(f"unknown drift {kind!r}; known: {sorted(DRIFTS)}")


def choice_sign(tr: Transform, c: jnp.ndarray) -> jnp.ndarray:
    """Map responses onto ``[-1, 1]`` (``-1`` for the first choice, ``+1`` for the last)."""
    lo, hi = min(tr.choices), max(tr.choices)
    return 2.0 * (c - lo) / (hi - lo) - 1.0


def reflect(tr: Transform, theta: jnp.ndarray, where: jnp.ndarray | bool = True) -> jnp.ndarray:
    """Mirror ``theta`` (``v -> -v``, ``z -> 1 - z``, further mirror columns negated) where ``where``."""
    if tr.mirror is None:
        raise ValueError("this transform has no mirror symmetry")
    iv, iz, *odd = tr.mirror
    sign = np.ones(theta.shape[-1], np.float32)
    sign[[iv, iz, *odd]] = -1.0
    shift = np.zeros(theta.shape[-1], np.float32)
    shift[iz] = 1.0  # 1 - z
    # elementwise, not column by column: one fused kernel instead of a scatter per column
    mirrored = theta * jnp.asarray(sign, theta.dtype) + jnp.asarray(shift, theta.dtype)
    return jnp.where(jnp.asarray(where)[..., None], mirrored, theta)


def is_lower(tr: Transform, c: jnp.ndarray) -> jnp.ndarray:
    """Flag the lower (smallest) choice."""
    return c == min(tr.choices)


def log_param(values: jnp.ndarray) -> jnp.ndarray:
    """Take the logarithm a network sees of a parameter in ``log_index``.

    Floored: a parameter outside the box (masked to -inf later) must not put a NaN in a gradient.
    """
    return jnp.log(jnp.maximum(values, TINY))


def theta_features(tr: Transform, theta: jnp.ndarray) -> jnp.ndarray:
    """Scaled parameters that feed the networks, shape ``(..., len(param_index))``."""
    idx = jnp.asarray(tr.param_index)
    th = theta[..., idx]
    if tr.log_index:
        is_log = np.isin(tr.param_index, tr.log_index)
        th = jnp.where(is_log, log_param(th), th)
    return (th - jnp.asarray(tr.center, theta.dtype)) / jnp.asarray(tr.scale, theta.dtype)


def obs_dim_continuous(tr: Transform) -> int:
    """Dimension of the continuous part ``y`` of an observation."""
    return 1 if tr.x_kind == "rt_choice" else len(tr.x_center)


def n_choices(tr: Transform) -> int:
    """Count the discrete outcomes (1 when observations have no choice)."""
    return len(tr.choices) if tr.x_kind == "rt_choice" else 1


def choice_index(tr: Transform, c: jnp.ndarray) -> jnp.ndarray:
    """Position of each response in ``tr.choices``."""
    idx = jnp.zeros(c.shape, dtype=jnp.int32)
    for i, ch in enumerate(tr.choices):
        idx = jnp.where(c == ch, i, idx)
    return idx


def obs_to_y(tr: Transform, theta: jnp.ndarray, x: jnp.ndarray):
    """Split ``x`` into the standardized continuous part ``y (..., D)`` and a choice index.

    Also returns ``log |dy/dx|`` so that ``log q(x) = log q(y, c) + log_jac``.
    """
    if tr.x_kind == "rt_choice":
        t = jnp.maximum(time_of(tr, theta, x), TINY)
        y = ((jnp.log(t) - tr.x_center[0]) / tr.x_scale[0])[..., None]
        log_jac = -jnp.log(tr.x_scale[0]) - jnp.log(t)
        return y, choice_index(tr, x[..., 1]), log_jac
    scale = jnp.asarray(tr.x_scale, x.dtype)
    y = (x - jnp.asarray(tr.x_center, x.dtype)) / scale
    return y, jnp.zeros(x.shape[:-1], jnp.int32), -jnp.sum(jnp.log(scale)) * jnp.ones(x.shape[:-1])


def y_to_obs(tr: Transform, theta: jnp.ndarray, y: jnp.ndarray, c_index: jnp.ndarray) -> jnp.ndarray:
    """Inverse of :func:`obs_to_y` (``theta`` broadcasts against ``y``'s leading dims)."""
    if tr.x_kind == "rt_choice":
        t = jnp.exp(y[..., 0] * tr.x_scale[0] + tr.x_center[0]) + onset(tr, theta)
        c = jnp.asarray(tr.choices, y.dtype)[c_index]
        return jnp.stack([t, c], axis=-1)
    return y * jnp.asarray(tr.x_scale, y.dtype) + jnp.asarray(tr.x_center, y.dtype)


def time_feature_stack(tr: Transform, u: jnp.ndarray, theta: jnp.ndarray | None = None) -> jnp.ndarray:
    """Compute the time features of :attr:`Transform.time_features`, shape ``(..., n)``.

    ``theta`` (raw parameters broadcasting against ``u``; mirrored for the lower choice) is needed
    by the ``"boundary"`` and ``"drift"`` features only.
    """
    u = jnp.maximum(u, TINY)
    c, s = tr.x_center[0], tr.x_scale[0]
    out = []
    for name in tr.time_features:
        if name == "log":
            out.append((jnp.log(u) - c) / s)
        elif name == "linear":
            out.append(u / jnp.exp(c + s))
        elif name in ("boundary", "boundary_half"):  # the share of the boundary left at u or u / 2
            cols = [theta[..., i] for i in tr.boundary_index]
            at = u if name == "boundary" else 0.5 * u
            out.append(boundary_at(tr.boundary, at, cols[0], cols[1:], jnp) / cols[0])
        elif name == "drift":
            cols = [theta[..., i] for i in tr.drift_index]
            out.append(jnp.tanh(drift_integral(tr.drift, u, cols[1:]) / (2.0 * cols[0])))
        else:
            fast = jnp.exp(c - s)
            out.append(fast / (u + fast / 50.0))
    return jnp.stack(out, axis=-1)


def featurize(tr: Transform, theta: jnp.ndarray, x: jnp.ndarray) -> jnp.ndarray:
    """Network inputs for parameters ``theta`` (..., P) and observations ``x`` (..., D)."""
    if tr.x_kind == "rt_choice":
        if tr.mirror is not None:  # one boundary: the lower choice sees mirrored parameters
            seen = reflect(tr, theta, is_lower(tr, x[..., 1]))
            tf = time_feature_stack(tr, time_of(tr, theta, x), seen)
            th = theta_features(tr, seen)
            return jnp.concatenate([th, tf.astype(th.dtype)], axis=-1)
        tf = time_feature_stack(tr, time_of(tr, theta, x), theta)
        th = theta_features(tr, theta)
        feats = jnp.concatenate([tf, choice_sign(tr, x[..., 1])[..., None]], axis=-1)
    else:
        th = theta_features(tr, theta)
        feats = (x - jnp.asarray(tr.x_center, x.dtype)) / jnp.asarray(tr.x_scale, x.dtype)
    return jnp.concatenate([th, feats.astype(th.dtype)], axis=-1)


def init_mlp(
    key: jax.Array, n_in: int, hidden: tuple[int, ...], n_out: int = 1, prefix: str = ""
) -> dict[str, jnp.ndarray]:
    """He-style initialization of an MLP with a scalar output.

    Examples
    --------
    >>> w = init_mlp(jax.random.key(0), 3, (8, 8))
    >>> sorted(w)
    ['W0', 'W1', 'W2', 'b0', 'b1', 'b2']
    """
    sizes = (n_in, *hidden, n_out)
    weights = {}
    keys = jax.random.split(key, len(sizes) - 1)
    for i, (k, m, n) in enumerate(zip(keys, sizes[:-1], sizes[1:], strict=True)):
        std = np.sqrt(1.0 / m) if i == len(sizes) - 2 else np.sqrt(2.0 / m)
        weights[f"{prefix}W{i}"] = std * jax.random.normal(k, (m, n), dtype=jnp.float32)
        weights[f"{prefix}b{i}"] = jnp.zeros((n,), dtype=jnp.float32)
    return weights


def n_layers(weights: dict, prefix: str = "") -> int:
    """Count the dense layers in ``weights`` (keys ``{prefix}W0``, ``{prefix}W1``, ...)."""
    i = 0
    while f"{prefix}W{i}" in weights:
        i += 1
    return i


def mlp_out(weights: dict, z: jnp.ndarray, prefix: str = "") -> jnp.ndarray:
    """Forward pass with SiLU hidden layers and a linear output layer of any width."""
    n = n_layers(weights, prefix)
    h = z
    for i in range(n - 1):
        h = jax.nn.silu(h @ weights[f"{prefix}W{i}"] + weights[f"{prefix}b{i}"])
    return h @ weights[f"{prefix}W{n - 1}"] + weights[f"{prefix}b{n - 1}"]


def mlp(weights: dict, z: jnp.ndarray) -> jnp.ndarray:
    """Forward pass of the ratio network: scalar output, shape ``z.shape[:-1]``."""
    return mlp_out(weights, z)[..., 0]
