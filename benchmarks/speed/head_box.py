"""The DDM's noise head read from one grid over the box in a regression (commit c0a4f9b, not adopted).

Commit c0a4f9b gave each DDM member its head's grid over the whole box
(``hssm_nre.net.noise.head_box_grid``) and, in a regression on one parameter, read the head's
outputs at the table's nodes from it instead of running the head. This script compares, on
``make demo``'s data (``v ~ 1 + x``, ``--trials``), the value and gradient (intercept, slope,
``a``, ``z``, ``t``) of that path and of the shipped table against the head run once per
trial, at three parameter points, and the cost of each, interleaved in one run. The code
exists only in that commit, so run it there::

    git worktree add /tmp/box c0a4f9b
    PYTHONPATH=/tmp/box/src python benchmarks/speed/head_box.py --trials 500 2000
    git worktree remove /tmp/box
"""

import argparse
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import hssm_nre.net.logp as logp_module
from hssm_nre.net.logp import build_logp, make_hssm_logp
from hssm_nre.store.hub import load_network
from hssm_nre.validation.cases import simulate_regression_data

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: common.py
from common import interleaved_times  # noqa: E402

POINTS = [(0.5, 0.4, 1.2, 0.5, 0.3), (-1.0, 0.8, 0.6, 0.3, 0.2), (2.0, -0.5, 2.2, 0.7, 0.1)]


def run(net, n: int, rounds: int) -> None:
    data = simulate_regression_data(n)
    obs = jnp.asarray(np.stack([data.rt.to_numpy(), data.response.to_numpy()], -1), jnp.float32)
    x = jnp.asarray(data.x.to_numpy(), jnp.float32)
    box_grid = make_hssm_logp(net, 4)
    fits = logp_module._box_grid_fits
    logp_module._box_grid_fits = lambda card: False
    table = make_hssm_logp(net, 4)
    logp_module._box_grid_fits = fits
    direct = build_logp(net.weights, net.card)

    def value_grad(lp):
        def f(b0, b1, a, z, t):
            return jnp.sum(lp(obs, b0 + b1 * x, a, z, t))

        return jax.jit(jax.value_and_grad(f, argnums=tuple(range(5))))

    def per_trial(b0, b1, a, z, t):
        theta = jnp.stack([b0 + b1 * x, *(jnp.broadcast_to(p, x.shape) for p in (a, z, t))], -1)
        return jnp.sum(direct(theta, obs))

    fns = {
        "box grid": value_grad(box_grid),
        "table (shipped)": value_grad(table),
        "head per trial": jax.jit(jax.value_and_grad(per_trial, argnums=tuple(range(5)))),
    }
    print(f"{n} trials: against the head per trial, summed value difference / gradient's max relative error")
    for point in POINTS:
        point = tuple(np.float32(v) for v in point)
        ref_v, ref_g = fns["head per trial"](*point)
        ref_g = np.array([float(g) for g in ref_g])
        cells = []
        for k in ("box grid", "table (shipped)"):
            v, g = fns[k](*point)
            rel = np.max(np.abs(np.array([float(a) for a in g]) - ref_g) / np.abs(ref_g))
            cells.append(f"{k} {float(v - ref_v):+.1e} / {rel:.1e}")
        print(f"  at {tuple(float(p) for p in point)}: " + "; ".join(cells))
    start = tuple(np.float32(v) for v in POINTS[0])
    t = interleaved_times({k: (f, start) for k, f in fns.items()}, rounds=rounds)
    print(
        "  cost, x the shipped table: "
        + ", ".join(f"{k} {v / t['table (shipped)']:.2f}" for k, v in t.items())
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, nargs="+", default=[500, 2000])
    ap.add_argument("--rounds", type=int, default=9)
    args = ap.parse_args()
    if not hasattr(logp_module, "_box_grid_fits"):
        sys.exit("this package has no grid over the box: run in a worktree of commit c0a4f9b (see --help)")
    net = load_network("ddm")
    for n in args.trials:
        run(net, n, args.rounds)


if __name__ == "__main__":
    main()
