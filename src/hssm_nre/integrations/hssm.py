"""The hssm integration: ``loglik_kind="ratio"``. The only module that touches hssm internals.

:func:`register` patches hssm once (it is idempotent):

* ``hssm._types.LoglikKind`` admits ``"ratio"``;
* ``Config.from_defaults`` accepts ``"ratio"`` and builds the config from the
  hssm_nre registry (parameter order, choices, training box as ``bounds``), with hssm's own
  default priors for the model truncated to the box;
* ``HSSM.__init__`` resolves the network, checks it against the model and the data
  (types, choices, slow trials), applies the ``p_outlier`` policy and, after hssm has built
  the model, checks that the priors of non-regression parameters stay inside the training
  box, notes (one log line) the priors truncated to the box, and moves the initial values
  inside every prior, the box and below the fastest rt;
* ``HSSM._make_model_distribution`` builds the distribution from the network's
  JAX log-likelihood (one vectorized call over trials, :mod:`hssm_nre.integrations.op`)
  through hssm's own ``make_distribution`` (lapse mixture, fixed vectors), with ``-inf``
  outside the training box and (without a lapse) for ``rt <= t``;
* ``HSSMBase.sample`` defaults to the numpyro sampler, as hssm does for JAX likelihoods,
  explains the blackjax and laplace failures, warns about chains that never moved, and
  records the network (:func:`provenance`) in the InferenceData's attributes;
* ``HSSMBase.log_likelihood`` refuses plain ratio networks (their per-trial values are not
  log-densities).
"""

from __future__ import annotations

import functools
import inspect
import logging
import warnings

import numpy as np

from hssm_nre.integrations.censoring import MISSING_RT, check_censoring_args, observed_rows
from hssm_nre.integrations.op import make_logp_op

__all__ = ["RatioLikelihoodWarning", "provenance", "register"]

KIND = "ratio"
_REGISTERED = False
_logger = logging.getLogger("hssm.ratio")  # a child of hssm's logger: printed as hssm's own notes


class RatioLikelihoodWarning(UserWarning):
    """Something about a ratio likelihood the user should know (e.g. lapse left out)."""


def _spec_defaults(model_name: str):
    from hssm_nre.models import MODELS

    return MODELS.get(model_name)


def _hssm_default_priors(orig, cls, spec) -> dict:
    """Return hssm's default priors for ``spec.name`` (its default likelihood kind), as prior dicts.

    hssm gives a parameter its ``default_priors`` entry, else a prior made from its bounds
    (``Normal(0, 2)``, ``HalfNormal(2)``, ``Uniform(lower, upper)``, ...). Here each is truncated
    to the training box (an :class:`hssm.Prior` with ``bounds``; hssm does not truncate default
    priors itself), a uniform one intersected with the box. Parameters hssm does not know keep
    the uniform prior over the box.
    """
    from hssm.param.utils import _make_default_prior
    from hssm.prior import Prior

    try:
        theirs = orig(cls, spec.name, None)
    except (ValueError, KeyError, TypeError):  # a model hssm has no defaults for
        return {}
    out = {}
    for name, (lo, hi) in spec.box_dict().items():
        prior = (theirs.default_priors or {}).get(name)
        bounds = (theirs.bounds or {}).get(name)
        if prior is None and bounds is not None:
            made = _make_default_prior(tuple(float(b) for b in bounds))
            prior = {"name": made.name, **made.args}
        if not isinstance(prior, dict) or not all(_is_number(v) for k, v in prior.items() if k != "name"):
            continue
        prior = {k: (v if k == "name" else float(v)) for k, v in prior.items()}
        if prior["name"] == "Uniform":
            lower, upper = max(lo, float(prior["lower"])), min(hi, float(prior["upper"]))
            if lower >= upper:
                continue
            out[name] = {"name": "Uniform", "lower": lower, "upper": upper}
        else:
            args = {k: v for k, v in prior.items() if k != "name"}
            out[name] = Prior(prior["name"], bounds=(lo, hi), **args)
    return out


def _is_number(value) -> bool:
    return isinstance(value, int | float | np.number | np.ndarray) and np.size(value) == 1


