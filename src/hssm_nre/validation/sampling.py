"""Posterior sampling for validation: hssm fits, direct NUTS draws, recovery and reweighting.

Simulation-based calibration is in :mod:`hssm_nre.validation.calibration`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hssm_nre.simulation import simulate_trials
from hssm_nre.store.artifact import Network
from hssm_nre.validation.cases import VALIDATION_MAX_T
from hssm_nre.validation.metrics import c2st

# Under "hssm_nre.validation", whose lines `hssm-nre validate` prints as the report runs.
log = logging.getLogger(__name__)

__all__ = ["compare_posteriors", "fit_hssm", "fit_side_by_side", "sample_numpyro"]


def box_priors(net: Network, regression: set[str]) -> list[dict]:
    """Uniform priors on the training box for every parameter not in ``regression``."""
    return [
        {"name": p, "prior": {"name": "Uniform", "lower": lo, "upper": hi}}
        for p, (lo, hi) in net.box.items()
        if p not in regression
    ]


def fit_hssm(
    data: pd.DataFrame,
    loglik_kind: str,
    net: Network,
    include: list[dict] | None = None,
    draws: int = 500,
    tune: int = 500,
    chains: int = 2,
    seed: int = 0,
):
    """Fit one hssm model with box priors; return ``(idata, seconds)``."""
    import hssm

    include = list(include or [])
    regression = {d["name"] for d in include}
    kw = {"loglik": net} if loglik_kind == "ratio" else {}
    model = hssm.HSSM(
        data,
        model=net.model,
        loglik_kind=loglik_kind,
        include=box_priors(net, regression) + include,
        p_outlier=None,
        **kw,
    )
    return sample_numpyro(model, draws, tune, chains, seed, nuts={"dense_mass": True})


def fit_side_by_side(
    data: pd.DataFrame,
    net: Network,
    include: list[dict] | None = None,
    draws: int = 500,
    chains: int = 2,
    warmup: bool = True,
    kinds: tuple[str, ...] = ("ratio", "analytical"),
) -> dict:
    """:func:`fit_hssm` with each likelihood kind on the same data, one after another (``make demo``).

    The first NUTS fit in a process also pays for JAX's and numpyro's one-time set-up (about 10 s
    on the 2-core machine); with ``warmup`` a short untimed fit of each kind comes first, so no
    timed fit carries it. Returns ``{kind: (idata, seconds, compiling)}``, ``compiling`` the
    seconds of tracing, lowering and compiling within ``seconds``
    (:func:`hssm_nre.validation.timing.compile_log`).
    """
    from hssm_nre.validation.timing import compile_log

    if warmup:
        print("warm-up: a short untimed fit of each likelihood ...", flush=True)
        for kind in kinds:
            fit_hssm(data, kind, net, include=include, draws=5, tune=5, chains=chains)
    out = {}
    for kind in kinds:
        print(f"fitting {len(data)} trials with loglik_kind={kind!r} ...", flush=True)
        with compile_log() as clog:
            idata, seconds = fit_hssm(data, kind, net, include, draws=draws, tune=draws, chains=chains)
        out[kind] = (idata, seconds, clog.seconds)
    return out


def sample_numpyro(
    model,
    draws: int,
    tune: int,
    chains: int,
    seed: int = 0,
    nuts: dict | None = None,
    log_likelihood: bool = False,
    init: str | None = "auto",
):
    """Sample an ``hssm.HSSM`` model with numpyro's NUTS, quietly; return ``(idata, seconds)``.

    ``init="auto"`` lets numpyro initialize itself (hssm's default, adapt_diag, is PyMC's);
    ``None`` keeps hssm's default.
    """
    kw = {} if init is None else {"init": init}
    t0 = time.perf_counter()
    idata = model.sample(
        sampler="numpyro",
        draws=draws,
        tune=tune,
        chains=chains,
        random_seed=seed,
        progressbar=False,
        nuts=dict(nuts or {}),
        idata_kwargs={"log_likelihood": log_likelihood},
        **kw,
    )
    return idata, time.perf_counter() - t0


def nuts_steps(idata) -> float:
    """Mean NUTS leapfrog steps (gradient evaluations) per draw after tuning, over every chain.

    Two fits of the same data that take about as many steps per draw differ in sampling time
    by their cost per evaluation alone.
    """
    stats = idata.sample_stats if hasattr(idata, "sample_stats") else idata["sample_stats"]
    return float(np.asarray(stats["n_steps"]).mean())


def posterior_draws(idata, names: list[str]) -> np.ndarray:
    post = idata.posterior if hasattr(idata, "posterior") else idata["posterior"]
    return np.stack([np.asarray(post[n]).reshape(-1) for n in names], axis=1)


@dataclass
class Comparison:
    """Posterior comparison of one data set: per-parameter rows plus C2ST and times."""

    table: pd.DataFrame
    c2st: float
    seconds_ratio: float
    seconds_exact: float


def compare_posteriors(idata_ratio, idata_exact, names: list[str], t_ratio: float, t_exact: float):
    """Mean / SD of both posteriors, ``|mean diff| / SD_exact``, SD ratio, and C2ST."""
    a, b = posterior_draws(idata_ratio, names), posterior_draws(idata_exact, names)
    table = pd.DataFrame(
        {
            "param": names,
            "mean_ratio": a.mean(0),
            "mean_exact": b.mean(0),
            "sd_ratio": a.std(0),
            "sd_exact": b.std(0),
        }
    )
    table["abs_diff_over_sd"] = (table.mean_ratio - table.mean_exact).abs() / table.sd_exact
    table["sd_ratio_over_exact"] = table.sd_ratio / table.sd_exact
    n = min(len(a), len(b), 2000)
    return Comparison(table, c2st(a[:n], b[:n]), t_ratio, t_exact)


def simulate_dataset(net: Network, theta: dict[str, float], n_trials: int, seed: int) -> pd.DataFrame:
    """Simulate ``n_trials`` trials at fixed parameters with the package's simulator."""
    rng = np.random.default_rng(seed)
    th = np.tile([theta[p] for p in net.params], (n_trials, 1))
    x, ok = simulate_trials(net.model, th, rng, max_t=VALIDATION_MAX_T)
    return pd.DataFrame({"rt": x[ok, 0], "response": x[ok, 1].astype(int)})


