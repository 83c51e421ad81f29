"""Censored DDM data: how far the network moves the maximum-likelihood estimate, and from which trials.

The censored posteriors of ``deadline.py`` missed the 0.2-SD bar on one data set (A: ``a`` 0.31 SD)
and met it on the other. A posterior comparison mixes the network's error on the observed trials,
its error on the censored ones (``log P(rt > D)`` by quadrature) and sampling noise. This script
separates them without sampling, as ``validate.score_bias`` does for uncensored data: at a
parameter vector ``theta0``, with a deadline at the 90 % quantile of the rt (about 10 % of trials
censored), the network's maximum-likelihood estimate sits at ``theta0 + I^-1 E[grad(net - exact)]``
(``I`` the censored Fisher information). It is reported beside the same shift for the same
trials uncensored: their difference is what the censored
trials (``log P(rt > D)`` from the network) add to the network's error; the rest is the network's
density on observed trials, which the uncensored validation measures. In posterior SDs at 1000
trials.

    python benchmarks/accuracy/deadline_shift.py --out benchmarks/results/deadline_shift.md

Parameter vectors: the two data sets' of ``deadline.py`` (A, B) and ``--random`` drawn uniformly
from the calibration prior (seed 0), none tuned on; ``--n-mc`` simulated trials each.
"""

import argparse
import sys
import time
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)  # the exact reference in float64; the network casts to float32

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import emit  # noqa: E402

from hssm_nre.net.ddm_density import ddm_log_survival_jax, ddm_logp_jax  # noqa: E402
from hssm_nre.net.logp import build_logp  # noqa: E402
from hssm_nre.net.survival import build_log_survival  # noqa: E402
from hssm_nre.simulation import simulate_trials  # noqa: E402
from hssm_nre.store.hub import load_network  # noqa: E402
from hssm_nre.validation.cases import CALIBRATION_PRIOR  # noqa: E402
from hssm_nre.validation.metrics import markdown_table  # noqa: E402

PARAMS = ["v", "a", "z", "t"]
CASES = {"A": [0.7, 1.0, 0.45, 0.35], "B": [-0.5, 1.3, 0.55, 0.5]}  # deadline.py's data sets


def per_trial_scores(net):
    """``scores(theta0, x, deadline, censored)``: per-trial gradients, exact and network, (n, 4) each."""
    ours, ours_s = build_logp(net.weights, net.card), build_log_survival(net.weights, net.card)

    def one(fn_obs, fn_cens, th, xi, di, ci):
        def ll(t_):
            obs = fn_obs(t_[None], xi[None])[0]
            cens = fn_cens(t_[None], di[None])[0]
            return jnp.where(ci, cens, obs)

        return jax.grad(ll)(th)

    @jax.jit
    def scores(th, x, d, c):
        ge = jax.vmap(lambda xi, di, ci: one(ddm_logp_jax, ddm_log_survival_jax, th, xi, di, ci))(x, d, c)
        gn = jax.vmap(lambda xi, di, ci: one(ours, ours_s, th, xi, di, ci))(x, d, c)
        return ge, gn

    return scores


def chunked(scores, th, x, d, late, size=2000):
    """``scores`` over chunks of trials (the quadrature's intermediates are large), as float64 arrays."""
    parts = [
        scores(
            th, jnp.asarray(x[i : i + size]), jnp.asarray(d[i : i + size]), jnp.asarray(late[i : i + size])
        )
        for i in range(0, len(x), size)
    ]
    return tuple(np.concatenate([np.asarray(p[k], np.float64) for p in parts]) for k in (0, 1))


