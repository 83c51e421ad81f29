"""The hssm integration: ``loglik_kind="ratio"``. The only module that touches hssm internals.

:func:`register` wraps four hssm entry points, once (it is idempotent):

* ``Config.from_defaults`` accepts ``"ratio"`` and builds the config from the
  hssm_nre registry (parameter order, choices, training box as ``bounds``);
* ``HSSM.__init__`` resolves the network, checks the data, applies the
  ``p_outlier`` policy and, after hssm has built the model, checks that the
  priors of non-regression parameters stay inside the training box;
* ``HSSM._make_model_distribution`` builds the distribution from the network's
  JAX log-likelihood (one vectorized call over trials) through hssm's own
  ``make_distribution`` (lapse mixture, bounds, fixed vectors);
* ``HSSMBase.sample`` defaults to the numpyro sampler, as hssm does for JAX
  likelihoods.
"""

from __future__ import annotations

import functools
import inspect
import warnings

import numpy as np

__all__ = ["register", "RatioLikelihoodWarning"]

KIND = "ratio"
_REGISTERED = False


class RatioLikelihoodWarning(UserWarning):
    """Something about a ratio likelihood the user should know (e.g. lapse left out)."""


def _spec_defaults(model_name: str):
    from .registry import MODELS

    return MODELS.get(model_name)


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


def _check_data(data, choices) -> None:
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame with rt and response columns, got {type(data)}")
    missing = [c for c in ("rt", "response") if c not in data.columns]
    if missing:
        raise ValueError(f"data has no column(s) {missing}; loglik_kind='ratio' needs 'rt' and 'response'")
    rt = np.asarray(data["rt"], dtype=float)
    bad = ~np.isfinite(rt) | (rt <= 0)
    if bad.any():
        rows = np.flatnonzero(bad)[:5].tolist()
        raise ValueError(
            f"{int(bad.sum())} rt value(s) are NaN, infinite or not positive (rows {rows}, ...); "
            "reaction times must be positive seconds. Drop or fix those trials."
        )
    resp = np.asarray(data["response"])
    outside = ~np.isin(resp, np.asarray(choices))
    if outside.any():
        vals = sorted(set(np.asarray(resp)[outside].tolist()))[:5]
        raise ValueError(
            f"responses {vals} are not among the model's choices {list(choices)}; recode them "
            "(for the DDM family: -1 lower boundary, 1 upper boundary)."
        )


def _warn_slow_trials(data, net) -> None:
    """Warn when trials are slower than anything the network was trained on (it extrapolates)."""
    max_t = (net.card.get("simulation") or {}).get("max_t")
    if not max_t or net.card["model"].get("ndt") is None:
        return
    box = net.box
    earliest = box[net.card["model"]["ndt"]][0]  # decision time = rt - t <= rt - lowest t
    if net.card["model"].get("ndt_spread"):
        earliest -= box[net.card["model"]["ndt_spread"]][1]
    slow = np.asarray(data["rt"], dtype=float) - earliest > max_t
    if slow.any():
        warnings.warn(
            f"{int(slow.sum())} trial(s) have rt above {max_t + earliest:g} s: {net.name} was trained "
            f"on decision times up to {max_t:g} s (simulation max_t in its card), so its likelihood "
            "extrapolates for them. Check those trials, or use a network trained with a larger "
            "max_t (`hssm-nre train MODEL --max-t ...`).",
            RatioLikelihoodWarning,
            stacklevel=3,
        )


def _network_for(bound_args: dict):
    """Resolve the network from HSSM's arguments (``loglik=``, then the model's default)."""
    from .artifact import Network
    from .hub import load_network

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


def _check_network_matches(net, bound_args: dict) -> None:
    model = bound_args.get("model", "ddm")
    mc = bound_args.get("model_config") or {}
    list_params = mc.get("list_params") if isinstance(mc, dict) else getattr(mc, "list_params", None)
    expected = list(list_params) if list_params else None
    spec = _spec_defaults(model)
    if expected is None and spec is not None:
        expected = list(spec.params)
    if expected is not None and list(net.params) != expected:
        raise ValueError(
            f"network {net.name} takes parameters {list(net.params)} but model {model!r} has "
            f"{expected}; use a network trained for this model"
        )


def _check_priors_in_box(model, net) -> None:
    """Error if the effective prior of a non-regression parameter has mass outside the box."""
    import pymc as pm

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
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            vals = [float(np.max(pm.logp(rv, np.full(shape, p, dtype=rv.dtype)).eval())) for p in pts]
        if any(np.isfinite(v) for v in vals):
            raise ValueError(
                f"the prior of {name!r} ({prior}) puts mass outside the network's training box "
                f"[{lo}, {hi}] for {net.name}: outside the box the network was never trained. {fix}"
            )


