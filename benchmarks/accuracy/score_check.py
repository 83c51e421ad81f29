"""MLE shift of candidate networks against an exact likelihood, in seconds instead of a validation.

    python benchmarks/accuracy/score_check.py runs/lba3_020/m0 runs/lba3_020/m1 --mixture \
        --trials 1000 --out benchmarks/results/lba3_score_check.md

For every network given (and with ``--mixture`` their equal-weight mixture,
:func:`hssm_nre.ensemble`), :func:`hssm_nre.validation.metrics.score_bias` gives the shift of the
network's maximum-likelihood estimate from the exact one (the analytic DDM, or the LBA), in
posterior SDs at ``--trials`` trials: on 24 random parameter vectors (seed 1, the validation
report's) and on the model's first ``--sets`` validation sets (the report's posterior sets).
Random vectors where some posterior SD exceeds a quarter of its prior width are not identified at
that many trials (``validation.metrics.identified``) and are counted apart. The same
simulated trials are used for every network (the same seed), so differences between rows are
not Monte Carlo noise of the trials.
"""

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

import hssm_nre.validation.metrics as metrics
from hssm_nre.models import get_model
from hssm_nre.store.artifact import ensemble, load

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: common.py
from common import emit  # noqa: E402


def per_set_max(df: pd.DataFrame) -> pd.Series:
    return df.groupby("set").bias_over_sd.apply(lambda s: s.abs().max())


def summary(label: str, net, n_trials: int, n_sets: int) -> dict:
    t0 = time.perf_counter()
    spec = get_model(net.model)
    rnd = metrics.score_bias(net, n_sets=24, n_mc=40_000, n_trials=n_trials, seed=1)
    rep = metrics.score_bias(
        net, thetas=[dict(s) for s in spec.validation_sets[:n_sets]], n_mc=40_000, n_trials=n_trials, seed=1
    )
    ok = metrics.identified(rnd, metrics.score_prior(net.model))
    m = per_set_max(rnd)[ok]
    r = per_set_max(rep)
    return {
        "network": label,
        "identified random vectors": f"{len(m)} / {len(ok)}",
        "their worst |shift| / SD, median": m.median(),
        "p90": m.quantile(0.9),
        "max": m.max(),
        "validation sets, worst |shift| / SD each": " / ".join(f"{v:.2f}" for v in r),
        "signed shifts of the sets (mean over parameters)": " / ".join(
            f"{v:+.2f}" for v in rep.groupby("set").bias_over_sd.mean()
        ),
        "MC SE median": rnd.mc_se.median(),
        "seconds": time.perf_counter() - t0,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("nets", nargs="+", type=Path, help="network directories of one model")
    ap.add_argument("--mixture", action="store_true", help="also their equal-weight mixture")
    ap.add_argument("--trials", type=int, default=1000, help="trials the posterior SD is taken at")
    ap.add_argument("--sets", type=int, default=3, help="validation sets (the report's posterior sets)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    nets = [(str(p), load(p)) for p in args.nets]
    if args.mixture:
        nets.append(("mixture of the above", ensemble([n for _, n in nets], version="mixture")))
    rows = [summary(label, net, args.trials, args.sets) for label, net in nets]
    table = pd.DataFrame(rows).round(3)
    header = (
        f"`python benchmarks/accuracy/score_check.py {' '.join(sys.argv[1:])}`: shift of the MLE in "
        f"posterior SDs at {args.trials} trials (`validate.score_bias`, 40,000 simulated trials per vector)."
    )
    emit([header, "", metrics.markdown_table(table)], args.out)


if __name__ == "__main__":
    main()
