"""Hierarchical DDM fits through ``hssm.HSSM``: ratio vs analytic vs HSSM's LAN, side by side.

Simulated data: ``P`` participants x ``N`` trials, random intercepts on ``v`` and ``a`` and a
trial-level covariate ``x ~ N(0, 1)`` on ``v``::

    v = v_Intercept + v_x * x + u_v[participant],   u_v ~ N(0, v_sigma)
    a = a_Intercept + u_a[participant],             u_a ~ N(0, a_sigma)

fitted as ``v ~ 1 + x + (1 | participant_id)``, ``a ~ 1 + (1 | participant_id)`` with hssm's
default priors (lapse included) and the numpyro sampler, once per likelihood: ``analytical``,
``ratio`` (the shipped network) and, when ``../shared/peers/ddm_lan.onnx`` exists, HSSM's LAN
(``approx_differentiable``). Reported per likelihood and for the fixed effects and group SDs:
posterior mean and SD, ``|mean diff| / SD`` and SD ratio against the analytic fit, the truth's
z-score, R-hat, bulk ESS; per fit: divergences, mean tree depth, step size, wall time (the whole
``model.sample`` call, compilation included), min ESS / s and the wall-time ratio to analytic.

    python benchmarks/hierarchical.py --sizes 20x200 --draws 300 --tune 300 \
        --out benchmarks/results/hierarchical_cpu.md

The default sizes are 20x200, 50x500 and 100x500; the bigger two are for a bigger machine.

``--design intercepts`` fits instead a random intercept on every parameter and no covariate,
``global_formula="y ~ 1 + (1 | participant_id)"`` (what hssm's hierarchical shortcut builds)::

    p = p_Intercept + u_p[participant],   u_p ~ N(0, p_sigma),   p in (v, a, z, t)

where every parameter reaches the likelihood per trial but a participant's trials share one
parameter vector.
"""

import argparse
import json
import os
import platform
import sys
from pathlib import Path

import hssm_nre

hssm_nre.use_cpu_cores()  # chains side by side; before `import hssm` (which starts JAX)

import arviz as az  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from hssm_nre.simulation import simulate_trials  # noqa: E402
from hssm_nre.validation.sampling import sample_numpyro  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/: common.py
from common import emit, peer_lan, size_pair  # noqa: E402

TRUTH = {
    "v_Intercept": 0.5,
    "v_x": 0.4,
    "v_1|participant_id_sigma": 0.3,
    "a_Intercept": 1.2,
    "a_1|participant_id_sigma": 0.15,
    "z": 0.5,
    "t": 0.3,
}
INCLUDE = [
    {"name": "v", "formula": "v ~ 1 + x + (1 | participant_id)"},
    {"name": "a", "formula": "a ~ 1 + (1 | participant_id)"},
]
# every parameter a random intercept by participant, no covariate (--design intercepts)
TRUTH_INTERCEPTS = {
    "v_Intercept": 0.5,
    "v_1|participant_id_sigma": 0.3,
    "a_Intercept": 1.2,
    "a_1|participant_id_sigma": 0.15,
    "z_Intercept": 0.5,
    "z_1|participant_id_sigma": 0.04,
    "t_Intercept": 0.3,
    "t_1|participant_id_sigma": 0.04,
}
GLOBAL_FORMULA = "y ~ 1 + (1 | participant_id)"
DESIGNS = {"covariate": TRUTH, "intercepts": TRUTH_INTERCEPTS}
KINDS = ("analytical", "lan", "ratio")  # the reference first, the slowest last


def simulate(n_participants: int, n_trials: int, seed: int = 0, design: str = "covariate") -> pd.DataFrame:
    """Simulate the hierarchical data set (see the module docstring for the generative models)."""
    rng = np.random.default_rng(seed)
    truth = DESIGNS[design]
    pid = np.repeat(np.arange(n_participants), n_trials)
    x = rng.standard_normal(len(pid))
    if design == "covariate":
        u_v = rng.normal(0, truth["v_1|participant_id_sigma"], n_participants)
        u_a = rng.normal(0, truth["a_1|participant_id_sigma"], n_participants)
        columns = [
            truth["v_Intercept"] + truth["v_x"] * x + u_v[pid],
            truth["a_Intercept"] + u_a[pid],
            np.full(len(pid), truth["z"]),
            np.full(len(pid), truth["t"]),
        ]
    else:
        columns = [
            truth[f"{q}_Intercept"] + rng.normal(0, truth[f"{q}_1|participant_id_sigma"], n_participants)[pid]
            for q in ("v", "a", "z", "t")
        ]
    obs, ok = simulate_trials("ddm", np.column_stack(columns), rng)
    return pd.DataFrame(
        {"rt": obs[ok, 0], "response": obs[ok, 1].astype(int), "x": x[ok], "participant_id": pid[ok]}
    )


