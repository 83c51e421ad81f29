"""Cost of one log-likelihood + gradient evaluation as trials grow, ratio vs analytical vs LAN.

All three are evaluated in the same run, on the same data, as jitted JAX value-and-grad
functions of (v, a, z, t) (the analytic DDM through pytensor's JAX backend, the LAN through
hssm's ONNX-to-JAX path when ``../shared/peers/ddm_lan.onnx`` exists). Reported as ratios to the
analytic likelihood.

    python benchmarks/speed/logp_cost.py
"""

import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from hssm_nre.net.logp import make_hssm_logp
from hssm_nre.simulation import simulate_trials
from hssm_nre.store.hub import load_network

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: common.py
from common import analytic_jax, lan_jax, timeit  # noqa: E402


def main():
    net = load_network("ddm")
    ours = make_hssm_logp(net, 4)
    rows = []
    exact = analytic_jax()
    lan = lan_jax()
    params = (0.5, 1.0, 0.5, 0.3)
    for n in (500, 2000, 5000):
        x, _ = simulate_trials("ddm", np.tile(params, (n, 1)), np.random.default_rng(0))
        d32, d64 = jnp.asarray(x, jnp.float32), jnp.asarray(x, jnp.float64) if jax.config.x64_enabled else x
        g_ours = jax.jit(jax.value_and_grad(lambda *p, d=d32: ours(d, *p).sum(), argnums=(0, 1, 2, 3)))
        g_exact = jax.jit(jax.value_and_grad(lambda *p, d=d64: exact(d, *p), argnums=(0, 1, 2, 3)))
        p32 = tuple(jnp.float32(v) for v in params)
        t_e = timeit(g_exact, *p32)
        row = [n, t_e * 1e3, timeit(g_ours, *p32) / t_e]
        # per-trial parameters (a regression): the noise density's head runs once per trial
        pn = tuple(jnp.full((n,), v, jnp.float32) for v in params)
        g_trial = jax.jit(jax.value_and_grad(lambda *p, d=d32: ours(d, *p).sum(), argnums=(0, 1, 2, 3)))
        row.insert(3, timeit(g_trial, *pn) / t_e)
        if lan is not None:
            g_lan = jax.jit(jax.value_and_grad(lambda *p, d=d32: lan(d, *p), argnums=(0, 1, 2, 3)))
            row.append(timeit(g_lan, *p32) / t_e)
        rows.append(row)
    print(
        "| trials | analytic (ms, reference) | ratio / analytic (scalar parameters) "
        "| ratio / analytic (per-trial parameters) | LAN / analytic |"
    )
    print("|---|---|---|---|---|")
    for r in rows:
        lan_s = f"{r[4]:.2f}" if len(r) > 4 else "n/a (no ../shared/peers/ddm_lan.onnx)"
        print(f"| {r[0]} | {r[1]:.2f} | {r[2]:.2f} | {r[3]:.2f} | {lan_s} |")


if __name__ == "__main__":
    main()
