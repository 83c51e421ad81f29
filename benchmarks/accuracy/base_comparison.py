"""Which reference should a normalized network correct: a learned mixture or the analytic DDM?

    hssm-nre train MODEL --base ddm --out runs/train/MODEL_base
    hssm-nre validate runs/train/MODEL_base --reference REF --calibration N --out docs/validation/base
    python benchmarks/accuracy/base_comparison.py   # writes benchmarks/results/base_comparison.md

Compares each model's shipped network (learned-mixture reference, `docs/validation/`) with the
same recipe trained with ``--base ddm`` (`docs/validation/base/`): the same validation (three
parameter sets x 1000 trials, NUTS reweighted by the reference likelihood; calibration), the
same simulation budget and training steps.
"""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED, BASE = ROOT / "docs" / "validation", ROOT / "docs" / "validation" / "base"
OUT = ROOT / "benchmarks" / "results" / "base_comparison.md"
COLS = [
    ("normalization_max_abs_error", "norm. err", "{:.4f}"),
    ("posterior_abs_diff_over_sd_median", "mean diff/SD med", "{:.3f}"),
    ("posterior_abs_diff_over_sd_max", "mean diff/SD max", "{:.3f}"),
    ("sd_ratio_min", "SD ratio min", "{:.2f}"),
    ("sd_ratio_max", "SD ratio max", "{:.2f}"),
    ("ess_fraction_min", "weight ESS min", "{:.2f}"),
    ("coverage_90_min", "90% cov. min", "{:.2f}"),
]


DRAWS = 300  # reweighted draws per data set in the reports


def _row(model: str, label: str, m: dict) -> str:
    cells = [fmt.format(m[k]) if k in m else "-" for k, _, fmt in COLS]
    mc = f"{1 / (m['ess_fraction_min'] * DRAWS) ** 0.5:.2f}" if "ess_fraction_min" in m else "-"
    return f"| {model} | {label} | " + " | ".join(cells) + f" | {mc} |"


def main() -> None:
    rows = []
    for path in sorted(BASE.glob("*_metrics.json")):
        model = path.name.removesuffix("_metrics.json")
        rows.append(_row(model, "learned mixture (shipped)", json.loads((SHIPPED / path.name).read_text())))
        rows.append(
            _row(
                model,
                f"analytic DDM ([report](../../docs/validation/base/{model}.md))",
                json.loads(path.read_text()),
            )
        )
    text = "\n".join(
        [
            "# Reference density of the normalized networks: learned mixture vs analytic DDM",
            "",
            "`python benchmarks/accuracy/base_comparison.py` (commands in its docstring). "
            "Same recipe for both "
            "(1.5M simulations, seed 0, 20,000 steps); the only difference is what the network corrects. "
            "The reweighting estimate of a posterior mean has its own Monte Carlo error, about "
            "1/sqrt(ESS) reference SDs (last column, at the smallest ESS of the three data sets), so "
            "differences below that are not resolved.",
            "",
            "| model | reference density | " + " | ".join(h for _, h, _ in COLS) + " | MC error (SD) |",
            "|---|---|" + "---|" * (len(COLS) + 1),
            *rows,
            "",
        ]
    )
    OUT.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