def likelihood_kwargs(kind: str) -> dict:
    """``hssm.HSSM`` keyword arguments of one likelihood of :data:`KINDS` (the DDM)."""
    if kind == "lan":
        return {"loglik_kind": "approx_differentiable", "loglik": str(peer_lan("ddm"))}
    if kind == "ratio":
        return {"loglik_kind": "ratio", "loglik": "ddm"}
    return {"loglik_kind": "analytical"}


def fit(
    data: pd.DataFrame,
    kind: str,
    draws: int,
    tune: int,
    chains: int,
    seed: int,
    dense: bool,
    design: str = "covariate",
):
    """Fit one likelihood with hssm's default priors; return ``(idata, seconds)``."""
    import hssm

    terms = {"include": INCLUDE} if design == "covariate" else {"global_formula": GLOBAL_FORMULA}
    model = hssm.HSSM(data, model="ddm", **terms, **likelihood_kwargs(kind))
    return sample_numpyro(model, draws, tune, chains, seed, nuts={"dense_mass": dense}, init=None)


def summarize(idata, seconds: float, truth: dict = TRUTH) -> tuple[pd.DataFrame, dict]:
    """Per-parameter posterior mean, SD, R-hat and bulk ESS; per-fit sampler statistics."""
    names = list(truth)
    post = idata["posterior"]
    rhat, ess = az.rhat(idata, var_names=names), az.ess(idata, var_names=names, method="bulk")
    ess = ess["posterior"] if "posterior" in getattr(ess, "children", {}) else ess
    rhat = rhat["posterior"] if "posterior" in getattr(rhat, "children", {}) else rhat
    tab = pd.DataFrame(
        {
            "param": names,
            "mean": [float(np.asarray(post[n]).mean()) for n in names],
            "sd": [float(np.asarray(post[n]).std()) for n in names],
            "rhat": [float(np.asarray(rhat[n])) for n in names],
            "ess_bulk": [float(np.asarray(ess[n])) for n in names],
        }
    )
    tab["truth_z"] = (tab["mean"] - np.array([truth[n] for n in names])) / tab["sd"]
    st = idata["sample_stats"]
    stats = {
        "seconds": seconds,
        "divergences": int(np.asarray(st["diverging"]).sum()),
        "tree_depth": float(np.asarray(st["tree_depth"]).mean()) if "tree_depth" in st else float("nan"),
        "step_size": float(np.asarray(st["step_size"]).mean()) if "step_size" in st else float("nan"),
        "max_rhat": float(tab["rhat"].max()),
        "load": os.getloadavg()[0],
        "min_ess_per_s": float(tab["ess_bulk"].min() / seconds),
    }
    return tab, stats


