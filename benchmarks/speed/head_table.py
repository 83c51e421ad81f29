"""The noise density's head read from a table along the one parameter a regression moves: error and cost.

With per-trial parameters (a regression), each shipped network's noise-density head (an MLP of
the parameters alone) ran once per trial, twice for the mirrored DDM family: 36-68 % of a
log-likelihood + gradient (``benchmarks/results/profile_logp.md``). When one parameter varies
from trial to trial and the others are scalars, as in ``v ~ 1 + x``, ``make_hssm_logp`` now runs
the head at 128 values of that parameter spanning the trials' range and reads each trial from the
cubic through its four nearest nodes (``hssm_nre.net.noise.q_logpdf_along``). This
script measures, per shipped network:

* the error against the head run once per trial, on data simulated trial by trial from a
  regression on each parameter the head sees in turn (the parameter = its base value + a slope
  times a standard-normal covariate, slope 10 % of the box width (``--spread``), clipped to the inner 80 % of
  the box): the largest per-trial |error|, the error of the summed log-likelihood, and the
  largest relative error of the gradient with respect to the intercept, slope and scalars;
* the cost of one log-likelihood + gradient of a ``v ~ 1 + x`` regression, head per trial vs head
  table, at 500 / 2000 / 5000 trials, interleaved in one run with HSSM's DDM LAN
  (``../shared/peers/ddm_lan.onnx`` through hssm's ONNX-to-JAX path, the same regression) and
  the analytic likelihood.

    python benchmarks/speed/head_table.py --out benchmarks/results/head_table.md
    python benchmarks/speed/head_table.py --models ddm angle --sets 3
    python benchmarks/speed/head_table.py --head 128:4 48:6   # two tables side by side
    python benchmarks/speed/head_table.py --head 16:0 --spread 1 --no-cost   # errors only

With ``--head N:P ...`` the table has ``N`` nodes read through ``P`` per row (4: cubic, 6: quintic;
0: every one of ``N`` Chebyshev nodes; default: the package's ``HEAD_NODES:HEAD_POINTS``), each
measured in the same run.
"""

import contextlib
import datetime
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import hssm_nre.net.noise as noise_module
from hssm_nre.models import get_model
from hssm_nre.net.logp import build_logp, make_hssm_logp
from hssm_nre.simulation import simulate_trials

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: common.py
from common import (  # noqa: E402
    READ,
    analytic_jax,
    cost_rows,
    emit,
    interleaved_times,
    lan_jax,
    network_args,
    table_errors,
    table_settings,
)

TRIALS = (500, 2000, 5000)
# Where the LAN's and the analytic likelihood's data are simulated (inside the LAN's box).
DDM_BOX = np.array([[-2.5, 2.5], [0.5, 2.0], [0.3, 0.7], [0.1, 0.6]])


def regression_set(name, box, j, n, rng, spread=0.1):
    """Base theta, covariate, per-trial theta (column ``j`` moves) and the simulated trials.

    The slope is ``spread`` times the box's width in column ``j``.
    """
    inner = box[:, 0] + np.outer([0.1, 0.9], box[:, 1] - box[:, 0])
    base = rng.uniform(inner[0], inner[1])
    cov = rng.standard_normal(n)
    slope = spread * (box[j, 1] - box[j, 0])
    theta = np.tile(base, (n, 1))
    theta[:, j] = np.clip(base[j] + slope * cov, inner[0, j], inner[1, j])
    x, done = simulate_trials(get_model(name), theta, rng)
    return base, slope, cov[done], theta[done], np.asarray(x[done], np.float32)


@contextlib.contextmanager
def head_table_setting(setting):
    """Build and trace tables with ``setting = (nodes, points)`` inside the block."""
    old = noise_module.HEAD_NODES, noise_module.HEAD_POINTS
    noise_module.HEAD_NODES, noise_module.HEAD_POINTS = setting
    try:
        yield
    finally:
        noise_module.HEAD_NODES, noise_module.HEAD_POINTS = old


def accuracy(net, n_sets, n_trials, rng, setting, spread=0.1):
    """Per head-seen column: largest per-trial |error|, |error| of the sum, relative gradient error."""
    name, box = net.card["model"]["name"], np.asarray(net.card["model"]["box"], np.float64)
    P = len(net.params)
    direct = build_logp(net.weights, net.card)  # head once per trial (no `varying`)
    table = make_hssm_logp(net, P, grid=False)
    cols = sorted(set(net.transform.param_index))
    out = {}
    for j in cols:
        per_trial, total, grad = [], [], []
        for _ in range(n_sets):
            base, slope, cov, _, x = regression_set(name, box, j, n_trials, rng, spread)
            x, cov = jnp.asarray(x), jnp.asarray(cov, jnp.float32)
            # (intercept, slope, the other parameters): the regression's coefficients
            coef = jnp.asarray([base[j], slope, *np.delete(base, j)], jnp.float32)

            def params(c, cov=cov, j=j):
                others = list(c[2:])
                return [*others[:j], jnp.clip(c[0] + c[1] * cov, *box[j] + [1e-6, -1e-6]), *others[j:]]

            def f_direct(c, x=x, params=params):
                p = params(c)
                n = x.shape[0]
                return direct(jnp.stack([jnp.broadcast_to(q, (n,)) for q in p], -1), x)

            def f_table(c, x=x, params=params):
                return table(x, *[q if q.ndim else q[None] for q in params(c)])

            with head_table_setting(setting):
                errors = table_errors(f_direct, f_table, coef)
            for acc, e in zip((per_trial, total, grad), errors, strict=True):
                acc.append(e)
        out[net.params[j]] = (per_trial, total, grad)
    return out