def _patch_config(Config) -> None:
    orig = Config.from_defaults.__func__

    @functools.wraps(orig)
    def from_defaults(cls, model_name, loglik_kind):
        if loglik_kind != KIND:
            return orig(cls, model_name, loglik_kind)
        spec = _spec_defaults(model_name)
        if spec is None:  # custom model: the user's model_config must say the rest
            return cls(model_name=model_name, loglik_kind=KIND, response=["rt", "response"], backend="jax")
        return cls(
            default_priors=_hssm_default_priors(orig, cls, spec),
            model_name=model_name,
            loglik_kind=KIND,
            response=["rt", "response"],
            choices=tuple(spec.choices),
            list_params=list(spec.params),
            description=spec.description,
            loglik=spec.default_network or spec.name,
            backend="jax",
            bounds=spec.box_dict(),
        )

    Config.from_defaults = classmethod(from_defaults)


def _check_data(data, choices, deadline: str | None = None) -> None:
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame with rt and response columns, got {type(data)}")
    missing = [c for c in ("rt", "response") if c not in data.columns]
    if missing:
        raise ValueError(f"data has no column(s) {missing}; loglik_kind='ratio' needs 'rt' and 'response'")
    if len(data) < 2:
        raise ValueError(
            f"data has {len(data)} trial(s); hssm (bambi) needs at least 2 rows to build a model "
            "(with one row it fails deep inside pytensor, for every likelihood kind). Add trials."
        )
    for col in ("rt", "response"):
        if not pd.api.types.is_numeric_dtype(data[col]) or pd.api.types.is_bool_dtype(data[col]):
            raise TypeError(
                f"data column {col} must be numeric, got dtype {data[col].dtype} (e.g. "
                f"{data[col].iloc[0]!r}); convert it with data[{col!r}] = pd.to_numeric(data[{col!r}])."
            )
    keep = observed_rows(data, deadline) if deadline else np.ones(len(data), bool)
    rt = np.where(keep, np.asarray(data["rt"], dtype=float), 1.0)  # censored trials: no rt to check
    bad = ~np.isfinite(rt) | (rt <= 0)
    if bad.any():
        rows = np.flatnonzero(bad)[:5].tolist()
        raise ValueError(
            f"{int(bad.sum())} rt value(s) are NaN, infinite or not positive (rows {rows}, ...); "
            "reaction times must be positive seconds. Drop or fix those trials."
        )
    resp = np.asarray(data["response"])
    outside = ~np.isin(resp, np.asarray(choices)) & keep
    if outside.any():
        vals = sorted(set(np.asarray(resp)[outside].tolist()))[:5]
        raise ValueError(
            f"responses {vals} are not among the model's choices {list(choices)}; recode them "
            "(for the DDM family: -1 lower boundary, 1 upper boundary)."
        )


def _beyond_training(rt, net):
    """``(mask, limit)``: trials slower than any decision time in the training simulations."""
    max_t = (net.card.get("simulation") or {}).get("max_t")
    model = net.info.model
    if not max_t or model.ndt is None:
        return np.zeros(np.shape(rt), bool), None
    box = net.box
    earliest = box[model.ndt][0]  # decision time = rt - t <= rt - lowest t
    if model.ndt_spread:
        earliest -= box[model.ndt_spread][1]
    return np.asarray(rt, dtype=float) - earliest > max_t, max_t + earliest


def _warn_slow_trials(data, net, deadline: str | None = None) -> None:
    """Warn when trials are slower than anything the network was trained on (it extrapolates)."""
    rt = np.asarray(data["rt"], dtype=float)
    if deadline:
        rt = rt[observed_rows(data, deadline)]
    slow, limit = _beyond_training(rt, net)
    if slow.any():
        max_t = net.card["simulation"]["max_t"]
        warnings.warn(
            f"{int(slow.sum())} trial(s) have rt above {limit:g} s: {net.name} was trained "
            f"on decision times up to {max_t:g} s (simulation max_t in its card), so its likelihood "
            "extrapolates for them. Check those trials, or use a network trained with a larger "
            "max_t (`hssm-nre train MODEL --max-t ...`).",
            RatioLikelihoodWarning,
            stacklevel=3,
        )


TAIL_FACTOR = 10.0  # a trial this many times slower than the median one is flagged (see below)


