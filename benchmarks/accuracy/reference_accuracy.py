"""Accuracy of the PyDDM reference against the analytic DDM, on simulated trials.

    python benchmarks/accuracy/reference_accuracy.py   # writes benchmarks/results/reference_accuracy.md

Per parameter set: 5000 trials from the package's simulator; per-trial difference of log
densities (PyDDM minus analytic): mean, SD, largest absolute value, and the share of trials
with a decision time under 0.1 s (where the solver is least accurate).

A second table checks the solver used for moving boundaries (weibull): PyDDM's implicit
solver against its closed form for a linear collapse (the angle reference), on angle trials.
"""

from pathlib import Path

import numpy as np

from hssm_nre.simulation import simulate_trials
from hssm_nre.validation.references import _pyddm, get_reference

ANGLE_SETS = [
    [-1.5, 1.5, 0.35, 0.5, 0.7],
    [1.0, 1.0, 0.5, 0.3, 0.3],
    [0.3, 0.8, 0.6, 0.2, 0.1],
    [2.0, 2.0, 0.5, 1.0, 1.0],
]
SETS = [
    [0.8, 1.0, 0.4, 0.3],
    [-1.5, 0.6, 0.6, 0.2],
    [0.2, 2.0, 0.5, 0.5],
    [2.5, 0.4, 0.3, 0.1],
]


def _table(model, sets, test, truth, rng) -> list[str]:
    rows = [
        "| parameters | mean | SD | max abs | share u < 0.1 s |",
        "|---|---|---|---|---|",
    ]
    for th in sets:
        x, ok = simulate_trials(model, np.tile(th, (5000, 1)), rng)
        x = x[ok]
        d = test.logp(np.array(th), x) - truth.logp(np.array(th), x)
        fast = float(np.mean(x[:, 0] - th[3] < 0.1))
        rows.append(f"| {th} | {d.mean():.5f} | {d.std():.5f} | {np.abs(d).max():.4f} | {fast:.3f} |")
    return rows


def main():
    rng = np.random.default_rng(0)
    pyddm, exact = get_reference("ddm", "pyddm"), get_reference("ddm", "analytic")
    rows = _table("ddm", SETS, pyddm, exact, rng)
    implicit = _pyddm("angle", 0.005, 0.005, angle_closed_form=False)
    closed = get_reference("angle", "pyddm")
    rows_angle = _table("angle", ANGLE_SETS, implicit, closed, rng)
    text = "\n".join(
        [
            "# PyDDM reference vs the analytic DDM",
            "",
            f"`python benchmarks/accuracy/reference_accuracy.py`; {pyddm.description}. Per-trial "
            "log-density difference (nats) on 5000 simulated trials per set.",
            "",
            "Parameters: v, a, z, t.",
            "",
            *rows,
            "",
            "## Moving boundaries: the implicit solver vs the closed form",
            "",
            f"Test: {implicit.description}. Truth: {closed.description}. Parameters: v, a, z, t, "
            "theta (angle trials). Trials after the boundary has collapsed cannot occur.",
            "",
            *rows_angle,
            "",
        ]
    )
    out = Path(__file__).resolve().parents[1] / "results" / "reference_accuracy.md"
    out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
