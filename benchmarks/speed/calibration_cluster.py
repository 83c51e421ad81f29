"""A calibration run in this process and through a local Dask cluster, in the same session.

Both runs fit the same data sets with the same keys (:func:`hssm_nre.validation.calibration.calibration`
with and without ``Cluster(workers=W)``), so their results must agree; reported: wall time of
each (compilation and, for the cluster, starting the workers included), the speed-up, the
load average around each run (other processes share the machine), the largest difference
between the two runs' ranks and posterior means, and per process the memory maps and resident
MiB after its first and its last fit (flat: one compiled fit per process, reused).

    python benchmarks/speed/calibration_cluster.py --fits 100 --trials 200 --draws 200 --workers 2 \
        --out benchmarks/results/calibration_cluster.md
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from hssm_nre.store.hub import load_network
from hssm_nre.validation.calibration import calibration
from hssm_nre.validation.distributed import Cluster
from hssm_nre.validation.metrics import coverage_table, markdown_table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: common.py
from common import emit  # noqa: E402


def timed(net, cluster, **kw):
    """Run the calibration; return ``(table, seconds, load average before, after)``."""
    before = os.getloadavg()[0]
    t0 = time.perf_counter()
    cal = calibration(net, cluster=cluster, progress=False, **kw)
    return cal, time.perf_counter() - t0, before, os.getloadavg()[0]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fits", type=int, default=100)
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--draws", type=int, default=200, help="warmup and kept draws each (one chain)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--network", default="ddm")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    net = load_network(args.network)
    kw = {"n_datasets": args.fits, "n_trials": args.trials, "draws": args.draws, "seed": 0}
    runs = {
        "sequential (this process)": timed(net, Cluster(), **kw),
        f"local Dask cluster, {args.workers} workers x 1 thread": timed(
            net, Cluster(workers=args.workers), **kw
        ),
    }
    (seq, t_seq, *_), (par, _, *_) = runs.values()
    cmd = "python benchmarks/speed/calibration_cluster.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    lines = [
        f"# Calibration of {net.name}: {args.fits} fits in this process vs on a local Dask cluster",
        "",
        f"Command: `{cmd}`",
        "",
        f"Each fit: {args.trials} trials, one NUTS chain (dense mass) of {args.draws} warmup + "
        f"{args.draws} draws, the calibration prior; {os.cpu_count()} CPU cores, shared with other work "
        "(the load average is the 1-minute one, read before and after each run).",
        "",
        "| where | fits | wall s | speed-up | s / fit (median) | load before | load after |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, (cal, sec, l0, l1) in runs.items():
        fits = cal.attrs["fits"]
        lines.append(
            f"| {name} | {len(fits)} | {sec:.0f} | {t_seq / sec:.2f} | {fits.seconds.median():.2f} "
            f"| {l0:.1f} | {l1:.1f} |"
        )
    same = seq[["dataset", "param"]].equals(par[["dataset", "param"]])
    d_rank = float(np.nanmax(np.abs(seq["rank"].to_numpy() - par["rank"].to_numpy())))
    d_mean = float(np.nanmax(np.abs(seq["mean"].to_numpy() - par["mean"].to_numpy())))
    lines += [
        "",
        f"Same data sets and parameters in both runs: {same}; largest |rank difference| {d_rank:.2g}, "
        f"largest |posterior mean difference| {d_mean:.2g}; failed fits "
        f"{int((seq.param == 'failed').sum())} / {int((par.param == 'failed').sum())}.",
        "",
        "Memory of each process after its first and its last fit (maps: lines of /proc/<pid>/maps; "
        "the kernel's limit is vm.max_map_count):",
        "",
        "| run | process | fits | maps after first | maps after last | RSS MiB first | RSS MiB last "
        "| max_map_count |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, (cal, *_) in runs.items():
        for pid, f in cal.attrs["fits"].groupby("pid", sort=False):
            lines.append(
                f"| {name} | {int(pid)} | {len(f)} | {f.maps.iloc[0]:.0f} | {f.maps.iloc[-1]:.0f} "
                f"| {f.rss_mib.iloc[0]:.0f} | {f.rss_mib.iloc[-1]:.0f} | {f.max_map_count.iloc[0]:.0f} |"
            )
    cov = coverage_table(par)
    lines += ["", "Coverage of the cluster run (a sanity check, not the point here):", ""]
    lines += [markdown_table(cov)]
    emit(lines, args.out)


if __name__ == "__main__":
    main()
