"""Simulation and training throughput, measured side by side in one run.

* simulation: trials per second on all cores, the package's bridge simulator vs
  ssm-simulators at the same dt (parameters drawn from the DDM box);
* training: optimizer steps and simulated pairs per second for the default DDM network.

    python benchmarks/speed/throughput.py [--n 400000]
"""

import argparse
import os
import time

import numpy as np


def ssms_rate(n, dt):
    from concurrent.futures import ProcessPoolExecutor

    t0 = time.perf_counter()
    with ProcessPoolExecutor(os.cpu_count()) as pool:
        list(pool.map(_ssms_chunk, [(n // os.cpu_count(), dt, s) for s in range(os.cpu_count())]))
    return n / (time.perf_counter() - t0)


def _ssms_chunk(args):
    n, dt, seed = args
    from ssms import Simulator

    from hssm_nre.models import get_model

    th = get_model("ddm").sample_box(n, np.random.default_rng(seed)).astype(np.float32)
    Simulator("ddm").simulate(
        th, n_samples=1, delta_t=dt, max_t=20.0, random_state=seed, return_option="minimal"
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=400_000)
    args = ap.parse_args()
    from hssm_nre.simulation import SimConfig, simulate
    from hssm_nre.training.config import TrainConfig
    from hssm_nre.training.loop import fit

    t0 = time.perf_counter()
    data = simulate("ddm", SimConfig(n=args.n, chunk=50_000), progress=False)
    bridge = args.n / (time.perf_counter() - t0)
    ssms = ssms_rate(args.n, 1e-3)
    print(f"| simulator (DDM box, dt=1e-3, {os.cpu_count()} cores) | trials/s | ratio |")
    print("|---|---|---|")
    print(f"| hssm-nre bridge | {bridge:,.0f} | {bridge / ssms:.2f} |")
    print(f"| ssm-simulators (uncorrected) | {ssms:,.0f} | 1.00 |")
    print()
    print("| training (DDM, 4x128 SiLU, batch 1024) | steps/s | pairs/s |")
    print("|---|---|---|")
    for method in ("nce", "cnre"):
        net = fit("ddm", data, TrainConfig(method=method, max_epochs=1), progress=False)
        t = net.card["training"]
        sps = t["steps"] / t["train_seconds"]
        print(f"| {method} | {sps:.1f} | {sps * 1024:,.0f} |")


if __name__ == "__main__":
    main()