def nuts_sampler(
    net: Network, prior: dict[str, tuple[float, float]], draws: int, chains: int = 1, start=None
):
    """Build a numpyro NUTS sampler (dense mass) of ``theta`` under a uniform ``prior`` and the network.

    Returns ``(mcmc, lo, hi)``; run it with ``mcmc.run(key, x, init_params=...)``. Compiled
    once for a data shape. ``start``: the (constrained) initial ``theta`` of every chain;
    numpyro's default, a random point, rarely has the non-decision time below the fastest
    reaction time when that is close to the prior's lower end.
    """
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from numpyro.infer import MCMC, NUTS, init_to_uniform, init_to_value

    from hssm_nre.net.logp import make_logp

    names = list(net.params)
    logp = make_logp(net)
    lo = jnp.asarray([prior[p][0] for p in names], jnp.float32)
    hi = jnp.asarray([prior[p][1] for p in names], jnp.float32)

    def model(x):
        theta = numpyro.sample("theta", dist.Uniform(lo, hi))
        numpyro.factor("ll", jnp.sum(logp(jnp.broadcast_to(theta, (x.shape[0], len(names))), x)))

    init = (
        init_to_uniform
        if start is None
        else init_to_value(values={"theta": jnp.asarray(start, jnp.result_type(float))})
    )
    mcmc = MCMC(
        NUTS(model, dense_mass=True, init_strategy=init),
        num_warmup=draws,
        num_samples=draws,
        num_chains=chains,
        chain_method="sequential",
        progress_bar=False,
        jit_model_args=True,
    )
    return mcmc, lo, hi


def nuts_draws(net: Network, x: np.ndarray, prior: dict, draws: int, chains: int = 2, seed: int = 0):
    """Posterior draws ``(chains * draws, P)`` of ``theta`` under the network and a uniform prior."""
    import jax
    import jax.numpy as jnp

    names = list(net.params)
    lo = np.array([prior[p][0] for p in names], np.float32)
    hi = np.array([prior[p][1] for p in names], np.float32)
    start = _start_inside(x, lo, hi, *_onset_indices(net))
    mcmc, _, _ = nuts_sampler(net, prior, draws, chains, start=start)
    mcmc.run(jax.random.key(seed), jnp.asarray(x, jnp.float32))
    return np.asarray(mcmc.get_samples()["theta"], np.float64)


def posterior_recovery(net: Network, x: np.ndarray, truth: dict, draws: int, seed: int = 0) -> pd.DataFrame:
    """Posterior of the network alone (box prior): mean, SD and ``|mean - truth| / SD``."""
    names = list(net.params)
    post = nuts_draws(net, x, net.box, draws, 2, seed)
    tab = pd.DataFrame(
        {"param": names, "truth": [truth[p] for p in names], "mean": post.mean(0), "sd": post.std(0)}
    )
    tab["abs_z"] = (tab["mean"] - tab["truth"]).abs() / tab["sd"]
    return tab