def _warn_uncovered_tail(model, net) -> None:
    """Warn about very slow trials that no lapse covers: the networks' tails decay too slowly.

    Under parameters that fit the rest of the data, a trial ``TAIL_FACTOR`` times slower than
    the median one lies far in the tail, where a network's density falls off more slowly
    than the true one (``benchmarks/results/slow_trials.md``: within 1.1 nats wherever
    ``P(U > u) > 1e-6``, but up to +16 nats by ``1e-20`` and far more beyond), so the
    posterior underweights what the trial says. hssm's lapse mixture bounds that, up to the
    lapse's upper end.
    """
    rt = np.asarray(model.data["rt"], dtype=float)
    rt = rt[rt != MISSING_RT]  # censored trials (missing_data / deadline) have no rt
    slow = (rt > TAIL_FACTOR * np.median(rt)) & ~_beyond_training(rt, net)[0]  # those have a warning
    lapse = getattr(model, "lapse", None) if getattr(model, "has_lapse", False) else None
    upper = getattr(lapse, "args", {}).get("upper") if lapse is not None else None
    if lapse is not None and upper is not None:
        slow &= rt > float(upper)
    elif lapse is not None:
        return  # a lapse without an upper end (or a constant one) covers every trial
    if slow.any():
        cover = (
            "no lapse covers them" if lapse is None else f"they are beyond the lapse's upper end {upper:g} s"
        )
        warnings.warn(
            f"{int(slow.sum())} trial(s) are more than {TAIL_FACTOR:g}x slower than the median trial "
            f"(rt > {TAIL_FACTOR * np.median(rt):.3g} s) and {cover}: in the far tail the density of "
            f"{net.name} decays more slowly than the true one (within about 1 nat while P(U > u) > "
            "1e-6, tens of nats beyond: benchmarks/results/slow_trials.md), so such trials pull the "
            "posterior too little. Keep hssm's lapse mixture (p_outlier with a lapse covering them) "
            "or check those trials.",
            RatioLikelihoodWarning,
            stacklevel=3,
        )


def _network_for(bound_args: dict):
    """Resolve the network from HSSM's arguments (``loglik=``, then the model's default)."""
    from hssm_nre.store.artifact import Network
    from hssm_nre.store.hub import load_network

    loglik = bound_args.get("loglik")
    if isinstance(loglik, Network):
        return loglik
    if loglik is None:
        model = bound_args.get("model", "ddm")
        spec = _spec_defaults(model)
        if spec is None:
            raise ValueError(
                f"model {model!r} is not in the hssm_nre registry: pass loglik=<network or "
                "directory> and a model_config with list_params and choices"
            )
        loglik = spec.default_network or spec.name
    return load_network(loglik)


# Models whose parameters mean something else under hssm's own likelihood of the same name.
PARAMETER_NOTES = {
    "full_ddm": (
        "full_ddm with loglik_kind='ratio' uses ssm-simulators' sz and st: the start point is "
        "a (2 z - 1) + U(-sz, sz) on the evidence axis (boundaries at -a, a) and the non-decision "
        "time t + U(-st, st). hssm's blackbox full_ddm (HDDM) takes the full widths, sz relative to "
        "the boundary separation: its (sz, st) = (sz / a, 2 st) here. Convert before comparing fits "
        "across likelihood kinds (docs/models.md)."
    ),
}


def _check_network_matches(net, bound_args: dict) -> None:
    model = bound_args.get("model", "ddm")
    mc = bound_args.get("model_config") or {}
    list_params = mc.get("list_params") if isinstance(mc, dict) else getattr(mc, "list_params", None)
    expected = list(list_params) if list_params else None
    spec = _spec_defaults(model)
    if expected is None and spec is not None:
        expected = list(spec.params)
    if isinstance(model, str) and net.model != model:
        raise ValueError(
            f"{net.name} is a network for model {net.model!r}, not {model!r} (its card's model.name); "
            f"pass model={net.model!r} or a network trained for {model!r}"
        )
    if expected is not None and list(net.params) != expected:
        raise ValueError(
            f"network {net.name} takes parameters {list(net.params)} but model {model!r} has "
            f"{expected}; use a network trained for this model"
        )


