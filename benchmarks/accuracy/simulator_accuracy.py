"""Simulator accuracy: bridge-corrected simulator (and ssm-simulators) vs the analytic DDM.

For each parameter set, simulate N trials, bin (choice, rt) into 2 x 40 bins (rt quantiles of
the analytic distribution), and compare counts with the analytic probabilities (hssm's
Navarro-Fuss density integrated over each bin): chi-square, its p-value, and P(upper).

    python benchmarks/accuracy/simulator_accuracy.py [--n 1000000]
"""

import argparse
import time

import numpy as np
from scipy import stats

from hssm_nre.simulation import simulate_trials
from hssm_nre.validation.metrics import analytic_ddm_logp

SETS = [(-1.5, 0.6, 0.7, 0.5), (0.5, 0.3, 0.5, 0.2), (1.0, 1.5, 0.4, 0.3), (2.5, 0.4, 0.6, 0.1)]


def bin_probs(theta, edges, logp):
    """Analytic probability of each (choice, rt-bin), by trapezoid integration on a fine grid."""
    probs = []
    for c in (-1, 1):
        row = []
        for lo, hi in zip(edges[:-1], edges[1:], strict=True):
            g = np.linspace(lo, hi, 60)
            d = np.exp(logp(np.tile(theta, (len(g), 1)), np.column_stack([g, np.full_like(g, c)])))
            row.append(np.trapezoid(d, g))
        probs.append(row)
    return np.array(probs)


def ssms_trials(theta, n, dt, seed):
    from ssms import Simulator

    out = Simulator("ddm").simulate(
        np.tile(theta, (n, 1)).astype(np.float32),
        n_samples=1,
        delta_t=dt,
        max_t=20.0,
        random_state=seed,
        return_option="minimal",
    )
    return np.column_stack([np.asarray(out["rts"]).ravel(), np.asarray(out["choices"]).ravel()])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    args = ap.parse_args()
    logp = analytic_ddm_logp()
    rng = np.random.default_rng(0)
    print("| theta (v, a, z, t) | simulator | P(upper) sim | P(upper) exact | chi2 (dof) | p-value | s |")
    print("|---|---|---|---|---|---|---|")
    for th in SETS:
        t = th[3]
        edges = t + np.concatenate([[1e-6], np.geomspace(0.005, 8.0, 39), [25.0]])
        p = bin_probs(np.array(th), edges, logp)
        p_total = p.sum()
        for label, make in [
            ("bridge dt=1e-3", lambda th=th: simulate_trials("ddm", np.tile(th, (args.n, 1)), rng)[0]),
            ("ssm-simulators dt=1e-3", lambda th=th: ssms_trials(th, args.n, 1e-3, 1)),
        ]:
            t0 = time.perf_counter()
            x = make()
            sec = time.perf_counter() - t0
            counts = np.array([np.histogram(x[x[:, 1] == c, 0], edges)[0] for c in (-1, 1)])
            exp_ = p / p_total * counts.sum()
            ok = exp_ > 5
            chi2 = float((((counts - exp_) ** 2 / exp_)[ok]).sum())
            dof = int(ok.sum()) - 1
            pv = float(stats.chi2.sf(chi2, dof))
            print(
                f"| {th} | {label} | {np.mean(x[:, 1] == 1):.4f} | {p[1].sum() / p_total:.4f} | "
                f"{chi2:.1f} ({dof}) | {pv:.3g} | {sec:.1f} |"
            )


if __name__ == "__main__":
    main()