def _initvals_in_box(model, net) -> None:
    """Move hssm's default initial values inside the training box (and below the fastest rt for t)."""
    ndt = net.card["model"].get("ndt")
    rt_min = float(np.min(model.data["rt"]))
    for name, (lo, hi) in net.box.items():
        if name not in model._initvals:
            continue
        val = np.asarray(model._initvals[name], dtype=float)
        if name == ndt:
            top = min(hi, rt_min)
            ok = (val > lo) & (val < top)
            model._initvals[name] = np.where(ok, val, lo + 0.5 * (top - lo))
        else:
            margin = 0.05 * (hi - lo)
            model._initvals[name] = np.clip(val, lo + margin, hi - margin)


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
        _check_data(arguments["data"], net.choices)
        _warn_slow_trials(arguments["data"], net)
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
        _initvals_in_box(self, net)

    HSSM.__init__ = __init__


def _patch_distribution(HSSM) -> None:
    orig = HSSM._make_model_distribution

    @functools.wraps(orig)
    def _make_model_distribution(self):
        if self.loglik_kind != KIND:
            return orig(self)
        return _ratio_distribution(self)

    HSSM._make_model_distribution = _make_model_distribution


def make_logp_op(net):
    """Build a pytensor Op ``op(data, *params) -> (n,)`` for a network, usable by every PyMC sampler.

    Forward and vector-Jacobian product are jitted JAX functions; under the JAX linker
    (numpyro, blackjax) the un-jitted function is inlined into the sampler's graph.
    """
    import jax
    import jax.numpy as jnp
    from hssm.distribution_utils.jax import make_jax_logp_ops

    from .likelihood import make_hssm_logp

    logp = make_hssm_logp(net, len(net.params))

    def vjp(data, *params, gz):
        out, pull = jax.vjp(lambda *p: logp(data, *p), *params)
        return pull(jnp.asarray(gz, out.dtype))  # pytensor may send a float64 cotangent

    return make_jax_logp_ops(jax.jit(logp), jax.jit(vjp), logp)


def _ratio_distribution(model):
    import pytensor.tensor as pt
    from hssm.distribution_utils import make_distribution

    net = model._hssm_nre_network
    op = make_logp_op(net)
    model.loglik = op
    trialwise = [p.is_trialwise for name, p in model.params.items() if name != "p_outlier"]
    fixed = {n: p.prior for n, p in model.params.items() if isinstance(p.prior, np.ndarray)}
    base = make_distribution(
        rv=model.model_name,
        loglik=op,
        list_params=model.list_params,
        bounds=model.bounds,
        lapse=model.lapse,
        fixed_vector_params=fixed or None,
        params_is_trialwise=trialwise,
    )
    if model.lapse is not None:
        return base
    ndt = net.card["model"].get("ndt")
    ndt_i = list(model.list_params).index(ndt) if ndt else None
    base_logp = base.logp

    class RatioDistribution(base):
        """hssm's distribution with exact support: ``-inf`` (not a floor value) for rt <= t."""

        rv_op = base.rv_op
        _params = base._params

        def logp(data, *dist_params):  # noqa: N805 - pymc calls it on the class
            out = base_logp(data, *dist_params)
            if ndt_i is None:
                return out
            return pt.where(data[:, 0] <= dist_params[ndt_i], -np.inf, out)

    return RatioDistribution


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


def _patch_sample(HSSMBase) -> None:
    orig = HSSMBase.sample
    orig_ll = HSSMBase.log_likelihood

    @functools.wraps(orig)
    def sample(self, sampler=None, *args, **kwargs):
        if self.loglik_kind == KIND:
            sampler = sampler or "numpyro"
            if sampler in ("numpyro", "blackjax", "nutpie"):
                kwargs.setdefault("init", "auto")  # they initialize themselves
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
            return orig(self, sampler, *args, **kwargs)
        except TypeError as err:
            if sampler == "blackjax" and "progress_bar" in str(err):
                import importlib.metadata as md

                raise RuntimeError(
                    f"sampler='blackjax' does not run with pymc {md.version('pymc')} and blackjax "
                    f"{md.version('blackjax')} (it fails the same way with hssm's analytical "
                    "likelihood). Use sampler='numpyro' (the default), 'nutpie' or 'pymc'."
                ) from err
            raise

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
