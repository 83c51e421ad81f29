"""A narrower noise head for the shipped DDM: what it would save, and how closely it can copy the head.

The noise density's head (an MLP of the parameters alone: 3 inputs, three 128-wide layers, the
mixture's 25 outputs) runs at the table's 53 nodes in ``make demo``'s regression and once per
trial where two parameters vary. Two measurements decide whether replacing it by a narrower
one is worth a new network version:

* **cost**: one log-likelihood + gradient of the demo's design (``v ~ 1 + x``, ddm, ``--trials``)
  with the shipped head and with heads of the ``--widths`` given, interleaved in one run with
  the analytic likelihood and HSSM's DDM LAN. The narrow heads have random weights (the cost
  does not depend on them), so only this part's values are meaningless.
* **copy**: a head of each width fitted to one member's shipped head (``--member``) by least
  squares on ``log q(y, c | theta)``, ``theta`` uniform in the box and ``(y, c)`` drawn from the
  shipped head's own mixture, Adam with warm-up and cosine decay for ``--steps`` steps; the
  error of ``log q`` on 50,000 fresh pairs. The ratio network corrects the head's density by
  addition, so this error passes unchanged into the network's log-density.

    python benchmarks/speed/head_width.py --out benchmarks/results/head_width.md
    python benchmarks/speed/head_width.py --widths 64x64x64 64x64 --steps 20000
"""

import argparse
import datetime
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax

from hssm_nre.net.features import Transform, init_mlp
from hssm_nre.net.logp import make_hssm_logp, member_parts
from hssm_nre.net.noise import Q_PREFIX, q_head_params, q_logpdf_y, q_sample_y
from hssm_nre.store.artifact import Network
from hssm_nre.store.hub import load_network
from hssm_nre.validation.cases import simulate_regression_data

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: common.py
from common import analytic_jax, emit, interleaved_times, lan_jax  # noqa: E402

START = (0.5, 0.4, 1.2, 0.5, 0.3)  # v_Intercept, v_x, a, z, t
START32 = tuple(np.float32(v) for v in START)


def width(spec: str) -> tuple[int, ...]:
    """``"64x64"`` -> ``(64, 64)``."""
    return tuple(int(w) for w in spec.split("x"))


def head_keys(weights: dict, prefix: str) -> list[str]:
    return [k for k in weights if k.startswith(prefix + Q_PREFIX)]


def with_heads(net: Network, hidden: tuple[int, ...], seed: int = 0) -> Network:
    """``net`` with every member's head replaced by a random one of widths ``hidden`` (for timing)."""
    w = dict(net.weights)
    rng = np.random.default_rng(seed)
    prefixes = sorted({k[: k.index(Q_PREFIX)] for k in w if Q_PREFIX + "W0" in k})
    for pre in prefixes:
        n_layers = sum(1 for k in head_keys(w, pre) if "W" in k)
        n_in, n_out = w[f"{pre}{Q_PREFIX}W0"].shape[0], w[f"{pre}{Q_PREFIX}W{n_layers - 1}"].shape[1]
        last_bias = w[f"{pre}{Q_PREFIX}b{n_layers - 1}"]
        for k in head_keys(w, pre):
            del w[k]
        sizes = [n_in, *hidden, n_out]
        for i in range(len(sizes) - 1):
            scale = 0.3 / np.sqrt(sizes[i])
            w[f"{pre}{Q_PREFIX}W{i}"] = (rng.normal(size=sizes[i : i + 2]) * scale).astype(np.float32)
            w[f"{pre}{Q_PREFIX}b{i}"] = np.zeros(sizes[i + 1], np.float32)
        w[f"{pre}{Q_PREFIX}b{len(hidden)}"] = last_bias  # a mixture of sane widths
    return Network(weights=w, card=net.card)


def costs(net: Network, widths: list[tuple[int, ...]], trials: int, rounds: int) -> dict[str, float]:
    """Seconds per logp + gradient of the demo's design: shipped head, each width, analytic, LAN."""
    data = simulate_regression_data(trials)
    obs = np.stack([data.rt.to_numpy(), data.response.to_numpy()], -1)
    x = data.x.to_numpy()
    fns = {}
    nets = {"shipped": net} | {"x".join(map(str, h)): with_heads(net, h) for h in widths}
    for name, variant in nets.items():
        lp = make_hssm_logp(variant, 4)
        obs32, x32 = jnp.asarray(obs, jnp.float32), jnp.asarray(x, jnp.float32)

        def f(b0, b1, a, z, t, lp=lp, obs32=obs32, x32=x32):
            return jnp.sum(lp(obs32, b0 + b1 * x32, a, z, t))

        fns[name] = (jax.jit(jax.value_and_grad(f, argnums=tuple(range(5)))), START32)
    # the analytic likelihood in float64 (hssm's mode), the LAN in float32 as the networks
    peers = (
        ("analytic", analytic_jax(("v",)), jnp.float64),
        ("LAN", lan_jax((True, False, False, False)), jnp.float32),
    )
    for name, g, dtype in peers:
        if g is None:
            continue
        obs_d, x_d = jnp.asarray(obs, dtype), jnp.asarray(x, dtype)

        def f(b0, b1, a, z, t, g=g, obs_d=obs_d, x_d=x_d):
            return g(obs_d, b0 + b1 * x_d, a, z, t)

        start = tuple(jnp.asarray(v, dtype) for v in START)
        fns[name] = (jax.jit(jax.value_and_grad(f, argnums=tuple(range(5)))), start)
    return interleaved_times(fns, rounds=rounds)


