"""The density read from a table over decision time: error and cost, every shipped network.

With one parameter vector for all trials (an intercept-only model), ``make_hssm_logp`` can read
each trial's log-density from a table of the network over log decision time
(``hssm_nre.net.logp.build_grid_logp``, ``GRID_NODES`` nodes per choice) instead of evaluating
the network once per trial. This script measures, per shipped network:

* the interpolation error against the network evaluated per trial, on simulated data sets at
  random parameters in the inner 80 % of the box: the largest per-trial |error|, the error of
  the summed log-likelihood, and the largest relative error of its gradient; the same again with
  each set's onset moved to 1 ms or 10 ms below its fastest trial (a stress test: the density
  rises steepest there);
* the cost of one log-likelihood + gradient, per trial vs table, at 500 / 1000 / 2000 / 5000
  trials, measured interleaved in one run with HSSM's DDM LAN (``../shared/peers/ddm_lan.onnx``,
  through hssm's ONNX-to-JAX path: the cost reference for every model) and, for the DDM, the
  analytic likelihood.

    python benchmarks/speed/grid_logp.py --out benchmarks/results/grid_logp.md
    python benchmarks/speed/grid_logp.py --models ddm angle --sets 5
    python benchmarks/speed/grid_logp.py --nodes default 128:6   # two tables side by side
    python benchmarks/speed/grid_logp.py --models ddm runs/ddm_new   # a shipped network beside a directory

With ``--nodes N:P[:M[:S]] ...`` the table is built with each of those node counts ``N``, read
through ``P`` nodes per trial (4: cubic, 6: quintic; 0: every node, at the Chebyshev points),
with the ``M`` fastest and the ``S`` slowest trials evaluated by the network itself (default 0);
``default`` is each network's own setting (``hssm_nre.net.logp.grid_settings``: 48:6:32:0 for
the models in ``SMOOTH_TABLE_MODELS``, 40:0:8:8 for weibull and 64:0:16:16 for angle
(``WALL_TABLES``), else 128:6:0:0). Every table gets its own error and cost rows, measured in the same run.
"""

import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from hssm_nre.models import get_model
from hssm_nre.net.logp import build_grid_logp, build_logp, grid_evaluations, grid_settings, make_hssm_logp
from hssm_nre.simulation import simulate_trials

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: common.py
from common import READ, analytic_jax, emit, interleaved_times, lan_jax, network_args, table_settings  # noqa: E402

TRIALS = (250, 500, 1000, 2000, 5000)


def simulate(name, theta, n, rng):
    x, done = simulate_trials(get_model(name), np.tile(theta, (n, 1)), rng)
    return np.asarray(x[done], np.float32)


def errors(direct, table, theta, x):
    """Largest per-trial |error|, |error| of the sum and largest relative gradient error at one theta."""
    th = jnp.asarray(theta[None], jnp.float32)
    a, b = direct(th, x), table(th, x)
    ok = np.isfinite(np.asarray(a))
    ga = np.asarray(jax.grad(lambda t: jnp.sum(direct(t, x)))(th))
    gb = np.asarray(jax.grad(lambda t: jnp.sum(table(t, x)))(th))
    return (
        float(np.max(np.abs(np.asarray(a - b)[ok]))),
        abs(float(jnp.sum(a[ok]) - jnp.sum(b[ok]))),
        float(np.max(np.abs(ga - gb) / (np.abs(ga) + 1.0))),
    )


def resolve(nodes, net) -> tuple[int, int, int, int]:
    """``(n_nodes, points, fastest, slowest)`` of a ``--nodes`` setting for one network."""
    if nodes == "default":
        return grid_settings(net.card)
    return (*nodes, 0, 0, 0)[:4]


def accuracy(net, n_sets, n_trials, rng, gaps=None, nodes="default"):
    """Per-trial, summed and gradient errors over ``n_sets`` simulated sets (lists of three).

    With ``gaps`` (seconds), a stress test instead: each set's onset is moved to that far below
    its fastest trial, where the density is steepest (networks with a non-decision time only).
    """
    direct = build_logp(net.weights, net.card)
    table = build_grid_logp(net.weights, net.card, *resolve(nodes, net))
    box = np.asarray(net.card["model"]["box"], np.float64)
    inner = box[:, 0] + np.outer([0.1, 0.9], box[:, 1] - box[:, 0])
    ndt = net.card["model"].get("ndt")
    out = ([], [], [])
    for i in range(n_sets):
        theta = rng.uniform(inner[0], inner[1])
        x = simulate(net.card["model"]["name"], theta, n_trials, rng)
        if gaps is not None:
            j = net.params.index(ndt)
            # clipped into the box: a set whose fastest trial is later than the box allows keeps a gap
            theta[j] = np.clip(float(x[:, 0].min()) - gaps[i % len(gaps)], box[j, 0], box[j, 1])
        for lst, v in zip(out, errors(direct, table, theta, jnp.asarray(x)), strict=True):
            lst.append(v)
    return out