def _check_priors_in_box(model, net) -> None:
    """Error if the effective prior of a non-regression parameter has mass outside the box."""
    pm_model = model.pymc_model
    for name, (lo, hi) in net.box.items():
        param = model.params.get(name)
        if param is None or param.is_regression:
            continue
        prior = param.prior
        fix = (
            f"give {name!r} a prior inside [{lo}, {hi}] (e.g. Uniform({lo}, {hi})) or bounds "
            f"within it, or use a network trained on a wider box"
        )
        if isinstance(prior, int | float | np.floating | np.ndarray):
            vals = np.atleast_1d(np.asarray(prior, dtype=float))
            if np.any((vals < lo) | (vals > hi)):
                raise ValueError(
                    f"parameter {name!r} is fixed at {vals.tolist()[:3]} outside the network's "
                    f"training box [{lo}, {hi}] for {net.name}; {fix}"
                )
            continue
        if name not in pm_model.named_vars:
            continue
        rv = pm_model[name]
        eps = 1e-6 * max(1.0, hi - lo)
        pts = np.array([lo - eps, hi + eps], dtype=rv.dtype)
        shape = rv.shape.eval() if hasattr(rv, "shape") else ()
        vals = [_prior_logp(rv, np.full(shape, p, dtype=rv.dtype)) for p in pts]
        if any(np.isfinite(v) for v in vals):
            raise ValueError(
                f"the prior of {name!r} ({prior}) puts mass outside the network's training box "
                f"[{lo}, {hi}] for {net.name}: outside the box the network was never trained. {fix}"
            )


def _mass_outside(prior, lo: float, hi: float) -> float | None:
    """Return the mass of an hssm prior's untruncated distribution outside ``[lo, hi]`` (None: unknown)."""
    import pymc as pm

    args = getattr(prior, "_args", None)
    if args is None or not all(_is_number(v) for v in args.values()):
        return None
    args = {k: float(v) for k, v in args.items()}
    frozen = _scipy_dist(prior.name, args)  # no pytensor compilation for the common priors
    if frozen is not None:
        return float(frozen.cdf(lo) + frozen.sf(hi))
    try:
        dist = getattr(pm, prior.name).dist(**args)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            below = float(np.exp(pm.logcdf(dist, lo).eval())) if np.isfinite(lo) else 0.0
            above = 1.0 - float(np.exp(pm.logcdf(dist, hi).eval())) if np.isfinite(hi) else 0.0
    except (AttributeError, TypeError, ValueError, NotImplementedError):
        return None
    return below + above


def _scipy_dist(name: str, args: dict):
    from scipy import stats

    try:
        if name == "Normal":
            return stats.norm(args["mu"], args["sigma"])
        if name == "HalfNormal":
            return stats.halfnorm(scale=args["sigma"])
        if name == "Uniform":
            return stats.uniform(args["lower"], args["upper"] - args["lower"])
        if name == "Gamma" and {"alpha", "beta"} <= set(args):
            return stats.gamma(args["alpha"], scale=1.0 / args["beta"])
        if name == "Beta":
            return stats.beta(args["alpha"], args["beta"])
    except KeyError:
        return None
    return None


def _note_truncated_priors(model, net) -> None:
    """Log one line naming the priors hssm truncated to the training box (defaults or dicts)."""
    from hssm.param.params import DefaultParam

    parts = []
    for name, (lo, hi) in net.box.items():
        param = model.params.get(name)
        prior = getattr(param, "prior", None)
        if param is None or param.is_regression or not getattr(prior, "is_truncated", False):
            continue
        if tuple(prior.bounds) != (lo, hi):
            continue
        mass = _mass_outside(prior, lo, hi)
        if mass is not None and mass < 1e-3:  # a negligible cut is not worth a note
            continue
        whose = "hssm's default " if isinstance(param, DefaultParam) else ""
        share = "" if mass is None else f", {mass:.0%} of its mass outside" if mass >= 0.01 else ""
        share = share or ("" if mass is None else f", {mass:.1%} of its mass outside")
        parts.append(f"{name} ~ {whose}{prior} truncated to [{lo:g}, {hi:g}]{share}")
    if parts:
        _logger.info(
            "loglik_kind='ratio': priors truncated to the training box of %s: %s.",
            net.name,
            "; ".join(parts),
        )


def _prior_logp(rv, value) -> float:
    import pymc as pm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(np.sum(pm.logp(rv, np.asarray(value, dtype=rv.dtype)).eval()))


