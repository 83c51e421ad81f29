"""Where a fit's time goes: tracing and compiling against sampling, ratio vs analytic (vs HSSM's LAN).

Every ``model.sample()`` traces the model's log-density and has XLA compile it (numpyro's sampler
with the log-likelihood + gradient inlined, twice: at the initial point and in the tree builder)
before it draws anything. Two parts, both on the shipped DDM:

* one log-likelihood + gradient, traced and compiled afresh (a new function each round, median
  of ``--rounds``), for the demo's ``v ~ 1 + x`` (``v`` per trial) and an intercept-only model
  (scalars: the table over decision time), ratio against hssm's analytic likelihood and
  HSSM's LAN (``../shared/peers/ddm_lan.onnx``, where present);
* with ``--fit``, ``make demo``'s two fits (500 trials, 2 chains x (500 + 500), after one short
  untimed fit of each kind, as the demo runs them), JAX's compile log captured: the sampling
  call's wall time, and how much of it went to tracing and compiling
  (:func:`hssm_nre.validation.timing.compile_log`).

    python benchmarks/speed/compile_time.py [--trials 500 5000] [--rounds 2] [--fit] [--out FILE]
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hssm_nre.cores import use_cpu_cores  # noqa: E402


def summed(f, data):
    """``(*params) -> sum f(data, *params)``."""
    return lambda *q: f(data, *q).sum()


def logp_compile_rows(trials, rounds):
    """Markdown rows: trace and compile seconds of one logp + gradient per design and likelihood."""
    import jax
    import jax.numpy as jnp
    import numpy as np
    from common import LAN, analytic_jax, lan_jax

    from hssm_nre.net.logp import make_hssm_logp
    from hssm_nre.simulation import simulate_trials
    from hssm_nre.store.hub import load_network

    net = load_network("ddm")
    rows = []
    for n in trials:
        rng = np.random.default_rng(n)
        v = 0.5 + 0.8 * rng.uniform(-1, 1, n)
        theta = np.column_stack([v, np.tile([1.0, 0.5, 0.3], (n, 1))])
        x, _ = simulate_trials("ddm", theta, rng)
        data = jnp.asarray(x, jnp.float32)
        for design, regression in (("v ~ 1 + x", True), ("intercept only", False)):
            p = (jnp.asarray(v, jnp.float32) if regression else jnp.float32(0.5),)
            p += tuple(jnp.float32(q) for q in (1.0, 0.5, 0.3))
            per_trial = (regression, False, False, False)
            makers = {
                "ratio": lambda: make_hssm_logp(net, 4),
                "analytic": lambda per_trial=per_trial: analytic_jax(("v",) if per_trial[0] else ()),
            }
            if LAN.exists():
                makers["lan"] = lambda per_trial=per_trial: lan_jax(per_trial)
            cells = {}
            for kind, make in makers.items():
                trace, comp = [], []
                for _ in range(rounds):
                    # a new function each round: nothing cached
                    g = jax.jit(jax.value_and_grad(summed(make(), data), argnums=(0, 1, 2, 3)))
                    t0 = time.perf_counter()
                    lowered = g.lower(*p)
                    t1 = time.perf_counter()
                    lowered.compile()
                    trace.append(t1 - t0)
                    comp.append(time.perf_counter() - t1)
                cells[kind] = (float(np.median(trace)), float(np.median(comp)))
                print(f"{design}, {n} trials, {kind}: trace, compile {cells[kind]}")
            total = {k: sum(c) for k, c in cells.items()}
            lan = f"{total['ratio'] / total['lan']:.1f}" if "lan" in total else "-"
            rows.append(
                f"| {design} | {n} | {cells['ratio'][0]:.2f} / {cells['ratio'][1]:.2f} | "
                f"{cells['analytic'][0]:.2f} / {cells['analytic'][1]:.2f} | "
                + (f"{cells['lan'][0]:.2f} / {cells['lan'][1]:.2f}" if "lan" in cells else "-")
                + f" | {total['ratio'] / total['analytic']:.1f} | {lan} |"
            )
    return [
        "| design | trials | ratio: trace / compile (s) | analytic | LAN | ratio / analytic | ratio / LAN |",
        "|---|---|---|---|---|---|---|",
        *rows,
    ]


def fit_rows():
    """Markdown rows: the demo's two fits, their wall time and how much of it tracing and compiling took."""
    from hssm_nre.store.hub import load_network
    from hssm_nre.validation.cases import regression_include, simulate_regression_data
    from hssm_nre.validation.sampling import fit_side_by_side

    data = simulate_regression_data(500)
    fits = fit_side_by_side(data, load_network("ddm"), regression_include(), draws=500, chains=2)
    seconds = {kind: secs for kind, (_, secs, _) in fits.items()}
    spent = {kind: sum(phases.values()) for kind, (_, _, phases) in fits.items()}
    rows = [
        f"| {kind} | {seconds[kind]:.1f} | {phases['trace']:.1f} | {phases['lower']:.1f} "
        f"| {phases['compile']:.1f} | {spent[kind] / seconds[kind]:.0%} | {seconds[kind] - spent[kind]:.1f} |"
        for kind, (_, _, phases) in fits.items()
    ]
    r, a = "ratio", "analytical"
    rest = (seconds[r] - spent[r]) / (seconds[a] - spent[a])
    return [
        "| likelihood | sampling call (s) | tracing (s) | lowering (s) | XLA compile (s) | share | rest |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"ratio / analytic: {seconds[r] / seconds[a]:.2f} for the whole call, {rest:.2f} for the rest "
        f"(sampling without tracing and compiling); tracing + lowering + compiling "
        f"{spent[r] - spent[a]:.1f} s more.",
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, nargs="+", default=[500, 5000])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--fit", action="store_true", help="also time make demo's two fits with the compile log")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    use_cpu_cores(None)  # before JAX starts: the demo's two chains side by side
    from common import emit

    lines = ["One log-likelihood + gradient of ddm, traced and compiled afresh (median of rounds):", ""]
    lines += logp_compile_rows(args.trials, args.rounds)
    if args.fit:
        lines += ["", "`make demo`'s two fits (500 trials, `v ~ 1 + x`, 2 chains x (500 + 500)):", ""]
        lines += fit_rows()
    emit(lines, args.out)


if __name__ == "__main__":
    main()
