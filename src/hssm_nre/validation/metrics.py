"""Measurements of a network against a reference likelihood (for the DDM: hssm's analytic one).

Each is rerunnable and feeds the report (``hssm-nre validate MODEL``):

* :func:`logratio_gap`: at fixed observations, ``net(theta, x) - exact(theta, x)`` over a
  parameter grid; for a plain ratio network only its spread in ``theta`` matters, for a
  normalized network also its mean (should be 0);
* :func:`normalization_error` (with :func:`decision_densities`): the integral of
  ``exp(logp)`` over rt, summed over choices;
* :func:`c2st`: a classifier two-sample test of two sets of posterior draws
  (0.5 = indistinguishable);
* :func:`score_bias`: the shift of the network's maximum-likelihood estimate from the
  reference's, in posterior SDs, without sampling;
* :func:`coverage_table` and :func:`markdown_table`: summaries for the report.

Posterior comparisons, recovery and calibration are in :mod:`hssm_nre.validation.sampling`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hssm_nre.models import MODELS
from hssm_nre.net.ddm_density import ddm_logp_jax
from hssm_nre.simulation import simulate_trials
from hssm_nre.store.artifact import Network
from hssm_nre.validation.cases import CALIBRATION_PRIOR, VALIDATION_MAX_T

# Upper limit (s) of the normalization integral of LBA networks: their density falls off like
# 1 / t^2, and at the box's slowest corner less than 1e-4 of the mass lies beyond it.
LBA_U_MAX = 1e4

__all__ = [
    "analytic_ddm_logp",
    "c2st",
    "coverage_table",
    "decision_densities",
    "logratio_gap",
    "normalization_error",
    "identified",
    "score_bias",
    "score_prior",
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
    from hssm_nre.net.logp import make_logp

    if net.model != "ddm":
        raise ValueError(f"the exact comparison needs the analytic DDM; network is for {net.model!r}")
    rng = np.random.default_rng(seed)
    exact = analytic_ddm_logp()
    ours = make_logp(net)
    from hssm_nre.models import get_model

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
    ``logp`` (from :func:`hssm_nre.net.logp.make_logp`) is reused when given.
    """
    from hssm_nre.net.logp import make_logp

    logp = logp or make_logp(net)
    model = net.info.model
    first = theta[net.params.index(model.ndt)] if model.ndt else 0.0  # no ndt: u is the rt
    if model.ndt_spread:
        first = first - theta[net.params.index(model.ndt_spread)]
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
    onset to the simulator's ``max_t`` (recorded in the card), or to :data:`LBA_U_MAX` for the
    LBA, whose exact sampler drops no trial (its density falls off like ``1 / t^2``). Trials
    slower than ``max_t`` are not simulated, so a network's density is that of the trials that
    finish by then.
    ``thetas`` (rows in the network's parameter order) replaces the ``n_theta`` random draws.
    Returns the worst and median error and the parameters of the worst.
    """
    from hssm_nre.net.logp import make_logp

    if not net.normalized:
        raise ValueError(f"{net.name} is a plain ratio network: its integral is not defined as 1")
    rng = np.random.default_rng(seed)
    logp = make_logp(net)
    lower = np.array([b[0] for b in net.box.values()])
    upper = np.array([b[1] for b in net.box.values()])
    errs = []
    u_max = float(net.card.get("simulation", {}).get("max_t") or 60.0)
    spec = MODELS.get(net.model)
    if spec is not None and spec.simulator == "lba":  # an exact sampler drops no slow trial
        u_max = LBA_U_MAX
    u = np.exp(np.linspace(np.log(1e-4), np.log(u_max), n_grid))
    if thetas is None:
        rows = rng.uniform(lower, upper, size=(n_theta, len(lower)))
        for lo, hi in net.info.model.constraints:  # e.g. the LBA's b > A: redraw the rows that break it
            i, j = net.params.index(lo), net.params.index(hi)
            while (bad := rows[:, i] >= rows[:, j]).any():
                rows[bad] = rng.uniform(lower, upper, size=(int(bad.sum()), len(lower)))
    else:
        rows = np.asarray(thetas)
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


# A parameter vector whose asymptotic posterior SD exceeds this share of the prior's width is
# not identified at that many trials: its posterior is not Gaussian there (the LBA's ridges at
# 1000 trials), and the linear shift I^-1 E[score error] says nothing about a fit. For lba3 at
# 1000 trials the 24 random vectors of its report fall into 20 with SDs of at most 0.2 of the
# width and 4 with 19 or more (benchmarks/results/lba3.md).
IDENTIFIED_SD_SHARE = 0.25


def identified(sb: pd.DataFrame, prior: dict[str, tuple[float, float]]) -> pd.Series:
    """Flag the sets of a :func:`score_bias` table that the data identify (a Series by set).

    Identified: every posterior SD is under :data:`IDENTIFIED_SD_SHARE` of that parameter's
    width in ``prior``.
    """
    width = {p: hi - lo for p, (lo, hi) in prior.items()}
    return ~(sb.sd / sb.param.map(width) > IDENTIFIED_SD_SHARE).groupby(sb.set).any()


def score_prior(model: str) -> dict[str, tuple[float, float]]:
    """Return the parameter range :func:`score_bias` draws from by default.

    The model's calibration prior, else its training box less a tenth of each width per side.

    Examples
    --------
    >>> [round(v, 3) for v in score_prior("lba3")["A"]]
    [0.145, 0.905]
    """
    if model in CALIBRATION_PRIOR:
        return CALIBRATION_PRIOR[model]
    return {
        p: (lo + 0.1 * (hi - lo), hi - 0.1 * (hi - lo)) for p, (lo, hi) in MODELS[model].box_dict().items()
    }


def score_bias(
    net: Network,
    n_sets: int = 24,
    n_mc: int = 40_000,
    n_trials: int = 2000,
    seed: int = 0,
    prior: dict[str, tuple[float, float]] | None = None,
    thetas: list[dict[str, float]] | None = None,
) -> pd.DataFrame:
    """Asymptotic bias of the network's maximum-likelihood estimate, in posterior SDs (DDM, LBA).

    At a parameter vector ``theta0``, the network's likelihood is maximized (with infinite
    data) at ``theta* ~ theta0 + I^-1 E[grad(net - exact)(theta0)]``, ``I`` the Fisher
    information. Dividing by the posterior SD at ``n_trials`` trials, ``sqrt(diag(I^-1) /
    n_trials)``, gives the shift that a posterior comparison at ``n_trials`` trials would see,
    without sampling. Expectations are Monte Carlo over ``n_mc`` simulated trials per set,
    ``theta0`` drawn uniformly from ``prior`` (default: the calibration prior, else the
    training box less a tenth of its width on each side, within the model's constraints), or
    the given parameter vectors ``thetas`` (dicts by parameter name; then ``n_sets`` is ignored).
    The exact likelihood is the analytic DDM's (``ddm``) or the LBA's (``lba2``, ``lba3``:
    :func:`hssm_nre.net.lba_density.lba_logp_jax`).

    Returns one row per set and parameter: ``bias_over_sd``, its Monte Carlo standard error
    ``mc_se`` and the asymptotic posterior SD ``sd`` at ``n_trials`` (where it is a large share
    of the box the posterior is not Gaussian there and the linear shift overstates the error).
    """
    import jax
    import jax.numpy as jnp

    from hssm_nre.net.lba_density import lba_logp_jax
    from hssm_nre.net.logp import build_logp

    spec = MODELS[net.model]
    if net.model == "ddm":
        exact = ddm_logp_jax
    elif spec.simulator == "lba":
        exact = lba_logp_jax
    else:
        raise ValueError(
            f"score_bias needs an analytic likelihood in JAX (ddm, lba); network is for {net.model!r}"
        )
    ours = build_logp(net.weights, net.card)
    prior = prior or score_prior(net.model)
    names = list(net.params)
    n_par = len(names)

    def total(th, x, fn):
        return jnp.sum(fn(jnp.broadcast_to(th, (x.shape[0], n_par)), x))

    @jax.jit
    def grads(th, x):
        g_exact = jax.vmap(lambda xi: jax.grad(lambda t_: total(t_, xi[None], exact))(th))(x)
        g_net = jax.vmap(lambda xi: jax.grad(lambda t_: total(t_, xi[None], ours))(th))(x)
        return g_exact, g_net

    rng = np.random.default_rng(seed)
    lo = np.array([prior[p][0] for p in names])
    hi = np.array([prior[p][1] for p in names])
    if thetas is not None:
        fixed = [np.array([th[p] for p in names], np.float64) for th in thetas]
    rows = []
    for s in range(len(fixed) if thetas is not None else n_sets):
        if thetas is not None:
            th0 = fixed[s]
        else:
            th0 = rng.uniform(lo, hi)
            while not spec.satisfies(th0):
                th0 = rng.uniform(lo, hi)
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
                    "sd": float(sd[j]),
                }
            )
    return pd.DataFrame(rows)
