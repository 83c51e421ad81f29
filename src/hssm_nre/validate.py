"""Validation of a network against a reference likelihood (for the DDM: hssm's analytic one).

Three measurements, each rerunnable from the CLI (``hssm-nre validate ddm``):

1. **log-ratio vs exact**: at fixed observations, ``net(theta, x) - exact(theta, x)``
   over a parameter grid; for a plain ratio network only its spread in ``theta``
   matters, for a normalized network also its mean (should be 0);
2. **posteriors**: the same simulated data and the same priors fitted with
   ``loglik_kind="ratio"`` and with hssm's analytic likelihood; per parameter
   ``|mean difference| / reference SD``, the SD ratio and a classifier two-sample
   test (C2ST) accuracy of ratio draws against exact draws (0.5 = indistinguishable);
3. **normalization**: the integral of ``exp(logp)`` over rt, summed over choices.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .artifact import Network
from .references import ddm_logp_jax
from .simulation import simulate_trials

# Validation data run to 100 s of decision time: slower trials are dropped, and dropping them
# conditions the data on finishing early, which biases the exact likelihood's posterior too
# (at a = 2.5, v = 0 a 20 s limit drops 2.4 % of DDM trials; 100 s drops about 1e-8).
VALIDATION_MAX_T = 100.0

__all__ = [
    "analytic_ddm_logp",
    "c2st",
    "decision_densities",
    "compare_posteriors",
    "fit_hssm",
    "logratio_gap",
    "normalization_error",
    "calibration",
    "coverage_table",
]


def analytic_ddm_logp():
    """Hssm's analytic DDM log-density as a NumPy function ``f(theta (n, 4), x (n, 2)) -> (n,)``."""
    import pytensor
    import pytensor.tensor as pt
    from hssm.likelihoods.analytical import logp_ddm

    data = pt.dmatrix("data")
    v, a, z, t = (pt.dvector(n) for n in "vazt")
    fn = pytensor.function([data, v, a, z, t], logp_ddm(data, v, a, z, t))

    def logp(theta, x):
        theta = np.asarray(theta, np.float64)
        return np.asarray(fn(np.asarray(x, np.float64), *theta.T))

    return logp


def logratio_gap(net: Network, n_x: int = 20, n_theta: int = 2000, seed: int = 0, window: float = 10.0):
    """Spread over ``theta`` of ``net - exact`` at fixed observations (DDM only).

    For each of ``n_x`` observations (simulated at random box parameters) draw
    ``n_theta`` parameter vectors from the box and keep those whose exact
    log-density is within ``window`` nats of the best; report the SD of the gap
    per observation, its median and maximum, and the mean gap (0 for a
    normalized network).
    """
    from .likelihood import make_logp

    if net.model != "ddm":
        raise ValueError(f"the exact comparison needs the analytic DDM; network is for {net.model!r}")
    rng = np.random.default_rng(seed)
    exact = analytic_ddm_logp()
    ours = make_logp(net)
    from .registry import get_model

    spec = get_model("ddm")
    sds, means = [], []
    while len(sds) < n_x:
        th0 = spec.sample_box(1, rng)
        x0, ok = simulate_trials(spec, th0, rng, max_t=VALIDATION_MAX_T)
        if not ok.all():
            continue
        th = spec.sample_box(n_theta, rng)
        th[:, 3] = rng.uniform(0, min(0.999 * x0[0, 0], spec.upper[3]), n_theta)  # rt > t, in box
        x = np.repeat(x0, n_theta, axis=0)
        e = exact(th, x)
        keep = np.isfinite(e) & (e > e.max() - window)
        if keep.sum() < 20:
            continue
        g = np.asarray(ours(th[keep], x[keep]), np.float64) - e[keep]
        if not np.isfinite(g).all():
            raise RuntimeError(f"non-finite log-ratio at x={x0[0].tolist()} inside the box")
        sds.append(float(g.std()))
        means.append(float(g.mean()))
    return {
        "median_sd": float(np.median(sds)),
        "max_sd": float(np.max(sds)),
        "median_abs_mean": float(np.median(np.abs(means))),
        "sds": sds,
    }


