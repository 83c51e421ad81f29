"""Plain CNRE vs the normalized NCE network for the DDM: same simulations, same step budget.

Both train on the same 10^6 simulations (seed 0, bridge simulator, decision times to 100 s) for
the same number of optimizer steps (a step budget, so the comparison does not depend on the
machine's load), with the package's defaults otherwise (the plain network: K = 5, gamma = 1,
mirror). Then, for each:

* posterior agreement without sampling: :func:`hssm_nre.validation.metrics.score_bias`, the shift of the
  maximum-likelihood estimate from the exact one in posterior SDs at 2000 trials, on 12 random
  parameter vectors of the calibration prior and on the validation report's six sets;
* calibration: simulation-based calibration on ``--datasets`` data sets of 200 trials
  (numpyro NUTS on the network), 50 % / 90 % coverage and a KS test of the ranks;
* training time (steps and seconds), and speed: seconds per log-likelihood + gradient
  evaluation on 1000 trials and NUTS seconds per calibration fit, as ratios plain / normalized.

    python benchmarks/accuracy/plain_vs_normalized.py [--steps 10000] [--datasets 40]

Writes ``benchmarks/results/plain_vs_normalized.md``.
"""

import argparse
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from ddm_ablation import load_sims

import hssm_nre.validation.metrics as metrics
from hssm_nre.net.logp import build_logp
from hssm_nre.simulation import simulate_trials
from hssm_nre.training.config import TrainConfig
from hssm_nre.training.loop import fit
from hssm_nre.validation.calibration import calibration
from hssm_nre.validation.cases import PARAMETER_SETS

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: common.py
from common import timeit  # noqa: E402

RESULTS = Path(__file__).resolve().parents[1] / "results"
METHODS = {"plain CNRE": {"method": "cnre"}, "normalized NCE": {"method": "nce"}}


def logp_grad_seconds(net, n_trials=1000, reps=200) -> float:
    """Seconds per jitted value-and-gradient of the summed log-likelihood over ``n_trials``."""
    logp = build_logp(net.weights, net.card)
    th0 = np.array([0.5, 1.0, 0.5, 0.3])
    x, _ = simulate_trials("ddm", np.tile(th0, (n_trials, 1)), np.random.default_rng(0))
    x = jnp.asarray(x, jnp.float32)
    f = jax.jit(jax.value_and_grad(lambda th: jnp.sum(logp(jnp.broadcast_to(th, (n_trials, 4)), x))))
    th = jnp.asarray(th0, jnp.float32)
    return timeit(f, th, reps=reps)


def evaluate(name: str, data, steps: int, n_datasets: int) -> dict:
    cfg = TrainConfig(max_epochs=1000, max_steps=steps, time_budget_s=None, **METHODS[name])
    t0 = time.perf_counter()
    net = fit("ddm", data, cfg, progress=False)
    train_s = time.perf_counter() - t0
    rand = metrics.score_bias(net, n_sets=12).bias_over_sd.abs()
    rep = metrics.score_bias(net, thetas=PARAMETER_SETS["ddm"]).bias_over_sd.abs()
    t0 = time.perf_counter()
    cal = calibration(net, n_datasets=n_datasets, n_trials=200, draws=300, progress=False)
    cal_s = time.perf_counter() - t0
    cov = metrics.coverage_table(cal)
    fitted = int(cal[cal.param != "failed"].dataset.nunique())
    return {
        "method": name,
        "steps": net.card["training"]["steps"],
        "train_s": train_s,
        "rand_median": rand.median(),
        "rand_max": rand.max(),
        "rep_median": rep.median(),
        "rep_max": rep.max(),
        "cov50": (cov.coverage_50.min(), cov.coverage_50.max()),
        "cov90": (cov.coverage_90.min(), cov.coverage_90.max()),
        "ks_min": cov.ks_uniform_p.min(),
        "fitted": fitted,
        "nuts_s_per_fit": cal_s / max(n_datasets, 1),
        "logp_grad_s": logp_grad_seconds(net),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=10_000)
    ap.add_argument("--datasets", type=int, default=40)
    ap.add_argument("--n-sims", type=int, default=1_000_000)
    args = ap.parse_args()
    data = load_sims(args.n_sims, 100.0)
    rows = [evaluate(m, data, args.steps, args.datasets) for m in METHODS]
    base = rows[1]
    lines = [
        "# Plain CNRE vs normalized NCE (DDM): same simulations, same steps",
        "",
        f"`python benchmarks/accuracy/plain_vs_normalized.py --steps {args.steps} "
        f"--datasets {args.datasets}` "
        f"(measured {time.strftime('%Y-%m-%d')}, one core while other jobs ran; see the script's "
        f"docstring). {args.n_sims:,} simulations, {args.steps:,} steps of batch 1024 each. "
        "Shift: |MLE shift| / posterior SD at 2000 trials (`metrics.score_bias`; Monte Carlo SE "
        "about 0.02), on 12 random vectors of the calibration prior and on the report's six sets. "
        f"Calibration: {args.datasets} data sets of 200 trials, range over (v, a, z, t). Speed ratios "
        "are to the normalized network, measured in the same run.",
        "",
        "| method | train s | shift median (random) | max (random) | median (report sets) "
        "| max (report sets) | 50 % coverage | 90 % coverage | KS p min | fitted "
        "| NUTS s / fit (ratio) | logp+grad s (ratio) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['method']} | {r['train_s']:.0f} | {r['rand_median']:.3f} | {r['rand_max']:.3f} | "
            f"{r['rep_median']:.3f} | {r['rep_max']:.3f} | {r['cov50'][0]:.2f}-{r['cov50'][1]:.2f} | "
            f"{r['cov90'][0]:.2f}-{r['cov90'][1]:.2f} | {r['ks_min']:.3f} | {r['fitted']} | "
            f"{r['nuts_s_per_fit']:.1f} ({r['nuts_s_per_fit'] / base['nuts_s_per_fit']:.2f}) | "
            f"{r['logp_grad_s'] * 1e3:.2f} ms ({r['logp_grad_s'] / base['logp_grad_s']:.2f}) |"
        )
    out = RESULTS / "plain_vs_normalized.md"
    out.write_text("\n".join(lines) + "\n")
    print(out.read_text())


if __name__ == "__main__":
    main()
