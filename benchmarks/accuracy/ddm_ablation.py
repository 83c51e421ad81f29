"""DDM ablation: what each estimator choice buys, on the same simulations and time budget.

Every configuration trains on the same 10^6 simulations (seed 0) for the same wall-clock
budget, then :func:`hssm_nre.validation.metrics.score_bias` measures the shift of the network's
maximum-likelihood estimate from the exact one, in posterior SDs at 2000 trials, on 12
parameter vectors drawn from the calibration prior (the same 12 for every configuration).

    python benchmarks/accuracy/ddm_ablation.py CONFIG [CONFIG ...] [--budget 260]
    python benchmarks/accuracy/ddm_ablation.py --list

Results are appended to ``benchmarks/results/ddm_ablation.jsonl``.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np

import hssm_nre.validation.metrics as metrics
from hssm_nre.simulation import SimConfig, SimData, simulate
from hssm_nre.training.config import TrainConfig
from hssm_nre.training.loop import fit
from hssm_nre.validation.cases import PARAMETER_SETS

RESULTS = Path(__file__).resolve().parents[1] / "results"
# The settings before the ablation: a 64x64 reference head with 4 components, nu = 8, no mirror.
V01 = {"mirror": False, "q_hidden": (64, 64), "q_components": 4, "nu": 8}
CONFIGS = {
    "v0.1": V01,
    "mirror": V01 | {"mirror": True},
    "mirror+nu2": V01 | {"mirror": True, "nu": 2},
    "mirror+bigq": V01 | {"mirror": True, "q_hidden": (128, 128, 128), "q_components": 8},
    "mirror+bigq+nu2": {},  # the current defaults
    "mirror+hugeq+nu2": {"q_hidden": (256, 256, 256), "q_components": 12},
    "cnre": {"method": "cnre", "mirror": True},
    "marginal-ref": {"reference": "marginal"},
    "timefeat": {"time_features": ("log", "linear", "inverse")},
    "timefeat-linear": {"time_features": ("log", "linear")},
    "timefeat+maxt100": {"time_features": ("log", "linear", "inverse"), "max_t": 100.0},
}


def load_sims(n: int, max_t: float = 20.0) -> SimData:
    cache = RESULTS / (f".ddm_sims_{n}.npz" if max_t == 20.0 else f".ddm_sims_{n}_maxt{max_t:g}.npz")
    if cache.exists():
        z = np.load(cache)
        return SimData(theta=z["theta"], x=z["x"], n_requested=n, n_dropped=int(z["n_dropped"]))
    data = simulate("ddm", SimConfig(n=n, seed=0, max_t=max_t), progress=False)
    np.savez(cache, theta=data.theta, x=data.x, n_dropped=data.n_dropped)
    return data


def run(name: str, budget: float, n_sims: int) -> dict:
    settings = dict(CONFIGS[name])
    data = load_sims(n_sims, settings.pop("max_t", 20.0))
    cfg = TrainConfig(**{"max_epochs": 1000, "time_budget_s": budget, **settings})
    net = fit("ddm", data, cfg, progress=False)
    df = metrics.score_bias(net, n_sets=12)
    a = df.bias_over_sd.abs()
    # the report's six posterior-comparison sets (set 3: slow, a = 2, v = 0, t = 1)
    rep = metrics.score_bias(net, thetas=PARAMETER_SETS["ddm"]).bias_over_sd.abs()
    return {
        "config": name,
        "settings": {k: v for k, v in CONFIGS[name].items()},
        "budget_s": budget,
        "steps": net.card["training"]["steps"],
        "median": round(float(a.median()), 3),
        "p90": round(float(a.quantile(0.9)), 3),
        "max": round(float(a.max()), 3),
        "per_param_median": {
            p: round(float(g.abs().median()), 3) for p, g in df.groupby("param").bias_over_sd
        },
        "report_sets": {
            "median": round(float(rep.median()), 3),
            "max": round(float(rep.max()), 3),
            "per_set_max": [round(float(m), 3) for m in rep.groupby(rep.index // 4).max()],
        },
        "date": time.strftime("%Y-%m-%d"),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("configs", nargs="*")
    ap.add_argument("--budget", type=float, default=260.0, help="training seconds per configuration")
    ap.add_argument("--n-sims", type=int, default=1_000_000)
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    if args.list or not args.configs:
        for k, v in CONFIGS.items():
            print(f"{k:18s} {v}")
        return
    for name in args.configs:
        res = run(name, args.budget, args.n_sims)
        print(json.dumps(res))
        with open(RESULTS / "ddm_ablation.jsonl", "a") as f:
            f.write(json.dumps(res) + "\n")


if __name__ == "__main__":
    main()