def decision_densities(net: Network, theta: np.ndarray, u: np.ndarray, logp=None):
    """Evaluate the network's density at decision times ``u`` after the earliest onset, per choice.

    Returns ``(first, {choice: density})``: ``first`` is the earliest possible rt at ``theta``
    (``t``, or ``t - st`` for a spread non-decision time), so the densities are at ``rt = first + u``.
    ``logp`` (from :func:`hssm_nre.likelihood.make_logp`) is reused when given.
    """
    from .likelihood import make_logp

    logp = logp or make_logp(net)
    model = net.card["model"]
    first = theta[net.params.index(model["ndt"])]
    if model.get("ndt_spread"):
        first = first - theta[net.params.index(model["ndt_spread"])]
    thetas = np.repeat(np.asarray(theta)[None], len(u), 0)
    dens = {
        c: np.exp(np.asarray(logp(thetas, np.stack([u + first, np.full_like(u, c)], axis=1)), np.float64))
        for c in net.choices
    }
    return float(first), dens


def normalization_error(
    net: Network, n_theta: int = 50, seed: int = 0, n_grid: int = 4000, thetas: np.ndarray | None = None
):
    """Worst ``|sum_c integral exp(logp(rt, c)) drt - 1|`` over random box parameters.

    The integral runs over the decision times the network was trained on: from the earliest
    onset to the simulator's ``max_t`` (recorded in the card). Trials slower than ``max_t`` are
    not simulated, so a network's density is that of the trials that finish by then.
    ``thetas`` (rows in the network's parameter order) replaces the ``n_theta`` random draws.
    Returns the worst and median error and the parameters of the worst.
    """
    from .likelihood import make_logp

    if not net.normalized:
        raise ValueError(f"{net.name} is a plain ratio network: its integral is not defined as 1")
    rng = np.random.default_rng(seed)
    logp = make_logp(net)
    lower = np.array([b[0] for b in net.box.values()])
    upper = np.array([b[1] for b in net.box.values()])
    errs = []
    u_max = float(net.card.get("simulation", {}).get("max_t") or 60.0)
    u = np.exp(np.linspace(np.log(1e-4), np.log(u_max), n_grid))
    rows = rng.uniform(lower, upper, size=(n_theta, len(lower))) if thetas is None else np.asarray(thetas)
    for th in rows:
        total = sum(np.trapezoid(d, u) for d in decision_densities(net, th, u, logp)[1].values())
        errs.append(abs(total - 1.0))
    worst = int(np.argmax(errs))
    return {
        "max_abs_error": float(errs[worst]),
        "median_abs_error": float(np.median(errs)),
        "worst_theta": dict(zip(net.params, (float(v) for v in rows[worst]), strict=True)),
    }


def c2st(a: np.ndarray, b: np.ndarray, seed: int = 0, folds: int = 5) -> float:
    """Classifier two-sample test accuracy (0.5: indistinguishable), as in sbibm.

    An MLP classifier on standardized draws, cross-validated.
    """
    from sklearn.model_selection import cross_val_score
    from sklearn.neural_network import MLPClassifier

    X = np.concatenate([a, b])
    X = (X - X.mean(0)) / (X.std(0) + 1e-12)
    y = np.concatenate([np.zeros(len(a)), np.ones(len(b))])
    clf = MLPClassifier(
        hidden_layer_sizes=(10 * X.shape[1],) * 2,
        max_iter=1000,
        random_state=seed,
        early_stopping=False,
    )
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter reached is fine for a score
        scores = cross_val_score(clf, X, y, cv=folds, scoring="accuracy", error_score="raise")
    return float(np.mean(scores))


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
    t0 = time.perf_counter()
    idata = model.sample(
        sampler="numpyro",
        init="auto",  # numpyro initializes itself (hssm's default adapt_diag is for PyMC)
        draws=draws,
        tune=tune,
        chains=chains,
        random_seed=seed,
        progressbar=False,
        nuts={"dense_mass": True},
        idata_kwargs={"log_likelihood": False},
    )
    return idata, time.perf_counter() - t0


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