def _initvals_in_box(model, net) -> None:
    """Start every parameter inside its prior's support, the training box and (t) below the fastest rt.

    hssm's default initial values (e.g. ``v = 0``) need not lie in a prior such as
    ``Uniform(0.5, 2)``; a chain started there never moves. For a box parameter the
    candidates, in order: hssm's value moved into the box, the prior's own support point, then
    a grid over the box; any other parameter outside its prior starts at the prior's support
    point.
    """
    from pymc.distributions.distribution import support_point

    ndt = net.info.model.ndt
    rt = np.asarray(model.data["rt"], dtype=float)
    rt_min = float(np.min(rt[rt != MISSING_RT]))  # censored trials (rt = -999) set no bound on t
    pm_model = model.pymc_model
    for name, (lo, hi) in net.box.items():
        if name not in model._initvals:
            continue
        val = np.asarray(model._initvals[name], dtype=float)
        top = min(hi, rt_min) if name == ndt else hi
        if name == ndt:
            ok = (val > lo) & (val < top)
            val = np.where(ok, val, lo + 0.5 * (top - lo))
        else:
            margin = 0.05 * (hi - lo)
            val = np.clip(val, lo + margin, hi - margin)
        rv = pm_model.named_vars.get(name)
        if rv is None or rv not in pm_model.free_RVs:
            model._initvals[name] = val
            continue
        candidates = [val, np.broadcast_to(support_point(rv).eval(), val.shape)]
        candidates += [np.full(val.shape, x) for x in lo + (top - lo) * np.linspace(0.02, 0.98, 49)]
        for cand in candidates:
            inside = np.all((cand >= lo) & (cand <= hi)) and (name != ndt or np.all(cand < top))
            if inside and np.isfinite(_prior_logp(rv, cand)):
                model._initvals[name] = np.asarray(cand, dtype=float)
                # pymc's own start too: a truncated prior's support point can be its bound
                pm_model.set_initval(rv, model._initvals[name])
                break
        else:
            where = f" and below the fastest rt {rt_min:g} s" if name == ndt else ""
            raise ValueError(
                f"the prior of {name!r} ({model.params[name].prior}) leaves no value inside the "
                f"network's training box [{lo}, {hi}]{where} for {net.name}; give {name!r} a prior "
                "that overlaps it."
            )
    _initvals_meet_constraints(model, net)
    for name, val in model._initvals.items():  # regression coefficients, group SDs, ...
        rv = pm_model.named_vars.get(name)
        if name in net.box or rv is None or rv not in pm_model.free_RVs:
            continue
        if not np.isfinite(_prior_logp(rv, val)):
            model._initvals[name] = np.asarray(support_point(rv).eval(), dtype=float)


def _initvals_meet_constraints(model, net) -> None:
    """Start scalar parameters of a ``(low, high)`` constraint (the LBA's ``A < b``) with low < high.

    Where the start breaks one, ``low`` moves to the candidate of its box (a grid from its lower
    end) that is below ``high`` and inside its prior; regressions are left to their own starts.
    """
    box = net.box
    pm_model = model.pymc_model
    for lo_name, hi_name in net.info.model.constraints:
        lo_val, hi_val = model._initvals.get(lo_name), model._initvals.get(hi_name)
        if lo_val is None or hi_val is None or np.size(lo_val) != 1 or np.size(hi_val) != 1:
            continue
        if float(lo_val) < float(hi_val):
            continue
        rv = pm_model.named_vars.get(lo_name)
        lo, hi = box[lo_name]
        for cand in lo + (min(hi, float(hi_val)) - lo) * np.linspace(0.02, 0.9, 45):
            val = np.asarray(cand, dtype=float).reshape(np.shape(lo_val))
            if rv is None or rv not in pm_model.free_RVs or np.isfinite(_prior_logp(rv, val)):
                model._initvals[lo_name] = val
                if rv is not None and rv in pm_model.free_RVs:
                    pm_model.set_initval(rv, val)
                break


