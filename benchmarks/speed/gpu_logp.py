"""logp + gradient of a shipped network on an accelerator, beside the package's JAX analytic DDM.

Rows at 5,000, 50,000 and 500,000 trials, each measured in one run: the analytic DDM density
(``hssm_nre.net.ddm_density.ddm_logp_jax``, float32), the ratio network with scalar parameters
(no regression: the noise density's head runs once) and with per-trial parameters (a regression),
at JAX's default float32 matmul precision and at ``highest``; ratios to the analytic likelihood.
Needs only jax, numpy and safetensors (no hssm), so it runs on a bare GPU machine:

    PYTHONPATH=src python benchmarks/speed/gpu_logp.py [--out FILE.md]
"""

import argparse
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from hssm_nre.net.ddm_density import ddm_logp_jax
from hssm_nre.net.logp import make_hssm_logp
from hssm_nre.store.artifact import load

NETWORKS = Path(__file__).resolve().parents[2] / "src" / "hssm_nre" / "networks"
THETA = (0.5, 1.2, 0.5, 0.3)


def best_time(f, *args, reps: int = 20, rounds: int = 5) -> float:
    jax.block_until_ready(f(*args))
    best = np.inf
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(reps):
            out = f(*args)
        jax.block_until_ready(out)
        best = min(best, (time.perf_counter() - t0) / reps)
    return best


def main(argv=None) -> str:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--sizes", default="5000,50000,500000")
    args = ap.parse_args(argv)
    net = load(NETWORKS / "ddm")
    ours = make_hssm_logp(net, 4)
    rng = np.random.default_rng(0)
    lines = [
        f"{net.name} on {jax.devices()[0].device_kind} (JAX {jax.__version__}), float32, best of 5 x 20 "
        "calls; ms per logp + gradient, and ratios to the analytic DDM measured in the same run.",
        "",
        "| trials | analytic (ms) | ratio, scalar params / analytic | ratio, per-trial params / analytic "
        "| per-trial, precision highest / analytic | max abs diff default vs highest (nats) |",
        "|---|---|---|---|---|---|",
    ]
    for n in (int(s) for s in args.sizes.split(",")):
        rt = THETA[3] + rng.lognormal(-0.3, 0.6, n)
        x = jnp.asarray(np.column_stack([rt, rng.choice([-1.0, 1.0], n)]), jnp.float32)
        scalar = tuple(jnp.float32(v) for v in THETA)
        trial = tuple(jnp.full((n,), v, jnp.float32) for v in THETA)

        def exact(*p, x=x):
            th = jnp.stack([jnp.broadcast_to(q, (x.shape[0],)) for q in p], axis=-1)
            return ddm_logp_jax(th, x).sum()

        argn = (0, 1, 2, 3)
        g_exact = jax.jit(jax.value_and_grad(exact, argnums=argn))
        g_ours = jax.jit(jax.value_and_grad(lambda *p, x=x: ours(x, *p).sum(), argnums=argn))
        t_e = best_time(g_exact, *scalar)
        t_s = best_time(g_ours, *scalar)
        t_t = best_time(g_ours, *trial)
        with jax.default_matmul_precision("highest"):
            g_hi = jax.jit(jax.value_and_grad(lambda *p, x=x: ours(x, *p).sum(), argnums=argn))
            f_hi = jax.jit(lambda *p, x=x: ours(x, *p))
            t_h = best_time(g_hi, *trial)
            hi = np.asarray(f_hi(*trial))
        lo = np.asarray(jax.jit(lambda *p, x=x: ours(x, *p))(*trial))
        diff = float(np.max(np.abs(lo - hi)))
        lines.append(
            f"| {n} | {t_e * 1e3:.3f} | {t_s / t_e:.2f} | {t_t / t_e:.2f} | {t_h / t_e:.2f} | {diff:.2e} |"
        )
        print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(text)
    print(text)
    return text


if __name__ == "__main__":
    main()
