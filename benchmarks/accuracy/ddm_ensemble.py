"""Does averaging seeds help? MLE shift of each DDM member and of their mixture.

    python benchmarks/accuracy/ddm_ensemble.py src/hssm_nre/networks/ddm   # the shipped ensemble's members
    python benchmarks/accuracy/ddm_ensemble.py DIR1 DIR2 ...                # or separately trained networks

For every member and for their equal-weight mixture (:func:`hssm_nre.ensemble`),
:func:`hssm_nre.validation.metrics.score_bias` gives the shift of the network's maximum-likelihood
estimate from the exact one, in posterior SDs at 2000 trials, on the 24 random parameter
vectors of the validation report (seed 1) and on the report's six posterior sets. The same
simulated trials are used for every network, so differences are not Monte Carlo noise of the
trials (the standard error column says how large that noise is). Writes
``benchmarks/results/ddm_ensemble.md`` (``--out``: elsewhere).
"""

import argparse
import time
from pathlib import Path

import pandas as pd

import hssm_nre.validation.metrics as metrics
from hssm_nre.store.artifact import ensemble, load, members
from hssm_nre.validation.cases import PARAMETER_SETS

RESULTS = Path(__file__).resolve().parents[1] / "results"


def summary(label: str, net) -> dict:
    t0 = time.perf_counter()
    rnd = metrics.score_bias(net, n_sets=24, n_mc=40_000, seed=1)
    rep = metrics.score_bias(net, thetas=PARAMETER_SETS["ddm"], n_mc=40_000, seed=1)
    a, r = rnd.bias_over_sd.abs(), rep.bias_over_sd.abs()
    worst = rep.loc[r.idxmax()]
    return {
        "network": label,
        "random median": a.median(),
        "random p90": a.quantile(0.9),
        "random max": a.max(),
        "report sets median": r.median(),
        "report sets max": r.max(),
        "worst (report sets)": f"set {int(worst['set'])} {worst['param']}",
        "MC s.e. median": pd.concat([rnd, rep]).mc_se.median(),
        "seconds": time.perf_counter() - t0,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("networks", nargs="+", type=Path, help="DDM network directories, or one ensemble")
    ap.add_argument("--out", type=Path, default=RESULTS / "ddm_ensemble.md", help="Markdown file written")
    args = ap.parse_args()
    nets = [m for p in args.networks for m in members(load(p))]
    if len(nets) < 2:
        ap.error("give two or more networks, or an ensemble")
    rows = [summary(n.name, n) for n in nets]
    rows.append(summary(f"mixture of the {len(nets)}", ensemble(nets, version="bench")))
    df = pd.DataFrame(rows)
    text = [
        "# DDM: members vs their mixture (MLE shift in posterior SDs at 2000 trials)",
        "",
        f"`python benchmarks/accuracy/ddm_ensemble.py {' '.join(str(p) for p in args.networks)}` "
        f"({time.strftime('%Y-%m-%d')}). Shift of the maximum-likelihood estimate from the exact one "
        "(`metrics.score_bias`, 40,000 simulated trials per parameter vector, the same for every "
        "network): 24 random vectors of the calibration prior and the validation report's six sets.",
        "",
        metrics.markdown_table(df),
        "",
    ]
    args.out.write_text("\n".join(text))
    print("\n".join(text))


if __name__ == "__main__":
    main()
