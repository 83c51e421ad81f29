"""What dropping slow training trials costs: the MLE shift of a *perfect* truncated network.

A network trained on simulations that stop at ``max_t`` learns the density of the trials that
finish by then, ``p(x | theta) / (1 - P(T > max_t | theta))``. Against the exact likelihood on
data that are not truncated, its maximum-likelihood estimate is shifted by
``I^-1 grad(-log(1 - P(T > max_t | theta)))``; divided by the posterior SD at 2000 trials this
is what the validation report's posterior comparison would see even for a network without any
approximation error. Computed with the analytic DDM (validation only) on the report's six sets.

    python benchmarks/accuracy/truncation_bias.py [--max-t 20]
"""

import argparse

import jax
import jax.numpy as jnp
import numpy as np

from hssm_nre.net.ddm_density import ddm_logp_jax
from hssm_nre.simulation import simulate_trials
from hssm_nre.validation.cases import PARAMETER_SETS

jax.config.update("jax_enable_x64", True)


def p_slow(th, max_t: float):
    """P(decision time > max_t | theta), both choices, by the trapezoid rule to max_t + 400 s."""
    u = jnp.linspace(max_t, max_t + 400.0, 40001)
    tot = 0.0
    for c in (1.0, -1.0):
        x = jnp.stack([u + th[3], jnp.full(u.shape, c)], -1)
        tot = tot + jnp.trapezoid(jnp.exp(ddm_logp_jax(jnp.broadcast_to(th, (u.size, 4)), x)), u)
    return float(tot)


def grad_truncation(th, max_t: float, h: float = 1e-4) -> np.ndarray:
    """Central differences of -log(1 - P(T > max_t)) (the series' autodiff is not finite there)."""

    def f(q):
        return -np.log1p(-p_slow(jnp.asarray(q), max_t))

    out = []
    for j in range(4):
        e = np.zeros(4)
        e[j] = h
        out.append((f(th + e) - f(th - e)) / (2 * h))
    return np.array(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-t", type=float, default=20.0)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    score = jax.jit(jax.vmap(jax.grad(lambda th, xi: ddm_logp_jax(th[None], xi[None])[0]), in_axes=(None, 0)))
    print(f"| set | v, a, z, t | P(T > {args.max_t:g} s) | shift v | shift a | shift z | shift t |")
    print("|---|---|---|---|---|---|---|")
    for s, d in enumerate(PARAMETER_SETS["ddm"]):
        th0 = np.array([d[p] for p in "vazt"])
        x, ok = simulate_trials("ddm", np.tile(th0, (40000, 1)), rng, max_t=400.0)
        ge = np.asarray(score(jnp.asarray(th0), jnp.asarray(x[ok])))
        ge = ge[np.isfinite(ge).all(1)]
        cov = np.linalg.inv(ge.T @ ge / len(ge))
        shift = cov @ grad_truncation(th0, args.max_t) / np.sqrt(np.diag(cov) / 2000)
        tail = p_slow(jnp.asarray(th0), args.max_t)
        cells = " | ".join(f"{v:.3f}" for v in shift)
        print(f"| {s} | {', '.join(f'{v:g}' for v in th0)} | {tail:.2e} | {cells} |")


if __name__ == "__main__":
    main()
