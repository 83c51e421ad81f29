"""Accuracy of the PyDDM reference against the analytic DDM, on simulated trials.

    python benchmarks/reference_accuracy.py   # writes benchmarks/results/reference_accuracy.md

Per parameter set: 5000 trials from the package's simulator; per-trial difference of log
densities (PyDDM minus analytic): mean, SD, largest absolute value, and the share of trials
with a decision time under 0.1 s (where the solver is least accurate).
"""

from pathlib import Path

import numpy as np

from hssm_nre.references import get_reference
from hssm_nre.simulation import simulate_trials

SETS = [
    [0.8, 1.0, 0.4, 0.3],
    [-1.5, 0.6, 0.6, 0.2],
    [0.2, 2.0, 0.5, 0.5],
    [2.5, 0.4, 0.3, 0.1],
]


def main():
    rng = np.random.default_rng(0)
    pyddm, exact = get_reference("ddm", "pyddm"), get_reference("ddm", "analytic")
    rows = [
        "| v, a, z, t | mean | SD | max abs | share u < 0.1 s |",
        "|---|---|---|---|---|",
    ]
    for th in SETS:
        x, ok = simulate_trials("ddm", np.tile(th, (5000, 1)), rng)
        x = x[ok]
        d = pyddm.logp(np.array(th), x) - exact.logp(np.array(th), x)
        fast = float(np.mean(x[:, 0] - th[3] < 0.1))
        rows.append(f"| {th} | {d.mean():.5f} | {d.std():.5f} | {np.abs(d).max():.4f} | {fast:.3f} |")
    text = "\n".join(
        [
            "# PyDDM reference vs the analytic DDM",
            "",
            f"`python benchmarks/reference_accuracy.py`; {pyddm.description}. Per-trial "
            "log-density difference (nats) on 5000 simulated trials per set.",
            "",
            *rows,
            "",
        ]
    )
    out = Path(__file__).parent / "results" / "reference_accuracy.md"
    out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
