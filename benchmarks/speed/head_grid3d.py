"""The DDM's noise head from one grid over the whole box, computed once: how accurate it would be.

The noise density's head is a fixed function of the parameters it sees. For the DDM those are
three (``v``, ``a``, ``z``), so it can be tabulated once, when the network loads, on a grid over the
whole training box. Then no log-likelihood would need to run the head at all. With scalar
parameters the grid would be contracted along them, and each trial would read only the axes
that vary (the demo's ``v``; ``v`` and ``a`` in the hierarchical design). The package does not do
this. This script measures the accuracy such a grid would have, for one member's head:

* the head's raw outputs at ``N + P - 1`` nodes per axis (``P`` = 4: cubic, 6: quintic, as
  :mod:`hssm_nre.net.table` places them), spanning the box;
* at 20,000 parameter vectors uniform in the box, 4 draws ``(y, c)`` each from the head's own
  mixture: the error of ``log q(y, c | theta)`` read from the grid (the tensor-product Lagrange
  polynomial through the ``P^3`` nearest nodes) against the head itself, and the error of its
  gradient in the three parameters, relative to the mean absolute gradient per parameter.

    python benchmarks/speed/head_grid3d.py --grids 48:4 64:4 96:4 32:6 48:6 64:6 \
        --out benchmarks/results/head_grid3d.md
"""

import argparse
import datetime
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from hssm_nre.net.features import Transform, mlp_out, reflect, theta_features
from hssm_nre.net.logp import member_parts
from hssm_nre.net.noise import Q_PREFIX, q_head_params, q_logpdf_y, q_params_from_outputs, q_sample_y
from hssm_nre.net.table import lagrange_weights, node_positions
from hssm_nre.store.hub import load_network

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: common.py
from common import emit  # noqa: E402


def grid_errors(net, member: int, n: int, points: int, n_theta: int = 20_000, seed: int = 5) -> dict:
    """Errors of ``log q`` and its gradient read from an ``n``-node, ``points``-point grid over the box."""
    w, card = member_parts(net.weights, net.card)[member]
    tr = Transform.from_dict(card["transform"])
    if tr.log_index or len(tr.param_index) != 3:
        raise ValueError(f"{net.card['name']}: the head must see three parameters on a linear scale")
    m = int(card["method"]["q_components"])
    head = {k: jnp.asarray(v) for k, v in w.items() if k.startswith(Q_PREFIX)}
    box = np.asarray(net.card["model"]["box"], np.float32)
    idx = list(tr.param_index)
    los, hs = box[idx, 0], (box[idx, 1] - box[idx, 0]) / (n - 1)
    axes = [np.asarray(node_positions(lo, h, n, points)) for lo, h in zip(los, hs, strict=True)]
    side = len(axes[0])
    nodes = np.tile(box.mean(axis=1), (side**3, 1))
    nodes[:, idx] = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 3)

    def g(theta):  # the head's raw outputs at theta (one side of a mirrored head)
        return mlp_out(head, theta_features(tr, theta), Q_PREFIX)

    t0 = time.perf_counter()
    g_jit = jax.jit(g)
    table = np.concatenate(
        [np.asarray(g_jit(jnp.asarray(nodes[i : i + 100_000]))) for i in range(0, len(nodes), 100_000)]
    )
    build_s = time.perf_counter() - t0
    flat = jnp.asarray(table)

    def g_grid(theta):
        ks, ws = zip(
            *[lagrange_weights(theta[:, j], los[i], hs[i], n, points) for i, j in enumerate(idx)],
            strict=True,
        )
        out = 0.0
        for a in range(points):
            for b in range(points):
                for c in range(points):
                    row = (ks[0] + a) * side * side + (ks[1] + b) * side + (ks[2] + c)
                    out = out + (ws[0][a] * ws[1][b] * ws[2][c])[:, None] * jnp.take(flat, row, axis=0)
        return out

    def log_q(raw, theta, y, ci):
        out = raw(theta) if tr.mirror is None else jnp.concatenate([raw(theta), raw(reflect(tr, theta))], -1)
        params = q_params_from_outputs(tr, out, m)
        return q_logpdf_y(jax.tree.map(lambda a: a[:, None], params), y, ci)

    lo, hi = jnp.asarray(box[:, 0]), jnp.asarray(box[:, 1])
    k1, k2 = jax.random.split(jax.random.PRNGKey(seed))
    theta = jax.random.uniform(k1, (n_theta, lo.size), minval=lo, maxval=hi)
    y, ci = q_sample_y(q_head_params(head, tr, theta, m), k2, 4)
    err = np.abs(np.asarray(jax.jit(lambda t: log_q(g_grid, t, y, ci) - log_q(g, t, y, ci))(theta)))
    grad_exact = np.asarray(jax.jit(jax.grad(lambda t: jnp.sum(log_q(g, t, y, ci))))(theta))[:, idx]
    grad_grid = np.asarray(jax.jit(jax.grad(lambda t: jnp.sum(log_q(g_grid, t, y, ci))))(theta))[:, idx]
    rel = np.abs(grad_grid - grad_exact) / np.abs(grad_exact).mean(axis=0)
    return {
        "nodes": side**3,
        "mb": table.nbytes / 1e6,
        "build_s": build_s,
        "median": float(np.median(err)),
        "p99": float(np.quantile(err, 0.99)),
        "max": float(err.max()),
        "grad_median": float(np.median(rel)),
        "grad_p99": float(np.quantile(rel, 0.99)),
        "grad_max": float(rel.max()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="ddm")
    ap.add_argument("--member", type=int, default=0)
    ap.add_argument("--grids", nargs="+", default=["48:4", "96:4", "48:6"], help="NODES:POINTS per axis")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    net = load_network(args.model)
    lines = [
        f"# {args.model}@{net.card['version']}'s noise head from one grid over the box, member {args.member}",
        "",
        f"`python benchmarks/speed/head_grid3d.py {' '.join(sys.argv[1:])}` ({datetime.date.today()}).",
        "",
        "| nodes per axis | points | grid nodes | MB (float32) | build s"
        " | log q error: median / p99 / max (nats) | gradient error / mean abs gradient: median / p99 / max"
        " |",
        "|---|---|---|---|---|---|---|",
    ]
    for spec in args.grids:
        n, points = (int(v) for v in spec.split(":"))
        r = grid_errors(net, args.member, n, points)
        lines.append(
            f"| {n} | {points} | {r['nodes']:,} | {r['mb']:.0f} | {r['build_s']:.1f} |"
            f" {r['median']:.1e} / {r['p99']:.1e} / {r['max']:.1e} |"
            f" {r['grad_median']:.1e} / {r['grad_p99']:.1e} / {r['grad_max']:.1e} |"
        )
        print(lines[-1], flush=True)
    emit(lines, args.out)


if __name__ == "__main__":
    main()