def copy_error(net: Network, hidden: tuple[int, ...], member: int, steps: int, seed: int = 0) -> dict:
    """Fit a head of widths ``hidden`` to member ``member``'s head; the error of ``log q`` on fresh pairs."""
    w, card = member_parts(net.weights, net.card)[member]
    tr = Transform.from_dict(card["transform"])
    m = int(card["method"]["q_components"])
    teacher = {k: jnp.asarray(v) for k, v in w.items() if k.startswith(Q_PREFIX)}
    lo, hi = (jnp.asarray(b, jnp.float32) for b in np.asarray(net.card["model"]["box"]).T)
    n_layers = sum(1 for k in teacher if "W" in k)
    n_out = teacher[f"{Q_PREFIX}W{n_layers - 1}"].shape[1]
    student = init_mlp(jax.random.PRNGKey(seed), len(tr.param_index), hidden, n_out, Q_PREFIX)
    per_theta = 8

    def draw(key, n):
        k1, k2 = jax.random.split(key)
        theta = jax.random.uniform(k1, (n, lo.size), minval=lo, maxval=hi)
        params = q_head_params(teacher, tr, theta, m)
        y, c = q_sample_y(params, k2, per_theta)
        return theta, y, c, q_logpdf_y(jax.tree.map(lambda a: a[:, None], params), y, c)

    def error(weights, theta, y, c, log_q):
        params = q_head_params(weights, tr, theta, m)
        return q_logpdf_y(jax.tree.map(lambda a: a[:, None], params), y, c) - log_q

    opt = optax.adam(optax.warmup_cosine_decay_schedule(0.0, 3e-3, min(500, steps // 10), steps, 1e-5))
    state = opt.init(student)

    @jax.jit
    def step(weights, state, key):
        batch = draw(key, 1024)
        loss, grad = jax.value_and_grad(lambda wt: jnp.mean(error(wt, *batch) ** 2))(weights)
        updates, state = opt.update(grad, state, weights)
        return optax.apply_updates(weights, updates), state, loss

    key, t0 = jax.random.PRNGKey(seed + 1), time.perf_counter()
    for _ in range(steps):
        key, k = jax.random.split(key)
        student, state, _ = step(student, state, k)
    held_out = jax.jit(lambda k: draw(k, 50_000 // per_theta))(jax.random.PRNGKey(seed + 99))
    e = np.abs(np.asarray(jax.jit(error)(student, *held_out)))
    return {
        "median": float(np.median(e)),
        "p99": float(np.quantile(e, 0.99)),
        "max": float(e.max()),
        "rms": float(np.sqrt(np.mean(e**2))),
        "seconds": time.perf_counter() - t0,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="ddm")
    ap.add_argument("--widths", nargs="+", default=["64x64x64", "64x64", "32x32"])
    ap.add_argument("--trials", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--steps", type=int, default=20_000, help="training steps of each copy (0: cost only)")
    ap.add_argument("--member", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    net = load_network(args.model)
    widths = [width(s) for s in args.widths]
    t = costs(net, widths, args.trials, args.rounds)
    ref = "LAN" if "LAN" in t else "analytic"
    lines = [
        f"# A narrower noise head for {args.model}@{net.card['version']}",
        "",
        f"`python benchmarks/speed/head_width.py {' '.join(sys.argv[1:])}` ({datetime.date.today()}).",
        "",
        f"Cost: logp + gradient of a {args.trials}-trial `v ~ 1 + x` regression (median of {args.rounds}"
        " interleaved rounds).",
        "",
        f"| head | x {ref} | x analytic | x the shipped head |",
        "|---|---|---|---|",
    ]
    for name, sec in t.items():
        if name in ("analytic", "LAN"):
            continue
        ratios = (sec / t[ref], sec / t["analytic"], sec / t["shipped"])
        lines.append(f"| {name} | " + " | ".join(f"{r:.2f}" for r in ratios) + " |")
    if args.steps:
        lines += [
            "",
            f"Copy: each width fitted to member {args.member}'s head, {args.steps} steps;"
            " |error of log q| in nats on 50,000 fresh pairs.",
            "",
            "| head | median | p99 | max | rms | fit s |",
            "|---|---|---|---|---|---|",
        ]
        for h in widths:
            e = copy_error(net, h, args.member, args.steps)
            name = "x".join(map(str, h))
            lines.append(
                f"| {name} | {e['median']:.2e} | {e['p99']:.2e} | {e['max']:.2e} | {e['rms']:.2e} |"
                f" {e['seconds']:.0f} |"
            )
    emit(lines, args.out)


if __name__ == "__main__":
    main()
