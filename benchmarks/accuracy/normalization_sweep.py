"""Normalization of every shipped network over its box: random parameters and every vertex.

    python benchmarks/accuracy/normalization_sweep.py            # writes benchmarks/results/normalization.md
    python benchmarks/accuracy/normalization_sweep.py runs/train/weibull ...   # prints, writes nothing

For each network, ``validate.normalization_error`` integrates the density over the decision
times it was trained on (earliest onset to the card's ``max_t``), summed over the choices, at
200 uniform random parameter vectors of the box and at all 2^P vertices of the box (where the
extremes meet: the slowest, fastest and most biased corners). Bars: 0.02 for the DDM, 0.05 for
the other models.
"""

import itertools
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from hssm_nre.store.hub import load_network
from hssm_nre.store.shipped import shipped_networks
from hssm_nre.validation.metrics import markdown_table, normalization_error

OUT = Path(__file__).resolve().parents[1] / "results" / "normalization.md"


def main(sources: list[str]):
    rows = []
    for name in sources or sorted(shipped_networks()):
        net = load_network(name)
        lo = np.array([b[0] for b in net.box.values()])
        hi = np.array([b[1] for b in net.box.values()])
        masks = itertools.product((False, True), repeat=len(lo))
        vertices = np.array([np.where(np.array(m), hi, lo) for m in masks])
        rnd = normalization_error(net, n_theta=200, seed=0)
        ver = normalization_error(net, thetas=vertices)
        worst = ver if ver["max_abs_error"] > rnd["max_abs_error"] else rnd
        rows.append(
            {
                "network": net.name,
                "max_t (s)": float(net.card["simulation"]["max_t"]),
                "random: median": rnd["median_abs_error"],
                "random: max": rnd["max_abs_error"],
                "vertices": len(vertices),
                "vertices: median": ver["median_abs_error"],
                "vertices: max": ver["max_abs_error"],
                "bar": 0.02 if net.model == "ddm" else 0.05,
                "worst at": ", ".join(f"{k} {v:.3g}" for k, v in worst["worst_theta"].items()),
            }
        )
        print(rows[-1], flush=True)
    df = pd.DataFrame(rows)
    df["within bar"] = np.where(np.maximum(df["random: max"], df["vertices: max"]) <= df["bar"], "yes", "no")
    text = [
        "# Normalization over the box: worst |integral - 1|",
        "",
        f"`python benchmarks/accuracy/normalization_sweep.py` ({time.strftime('%Y-%m-%d')}). Integral of the "
        "network's density over decision times from the earliest onset to the card's `max_t`, summed "
        "over choices, at 200 random parameter vectors (seed 0) and at every vertex of the box.",
        "",
        markdown_table(df, digits=4),
        "",
    ]
    print("\n".join(text))
    if not sources:
        OUT.write_text("\n".join(text))


if __name__ == "__main__":
    main(sys.argv[1:])
