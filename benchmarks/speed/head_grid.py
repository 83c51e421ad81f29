"""The noise density's head read from a grid over two parameters (random intercepts): error and cost.

A hierarchical model with random intercepts on two parameters the noise head sees (``v ~ 1 + x +
(1|g)``, ``a ~ 1 + (1|g)``, the design of ``benchmarks/hierarchical.py``) gives every trial its own
``v`` and ``a``. The head (an MLP of the parameters alone) used to run once per trial, twice for
the mirrored DDM family. From ``HEAD_GRID_MIN_ROWS`` trials on, ``make_hssm_logp`` now runs it on
a grid over the two parameters' ranges (``HEAD_GRID_NODES`` nodes per column) and reads each
trial's choice probabilities and its own choice's mixture from the tensor-product cubic through
its 4 x 4 nearest nodes (``hssm_nre.net.noise.q_logpdf_along``). This script measures, per
shipped network:

* the error against the head run once per trial, on data simulated trial by trial from that
  hierarchical design (``--groups`` groups; group SDs 10 % of the box width for ``v`` and 5 %
  for ``a``, a slope of 5 % on a standard-normal covariate, clipped to the inner 80 % of the
  box): the largest per-trial |error|, the error of the summed log-likelihood, and the largest
  relative error of the gradient with respect to the coefficients (intercepts, slope, every
  group's two offsets, the scalars);
* the cost of one log-likelihood + gradient in those coefficients, head per trial vs grid (forced
  at every size), at 20 x 200, 50 x 500 and 100 x 500 trials (the hierarchical benchmark's sizes;
  ``--sizes 10x200 ...`` for others), interleaved in one run with HSSM's DDM LAN
  (``../shared/peers/ddm_lan.onnx`` through hssm's ONNX-to-JAX path) and the analytic
  likelihood on the same design.

    python benchmarks/speed/head_grid.py --sets 3 --out benchmarks/results/head_grid.md
    python benchmarks/speed/head_grid.py --models ddm --sets 1 --rounds 3
    python benchmarks/speed/head_grid.py --models ddm angle --grid 48 24   # two grids side by side
"""

import contextlib
import datetime
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import hssm_nre.net.logp as logp_module
import hssm_nre.net.noise as noise_module
from hssm_nre.models import get_model
from hssm_nre.net.logp import build_logp, make_hssm_logp
from hssm_nre.simulation import simulate_trials

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: common.py
from common import (  # noqa: E402
    analytic_jax,
    cost_rows,
    emit,
    interleaved_times,
    lan_jax,
    network_args,
    size_pair,
    table_errors,
)

SIZES = ((20, 200), (50, 500), (100, 500))  # groups x trials per group
DDM_BOX = np.array([[-2.5, 2.5], [0.5, 2.0], [0.3, 0.7], [0.1, 0.6]])  # inside the LAN's box


class Design:
    """Random intercepts on ``v`` and ``a``, a covariate on ``v``; the rest scalars."""

    def __init__(self, box, jv, ja, groups, per_group, rng):
        self.box, self.jv, self.ja = box, jv, ja
        self.inner = box[:, 0] + np.outer([0.1, 0.9], box[:, 1] - box[:, 0])
        self.base = rng.uniform(self.inner[0], self.inner[1])
        self.g = np.repeat(np.arange(groups), per_group)
        self.cov = rng.standard_normal(self.g.size)
        width = box[:, 1] - box[:, 0]
        self.coef = np.concatenate(
            [
                [self.base[jv], 0.05 * width[jv], self.base[ja]],
                rng.normal(0, 0.1 * width[jv], groups),
                rng.normal(0, 0.05 * width[ja], groups),
                np.delete(self.base, [jv, ja]),
            ]
        )
        self.groups = groups

    def params(self, c, g=None, cov=None):
        """hssm-style parameters (per-trial ``v`` and ``a``, scalars) from the coefficients ``c``."""
        g = self.g if g is None else g
        cov = self.cov if cov is None else cov
        k = self.groups
        lo, hi = self.inner[0], self.inner[1]
        v = jnp.clip(c[0] + c[1] * cov + c[3 : 3 + k][g], lo[self.jv], hi[self.jv])
        a = jnp.clip(c[2] + c[3 + k : 3 + 2 * k][g], lo[self.ja], hi[self.ja])
        rest = list(c[3 + 2 * k :])
        out = [None] * (len(rest) + 2)
        out[self.jv], out[self.ja] = v, a
        it = iter(rest)
        return [next(it) if p is None else p for p in out]

    def simulate(self, name, rng):
        c = jnp.asarray(self.coef, jnp.float32)
        p = self.params(c)
        n = self.g.size
        theta = np.stack([np.broadcast_to(np.asarray(q, np.float64), (n,)) for q in p], -1)
        x, done = simulate_trials(get_model(name), theta, rng)
        return np.asarray(x[done], np.float32), done