def _warn_frozen_chains(idata) -> None:
    """Warn loudly when a chain never left its starting point (every draw the same)."""
    post = getattr(idata, "posterior", None)
    if post is None:
        return
    still = None
    for arr in post.data_vars.values():
        values = np.asarray(arr)
        if values.ndim < 2 or values.shape[1] < 2 or not np.issubdtype(values.dtype, np.floating):
            continue
        flat = values.reshape(values.shape[0], values.shape[1], -1)
        same = np.all(flat == flat[:, :1], axis=(1, 2))
        still = same if still is None else still & same
    frozen = [] if still is None else np.flatnonzero(still).tolist()
    if frozen:
        warnings.warn(
            f"chain(s) {frozen} never moved: every draw equals the first one, so these "
            "draws are not a posterior sample. The sampler most likely started where the "
            "log-likelihood or a prior is -inf (outside a prior's support or the training box, or "
            "t above the fastest rt). Pass initvals= inside every prior, or widen the priors.",
            RatioLikelihoodWarning,
            stacklevel=3,
        )


def _patch_init(HSSM) -> None:
    orig = HSSM.__init__
    sig = inspect.signature(orig)

    @functools.wraps(orig)
    def __init__(self, *args, **kwargs):
        bound = sig.bind(self, *args, **kwargs)
        arguments = bound.arguments
        if arguments.get("loglik_kind") != KIND:
            return orig(self, *args, **kwargs)
        net = _network_for(arguments)
        _check_network_matches(net, arguments)
        deadline = check_censoring_args(arguments["data"], arguments, net)
        _check_data(arguments["data"], net.choices, deadline)
        _warn_slow_trials(arguments["data"], net, deadline)
        explicit = "p_outlier" in arguments
        p_out = arguments.get("p_outlier", 0.05)
        if not net.normalized:
            if not explicit:
                warnings.warn(
                    f"{net.name} is a plain ratio network (its output is log p(x|theta) only up to a "
                    "term in x), so hssm's default lapse mixture p_outlier=0.05 would be wrong; "
                    "fitting without a lapse (p_outlier=None).",
                    RatioLikelihoodWarning,
                    stacklevel=2,
                )
                arguments["p_outlier"] = None
            elif p_out is not None and not (isinstance(p_out, int | float) and p_out == 0):
                raise ValueError(
                    f"p_outlier={p_out!r} needs a normalized likelihood, but {net.name} is a plain "
                    "ratio network (unnormalized). Use p_outlier=None, or a normalized network "
                    "(trained with method='nce')."
                )
        arguments["loglik"] = net
        self._hssm_nre_network = net
        orig(*bound.args, **bound.kwargs)
        _check_priors_in_box(self, net)
        _note_truncated_priors(self, net)
        if net.model in PARAMETER_NOTES:
            _logger.info(PARAMETER_NOTES[net.model])
        _initvals_in_box(self, net)
        if net.normalized:
            _warn_uncovered_tail(self, net)

    HSSM.__init__ = __init__


def _patch_distribution(HSSM) -> None:
    orig = HSSM._make_model_distribution

    @functools.wraps(orig)
    def _make_model_distribution(self):
        if self.loglik_kind != KIND:
            return orig(self)
        return _ratio_distribution(self)

    HSSM._make_model_distribution = _make_model_distribution


