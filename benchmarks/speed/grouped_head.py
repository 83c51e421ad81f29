"""The noise head from one table per group (commit b6e44bb, not adopted): error and cost.

With random intercepts on ``v`` and ``a`` and a trial-level covariate on ``v`` (the hierarchical
benchmark's design), two parameters the head sees vary and ``a`` takes one value per
participant. Below 8,000 trials the package runs the head once per trial. Commit b6e44bb tried
``hssm_nre.net.noise.q_logpdf_grouped`` instead: the head at 48 + 5 nodes along ``v`` for each
distinct ``a`` (at most ``HEAD_GROUPS_MAX``, a shape fixed when traced), each trial reading its
group's table, the derivative in ``a`` from the tables' own derivative (one forward-mode pass).
This script compares it with the head per trial on one data set: the summed log-likelihood,
the gradient (intercepts, slope, every participant's offsets, the scalars; once with random
offsets, once with all offsets zero, where every trial shares one ``a``), and the cost of a
value + gradient, interleaved. The code exists only in that commit, so run it there::

    git worktree add /tmp/grouped b6e44bb
    PYTHONPATH=/tmp/grouped/src python benchmarks/speed/grouped_head.py --sizes 10x400 20x200
    git worktree remove /tmp/grouped

``HEAD_GROUPS_MAX`` is 32 in that commit; ``--groups-max 16`` sets it for the run.
"""

import argparse
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import hssm_nre.net.logp as logp_module
import hssm_nre.net.noise as noise_module
from hssm_nre.net.logp import build_logp
from hssm_nre.simulation import simulate_trials
from hssm_nre.store.hub import load_network

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: common.py
from common import interleaved_times, size_pair  # noqa: E402

OFF = 10**9  # a row count no design reaches: the head once per trial


def compare(net, groups: int, trials: int, rounds: int) -> dict:
    """Error and cost of the grouped tables against the head per trial on one simulated design."""
    rng = np.random.default_rng(0)
    n = groups * trials
    g = jnp.asarray(np.repeat(np.arange(groups), trials))
    x = jnp.asarray(rng.normal(size=n), jnp.float32)
    params = list(net.params)
    iv, ia = params.index("v"), params.index("a")
    mid = np.asarray(net.card["model"]["box"], np.float32).mean(axis=1)
    rest = [i for i in range(len(params)) if i not in (iv, ia)]
    u_v, u_a = rng.normal(size=groups) * 0.3, rng.normal(size=groups) * 0.1
    theta = np.tile(mid, (n, 1))
    theta[:, iv] = 0.5 + 0.4 * np.asarray(x) + u_v[np.asarray(g)]
    theta[:, ia] = mid[ia] + u_a[np.asarray(g)]
    obs, ok = simulate_trials(net.card["model"]["name"], theta, rng)
    if not ok.all():
        raise RuntimeError("the simulator lost trials; choose other parameters")
    obs = jnp.asarray(obs, jnp.float32)
    logp = build_logp(net.weights, net.card)

    def total(b0, b1, uv, a0, ua, scalars):
        th = jnp.tile(jnp.asarray(mid), (n, 1))
        th = th.at[:, iv].set(b0 + b1 * x + uv[g]).at[:, ia].set(a0 + ua[g])
        th = th.at[:, jnp.asarray(rest)].set(scalars)
        return jnp.sum(logp(th, obs, (iv, ia)))

    value_grad = jax.value_and_grad(total, argnums=tuple(range(6)))
    grouped, per_trial = jax.jit(value_grad), jax.jit(lambda *a: value_grad(*a))
    scalars = jnp.asarray(mid[rest])
    random = (0.5, 0.4, jnp.asarray(u_v, jnp.float32), float(mid[ia]), jnp.asarray(u_a, jnp.float32), scalars)
    zeros = (0.5, 0.4, jnp.zeros(groups), float(mid[ia]), jnp.zeros(groups), scalars)
    out = {}
    for name, args in (("random offsets", random), ("zero offsets", zeros)):
        logp_module.HEAD_GROUPED_MIN_ROWS = 2048
        v1, g1 = grouped(*args)  # traced with the grouped tables
        logp_module.HEAD_GROUPED_MIN_ROWS = OFF
        v2, g2 = per_trial(*args)  # traced with the head per trial
        flat1, flat2 = (np.concatenate([np.ravel(t) for t in gr]) for gr in (g1, g2))
        out[name] = (float(v1 - v2), float(np.max(np.abs(flat1 - flat2)) / np.max(np.abs(flat2))))
    times = interleaved_times({"grouped": (grouped, random), "per trial": (per_trial, random)}, rounds=rounds)
    return {"errors": out, "times": times}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=["ddm"])
    ap.add_argument("--sizes", nargs="+", default=["10x400", "20x200"], help="groups x trials per group")
    ap.add_argument("--groups-max", type=int, default=None, help="HEAD_GROUPS_MAX for this run")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    if not hasattr(noise_module, "q_logpdf_grouped"):
        sys.exit("this package has no grouped head tables: run in a worktree of commit b6e44bb (see --help)")
    if args.groups_max:
        noise_module.HEAD_GROUPS_MAX = args.groups_max
    print(f"HEAD_GROUPS_MAX = {noise_module.HEAD_GROUPS_MAX}")
    print(
        "| network | groups x trials | summed logp: grouped - per trial (random / zero offsets) |"
        " gradient, max rel. error (random / zero) | per trial / grouped (cost) |"
    )
    print("|---|---|---|---|---|")
    for m in args.models:
        net = load_network(m)
        for spec in args.sizes:
            groups, trials = size_pair(spec)
            r = compare(net, groups, trials, args.rounds)
            (d1, e1), (d0, e0) = r["errors"]["random offsets"], r["errors"]["zero offsets"]
            speed = r["times"]["per trial"] / r["times"]["grouped"]
            print(
                f"| {m}@{net.card['version']} | {groups} x {trials} | {d1:.1e} / {d0:.1e} |"
                f" {e1:.1e} / {e0:.1e} | {speed:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
