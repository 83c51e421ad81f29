"""Where one log-likelihood + gradient of a shipped network spends its time.

For each network, at 500, 2000 and 5000 trials, with scalar parameters (one parameter vector for
every trial: an intercept-only model) and per-trial parameters (a regression), the value and
gradient with respect to the parameters of each piece of the computation is timed on its own
(jitted, interleaved with the others in one run, median of several rounds):

* ``features``: the network inputs (scaled parameters, the time features);
* ``ratio MLP``: features + the ratio network ``f``, summed over the members;
* ``q head``: the mixture-density head (an MLP of the parameters alone; twice per evaluation for
  mirrored models), summed over the members;
* ``q density``: the head + the mixture's log-density at the trials;
* ``network``: the whole ``log p`` (members, mixture's logsumexp, box and onset masks), float32 inputs;
* ``network, float64 in``: the same with float64 inputs (hssm's default), converted inside.

Pieces overlap (each includes what it needs), so shares do not add up to 100 %.

    python benchmarks/speed/profile_logp.py [--models ddm angle] [--out benchmarks/results/profile_logp.md]
"""

import argparse
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from hssm_nre.net.features import Transform, featurize, mlp, obs_to_y
from hssm_nre.net.logp import build_logp, member_parts
from hssm_nre.net.noise import q_head_params, q_logpdf_y
from hssm_nre.simulation import simulate_trials
from hssm_nre.store.hub import load_network
from hssm_nre.store.shipped import shipped_networks

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: common.py
from common import emit, interleaved_times  # noqa: E402

TRIALS = (500, 2000, 5000)
PIECES = ("features", "ratio MLP", "q head", "q density", "network", "network, float64 in")


def pieces(net):
    """Functions ``g(theta (n|1, P), x (n, D)) -> scalar`` for each piece of ``net``'s log p."""
    parts = []
    for w, c in member_parts(net.weights, net.card):
        tr = Transform.from_dict(c["transform"])
        w = {k: jnp.asarray(v) for k, v in w.items() if not k.startswith("ref_")}
        parts.append((w, tr, int(c["method"]["q_components"])))
    full = build_logp(net.weights, net.card)

    def bcast(theta, x):
        return jnp.broadcast_to(theta, (x.shape[0], theta.shape[-1]))

    def features(theta, x):
        return sum(jnp.sum(featurize(tr, bcast(theta, x), x)) for _, tr, _ in parts)

    def ratio(theta, x):
        return sum(jnp.sum(mlp(w, featurize(tr, bcast(theta, x), x))) for w, tr, _ in parts)

    def head(theta, x):
        return sum(sum(jnp.sum(a) for a in q_head_params(w, tr, theta, m)) for w, tr, m in parts)

    def density(theta, x):
        total = 0.0
        for w, tr, m in parts:
            qp = q_head_params(w, tr, theta, m)
            qp = jax.tree.map(lambda a: jnp.broadcast_to(a, (x.shape[0], *a.shape[1:])), qp)
            y, ci, log_jac = obs_to_y(tr, bcast(theta, x), x)
            total = total + jnp.sum(q_logpdf_y(qp, y, ci) + log_jac)
        return total

    def network(theta, x):
        return jnp.sum(full(theta, x))

    return dict(zip(PIECES[:5], (features, ratio, head, density, network), strict=True))


def profile(name, rounds=5):
    net = load_network(name)
    spec_params = net.params
    box = np.asarray(net.card["model"]["box"])
    theta0 = box.mean(axis=1)
    fns = pieces(net)
    rows = {}
    for n in TRIALS:
        x, _ = simulate_trials(net.model, np.tile(theta0, (n, 1)), np.random.default_rng(0), max_t=100.0)
        x32 = jnp.asarray(x, jnp.float32)
        timed = {}
        for mode in ("scalar", "per-trial"):
            th = theta0[None] if mode == "scalar" else np.tile(theta0, (n, 1))
            th32 = jnp.asarray(th, jnp.float32)
            for piece, f in fns.items():
                timed[(piece, mode)] = (jax.jit(jax.value_and_grad(f)), (th32, x32))
            timed[("network, float64 in", mode)] = (
                jax.jit(jax.value_and_grad(fns["network"])),
                (jnp.asarray(th, jnp.float64), jnp.asarray(x, jnp.float64)),
            )
        rows[n] = interleaved_times(timed, rounds=rounds)
    k = len(net.card.get("members") or []) + 1
    return f"{name}@{net.card['version']}", k, len(spec_params), rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="*", default=None)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    jax.config.update("jax_enable_x64", True)
    lines = [
        "| network | members | trials | parameters | whole logp + grad (ms) | "
        + " | ".join(f"{p} (% of whole)" for p in PIECES if p != "network")
        + " |",
        "|---|---|---|---|---|" + "---|" * (len(PIECES) - 1),
    ]
    for name in args.models or list(shipped_networks()):
        label, k, _, rows = profile(name)
        for n, t in rows.items():
            for mode in ("scalar", "per-trial"):
                whole = t[("network", mode)]
                cells = [f"{100 * t[(p, mode)] / whole:.0f}" for p in PIECES if p != "network"]
                head = f"| {label} | {k} | {n} | {mode} | {1e3 * whole:.2f} | "
                lines.append(head + " | ".join(cells) + " |")
        print("\n".join(lines[-6:]), flush=True)
    emit(lines, args.out)


if __name__ == "__main__":
    main()
