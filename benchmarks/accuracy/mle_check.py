"""Where a network puts its maximum likelihood, and what a reference likelihood says there.

    python benchmarks/accuracy/mle_check.py runs/gd_010/net --reference pyddm --starts 8 \
        --out benchmarks/results/gamma_drift_mle.md

On each of the model's validation sets (1000 trials simulated as the validation report does,
seed 100 + i), the network's log-likelihood is maximized (L-BFGS-B inside the box, the
non-decision time below the fastest trial, JAX gradients) from the truth and from ``--starts``
random box points (seed 0). At every optimum
the reference's log-likelihood of the same trials is computed, and so is its value at the
truth. A network that is right has its optima where the reference is high too; an optimum the
network rates far above the truth while the reference rates it below is a mode the network made
up, which NUTS finds as soon as a chain starts near it. Unlike the validation report (which
reweights the network's own NUTS draws) this looks beyond the region the chains explored, so it
also finds spurious modes at the box's edges.
"""

import argparse
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from scipy.optimize import minimize

from hssm_nre.models import get_model
from hssm_nre.net.logp import make_logp
from hssm_nre.store.artifact import load
from hssm_nre.validation.references import get_reference
from hssm_nre.validation.sampling import simulate_dataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: common.py
from common import emit  # noqa: E402


def optima(value_and_grad, x: np.ndarray, starts: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> list:
    """Local maxima of the summed log-likelihood from each start (``value_and_grad``: of minus it)."""
    xj = jnp.asarray(x, jnp.float32)
    pad = 1e-4 * (hi - lo)

    def fg(t):
        v, g = value_and_grad(jnp.asarray(t, jnp.float32), xj)
        return float(v), np.asarray(g, np.float64)

    out = []
    for s in starts:
        r = minimize(fg, s, jac=True, method="L-BFGS-B", bounds=list(zip(lo + pad, hi - pad, strict=True)))
        out.append(r.x)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("network")
    ap.add_argument("--reference", required=True)
    ap.add_argument("--starts", type=int, default=8, help="random box starts besides the truth")
    ap.add_argument("--trials", type=int, default=1000)
    ap.add_argument("--sets", type=int, default=4)
    ap.add_argument("--out")
    a = ap.parse_args()
    net = load(a.network)
    spec = get_model(net.model)
    ref = get_reference(net.model, a.reference)
    lo, hi = np.array(spec.box, np.float64).T
    names = list(net.params)
    logp = make_logp(net)

    def neg(t, xj):
        return -jnp.sum(logp(jnp.broadcast_to(t, (xj.shape[0], t.shape[0])), xj))

    value_and_grad = jax.jit(jax.value_and_grad(neg))  # compiled once per data size

    def ll_net(th, x):
        return -float(neg(jnp.asarray(th, jnp.float32), jnp.asarray(x, jnp.float32)))

    rows = [
        "| set | start | " + " | ".join(names) + " | network ll - at truth | reference ll - at truth |",
        "|---" * (len(names) + 4) + "|",
    ]
    rng = np.random.default_rng(0)
    best = []
    for i, th in enumerate(spec.validation_sets[: a.sets]):
        truth = np.array([th[p] for p in names])
        x = simulate_dataset(net, th, a.trials, seed=100 + i)[["rt", "response"]].to_numpy(np.float64)
        random = lo + (hi - lo) * rng.uniform(0.05, 0.95, (a.starts, len(lo)))
        if spec.ndt is not None:  # the onset below the fastest trial, so the start is possible
            j = names.index(spec.ndt)
            random[:, j] = rng.uniform(lo[j], min(hi[j], x[:, 0].min()), a.starts)
        net0, ref0 = ll_net(truth, x), float(np.sum(ref.logp(truth, x)))
        top_i = hi.copy()
        if spec.ndt is not None:  # every trial stays possible: a line search that steps past the
            j = names.index(spec.ndt)  # fastest trial would see -inf and stop where it started
            top_i[j] = min(hi[j], x[:, 0].min() - 1e-3)
        found = optima(value_and_grad, x, np.vstack([truth, random]), lo, top_i)
        top = None
        for k, t in enumerate(found):
            d_net, d_ref = ll_net(t, x) - net0, float(np.sum(ref.logp(t, x))) - ref0
            top = max(top or (d_net, d_ref, k), (d_net, d_ref, k))
            rows.append(
                f"| {i} | {'truth' if k == 0 else k} | "
                + " | ".join(f"{v:.3g}" for v in t)
                + f" | {d_net:+.1f} | {d_ref:+.1f} |"
            )
        best.append((i, *top))
        print(rows[-1], flush=True)
    lines = [
        f"# Maxima of `{net.name}` ({a.network}) against the {a.reference} reference",
        "",
        f"`python benchmarks/accuracy/mle_check.py {a.network} --reference {a.reference} --starts {a.starts}"
        f" --trials {a.trials} --sets {a.sets}`: each validation set's {a.trials} trials (seed 100 + i), the"
        " network's log-likelihood maximized from the truth and from random box points; both"
        " log-likelihoods at each optimum, relative to their values at the truth.",
        "",
        *rows,
        "",
        "At the network's maximum-likelihood estimate (its best optimum), the network's and the"
        " reference's log-likelihood relative to the truth; their difference is how much more the"
        " network likes its estimate than the reference does:",
        "",
        "| set | start | network | reference | difference |",
        "|---|---|---|---|---|",
        *(f"| {i} | {'truth' if k == 0 else k} | {n:+.1f} | {r:+.1f} | {n - r:.1f} |" for i, n, r, k in best),
    ]
    emit(lines, Path(a.out) if a.out else None)


if __name__ == "__main__":
    main()
