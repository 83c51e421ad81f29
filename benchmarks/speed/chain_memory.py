"""Memory of a hierarchical fit with NUTS chains side by side: numpyro's "parallel" vs "vectorized".

With ``hssm_nre.use_cpu_cores()`` (one JAX CPU device per core) numpyro runs chains with
``chain_method="parallel"`` (``pmap``). In the Cavanagh fits of issue 32 the fitting process grew
by about 150 MB a minute while it sampled with the ratio likelihood. This benchmark measures that
growth on a small hierarchical design (the one of ``benchmarks/hierarchical.py``), through
``hssm.HSSM(...).sample(sampler="numpyro")``, for each (likelihood, chain method), each fit in a
fresh process: resident memory every 2 s while sampling, its growth per minute, the peak, the wall time
and the leapfrog steps of the kept draws on the critical path (the larger chain's sum for
"parallel", the per-draw maximum summed for "vectorized"). The number of steps a warm-up takes
varies from run to run (float sums in another order move a chaotic trajectory), so wall times
compare only roughly.

    python benchmarks/speed/chain_memory.py --size 10x100 --draws 300 --tune 100 \
        --out benchmarks/results/chain_memory.md
    python benchmarks/speed/chain_memory.py --design flat --size 500 --draws 500 --tune 500 \
        --kinds ratio --out benchmarks/results/chain_memory_flat.md

``--design flat`` fits ``make demo``'s design instead (``v ~ 1 + x``, no group terms; ``--size``
is its number of trials).
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1]))  # benchmarks/: common.py, hierarchical.py


def one_fit(kind: str, chain_method: str, size: str, draws: int, tune: int, seed: int, design: str) -> dict:
    """Fit once in this process; return memory and cost figures (runs in a child process)."""
    import hssm_nre

    hssm_nre.use_cpu_cores(2, warn=False)  # before `import hssm` starts JAX
    import hssm
    import numpy as np
    from hierarchical import INCLUDE, likelihood_kwargs, simulate

    from hssm_nre.validation.distributed import process_memory

    if design == "flat":
        from hssm_nre.validation.cases import regression_include, simulate_regression_data

        data, include = simulate_regression_data(int(size)), regression_include()
    else:
        p, n = (int(s) for s in size.split("x"))
        data, include = simulate(p, n, seed), INCLUDE
    model = hssm.HSSM(data, model="ddm", include=include, **likelihood_kwargs(kind))
    trace: list[tuple[float, float]] = []
    done = threading.Event()

    def watch():
        t0 = time.perf_counter()
        while not done.is_set():
            trace.append((time.perf_counter() - t0, process_memory()["rss_mib"]))
            done.wait(2.0)

    threading.Thread(target=watch, daemon=True).start()
    t0 = time.perf_counter()
    idata = model.sample(
        sampler="numpyro",
        draws=draws,
        tune=tune,
        chains=2,
        random_seed=seed,
        progressbar=False,
        nuts_sampler_kwargs={"chain_method": chain_method},
        idata_kwargs={"log_likelihood": False},
    )
    wall = time.perf_counter() - t0
    done.set()
    steps = np.asarray(idata.sample_stats["n_steps"])  # (chain, draw): kept draws only
    # the growth over the last half of sampling, past compilation and the first warm-up steps
    half = [(t, r) for t, r in trace if t >= trace[-1][0] / 2]
    slope = 60 * (half[-1][1] - half[0][1]) / max(half[-1][0] - half[0][0], 1e-9) if len(half) > 1 else 0.0
    critical = steps.max(axis=0).sum() if chain_method == "vectorized" else steps.sum(axis=1).max()
    return {
        "wall_s": wall,
        "start_mib": trace[0][1],
        "peak_mib": max(r for _, r in trace),
        "mib_per_min": slope,
        "mean_steps": float(steps.mean()),
        "critical_steps": int(critical),
        "load": os.getloadavg()[0],
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--design", choices=["hierarchical", "flat"], default="hierarchical")
    ap.add_argument("--size", default="10x100", help="participants x trials (flat: trials)")
    ap.add_argument("--draws", type=int, default=300)
    ap.add_argument("--tune", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--kinds", nargs="+", default=["analytical", "ratio"])
    ap.add_argument("--methods", nargs="+", default=["parallel", "vectorized"])
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        kind, method = args.child.split(":")
        print(
            "RESULT "
            + json.dumps(one_fit(kind, method, args.size, args.draws, args.tune, args.seed, args.design))
        )
        return
    from common import emit

    rows = []
    for kind in args.kinds:
        for method in args.methods:
            cmd = [sys.executable, str(HERE), "--child", f"{kind}:{method}", "--size", args.size]
            cmd += ["--draws", str(args.draws), "--tune", str(args.tune), "--seed", str(args.seed)]
            cmd += ["--design", args.design]
            out = subprocess.run(cmd, capture_output=True, text=True, check=False)
            line = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")]
            if not line:
                raise RuntimeError(f"{kind}/{method} failed:\n{out.stderr[-3000:]}")
            r = json.loads(line[0][7:])
            rows.append(
                f"| {kind} | {method} | {r['wall_s']:.0f} | {r['mean_steps']:.1f} | {r['critical_steps']} "
                f"| {r['start_mib']:.0f} | {r['peak_mib']:.0f} | {r['mib_per_min']:.0f} | {r['load']:.1f} |"
            )
            print(rows[-1], flush=True)
    lines = [
        "# Memory of a hierarchical fit: chains side by side, parallel vs vectorized",
        "",
        f"Command: `python benchmarks/speed/chain_memory.py --design {args.design} --size {args.size} "
        f"--draws {args.draws} --tune {args.tune} --seed {args.seed} --kinds {' '.join(args.kinds)}`",
        "",
        (
            f"Design of `benchmarks/hierarchical.py` at {args.size} (participants x trials)"
            if args.design == "hierarchical"
            else f"Design of `make demo` (`v ~ 1 + x`, {args.size} trials)"
        )
        + ", hssm defaults, "
        f"numpyro NUTS 2 chains x ({args.tune} + {args.draws}) on 2 JAX CPU devices "
        "(`hssm_nre.use_cpu_cores(2)`), each fit in a fresh process. Memory: resident MiB, sampled "
        "every 2 s while `model.sample` runs; growth per minute over its second half. Critical "
        "steps: leapfrog steps of the kept draws on the critical path (the larger chain's sum for "
        "parallel, the per-draw maximum summed for vectorized); warm-up steps vary from run to run, "
        "so wall times compare only roughly. Load: the 1-minute load average when the fit ended.",
        "",
        "| likelihood | chain_method | wall s | mean steps / draw | critical steps | start MiB | peak MiB "
        "| MiB / min | load |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
    ]
    emit(lines, args.out)


if __name__ == "__main__":
    main()