def markdown_table(df: pd.DataFrame, digits: int = 3) -> str:
    """Format a DataFrame as a GitHub Markdown table."""
    cols = list(df.columns)
    fmt = [
        [f"{v:.{digits}f}" if isinstance(v, float) else str(v) for v in row]
        for row in df.itertuples(index=False)
    ]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(r) + " |" for r in fmt]
    return "\n".join(lines)


def simulate_dataset(net: Network, theta: dict[str, float], n_trials: int, seed: int) -> pd.DataFrame:
    """Simulate ``n_trials`` trials at fixed parameters with the package's simulator."""
    rng = np.random.default_rng(seed)
    th = np.tile([theta[p] for p in net.params], (n_trials, 1))
    x, ok = simulate_trials(net.model, th, rng, max_t=VALIDATION_MAX_T)
    return pd.DataFrame({"rt": x[ok, 0], "response": x[ok, 1].astype(int)})


CALIBRATION_PRIOR = {
    "ddm": {"v": (-2.0, 2.0), "a": (0.5, 2.0), "z": (0.3, 0.7), "t": (0.1, 0.5)},
    "levy": {"v": (-2.0, 2.0), "a": (0.5, 2.0), "z": (0.3, 0.7), "alpha": (1.2, 1.9), "t": (0.1, 0.5)},
}


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

    from .likelihood import make_logp

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
    model, names = net.card["model"], list(net.params)
    ndt, spread = model.get("ndt"), model.get("ndt_spread")
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


