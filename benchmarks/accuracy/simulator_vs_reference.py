"""A model's simulator against a reference likelihood: KS distance per choice, choice shares, mass.

    python benchmarks/accuracy/simulator_vs_reference.py gamma_drift --reference pyddm --n 100000 \
        --theta v=0,a=1,z=0.5,t=0.3,shape=2,scale=0.01,c=3 --out benchmarks/results/gamma_drift_simulator.md

On the model's validation sets (and any ``--theta``), ``--n`` trials from the package's
simulator (seed 0) against the reference density integrated over a grid of reaction times: the
largest distance between the two joint CDFs of (rt, choice) per choice (the KS statistic; its
1 % critical value is ``1.63 / sqrt(n)``), both shares of the upper choice and the reference's
total mass over the grid (1 when it is normalized and the grid covers the trials). ``--dt``
sets the simulator's step (1 ms, as in training), ``--only-theta`` skips the validation sets.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from hssm_nre.models import get_model
from hssm_nre.simulation import simulate_trials
from hssm_nre.validation.references import get_reference

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: common.py
from common import emit  # noqa: E402


def compare(spec, ref, theta: np.ndarray, n: int, rng, dt: float = 1e-3) -> dict:
    x, ok = simulate_trials(spec, np.tile(theta, (n, 1)), rng, dt=dt, max_t=100.0)
    x = x[ok]
    onset = theta[spec.params.index(spec.ndt)] if spec.ndt else 0.0
    grid = np.linspace(onset + 1e-4, x[:, 0].max() + 0.5, 6000)
    t0 = time.perf_counter()
    row = {"finished": ok.mean()}
    mass = 0.0
    for c in spec.choices:
        pdf = np.exp(ref.logp(theta, np.stack([grid, np.full_like(grid, c)], 1)))
        cdf = np.concatenate([[0.0], np.cumsum(0.5 * (pdf[1:] + pdf[:-1]) * np.diff(grid))])
        rts = np.sort(x[x[:, 1] == c, 0])
        emp = np.searchsorted(rts, grid, side="right") / len(x)
        row[f"KS choice {c}"] = np.abs(cdf - emp).max()
        row[f"P({c}) reference"] = cdf[-1]
        row[f"P({c}) simulated"] = len(rts) / len(x)
        mass += cdf[-1]
    row["reference mass"] = mass
    row["reference s"] = time.perf_counter() - t0
    return row


def cell(v) -> str:
    return v if isinstance(v, str) else f"{v:.4f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("--reference", required=True)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--theta", action="append", default=[], help="name=value,... (every parameter)")
    ap.add_argument("--dt", type=float, default=1e-3, help="the simulator's step (training uses 1e-3)")
    ap.add_argument("--only-theta", action="store_true", help="skip the model's validation sets")
    ap.add_argument("--out")
    a = ap.parse_args()
    spec = get_model(a.model)
    ref = get_reference(spec.name, a.reference)
    sets = [] if a.only_theta else [dict(s) for s in spec.validation_sets]
    sets += [{k: float(v) for k, v in (kv.split("=") for kv in t.split(","))} for t in a.theta]
    rng = np.random.default_rng(0)
    rows = []
    for s in sets:
        theta = np.array([s[p] for p in spec.params])
        r = compare(spec, ref, theta, a.n, rng, a.dt)
        rows.append({"parameters": ", ".join(f"{k} {v:g}" for k, v in s.items()), **r})
        print(rows[-1], flush=True)
    cols = list(rows[0])
    lines = [
        f"# {spec.name}: the package's simulator against the {a.reference} reference",
        "",
        f"`python benchmarks/accuracy/simulator_vs_reference.py {' '.join(sys.argv[1:])}`"
        f" ({ref.description}): {a.n:,} simulated trials per parameter set (simulator step {a.dt:g} s);"
        " KS 1 % critical value"
        f" {1.63 / np.sqrt(a.n):.4f}.",
        "",
        "| " + " | ".join(cols) + " |",
        "|---" * len(cols) + "|",
        *("| " + " | ".join(cell(v) for v in r.values()) + " |" for r in rows),
    ]
    emit(lines, Path(a.out) if a.out else None)


if __name__ == "__main__":
    main()