def _ratio_distribution(model):
    """Build hssm's distribution around the network's op, with the network's support kept exact.

    hssm's own bounds handling would replace the log-likelihood of a trial whose
    parameter leaves the bounds by a finite floor (-66.1); the ratio kind gives hssm no
    bounds here and sets such trials to ``-inf`` itself, after the lapse mixture, so a
    proposal outside the training box is always rejected. Without a lapse, ``rt <= t``
    is ``-inf`` too (hssm's floor for it would be finite).
    """
    import pytensor.tensor as pt
    from hssm.distribution_utils import make_distribution

    net = model._hssm_nre_network
    censored = _censored_layout(model)
    op = make_logp_op(net, censored)
    # hssm prints model.loglik; the op's class says which network it evaluates (not "LANLogpOp")
    label = f"RatioLogpOp({net.name}, sha256 {str(net.card.get('weights_sha256'))[:12]})"
    op.__class__ = type(
        "RatioLogpOp", (type(op),), {"__str__": lambda self: label, "__repr__": lambda self: label}
    )
    model.loglik = op
    # The op broadcasts its parameters itself (net.logp.make_hssm_logp), so hssm need not: a
    # parameter without a regression (hssm treats the parent ``v`` as trialwise even then) stays
    # one value, and the work that depends on the parameters alone runs once per evaluation.
    trialwise = [False for name in model.params if name != "p_outlier"]
    fixed = {n: p.prior for n, p in model.params.items() if isinstance(p.prior, np.ndarray)}
    base = make_distribution(
        rv=model.model_name,
        loglik=op,
        list_params=model.list_params,
        bounds=None,
        lapse=model.lapse,
        fixed_vector_params=fixed or None,
        params_is_trialwise=trialwise,
    )
    names = list(model.list_params)
    box = [(names.index(p), lo, hi) for p, (lo, hi) in net.box.items() if p in names and p not in fixed]
    ndt = net.info.model.ndt
    ndt_i = names.index(ndt) if ndt and model.lapse is None and ndt not in fixed else None
    pairs = [  # e.g. the LBA's b > A (hssm's own check_parameters gives -66.1 there, not -inf)
        (names.index(lo), names.index(hi))
        for lo, hi in net.info.model.constraints
        if lo in names and hi in names and lo not in fixed and hi not in fixed
    ]
    base_logp = base.logp

    class RatioDistribution(base):
        """hssm's distribution with exact support: -inf outside the box, its constraints, rt <= t."""

        rv_op = base.rv_op
        _params = base._params

        def logp(data, *dist_params):  # noqa: N805 - pymc calls it on the class
            out = base_logp(data, *dist_params)
            outside = pt.zeros_like(out, dtype=bool)
            for i, lo, hi in box:
                p = dist_params[i]
                outside = outside | pt.lt(p, lo) | pt.gt(p, hi)
            for i, j in pairs:
                outside = outside | pt.ge(dist_params[i], dist_params[j])
            if ndt_i is not None:  # a censored trial (rt = -999) has no rt to compare with t
                outside = outside | (pt.le(data[:, 0], dist_params[ndt_i]) & pt.neq(data[:, 0], MISSING_RT))
            return pt.where(outside, -np.inf, out)

    return RatioDistribution


def _censored_layout(model) -> tuple | None:
    """With hssm's ``missing_data`` / ``deadline``: censored trials first; ``(n_missing, n, deadlines)``.

    hssm's own ``_make_model_distribution`` (replaced here) does the same rearrangement before
    bambi builds the model; the op then runs the quadrature on the first ``n_missing`` rows only.
    """
    if not (getattr(model, "missing_data", False) and getattr(model, "deadline", False)):
        return None
    from hssm.utils import _rearrange_data

    model.data = _rearrange_data(model.data)
    missing = np.asarray(model.data["rt"], dtype=float) == MISSING_RT
    deadlines = np.asarray(model.data[model.deadline_name], dtype=float)[missing]
    return int(missing.sum()), len(model.data), deadlines


def _plain_ratio(self) -> bool:
    net = getattr(self, "_hssm_nre_network", None)
    return self.loglik_kind == KIND and net is not None and not net.normalized


def _plain_ratio_message(self) -> str:
    return (
        f"{self._hssm_nre_network.name} is a plain ratio network: it gives log p(x | theta) only up to "
        "a term in x, so per-trial log-likelihoods (the log_likelihood group, az.loo, az.waic, "
        "az.compare) would be meaningless. Use a normalized network (card method.normalized = true, "
        "e.g. the shipped 'ddm') for model comparison."
    )


# hssm's deprecated sampler names and the ones they stand for (hssm maps them the same way)
_SAMPLER_ALIASES = {"nuts_numpyro": "numpyro", "nuts_blackjax": "blackjax", "mcmc": "pymc"}


def provenance(net) -> dict[str, str]:
    """Return the attributes that name the network behind a fit: name, version, sha256 of its weights.

    ``model.sample()`` writes them into the InferenceData's ``attrs`` and its posterior's
    ``attrs``, so a saved fit says which network produced it.

    Examples
    --------
    >>> from hssm_nre import load_network
    >>> provenance(load_network("ddm"))["hssm_nre_network"]  # doctest: +SKIP
    'ddm@0.6.0'
    """
    import hssm_nre

    return {
        "hssm_nre_network": net.name,
        "hssm_nre_network_version": str(net.card.get("version")),
        "hssm_nre_network_sha256": str(net.card.get("weights_sha256")),
        "hssm_nre_version": hssm_nre.__version__,
    }