def tables(size: str, results: dict, truth: dict = TRUTH) -> list[str]:
    """Markdown tables of one data size: per-parameter comparison and per-fit statistics."""
    ref = results["analytical"][0].set_index("param")
    lines = [f"### {size} (participants x trials)", ""]
    head = "| parameter | truth | analytic mean (SD) | R-hat | " + " | ".join(
        f"{k}: mean (SD) | {k}: R-hat | {k}: \\|mean diff\\| / SD | {k}: SD ratio"
        for k in results
        if k != "analytical"
    )
    lines += [head + " |", "|" + "---|" * (4 + 4 * (len(results) - 1))]
    for n in truth:
        r = ref.loc[n]
        name = n.replace("|", "\\|")  # a Markdown cell
        row = f"| {name} | {truth[n]} | {r['mean']:.3f} ({r['sd']:.3f}) | {r['rhat']:.3f} |"
        for k, (tab, _) in results.items():
            if k == "analytical":
                continue
            o = tab.set_index("param").loc[n]
            shift = abs(o["mean"] - r["mean"]) / r["sd"]
            sd_ratio = o["sd"] / r["sd"]
            row += f" {o['mean']:.3f} ({o['sd']:.3f}) | {o['rhat']:.3f} | {shift:.2f} | {sd_ratio:.2f} |"
        lines.append(row)
    t_ref = results["analytical"][1]["seconds"]
    lines += [
        "",
        "| likelihood | wall s | / analytic | divergences | max R-hat | min bulk ESS / s | mean tree depth "
        "| step size | max \\|truth z\\| | load after |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for k, (tab, s) in results.items():
        lines.append(
            f"| {k} | {s['seconds']:.0f} | {s['seconds'] / t_ref:.2f} | {s['divergences']} "
            f"| {s['max_rhat']:.3f} "
            f"| {s['min_ess_per_s']:.2f} | {s['tree_depth']:.2f} | {s['step_size']:.3g} "
            f"| {tab['truth_z'].abs().max():.2f} | {s['load']:.1f} |"
        )
    return lines + [""]


def fit_task(task: tuple) -> tuple[pd.DataFrame, dict]:
    """One fit of one repetition, a picklable task.

    ``task``: ``(P, N, seed, kind, draws, tune, chains, dense, design)``.
    """
    from hssm_nre.validation.distributed import process_memory

    p, n, seed, kind, draws, tune, chains, dense, design = task
    idata, sec = fit(simulate(p, n, seed, design), kind, draws, tune, chains, seed, dense, design)
    tab, stats = summarize(idata, sec, DESIGNS[design])
    return tab, stats | {"rss_mib": process_memory().get("rss_mib", float("nan"))}


def recovery_table(size: str, reps: dict[int, dict], truth: dict = TRUTH) -> list[str]:
    """Across repetitions: per likelihood and parameter, truth z and the shift from the analytic fit."""
    lines = [
        f"### {size}: {len(reps)} repetitions (data seeds {', '.join(str(r) for r in reps)})",
        "",
        "| likelihood | parameter | mean truth z | share \\|truth z\\| < 2 | median \\|mean diff\\| / SD vs "
        "analytic | max \\|mean diff\\| / SD | max R-hat |",
        "|---|---|---|---|---|---|---|",
    ]
    tabs = [{k: tab.set_index("param") for k, (tab, _) in r.items()} for r in reps.values()]
    for kind in tabs[0]:
        for n in truth:
            z = np.array([t[kind].loc[n, "truth_z"] for t in tabs])
            ref = [t.get("analytical") for t in tabs]
            shifts = np.array(
                [
                    abs(t[kind].loc[n, "mean"] - r.loc[n, "mean"]) / r.loc[n, "sd"]
                    if r is not None
                    else np.nan
                    for t, r in zip(tabs, ref, strict=True)
                ]
            )
            rh = max(t[kind].loc[n, "rhat"] for t in tabs)
            name = n.replace("|", "\\|")
            lines.append(
                f"| {kind} | {name} | {z.mean():.2f} | {np.mean(np.abs(z) < 2):.2f} "
                f"| {np.median(shifts):.2f} | {shifts.max():.2f} | {rh:.3f} |"
            )
    return lines + [""]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", nargs="+", default=["20x200", "50x500", "100x500"], help="PxN")
    ap.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    ap.add_argument("--draws", type=int, default=500)
    ap.add_argument("--tune", type=int, default=500)
    ap.add_argument("--chains", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--design",
        choices=list(DESIGNS),
        default="covariate",
        help="covariate: v ~ 1 + x + (1|p), a ~ 1 + (1|p); intercepts: every parameter ~ 1 + (1|p)",
    )
    ap.add_argument("--dense-mass", action="store_true", help="numpyro dense mass matrix (default: diagonal)")
    ap.add_argument("--out", type=Path, default=None, help="Markdown results file")
    ap.add_argument("--reps", type=int, default=1, help="repetitions (data seeds seed, seed + 1, ...)")
    ap.add_argument(
        "--workers", type=int, default=0, help="fits on a local Dask cluster of this many processes"
    )
    ap.add_argument("--scheduler", default=None, help="fits on a running Dask scheduler (tcp://HOST:8786)")
    args = ap.parse_args(argv)
    kinds = [k for k in args.kinds if k != "lan" or peer_lan("ddm") is not None]
    cmd = "python benchmarks/hierarchical.py " + " ".join(argv if argv is not None else sys.argv[1:])
    import jax

    truth = DESIGNS[args.design]
    terms = (
        "`v ~ 1 + x + (1 | participant_id)`, `a ~ 1 + (1 | participant_id)`"
        if args.design == "covariate"
        else f"`global_formula={GLOBAL_FORMULA!r}` (every parameter)"
    )
    lines = [
        "# Hierarchical DDM fits: ratio vs analytic vs HSSM's LAN",
        "",
        f"Command: `{cmd}`",
        "",
        f"Machine: {platform.machine()}, {jax.device_count()} JAX {jax.default_backend()} device(s), "
        f"hssm defaults (priors, lapse p_outlier=0.05), numpyro NUTS {args.chains} chains x "
        f"({args.tune} + {args.draws}), {'dense' if args.dense_mass else 'diagonal'} mass matrix.",
        f"Design: {terms}. Truth: {json.dumps(truth)}. "
        "|mean diff| / SD and SD ratio are against the analytic fit; "
        "truth z = (mean - truth) / SD. Wall times are of one run on a machine shared with other "
        "work (load after: the 1-minute load average when the fit ended).",
        "",
    ]
    if args.reps > 1 or args.workers or args.scheduler:
        return lines + repetitions(args, kinds)
    for size in args.sizes:
        p, n = size_pair(size)
        data = simulate(p, n, args.seed, args.design)
        results = {}
        for kind in kinds:
            idata, sec = fit(
                data, kind, args.draws, args.tune, args.chains, args.seed, args.dense_mass, args.design
            )
            results[kind] = summarize(idata, sec, truth)
            print(f"{size} {kind}: {sec:.0f} s {results[kind][1]}", flush=True)
            emit(lines + tables(size, results, truth), args.out)  # after each fit: a long run leaves its part
        lines += tables(size, results, truth)
    return lines


def repetitions(args, kinds) -> list[str]:
    """Every (size, repetition, likelihood) fit as one task, where ``--workers`` / ``--scheduler`` say."""
    import importlib
    import time

    from hssm_nre.progress import progress_bar
    from hssm_nre.validation.distributed import Cluster, map_tasks

    # the workers import this module by name (its functions travel by reference)
    here = str(Path(__file__).resolve().parent)
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH")) if p)
    task_fn = importlib.import_module("hierarchical").fit_task
    cluster = Cluster(workers=args.workers, scheduler=args.scheduler)
    keys, tasks = [], []
    for size in args.sizes:
        p, n = size_pair(size)
        for r in range(args.reps):
            for kind in kinds:
                keys.append((size, args.seed + r, kind))
                tasks.append(
                    (
                        p,
                        n,
                        args.seed + r,
                        kind,
                        args.draws,
                        args.tune,
                        args.chains,
                        args.dense_mass,
                        args.design,
                    )
                )
    t0 = time.perf_counter()
    with progress_bar() as bar:
        job = bar.add_task(f"hierarchical fits on {cluster.describe()}", total=len(tasks))
        results = map_tasks(task_fn, tasks, cluster, done=lambda: bar.advance(job))
    wall = time.perf_counter() - t0
    lines = []
    for size in args.sizes:
        reps = {}
        for (sz, seed, kind), res in zip(keys, results, strict=True):
            if sz == size:
                reps.setdefault(seed, {})[kind] = res
        lines += recovery_table(size, reps, DESIGNS[args.design])
        for seed, res in reps.items():
            lines += tables(f"{size}, data seed {seed}", res, DESIGNS[args.design])
    fit_s = sum(s["seconds"] for _, s in results)
    lines += [
        f"{len(tasks)} fits on {cluster.describe()}: wall {wall:.0f} s; the fits' own times add up to "
        f"{fit_s:.0f} s ({fit_s / wall:.2f}x the wall time); worker RSS after a fit at most "
        f"{max(s['rss_mib'] for _, s in results):.0f} MiB.",
        "",
    ]
    emit(lines, args.out)
    return lines


if __name__ == "__main__":
    main()
