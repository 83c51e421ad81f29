"""Cost of one log-likelihood + gradient of the shipped DDM as trials grow: ratio vs HSSM's LAN vs analytic.

All are evaluated in the same run, on the same data, as jitted JAX value-and-grad functions, timed
in turns (``common.interleaved_times``): the analytic DDM through pytensor's JAX backend, the LAN
through hssm's ONNX-to-JAX path when ``../shared/peers/ddm_lan.onnx`` exists. Three parameter
layouts, as hssm passes them:

* ``scalar``: no regression (one parameter vector: the density read from a table over decision time);
* ``v per trial``: a regression on ``v`` only (``v ~ 1 + x``: the noise head read from a table along v);
* ``all per trial``: every parameter given per trial (the head runs once per trial).

The ratio network is also timed with every table read by gathering rows (``--gather``, as
``hssm_nre.net.table.lagrange_read`` did before it read wide tables through a dense weight matrix).

    python benchmarks/speed/logp_cost.py [--gather] [--rounds 9]
"""

import argparse
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import hssm_nre.net.table as table_mod
from hssm_nre.net.logp import make_hssm_logp
from hssm_nre.simulation import simulate_trials
from hssm_nre.store.hub import load_network

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: common.py
from common import analytic_jax, interleaved_times, lan_jax  # noqa: E402

PARAMS = (0.5, 1.0, 0.5, 0.3)
TRIALS = (500, 2000, 5000)
LAYOUTS = {"scalar": (), "v per trial": ("v",), "all per trial": ("v", "a", "z", "t")}


def compiled(f, args, dense_max=None):
    """Jit ``f`` and compile it for ``args`` (with the tables' dense-read limit set while tracing)."""
    g = jax.jit(f)
    old = table_mod.DENSE_READ_MAX
    if dense_max is not None:
        table_mod.DENSE_READ_MAX = dense_max
    try:
        jax.block_until_ready(g(*args))
    finally:
        table_mod.DENSE_READ_MAX = old
    return g, args


def vg(f, d):
    """Value and gradient of ``sum f(d, v, a, z, t)`` with respect to the four parameters."""
    return jax.value_and_grad(lambda *q: jnp.sum(f(d, *q)), argnums=(0, 1, 2, 3))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gather", action="store_true", help="also time the tables read by gathering rows")
    ap.add_argument("--rounds", type=int, default=9)
    args = ap.parse_args(argv)
    net = load_network("ddm")
    ours = make_hssm_logp(net, 4)
    # the peers' likelihoods, built once per layout (pytensor's JAX function, the LAN's ONNX)
    peers = {
        layout: (analytic_jax(varying), lan_jax(tuple(name in varying for name in "vazt")))
        for layout, varying in LAYOUTS.items()
    }
    rows = []
    for n in TRIALS:
        rng = np.random.default_rng(n)
        cov = rng.normal(size=n)
        v = PARAMS[0] + 0.3 * cov
        theta = np.column_stack([v, np.tile(PARAMS[1:], (n, 1))])
        x, _ = simulate_trials("ddm", theta, rng)
        d32 = jnp.asarray(x, jnp.float32)
        d64 = jnp.asarray(x, jnp.float64) if jax.config.x64_enabled else d32
        fns = {}
        for layout, varying in LAYOUTS.items():
            p = tuple(
                jnp.asarray(theta[:, i] if name in varying else PARAMS[i], jnp.float32)
                for i, name in enumerate("vazt")
            )
            analytic, lan = peers[layout]
            fns[("analytic", layout)] = compiled(vg(analytic, d64), p)
            if lan is not None:
                fns[("lan", layout)] = compiled(vg(lan, d32), p)
            fns[("ratio", layout)] = compiled(vg(ours, d32), p)
            if args.gather and layout != "all per trial":
                fns[("ratio, gathered reads", layout)] = compiled(vg(ours, d32), p, dense_max=0)
        t = interleaved_times(fns, rounds=args.rounds)
        rows.append((n, t))
    ref = "lan" if ("lan", "scalar") in rows[0][1] else "analytic"
    print(
        f"Seconds per logp + gradient as ratios to {'HSSM LAN' if ref == 'lan' else 'the analytic DDM'} "
        "with the same layout and trials (median of interleaved rounds):\n"
    )
    kinds = list(dict.fromkeys(k for k, _ in rows[0][1]))
    print("| trials | layout | " + " | ".join(f"{k} / {ref}" for k in kinds) + " |")
    print("|---|---|" + "---|" * len(kinds))
    for n, t in rows:
        for layout in LAYOUTS:
            cells = [f"{t[(k, layout)] / t[(ref, layout)]:.2f}" if (k, layout) in t else "-" for k in kinds]
            print(f"| {n} | {layout} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
