"""Width x accuracy x cost of DDM networks: the shipped mixture (teacher) and distilled students.

For each network: per-trial log-density error against the exact DDM (the package's JAX
Navarro-Fuss series, float64) on simulated trials, and against the teacher; the shift of the
maximum-likelihood estimate in posterior SDs at 2000 trials (``validation.metrics.score_bias``, the
same 24 sets and seed as ``hssm-nre validate ddm``, so the teacher's row matches its card); the error of a
500-trial log-likelihood *difference* between the true parameters and parameters one posterior
SD away (what moves a posterior); and the cost of one log-likelihood + gradient at 500, 2000
and 5000 trials relative to HSSM's LAN (``../shared/peers/ddm_lan.onnx``, through hssm's own
ONNX-to-JAX path) and to the analytic likelihood, measured interleaved in one run, with scalar
parameters (intercept-only models) and per-trial parameters (regressions).

    python benchmarks/speed/distill_sweep.py build/distill/*/      # students saved by `hssm-nre distill`
    python benchmarks/speed/distill_sweep.py --out benchmarks/results/distill_sweep.md DIR ...
"""

import argparse
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from hssm_nre.net.ddm_density import ddm_logp_jax
from hssm_nre.net.logp import make_hssm_logp
from hssm_nre.simulation import simulate_trials
from hssm_nre.store.artifact import load
from hssm_nre.store.hub import load_network

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: common.py
from common import analytic_jax, emit, interleaved_times, lan_jax  # noqa: E402

INNER = np.array([[-2.0, 2.0], [0.5, 2.0], [0.3, 0.7], [0.15, 0.5]])  # the validation prior
TRIALS = (500, 2000, 5000)


def accuracy(nets, n_sets=40, n_trials=500, seed=0):
    """Per-trial error vs exact and teacher, and the error of log-likelihood differences."""
    rng = np.random.default_rng(seed)
    thetas = rng.uniform(INNER[:, 0], INNER[:, 1], (n_sets, 4))
    # posterior SD at 500 trials, roughly: the size of a step that moves a posterior
    step = np.array([0.1, 0.03, 0.015, 0.005])
    exact = jax.jit(lambda th, x: ddm_logp_jax(th.astype(jnp.float64), x.astype(jnp.float64)))
    out = {name: {"rmse": [], "vs_teacher": [], "diff": [], "diff_teacher": []} for name in nets}
    fns = {name: jax.jit(lambda th, x, n=net: n.logp(th, x)) for name, net in nets.items()}
    teacher = fns[next(iter(nets))]
    for th in thetas:
        x, _ = simulate_trials("ddm", np.tile(th, (n_trials, 1)), rng, max_t=100.0)
        thn = np.tile(th, (n_trials, 1))
        e = np.asarray(exact(thn, x))
        t_ = np.asarray(teacher(thn.astype(np.float32), x.astype(np.float32)))
        moved = [th + s * step * rng.choice([-1, 1], 4) for s in (1.0, 2.0)]
        moved = [np.clip(m, INNER[:, 0], INNER[:, 1]) for m in moved]
        for name, f in fns.items():
            g = np.asarray(f(thn.astype(np.float32), x.astype(np.float32)), np.float64)
            out[name]["rmse"].append(np.sqrt(np.mean((g - e) ** 2)))
            out[name]["vs_teacher"].append(np.sqrt(np.mean((g - t_) ** 2)))
            for m in moved:
                mn, x32 = np.tile(m, (n_trials, 1)).astype(np.float32), x.astype(np.float32)
                d_net = np.sum(np.asarray(f(mn, x32), np.float64) - g)
                d_exact = np.sum(np.asarray(exact(mn, x)) - e)
                d_teacher = np.sum(np.asarray(teacher(mn, x32), np.float64) - t_)
                out[name]["diff"].append(abs(d_net - d_exact))
                out[name]["diff_teacher"].append(abs(d_net - d_teacher))
    return {
        name: {
            "rmse": float(np.median(v["rmse"])),
            "vs_teacher": float(np.median(v["vs_teacher"])),
            "diff_median": float(np.median(v["diff"])),
            "diff_p90": float(np.quantile(v["diff"], 0.9)),
            "diff_teacher": float(np.median(v["diff_teacher"])),
        }
        for name, v in out.items()
    }