def calibration(
    net: Network,
    n_datasets: int = 100,
    n_trials: int = 200,
    draws: int = 400,
    seed: int = 0,
    prior: dict[str, tuple[float, float]] | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Simulation-based calibration with numpyro NUTS on the network's likelihood.

    Parameters are drawn from a uniform ``prior`` (inside the training box), a data set of
    ``n_trials`` is simulated, and the same prior is used for inference. For a calibrated
    posterior the rank of the true value among the posterior draws is uniform, and a
    central ``q`` interval covers the truth in a share ``q`` of data sets.

    Returns one row per data set and parameter: the true value, its normalized rank in
    ``[0, 1]`` and the posterior mean and SD.
    """
    import jax
    import jax.numpy as jnp

    from .progress import progress_bar

    prior = prior or CALIBRATION_PRIOR.get(net.model) or net.box
    names = list(net.params)
    mcmc, lo, hi = nuts_sampler(net, prior, draws)
    rng = np.random.default_rng(seed)
    onset_i = _onset_indices(net)
    rows = []
    with progress_bar(progress) as bar:
        task = bar.add_task("calibration", total=n_datasets)
        for i in range(n_datasets):
            truth = rng.uniform(np.asarray(lo), np.asarray(hi))
            x, ok = simulate_trials(net.model, np.tile(truth, (n_trials, 1)), rng, max_t=VALIDATION_MAX_T)
            x = x[ok][:n_trials]
            if len(x) < n_trials:  # keep shapes fixed so NUTS compiles once
                continue
            key = jax.random.key(seed * 100_003 + i)
            try:
                try:
                    mcmc.run(key, jnp.asarray(x, jnp.float32), init_params=_init_inside(x, lo, hi, *onset_i))
                    post = np.asarray(mcmc.get_samples()["theta"])
                except RuntimeError:  # numpyro's random pre-initialization found no finite point
                    fresh, _, _ = nuts_sampler(net, prior, draws, start=_start_inside(x, lo, hi, *onset_i))
                    fresh.run(key, jnp.asarray(x, jnp.float32))
                    post = np.asarray(fresh.get_samples()["theta"])
            except RuntimeError:  # NUTS found no finite starting point: counted, not hidden
                rows.append(
                    {
                        "dataset": i,
                        "param": "failed",
                        "truth": np.nan,
                        "rank": np.nan,
                        "mean": np.nan,
                        "sd": np.nan,
                    }
                )
                bar.advance(task)
                continue
            for j, p in enumerate(names):
                rows.append(
                    {
                        "dataset": i,
                        "param": p,
                        "truth": float(truth[j]),
                        "rank": float(np.mean(post[:, j] < truth[j])),
                        "mean": float(post[:, j].mean()),
                        "sd": float(post[:, j].std()),
                    }
                )
            bar.advance(task)
    return pd.DataFrame(rows)


def coverage_table(cal: pd.DataFrame, levels=(0.5, 0.9)) -> pd.DataFrame:
    """Share of data sets whose central ``level`` interval covers the truth, per parameter."""
    out = []
    for p, g in cal[cal["param"] != "failed"].groupby("param", sort=False):
        row = {"param": p, "datasets": len(g)}
        for q in levels:
            row[f"coverage_{int(q * 100)}"] = float(np.mean(np.abs(g["rank"] - 0.5) <= q / 2))
        from scipy import stats

        row["ks_uniform_p"] = float(stats.kstest(g["rank"], "uniform").pvalue)
        out.append(row)
    return pd.DataFrame(out)


def score_bias(
    net: Network,
    n_sets: int = 24,
    n_mc: int = 40_000,
    n_trials: int = 2000,
    seed: int = 0,
    prior: dict[str, tuple[float, float]] | None = None,
    thetas: list[dict[str, float]] | None = None,
) -> pd.DataFrame:
    """Asymptotic bias of the network's maximum-likelihood estimate, in posterior SDs (DDM).

    At a parameter vector ``theta0``, the network's likelihood is maximized (with infinite
    data) at ``theta* ~ theta0 + I^-1 E[grad(net - exact)(theta0)]``, ``I`` the Fisher
    information. Dividing by the posterior SD at ``n_trials`` trials, ``sqrt(diag(I^-1) /
    n_trials)``, gives the shift that a posterior comparison at ``n_trials`` trials would see,
    without sampling. Expectations are Monte Carlo over ``n_mc`` simulated trials per set,
    ``theta0`` drawn uniformly from ``prior`` (default: the calibration prior), or the given
    parameter vectors ``thetas`` (dicts by parameter name; then ``n_sets`` is ignored).

    Returns one row per set and parameter: ``bias_over_sd`` and its Monte Carlo standard error.
    """
    import jax
    import jax.numpy as jnp

    if net.model != "ddm":
        raise ValueError(f"score_bias needs the analytic DDM; network is for {net.model!r}")
    from .likelihood import build_logp

    ours = build_logp(net.weights, net.card)
    prior = prior or CALIBRATION_PRIOR["ddm"]
    names = list(net.params)

    def total(th, x, fn):
        return jnp.sum(fn(jnp.broadcast_to(th, (x.shape[0], 4)), x))

    @jax.jit
    def grads(th, x):
        g_exact = jax.vmap(lambda xi: jax.grad(lambda t_: total(t_, xi[None], ddm_logp_jax))(th))(x)
        g_net = jax.vmap(lambda xi: jax.grad(lambda t_: total(t_, xi[None], ours))(th))(x)
        return g_exact, g_net

    rng = np.random.default_rng(seed)
    lo = np.array([prior[p][0] for p in names])
    hi = np.array([prior[p][1] for p in names])
    if thetas is not None:
        fixed = [np.array([th[p] for p in names], np.float64) for th in thetas]
    rows = []
    for s in range(len(fixed) if thetas is not None else n_sets):
        th0 = fixed[s] if thetas is not None else rng.uniform(lo, hi)
        x, ok = simulate_trials(net.model, np.tile(th0, (n_mc, 1)), rng, max_t=VALIDATION_MAX_T)
        x = x[ok]
        ge, gn = (np.asarray(g, np.float64) for g in grads(jnp.asarray(th0, jnp.float32), jnp.asarray(x)))
        fisher = ge.T @ ge / len(x)
        cov = np.linalg.inv(fisher)
        d = gn - ge
        shift = cov @ d.mean(0)
        se = np.sqrt(np.diag(cov @ np.cov(d.T) @ cov) / len(x))
        sd = np.sqrt(np.diag(cov) / n_trials)
        for j, p in enumerate(names):
            rows.append(
                {
                    "set": s,
                    **{q: float(th0[i]) for i, q in enumerate(names)},
                    "param": p,
                    "bias_over_sd": float(shift[j] / sd[j]),
                    "mc_se": float(se[j] / sd[j]),
                }
            )
    return pd.DataFrame(rows)


# Parameter sets for the reweighting comparison of the extended models: fast and slow, biased and
# unbiased, small and large non-decision time, each model's own parameters low and high.
EXTENDED_SETS = {
    "angle": [
        {"v": 1.0, "a": 1.0, "z": 0.5, "t": 0.3, "theta": 0.3},
        {"v": -1.5, "a": 1.5, "z": 0.35, "t": 0.5, "theta": 0.7},
        {"v": 0.3, "a": 0.8, "z": 0.6, "t": 0.2, "theta": 0.1},
        {"v": 2.0, "a": 2.0, "z": 0.5, "t": 1.0, "theta": 1.0},
    ],
    "weibull": [
        {"v": 1.0, "a": 1.0, "z": 0.5, "t": 0.3, "alpha": 2.0, "beta": 2.0},
        {"v": -1.5, "a": 1.5, "z": 0.35, "t": 0.5, "alpha": 1.0, "beta": 1.0},
        {"v": 0.3, "a": 0.8, "z": 0.6, "t": 0.2, "alpha": 4.0, "beta": 5.0},
        {"v": 2.0, "a": 2.0, "z": 0.5, "t": 1.0, "alpha": 3.0, "beta": 0.8},
    ],
    "ornstein": [
        {"v": 1.0, "a": 1.0, "z": 0.5, "g": 0.5, "t": 0.3},
        {"v": -1.5, "a": 1.5, "z": 0.35, "g": -0.5, "t": 0.5},
        {"v": 0.3, "a": 0.8, "z": 0.6, "g": 0.0, "t": 0.2},
        {"v": 1.0, "a": 2.0, "z": 0.5, "g": 0.9, "t": 1.0},
    ],
    "ddm_sdv": [
        {"v": 1.0, "a": 1.0, "z": 0.5, "t": 0.3, "sv": 0.5},
        {"v": -1.5, "a": 1.5, "z": 0.35, "t": 0.5, "sv": 1.5},
        {"v": 0.3, "a": 0.8, "z": 0.6, "t": 0.2, "sv": 0.1},
        {"v": 2.0, "a": 2.0, "z": 0.5, "t": 1.0, "sv": 1.0},
    ],
    "full_ddm": [
        {"v": 1.0, "a": 1.0, "z": 0.5, "t": 0.5, "sz": 0.1, "sv": 0.5, "st": 0.1},
        {"v": -1.5, "a": 1.5, "z": 0.4, "t": 0.6, "sz": 0.05, "sv": 1.5, "st": 0.2},
        {"v": 0.3, "a": 0.8, "z": 0.6, "t": 0.4, "sz": 0.15, "sv": 0.2, "st": 0.05},
        {"v": 2.0, "a": 2.0, "z": 0.5, "t": 1.0, "sz": 0.1, "sv": 1.0, "st": 0.15},
    ],
    "levy": [
        {"v": 1.0, "a": 1.0, "z": 0.5, "alpha": 1.5, "t": 0.3},
        {"v": -1.5, "a": 1.5, "z": 0.35, "alpha": 1.2, "t": 0.5},
        {"v": 0.3, "a": 0.8, "z": 0.6, "alpha": 1.9, "t": 0.2},
        {"v": 2.0, "a": 2.0, "z": 0.5, "alpha": 1.7, "t": 1.0},
    ],
}


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

    from .likelihood import make_logp

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
    ll_ref = np.array([float(np.sum(reference.logp(th, x))) for th in keep])
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