def _record_network(idata, net) -> None:
    attrs = provenance(net)
    for node in (idata, getattr(idata, "posterior", None)):
        if node is not None and hasattr(node, "attrs"):
            node.attrs.update(attrs)


def _hierarchical(model) -> bool:
    """Whether any parameter's formula has a group-specific term (``(1 | participant_id)``)."""
    return any("|" in str(getattr(p, "formula", None) or "") for p in model.params.values())


def _patch_sample(HSSMBase) -> None:
    orig = HSSMBase.sample
    orig_ll = HSSMBase.log_likelihood

    @functools.wraps(orig)
    def sample(self, sampler=None, *args, **kwargs):
        if self.loglik_kind == KIND:
            sampler = sampler or "numpyro"
            if sampler == "laplace":
                raise ValueError(
                    "sampler='laplace' needs second derivatives of the log-likelihood, and the ratio "
                    "kind's op gives gradients only (pytensor: 'pullback not implemented for "
                    "LANLogpVJPOp'). Use sampler='numpyro' (the default), 'nutpie' or 'pymc'."
                )
            name = _SAMPLER_ALIASES.get(sampler, sampler)
            if name in ("numpyro", "blackjax", "nutpie"):
                kwargs.setdefault("init", "auto")  # they initialize themselves
            if name == "numpyro" and _hierarchical(self):
                # With group-specific terms, chains side by side through pmap (numpyro's
                # "parallel", one JAX CPU device per core) grew the process by about 500 MiB a
                # minute with this likelihood; in one batch ("vectorized") memory stays flat at
                # the same cost per leapfrog step. A flat regression did not grow, and there a
                # batch costs 1.3x per step (benchmarks/results/chain_memory*.md). The user's
                # chain_method wins.
                nsk = dict(kwargs.get("nuts_sampler_kwargs") or {})
                nsk.setdefault("chain_method", "vectorized")
                kwargs["nuts_sampler_kwargs"] = nsk
            if _plain_ratio(self):
                idata_kwargs = dict(kwargs.get("idata_kwargs") or {})
                if idata_kwargs.get("log_likelihood", True):
                    warnings.warn(
                        _plain_ratio_message(self) + " The log_likelihood group is left out.",
                        RatioLikelihoodWarning,
                        stacklevel=2,
                    )
                idata_kwargs["log_likelihood"] = False
                kwargs["idata_kwargs"] = idata_kwargs
        try:
            out = orig(self, sampler, *args, **kwargs)
        except TypeError as err:
            if _SAMPLER_ALIASES.get(sampler, sampler) == "blackjax" and "progress_bar" in str(err):
                import importlib.metadata as md

                raise RuntimeError(
                    f"sampler={sampler!r} does not run with pymc {md.version('pymc')} and blackjax "
                    f"{md.version('blackjax')} (it fails the same way with hssm's analytical "
                    "likelihood). Use sampler='numpyro' (the default), 'nutpie' or 'pymc'."
                ) from err
            raise
        if self.loglik_kind == KIND:
            _warn_frozen_chains(out)
            _record_network(out, self._hssm_nre_network)
        return out

    @functools.wraps(orig_ll)
    def log_likelihood(self, *args, **kwargs):
        if _plain_ratio(self):
            raise ValueError(_plain_ratio_message(self))
        return orig_ll(self, *args, **kwargs)

    HSSMBase.sample = sample
    HSSMBase.log_likelihood = log_likelihood


def register() -> None:
    """Teach hssm the ``loglik_kind="ratio"`` likelihood kind (idempotent, no I/O).

    Examples
    --------
    >>> import hssm_nre  # calls register()
    >>> register()       # a second call does nothing
    """
    global _REGISTERED
    if _REGISTERED:
        return
    import typing

    import hssm._types as ht
    from hssm.base import HSSMBase
    from hssm.config import Config
    from hssm.hssm import HSSM

    ht.LoglikKind = typing.Literal["analytical", "approx_differentiable", "blackbox", KIND]
    _patch_config(Config)
    _patch_init(HSSM)
    _patch_distribution(HSSM)
    _patch_sample(HSSMBase)
    _REGISTERED = True