def costs(nets, rounds=7):
    """logp + gradient cost ratios (to LAN and analytic), scalar and per-trial parameters."""
    lan = lan_jax()
    params = (0.5, 1.0, 0.5, 0.3)
    rows = {}
    for n in TRIALS:
        x, _ = simulate_trials("ddm", np.tile(params, (n, 1)), np.random.default_rng(0))
        d = jnp.asarray(x, jnp.float32)
        p_s = tuple(jnp.float32(v) for v in params)
        p_t = tuple(jnp.full((n,), v, jnp.float32) for v in params)
        fns = {}

        def grad(f, d=d):
            return jax.jit(jax.value_and_grad(lambda *p: f(d, *p), argnums=(0, 1, 2, 3)))

        fns[("analytic", "scalar")] = (grad(analytic_jax(), jnp.asarray(x, jnp.float64)), p_s)
        if lan is not None:
            fns[("lan", "scalar")] = (grad(lan), p_s)
        for name, net in nets.items():
            f = make_hssm_logp(net, 4)
            g = grad(lambda d, *p, f=f: f(d, *p).sum())
            fns[(name, "scalar")] = (g, p_s)
            fns[(name, "per-trial")] = (g, p_t)
        times = interleaved_times({k: v for k, v in fns.items()}, rounds=rounds)
        rows[n] = times
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("students", nargs="*", type=Path, help="student network directories")
    ap.add_argument("--out", type=Path, default=None, help="write the Markdown table here too")
    args = ap.parse_args()
    jax.config.update("jax_enable_x64", True)
    teacher = load_network("ddm")
    nets = {f"{teacher.name} (teacher)": teacher}
    for d in args.students:
        net = load(d)
        nets[f"{d.name}"] = net
    acc = accuracy(nets)
    from hssm_nre.validation.metrics import score_bias

    for name, net in nets.items():  # the same sets, trials and seed as `hssm-nre validate ddm`
        a = score_bias(net, n_sets=24, n_mc=40_000, seed=1).bias_over_sd.abs()
        acc[name] |= {"shift_median": a.median(), "shift_p90": a.quantile(0.9), "shift_max": a.max()}
    cost = costs(nets)
    lines = [
        "| network | hidden (f / q) | members | per-trial RMSE vs exact (nats) | RMSE vs teacher | "
        "MLE shift / posterior SD at 2000 trials, median / p90 / max | "
        "500-trial loglik-difference error vs exact, median / p90 (nats) | the same vs teacher, median | "
        + " | ".join(f"ratio / LAN at {n} (scalar / per-trial)" for n in TRIALS)
        + " | "
        + " | ".join(f"ratio / analytic at {n} (scalar / per-trial)" for n in TRIALS)
        + " |",
        "|---|---|---|---|---|---|---|---|" + "---|" * (2 * len(TRIALS)),
    ]
    for name, net in nets.items():
        tr = net.card.get("training", {})
        hid = f"{net.card['architecture']['hidden']} / {tr.get('q_hidden')}"
        k = len(net.card.get("members") or []) + 1
        a = acc[name]
        cells = []
        for ref in ("lan", "analytic"):
            for n in TRIALS:
                t = cost[n]
                if (ref, "scalar") not in t:
                    cells.append("n/a")
                    continue
                base = t[(ref, "scalar")]
                cells.append(f"{t[(name, 'scalar')] / base:.2f} / {t[(name, 'per-trial')] / base:.2f}")
        lines.append(
            f"| {name} | {hid} | {k} | {a['rmse']:.3f} | {a['vs_teacher']:.3f} | "
            f"{a['shift_median']:.3f} / {a['shift_p90']:.3f} / {a['shift_max']:.3f} | "
            f"{a['diff_median']:.3f} / {a['diff_p90']:.3f} | {a['diff_teacher']:.3f} | "
            + " | ".join(cells)
            + " |"
        )
    lines.append("")
    lines.append(
        "LAN / analytic (scalar): "
        + ", ".join(
            f"{n}: {cost[n][('lan', 'scalar')] / cost[n][('analytic', 'scalar')]:.2f}"
            for n in TRIALS
            if ("lan", "scalar") in cost[n]
        )
    )
    emit(lines, args.out)


if __name__ == "__main__":
    main()