@contextlib.contextmanager
def grid_nodes(nodes):
    """Build and trace grids of ``nodes`` per column inside the block."""
    old, noise_module.HEAD_GRID_NODES = noise_module.HEAD_GRID_NODES, nodes
    try:
        yield
    finally:
        noise_module.HEAD_GRID_NODES = old


def accuracy(net, n_sets, groups, per_group, rng):
    """Largest per-trial |error|, |error| of the sum and relative gradient error, per data set."""
    name, box = net.card["model"]["name"], np.asarray(net.card["model"]["box"], np.float64)
    jv, ja = net.params.index("v"), net.params.index("a")
    direct = build_logp(net.weights, net.card)  # head once per trial (no `varying`)
    grid = make_hssm_logp(net, len(net.params), grid=False)
    per_trial, total, grad = [], [], []
    for _ in range(n_sets):
        d = Design(box, jv, ja, groups, per_group, rng)
        x, done = d.simulate(name, rng)
        x = jnp.asarray(x)
        g, cov = d.g[done], jnp.asarray(d.cov[done], jnp.float32)
        coef = jnp.asarray(d.coef, jnp.float32)

        def f_direct(c, x=x, d=d, g=g, cov=cov):
            n = x.shape[0]
            return direct(jnp.stack([jnp.broadcast_to(q, (n,)) for q in d.params(c, g, cov)], -1), x)

        def f_grid(c, x=x, d=d, g=g, cov=cov):
            return grid(x, *[q if q.ndim else q[None] for q in d.params(c, g, cov)])

        for acc, e in zip((per_trial, total, grad), table_errors(f_direct, f_grid, coef), strict=True):
            acc.append(e)
    return per_trial, total, grad


def costs(nets, rounds, grids, sizes=SIZES):
    """Seconds per logp + gradient in the coefficients: head per trial vs grid, LAN, analytic."""
    lan = lan_jax((True, True, False, False))
    analytic = analytic_jax(per_trial=("v", "a"))
    out = {}
    for groups, per_group in sizes:
        rng = np.random.default_rng(groups)
        fns = {}

        def vg(f, design, x, dtype=jnp.float32):
            def g(c):
                return f(x, *design.params(c))

            return jax.jit(jax.value_and_grad(g)), (jnp.asarray(design.coef, dtype),)

        d = Design(DDM_BOX, 0, 1, groups, per_group, rng)
        x, done = d.simulate("ddm", rng)
        d.g, d.cov = d.g[done], d.cov[done]
        fns["analytic"] = vg(analytic, d, jnp.asarray(x, jnp.float64), jnp.float64)
        if lan is not None:
            fns["lan"] = vg(lan, d, jnp.asarray(x))
        for name, net in nets.items():
            box = np.asarray(net.card["model"]["box"], np.float64)
            dn = Design(box, net.params.index("v"), net.params.index("a"), groups, per_group, rng)
            xn, done = dn.simulate(net.card["model"]["name"], rng)
            dn.g, dn.cov = dn.g[done], dn.cov[done]
            f = make_hssm_logp(net, len(net.params), grid=False)
            direct = build_logp(net.weights, net.card)

            def head_per_trial(x, *p, direct=direct):
                n = x.shape[0]
                return direct(
                    jnp.stack([jnp.broadcast_to(jnp.reshape(q, (-1,)), (n,)) for q in p], -1), x
                ).sum()

            fns[(name, "per trial")] = vg(head_per_trial, dn, jnp.asarray(xn))
            for nodes in grids:
                fn, p = vg(lambda x, *p, f=f: f(x, *p).sum(), dn, jnp.asarray(xn))
                with grid_nodes(nodes):  # traced (and cached) with this grid
                    jax.block_until_ready(fn(*p))
                fns[(name, nodes)] = (fn, p)
        out[(groups, per_group)] = interleaved_times(fns, rounds=rounds)
    return out