def costs(nets, rounds, settings):
    """Seconds per logp + gradient of a ``v ~ 1 + x`` regression: head per trial vs tables, LAN, analytic."""
    lan = lan_jax((True, False, False, False))
    analytic = analytic_jax(per_trial=("v",))
    out = {}
    for n in TRIALS:
        rng = np.random.default_rng(n)
        fns = {}

        def vg(f, d, cov, k):
            # f(d, v (n,), *scalars); differentiate in (intercept, slope, *scalars)
            def g(b0, b1, *rest):
                return f(d, b0 + b1 * cov, *rest)

            return jax.jit(jax.value_and_grad(g, argnums=tuple(range(k + 1))))

        _, _, cov, _, ddm_x = regression_set("ddm", DDM_BOX, 0, n, rng)
        cov32 = jnp.asarray(cov, jnp.float32)
        p_ddm = (jnp.float32(0.5), jnp.float32(0.3), jnp.float32(1.0), jnp.float32(0.5), jnp.float32(0.3))
        fns["analytic"] = (vg(analytic, jnp.asarray(ddm_x, jnp.float64), jnp.asarray(cov), 4), p_ddm)
        if lan is not None:
            fns["lan"] = (vg(lan, jnp.asarray(ddm_x), cov32, 4), p_ddm)
        for name, net in nets.items():
            box = np.asarray(net.card["model"]["box"], np.float64)
            j = net.params.index("v")
            _, slope, cov_m, _, x = regression_set(net.card["model"]["name"], box, j, n, rng)
            theta = box.mean(axis=1)
            p = (jnp.float32(theta[j]), jnp.float32(slope), *(jnp.float32(v) for v in np.delete(theta, j)))
            f = make_hssm_logp(net, len(theta), grid=False)
            k = len(theta)
            cm = jnp.asarray(cov_m, jnp.float32)

            def table(d, v, *rest, f=f, j=j):
                others = [r[None] for r in rest]
                return f(d, *others[:j], v, *others[j:]).sum()

            def per_trial(d, v, *rest, f=f, j=j):
                others = [jnp.broadcast_to(r, v.shape) for r in rest]
                return f(d, *others[:j], v, *others[j:]).sum()

            fns[(name, "per trial")] = (vg(per_trial, jnp.asarray(x), cm, k), p)
            for setting in settings:
                fn = vg(table, jnp.asarray(x), cm, k)
                with head_table_setting(setting):  # traced (and cached) with this table
                    jax.block_until_ready(fn(*p))
                fns[(name, setting)] = (fn, p)
        out[n] = interleaved_times(fns, rounds=rounds)
    return out


def main():
    default = f"{noise_module.HEAD_NODES}:{noise_module.HEAD_POINTS}"

    def extra_args(ap):
        ap.add_argument("--head", nargs="+", default=[default])
        ap.add_argument(
            "--spread",
            type=float,
            default=0.1,
            help="the accuracy sets' slope as a fraction of the box width (clipped to the inner 80 %%)",
        )
        ap.add_argument("--no-cost", dest="cost", action="store_false", help="measure the errors only")

    args, nets = network_args(__doc__, sets=5, extra=extra_args)
    settings = table_settings(args.head)
    acc = {}
    for setting in settings:  # the same data sets for every table
        rng = np.random.default_rng(0)
        acc[setting] = {
            m: accuracy(net, args.sets, args.trials, rng, setting, args.spread) for m, net in nets.items()
        }
    cost = costs(nets, args.rounds, settings) if args.cost else None
    command = " ".join(["python benchmarks/speed/head_table.py", *sys.argv[1:]])
    lines = [
        "# The noise density's head read from a table along a regression's parameter",
        "",
        f"`{command}` ({datetime.date.today()}, 2 cores shared with other jobs). Errors are against "
        "the same network with its head run once per trial; each row is a regression on that "
        f"parameter ({args.sets} data sets x {args.trials} trials, simulated trial by trial, slope "
        f"{args.spread:g} of the box width), the "
        "gradient is with respect to the intercept, the slope and the scalar parameters.",
        "",
        "| network | regression on | table nodes (read) | per-trial max abs error, median / max over sets "
        "(nats) | error of the summed log-likelihood, max (nats) | gradient relative error, max |",
        "|---|---|---|---|---|---|",
    ]
    for m, net in nets.items():
        for setting in settings:
            for param, (pt, tot, g) in acc[setting][m].items():
                lines.append(
                    f"| {net.name} | {param} | {setting[0]} ({READ[setting[1]]}) | "
                    f"{np.median(pt):.1e} / {max(pt):.1e} | {max(tot):.1e} | {max(g):.1e} |"
                )
    if cost is not None:
        names = " / ".join(f"{n} {READ[p]}" for n, p in settings)
        lines += [
            "",
            "Cost of one log-likelihood + gradient of a `v ~ 1 + x` regression (the other parameters "
            f"scalars), head per trial / head table ({names}), in units of HSSM's DDM LAN on the same "
            "regression; each column measured interleaved in one run:",
            "",
            "| network | " + " | ".join(f"{n} trials, x LAN" for n in TRIALS) + " |",
            "|---|" + "---|" * len(TRIALS),
        ]
        lines += cost_rows(nets, cost, TRIALS, ("per trial", *settings))
        lines += ["", f"Timing: median of {args.rounds} interleaved rounds."]
    emit(lines, args.out)


if __name__ == "__main__":
    main()