def _onset_indices(net: Network) -> tuple[int | None, int | None]:
    """Columns of the non-decision time and of its spread (``st``), ``None`` when absent."""
    model, names = net.info.model, list(net.params)
    ndt, spread = model.ndt, model.ndt_spread
    return (names.index(ndt) if ndt else None), (names.index(spread) if spread else None)


def _start_inside(x, lo, hi, ndt_i, spread_i=None) -> np.ndarray:
    """NUTS start: prior midpoints, and the earliest onset halfway below the fastest rt.

    The onset is ``t``, or ``t - st`` for a spread non-decision time (``st`` at its midpoint).
    """
    lo, hi = np.asarray(lo, np.float64), np.asarray(hi, np.float64)
    start = (lo + hi) / 2
    if ndt_i is not None:
        fastest = float(x[:, 0].min())
        if spread_i is not None and fastest + start[spread_i] <= lo[ndt_i]:  # needs a wider spread
            start[spread_i] = 0.5 * (lo[ndt_i] - fastest + hi[spread_i])
        room = fastest + (start[spread_i] if spread_i is not None else 0.0)
        start[ndt_i] = lo[ndt_i] + 0.5 * (min(room, hi[ndt_i]) - lo[ndt_i])
    return start.astype(np.float32)


def _init_inside(x, lo, hi, ndt_i, spread_i=None):
    """Map that start to numpyro's unconstrained space (logit of the share of the prior range)."""
    import jax.numpy as jnp

    lo, hi = np.asarray(lo, np.float64), np.asarray(hi, np.float64)
    frac = (_start_inside(x, lo, hi, ndt_i, spread_i) - lo) / (hi - lo)
    return {"theta": jnp.asarray(np.log(frac / (1 - frac)), dtype=jnp.result_type(float))}


@dataclass
class Reweighted:
    """Network posterior and the reference posterior obtained by reweighting its draws."""

    table: pd.DataFrame
    ess_fraction: float
    draws: np.ndarray
    log_weights: np.ndarray


def reweighted_comparison(
    net: Network,
    reference,
    x: np.ndarray,
    prior: dict[str, tuple[float, float]] | None = None,
    draws: int = 500,
    chains: int = 2,
    n_ref: int = 400,
    seed: int = 0,
    truth: dict[str, float] | None = None,
) -> Reweighted:
    """Compare the network's posterior with a reference likelihood's by importance reweighting.

    NUTS samples the posterior under the network (uniform ``prior``, default the box);
    ``n_ref`` of its draws (thinned) are reweighted by ``exp(sum ref - sum net)``, which turns
    them into draws of the posterior under the reference with the same prior. This needs
    the reference only at a few hundred parameter vectors (no gradients), so slow numerical
    references (PyDDM, HDDM's integrals) can be compared. The weights' effective sample
    share says whether the estimate is reliable (near 1: the two posteriors agree; below
    about 0.1: too far apart for reweighting, and the network is off).

    Returns per parameter: network and reference posterior mean and SD, ``|mean diff| / SD``
    of the reference, the SD ratio and, if ``truth`` is given, the reference's ``z``-score of
    the truth.
    """
    import jax.numpy as jnp

    from hssm_nre.net.logp import make_logp

    names = list(net.params)
    post = nuts_draws(net, x, prior or net.box, draws, chains, seed)
    keep = post[np.linspace(0, len(post) - 1, min(n_ref, len(post))).astype(int)]
    logp = make_logp(net)
    xj = jnp.asarray(x, jnp.float32)
    ll_net = np.array(
        [
            float(jnp.sum(logp(jnp.broadcast_to(jnp.asarray(th, jnp.float32), (len(x), len(names))), xj)))
            for th in keep
        ]
    )
    t0 = time.perf_counter()
    ll_ref = np.array([float(np.sum(reference.logp(th, x))) for th in keep])
    log.info("    the reference at %d draws: %.0f s", len(keep), time.perf_counter() - t0)
    lw = ll_ref - ll_net
    lw = np.where(np.isfinite(lw), lw, -np.inf)
    w = np.exp(lw - lw.max())
    w /= w.sum()
    ess = float(1.0 / np.sum(w**2) / len(w))
    m_ref = w @ keep
    sd_ref = np.sqrt(w @ (keep - m_ref) ** 2)
    table = pd.DataFrame(
        {
            "param": names,
            "mean_ratio": post.mean(0),
            "mean_ref": m_ref,
            "sd_ratio": post.std(0),
            "sd_ref": sd_ref,
        }
    )
    table["abs_diff_over_sd"] = (table.mean_ratio - table.mean_ref).abs() / table.sd_ref
    table["sd_ratio_over_ref"] = table.sd_ratio / table.sd_ref
    if truth is not None:
        table["truth_z_ref"] = (np.array([truth[p] for p in names]) - m_ref) / sd_ref
    return Reweighted(table, ess, keep, lw)
