"""Every parameter by group (hssm's ``global_formula``): the noise head once per distinct vector.

With random intercepts on every parameter, hssm passes each parameter per trial, but the
trials of one participant share one parameter vector. ``make_hssm_logp`` then runs the noise
density's head once per distinct vector (at most ``HEAD_REPEATED_MAX``, from
``HEAD_REPEATED_MIN_ROWS`` trials on; ``hssm_nre.net.noise.q_head_params_repeated``) instead of
once per trial. This script times one log-likelihood + gradient of both, interleaved with HSSM's
DDM LAN on the same per-trial parameters, at participants x trials designs, and checks that the
two give the same summed log-likelihood. ``--chains K`` evaluates K chains' parameters at once
(``jax.vmap``, as numpyro's vectorized chains do, each chain its own random intercepts).

    python benchmarks/speed/repeated_head.py [--models ddm angle] [--rounds 5] [--chains 1]
"""

import argparse
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import hssm_nre.net.logp as logp_module
from hssm_nre.simulation import simulate_trials
from hssm_nre.store.hub import load_network

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: common.py
from common import interleaved_times, lan_jax  # noqa: E402

DESIGNS = ((20, 200), (50, 500))


def value_and_grad(f, data, n_params, chains=1):
    """Jitted value and gradient of ``sum f(data, *params)`` in every parameter (vmapped over chains)."""
    vg = jax.value_and_grad(lambda *p: jnp.sum(f(data, *p)), argnums=tuple(range(n_params)))
    return jax.jit(vg if chains == 1 else jax.vmap(vg))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=["ddm"])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--chains", type=int, default=1, help="chains evaluated at once (vmapped)")
    args = ap.parse_args(argv)
    lan = lan_jax((True, True, True, True))
    print(
        "| network | participants x trials | per distinct vector / LAN | per trial / LAN "
        "| summed logp difference |"
    )
    print("|---|---|---|---|---|")
    for name in args.models:
        net = load_network(name)
        n_params, model = len(net.params), net.card["model"]["name"]
        box = np.asarray(net.card["model"]["box"])
        for groups, trials in DESIGNS:
            n = groups * trials
            rng = np.random.default_rng(n)
            g = np.repeat(np.arange(groups), trials)
            thetas = []
            for _ in range(args.chains):  # each chain its own random intercepts
                theta = np.tile(box[:, 0] + 0.5 * np.ptp(box, 1), (n, 1))
                for j in range(n_params):  # a random intercept on every parameter, inside the box
                    theta[:, j] += (0.05 * np.ptp(box[j]) * rng.standard_normal(groups))[g]
                if net.card["model"]["ndt"]:
                    theta[:, net.params.index(net.card["model"]["ndt"])] = 0.3
                thetas.append(theta)
            x, done = simulate_trials(model, thetas[0], rng)
            data = jnp.asarray(x[done], jnp.float32)
            p = tuple(
                jnp.asarray(np.stack([t[done, j] for t in thetas]), jnp.float32) for j in range(n_params)
            )
            if args.chains == 1:
                p = tuple(pj[0] for pj in p)
            f = logp_module.make_hssm_logp(net, n_params)
            once = value_and_grad(f, data, n_params, args.chains)
            a = once(*p)
            least, logp_module.HEAD_REPEATED_MIN_ROWS = logp_module.HEAD_REPEATED_MIN_ROWS, 10**9
            per_trial = value_and_grad(f, data, n_params, args.chains)
            b = per_trial(*p)  # traced with the head once per trial
            logp_module.HEAD_REPEATED_MIN_ROWS = least
            fns = {"lan": (value_and_grad(lan, data, 4, args.chains), p[:4])}
            fns["once"], fns["per trial"] = (once, p), (per_trial, p)
            t = interleaved_times(fns, rounds=args.rounds)
            print(
                f"| {net.name} | {groups} x {trials} | {t['once'] / t['lan']:.2f} "
                f"| {t['per trial'] / t['lan']:.2f} | {float(jnp.max(jnp.abs(a[0] - b[0]))):.1e} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