def main():
    def extra_args(ap):
        ap.add_argument(
            "--grid",
            nargs="+",
            type=int,
            default=[noise_module.HEAD_GRID_NODES],
            help="grid nodes per column, each measured in the same run (default: HEAD_GRID_NODES)",
        )
        ap.add_argument(
            "--sizes",
            nargs="+",
            default=[f"{g}x{t}" for g, t in SIZES],
            help="designs timed, groups x trials per group (default: %(default)s)",
        )

    args, nets = network_args(__doc__, sets=3, extra=extra_args)
    sizes = tuple(size_pair(s) for s in args.sizes)
    groups = 20
    per_group = max(args.trials, logp_module.HEAD_GRID_MIN_ROWS + groups * 10) // groups
    acc = {}
    for nodes in args.grid:  # the same data sets for every grid
        rng = np.random.default_rng(0)
        with grid_nodes(nodes):
            acc[nodes] = {m: accuracy(net, args.sets, groups, per_group, rng) for m, net in nets.items()}
    least, logp_module.HEAD_GRID_MIN_ROWS = logp_module.HEAD_GRID_MIN_ROWS, 0  # the grid at every size
    cost = costs(nets, args.rounds, args.grid, sizes)
    logp_module.HEAD_GRID_MIN_ROWS = least
    command = " ".join(["python benchmarks/speed/head_grid.py", *sys.argv[1:]])
    lines = [
        "# The noise density's head read from a grid over two parameters (random intercepts on v and a)",
        "",
        f"`{command}` ({datetime.date.today()}, 2 cores). Errors are against the same network with its "
        f"head run once per trial, on {args.sets} data sets x {groups} groups x {per_group} trials "
        f"({' / '.join(map(str, args.grid))} grid nodes per column), simulated trial by trial from "
        "`v ~ 1 + x + "
        "(1|g)`, `a ~ 1 + (1|g)`; the gradient is with respect to every coefficient (intercepts, slope, "
        "group offsets, scalars).",
        "",
        "| network | grid nodes per column | per-trial max abs error, median / max over sets (nats) | "
        "error of the summed log-likelihood, max (nats) | gradient relative error, max |",
        "|---|---|---|---|---|",
    ]
    for m, net in nets.items():
        for nodes in args.grid:
            pt, tot, g = acc[nodes][m]
            errors = f"{np.median(pt):.1e} / {max(pt):.1e} | {max(tot):.1e} | {max(g):.1e}"
            lines.append(f"| {net.name} | {nodes} | {errors} |")
    lines += [
        "",
        "Cost of one log-likelihood + gradient in the coefficients, head per trial / grid ("
        + " / ".join(f"{n} nodes" for n in args.grid)
        + "), in units of "
        "HSSM's DDM LAN on the same design; each column measured interleaved in one run:",
        "",
        "| network | " + " | ".join(f"{g} x {t}: per trial / grid, x LAN" for g, t in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    lines += cost_rows(nets, cost, sizes, ("per trial", *args.grid))
    lines += [
        "",
        f"Timing: median of {args.rounds} interleaved rounds. The grid is forced at every size here; "
        f"`make_hssm_logp` uses it from {least} trials on.",
    ]
    emit(lines, args.out)


if __name__ == "__main__":
    main()