def case_rows(label, theta0, scores, n_mc, n_trials, rng):
    x, done = simulate_trials("ddm", np.tile(theta0, (n_mc, 1)), rng)
    x = x[done]
    deadline = np.quantile(x[:, 0], 0.9)
    late = x[:, 0] >= deadline
    d = np.full(len(x), deadline)
    th = jnp.asarray(theta0, jnp.float64)
    ge, gn = chunked(scores, th, x, d, late)
    ge_u, gn_u = chunked(scores, th, x, d, np.zeros(len(x), bool))  # the same trials uncensored
    out = {}
    for kind, e, n_ in (("censored", ge, gn), ("uncensored", ge_u, gn_u)):
        info_inv = np.linalg.inv(e.T @ e / len(e))
        # per-trial contributions to the shift in posterior SDs (their mean is the shift)
        out[kind] = np.sqrt(n_trials) * ((n_ - e) @ info_inv.T) / np.sqrt(np.diag(info_inv))
    diff = out["censored"] - out["uncensored"]  # the same trials: what censoring itself adds
    n = len(diff)
    rows = [
        {
            "set": label,
            "param": p,
            "censored": out["censored"][:, j].mean(),
            "uncensored": out["uncensored"][:, j].mean(),
            "censored - uncensored": diff[:, j].mean(),
            "MC s.e. (censored)": out["censored"][:, j].std() / np.sqrt(n),
            "MC s.e. (difference)": diff[:, j].std() / np.sqrt(n),
        }
        for j, p in enumerate(PARAMS)
    ]
    return rows, float(late.mean())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--random", type=int, default=12, help="parameter vectors from the calibration prior")
    ap.add_argument("--n-mc", type=int, default=40_000)
    ap.add_argument("--trials", type=int, default=1000, help="posterior SDs at this many trials")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    net = load_network("ddm")
    scores = per_trial_scores(net)
    rng = np.random.default_rng(0)
    prior = CALIBRATION_PRIOR["ddm"]
    lo, hi = np.array([prior[p][0] for p in PARAMS]), np.array([prior[p][1] for p in PARAMS])
    cases = dict(CASES) | {f"r{i}": rng.uniform(lo, hi).round(3).tolist() for i in range(args.random)}
    rows, notes = [], []
    t0 = time.perf_counter()
    for label, theta0 in cases.items():
        r, share = case_rows(label, np.asarray(theta0), scores, args.n_mc, args.trials, rng)
        rows += r
        notes.append(f"{label}: theta0 {dict(zip(PARAMS, theta0, strict=True))}, {share:.1%} censored")
        print(notes[-1], f"({time.perf_counter() - t0:.0f} s)", flush=True)
    df = pd.DataFrame(rows)
    worst = df.loc[df["censored"].abs().idxmax()]
    added = df["censored - uncensored"]
    summary = [
        f"* censored data: |shift| / SD median {df['censored'].abs().median():.3f}, max "
        f"{df['censored'].abs().max():.3f} (set {worst['set']}, {worst['param']})",
        f"* the same trials uncensored: median {df['uncensored'].abs().median():.3f}, max "
        f"{df['uncensored'].abs().max():.3f}",
        f"* what censoring adds (censored - uncensored): median |.| {added.abs().median():.3f}, max "
        f"{added.abs().max():.3f}",
        f"* Monte Carlo s.e.: censored shift median {df['MC s.e. (censored)'].median():.3f}, difference "
        f"median {df['MC s.e. (difference)'].median():.3f}",
    ]
    command = " ".join(["python benchmarks/accuracy/deadline_shift.py", *sys.argv[1:]])
    lines = [
        "# Censored DDM: the network's MLE shift and where it comes from",
        "",
        f"`{command}` ({time.strftime('%Y-%m-%d')}, {time.perf_counter() - t0:.0f} s): ddm@"
        f"{net.card['version']}, shift of the maximum-likelihood estimate from the exact censored one "
        f"in posterior SDs at {args.trials} trials (`I^-1 E[grad(network - exact)]`, {args.n_mc:,} "
        "simulated trials per parameter vector, the deadline at their 90 % rt quantile), and the same "
        "for the same trials uncensored; their difference is what the censored trials' log P(rt > D) "
        "adds to the network's error.",
        "",
        *summary,
        "",
        markdown_table(df.round(3)),
        "",
        *[f"- {n}" for n in notes],
    ]
    emit(lines, args.out)


if __name__ == "__main__":
    main()