def costs(nets, rounds, nodes=("default",)):
    """Seconds per logp + gradient: per trial and a table per node count, each network; LAN, analytic."""
    lan = lan_jax()
    out = {}
    for n in TRIALS:
        rng = np.random.default_rng(n)
        fns = {}
        ddm_x = simulate("ddm", np.array([0.5, 1.0, 0.5, 0.3]), n, rng)
        p_ddm = tuple(jnp.float32(v) for v in (0.5, 1.0, 0.5, 0.3))

        def vg(f, d, k):
            return jax.jit(jax.value_and_grad(lambda *q: f(d, *q), argnums=tuple(range(k))))

        fns["analytic"] = (vg(analytic_jax(), jnp.asarray(ddm_x, jnp.float64), 4), p_ddm)
        if lan is not None:
            fns["lan"] = (vg(lan, jnp.asarray(ddm_x), 4), p_ddm)
        for name, net in nets.items():
            box = np.asarray(net.card["model"]["box"], np.float64)
            theta = box.mean(axis=1)
            x = jnp.asarray(simulate(net.card["model"]["name"], theta, n, rng))
            p = tuple(jnp.float32(v) for v in theta)
            f = make_hssm_logp(net, len(theta), grid=False)
            fns[(name, "per trial")] = (vg(lambda d, *q, f=f: f(d, *q).sum(), x, len(theta)), p)
            for k in nodes:  # what make_hssm_logp does with a table, at k nodes
                t = build_grid_logp(net.weights, net.card, *resolve(k, net))
                fns[(name, k)] = (vg(lambda d, *q, t=t: t(jnp.stack(q)[None], d).sum(), x, len(theta)), p)
        out[n] = interleaved_times(fns, rounds=rounds)
    return out


def error_cells(net, nodes, per_trial, total, grad) -> str:
    """The table's name, its network evaluations and its three error columns, as Markdown cells."""
    n, points, fastest, slowest = resolve(nodes, net)
    name = f"{n} ({READ[points]})" + (f" + {fastest} fastest" if fastest else "")
    name += f" + {slowest} slowest" if slowest else ""
    return (
        f"{name} | {grid_evaluations(net.card, (n, points, fastest, slowest))} | "
        f"{np.median(per_trial):.1e} / {max(per_trial):.1e} | {max(total):.1e} | {max(grad):.1e}"
    )


def main():
    args, nets = network_args(
        __doc__,
        sets=20,
        extra=lambda ap: ap.add_argument("--nodes", nargs="+", default=["default"]),
    )
    args.nodes = [k if k == "default" else table_settings([k])[0] for k in args.nodes]
    gaps = (0.001, 0.01)
    acc, stress = {}, {}
    for k in args.nodes:  # the same data sets for every node count
        rng = np.random.default_rng(0)
        acc[k] = {m: accuracy(net, args.sets, args.trials, rng, nodes=k) for m, net in nets.items()}
        stress[k] = {
            m: accuracy(net, args.sets, args.trials, rng, gaps, nodes=k)
            for m, net in nets.items()
            if net.card["model"].get("ndt")
        }
    cost = costs(nets, args.rounds, args.nodes)
    import datetime

    command = " ".join(["python benchmarks/speed/grid_logp.py", *sys.argv[1:]])
    lines = [
        "# The density read from a table over decision time",
        "",
        f"`{command}` ({datetime.date.today()}, 2 cores shared with other jobs; the cost columns of "
        "one row were measured interleaved with HSSM's DDM LAN, the cost reference for every model, "
        "so they are ratios to the LAN's logp + gradient at the same number of trials). Parameters "
        "are scalars (an intercept-only model); errors are against the same network evaluated per trial.",
        "",
        "| network | nodes per choice (read) + trials evaluated directly | network evaluations | "
        "per-trial max abs error, median / max over sets (nats) | "
        "error of the summed log-likelihood, max (nats) | gradient relative error, max | "
        + " | ".join(f"{n} trials: per trial / table, x LAN" for n in TRIALS)
        + " |",
        "|" + "---|" * (6 + len(TRIALS)),
    ]
    for m, net in nets.items():
        for k in args.nodes:
            pt, tot, g = acc[k][m]
            cells = []
            for n in TRIALS:
                ref = cost[n].get("lan")
                a, b = cost[n][(m, "per trial")], cost[n][(m, k)]
                cells.append(f"{a / ref:.2f} / {b / ref:.2f}" if ref else f"{a * 1e3:.2f} / {b * 1e3:.2f} ms")
            row = f"| {net.name} | {error_cells(net, k, pt, tot, g)} | "
            lines.append(row + " | ".join(cells) + " |")
    if "lan" in cost[TRIALS[0]]:
        lines.append("")
        lines.append(
            "LAN / analytic: " + ", ".join(f"{n}: {cost[n]['lan'] / cost[n]['analytic']:.2f}" for n in TRIALS)
        )
    lines += [
        "",
        f"Stress: each set's onset moved to {gaps[0] * 1e3:.0f} ms or {gaps[1] * 1e3:.0f} ms below its "
        "fastest trial (alternately; kept inside the box), where the density rises steepest:",
        "",
        "| network | nodes per choice (read) + trials evaluated directly | network evaluations | "
        "per-trial max abs error, median / max over sets (nats) | "
        "error of the summed log-likelihood, max (nats) | gradient relative error, max |",
        "|---|---|---|---|---|---|",
    ]
    for m in stress[args.nodes[0]]:
        for k in args.nodes:
            pt, tot, g = stress[k][m]
            lines.append(f"| {nets[m].name} | {error_cells(nets[m], k, pt, tot, g)} |")
    lines.append("")
    lines.append(
        f"{args.sets} data sets x {args.trials} trials per network; timing: median of {args.rounds} "
        "interleaved rounds."
    )
    emit(lines, args.out)


if __name__ == "__main__":
    main()
