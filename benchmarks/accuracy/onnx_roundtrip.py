"""Every shipped network exported to ONNX and run in PLAIN hssm, then a DDM fit both ways.

    python benchmarks/accuracy/onnx_roundtrip.py [--n 200] [--fit-trials 500] [--draws 300] [--tune 300]
                                                   [--chains 2] [--no-fit] [--networks ddm,angle]

(defaults: --draws 2000 --tune 500; with 2 x 300 draws the Monte Carlo error of a posterior mean,
about 0.06 SD for the difference of two fits, is larger than the 0.05 SD the comparison is to resolve)

1. For each shipped network: ``hssm-nre export`` (``hssm_nre.integrations.onnx_export``), then the file is
   evaluated by hssm's own ONNX path (``loglik_kind="approx_differentiable"``: jaxonnxruntime, vmapped,
   wrapped in hssm's pytensor op) in a fresh interpreter that never imports hssm_nre
   (``accuracy/plain_hssm_onnx.py``), at ``--n`` trials simulated at parameters drawn in the box. Reported:
   the largest per-trial |log-likelihood difference| to ``net.logp``, the largest gradient difference
   (relative, ``|dg| / (1 + |g|)``), whether the -inf rows agree (rt below the onset, a parameter outside
   the box), the graph's size and the export time.
2. A DDM data set (``--fit-trials`` trials at v=0.5, a=1.5, z=0.5, t=0.3): the native ratio fit
   (``hssm_nre.validation.sampling.fit_hssm``) beside the plain-hssm fit of the exported graph, same
   priors (uniform on the box), sampler (numpyro NUTS, dense mass), draws, chains and seed.
   ``|mean diff| / SD`` (SD of the native fit) per parameter.

Writes ``benchmarks/results/onnx_export.md``.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import onnx

from hssm_nre.integrations.onnx_export import export_onnx, probe_trials, single_trial_logp
from hssm_nre.store.hub import load_network
from hssm_nre.store.shipped import shipped_networks

HERE = Path(__file__).resolve().parent
WORKER = HERE / "plain_hssm_onnx.py"
OUT = HERE.parent / "results" / "onnx_export.md"
TRUTH = {"v": 0.5, "a": 1.5, "z": 0.5, "t": 0.3}


def run_worker(*args, tmp: Path) -> dict:
    out = tmp / "out.json"
    res = subprocess.run([sys.executable, str(WORKER), *map(str, args[:3]), str(out), *map(str, args[3:])])
    if res.returncode != 0:
        raise SystemExit(f"plain hssm failed on {args}")
    return json.loads(out.read_text())


def round_trip(name: str, n: int, tmp: Path) -> dict:
    net = load_network(name)
    t0 = time.perf_counter()
    path = export_onnx(net, tmp / f"{name}.onnx")
    seconds = time.perf_counter() - t0
    theta, x = probe_trials(net, n, seed=1)
    ours = np.asarray(net.logp(theta, x), np.float64)
    f = single_trial_logp(net)
    grad = np.asarray(jax.vmap(jax.grad(f))(jnp.concatenate([theta, x], axis=1)))[:, : len(net.params)]
    np.savez(tmp / "in.npz", theta=theta, x=x)
    got = run_worker("logp", path, tmp / "in.npz", tmp=tmp)
    hl, hg = np.asarray(got["logp"]), np.asarray(got["grad"])
    fin = np.isfinite(ours)
    model = onnx.load(path)
    return {
        "network": net.name,
        "members": net.n_members,
        "trials": int(fin.sum()),
        "max_abs_diff": float(np.abs(hl[fin] - ours[fin]).max()),
        "median_abs_diff": float(np.median(np.abs(hl[fin] - ours[fin]))),
        "max_grad_rel": float((np.abs(hg[fin] - grad[fin]) / (1 + np.abs(grad[fin]))).max()),
        "inf_rows_agree": bool(np.array_equal(np.isfinite(hl), fin) and np.all(hl[~fin] == -np.inf)),
        "params_match_hssm": got["params"] == got["hssm_params"],
        "hssm_nre_imported": got["hssm_nre_imported"],
        "nodes": len(model.graph.node),
        "ops": len({nd.op_type for nd in model.graph.node}),
        "kib": path.stat().st_size / 1024,
        "export_s": seconds,
    }


def fit_both(n_trials: int, draws: int, tune: int, chains: int, tmp: Path) -> tuple[list, dict]:
    from hssm_nre.validation.sampling import fit_hssm, posterior_draws, simulate_dataset

    net = load_network("ddm")
    data = simulate_dataset(net, TRUTH, n_trials, seed=7)
    data.to_csv(tmp / "data.csv", index=False)
    path = export_onnx(net, tmp / "ddm_fit.onnx")
    idata, native_s = fit_hssm(data, "ratio", net, draws=draws, tune=tune, chains=chains, seed=0)
    import arviz as az

    names = list(net.params)
    d = posterior_draws(idata, names)
    plain = run_worker("fit", path, tmp / "data.csv", draws, tune, chains, 0, tmp=tmp)
    rows = []
    for i, p in enumerate(names):
        m, s = float(d[:, i].mean()), float(d[:, i].std())
        ess = float(az.ess(np.asarray(idata.posterior[p])))
        mcse = np.sqrt(s**2 / ess + plain["sd"][p] ** 2 / plain["ess"][p]) / s  # of the difference, in SD
        z = abs(plain["mean"][p] - m) / s
        rows.append((p, TRUTH[p], m, s, ess, plain["mean"][p], plain["sd"][p], plain["ess"][p], z, mcse))
    return rows, {"native_s": native_s, "plain_s": plain["seconds"], "n": len(data)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--fit-trials", type=int, default=500)
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--tune", type=int, default=500)
    ap.add_argument("--chains", type=int, default=2)
    ap.add_argument("--no-fit", action="store_true")
    ap.add_argument("--networks", default=None)
    a = ap.parse_args()
    names = a.networks.split(",") if a.networks else sorted(shipped_networks())
    cmd = "python benchmarks/accuracy/onnx_roundtrip.py " + " ".join(sys.argv[1:])
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        rows = []
        for name in names:
            rows.append(round_trip(name, a.n, tmp))
            print(json.dumps(rows[-1]), flush=True)
        fit = None if a.no_fit else fit_both(a.fit_trials, a.draws, a.tune, a.chains, tmp)
    lines = [
        "# ONNX export: shipped networks in plain hssm",
        "",
        f"Reproduce: `{cmd.strip()}` (`onnx_export.md`; jax {jax.__version__}, jax2onnx, opset 19).",
        "",
        "Each network exported with `hssm-nre export NAME --onnx FILE`, then evaluated by hssm's own",
        'ONNX path (`loglik_kind="approx_differentiable"`: jaxonnxruntime, vmapped over trials, hssm\'s',
        "pytensor op) in a fresh interpreter that never imported hssm_nre, against `net.logp` (float32",
        "JAX) on trials simulated at parameters drawn inside the box. hssm feeds the graph float64; the",
        "differences are the float32 rounding of the native path. Gradients (w.r.t. every parameter) are",
        "hssm's VJP of the converted graph against `jax.grad` of the native function, relative",
        "`|dg| / (1 + |g|)`. -inf rows: rt below the onset and a drift above the box give -inf in both.",
        "",
        "| network | members | trials | max \\|d logp\\| | median \\|d logp\\| | max grad diff (rel) "
        "| -inf rows agree | params = hssm's | nodes | KiB | export s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['network']} | {r['members']} | {r['trials']} | {r['max_abs_diff']:.2e} | "
            f"{r['median_abs_diff']:.1e} | {r['max_grad_rel']:.1e} | {r['inf_rows_agree']} | "
            f"{r['params_match_hssm']} | {r['nodes']} | {r['kib']:.0f} | {r['export_s']:.1f} |"
        )
    if any(r["hssm_nre_imported"] for r in rows):
        lines.append("\n**hssm_nre was imported in the plain-hssm interpreter: the check is void.**")
    if fit is not None:
        table, info = fit
        lines += [
            "",
            f"## A DDM fit: native ratio vs the exported graph in plain hssm ({info['n']} trials)",
            "",
            f"Same data, uniform priors on the box, numpyro NUTS (dense mass), {a.chains} chains x {a.draws} "
            f'draws ({a.tune} tuning), seed 0. Native `loglik_kind="ratio"`: {info["native_s"]:.1f} s '
            f"sampling; plain hssm with the ONNX file: {info['plain_s']:.1f} s.",
            "",
            "| param | truth | mean (ratio) | SD (ratio) | ESS (ratio) | mean (ONNX, plain hssm) | SD (ONNX) "
            "| ESS (ONNX) | \\|mean diff\\| / SD | MC s.e. of the diff / SD |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for p, tr, m, s, e, m2, s2, e2, z, se in table:
            lines.append(
                f"| {p} | {tr} | {m:.4f} | {s:.4f} | {e:.0f} | {m2:.4f} | {s2:.4f} | {e2:.0f} | {z:.3f} "
                f"| {se:.3f} |"
            )
        lines.append(
            f"\nLargest \\|mean diff\\| / SD: {max(r[-2] for r in table):.3f} (SD of the native fit; the "
            "Monte Carlo standard error of the difference, from both fits' ESS, is in the last column)."
        )
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
