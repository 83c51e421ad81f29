"""Helpers shared by benchmarks in more than one group (``speed/``, ``accuracy/``).

A script imports them after putting ``benchmarks/`` on ``sys.path``::

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from common import timeit  # noqa: E402
"""

import argparse
import time
from pathlib import Path

import jax
import jax.numpy as jnp

# HSSM's DDM LAN (ONNX), the cost reference of the speed benchmarks; not part of the repository.
LAN = Path(__file__).resolve().parents[2] / "shared" / "peers" / "ddm_lan.onnx"


def lan_jax(per_trial: tuple[bool, ...] = (False,) * 4):
    """HSSM's DDM LAN through hssm's own ONNX-to-JAX path, summed over trials, or ``None`` without the file.

    ``f(data, v, a, z, t)``; ``per_trial`` flags the parameters given one value per trial.
    """
    if not LAN.exists():
        return None
    from hssm.distribution_utils.onnx import make_jax_logp_funcs_from_onnx

    lan_f, _, _ = make_jax_logp_funcs_from_onnx(str(LAN), list(per_trial))
    return lambda d, *p: lan_f(d, *p).sum()


def network_args(doc: str, sets: int, extra=None):
    """Command line of a benchmark over the shipped networks, and those networks: ``(args, {name: net})``.

    Flags: ``--models`` (default: every shipped network), ``--sets``, ``--trials``, ``--rounds``, ``--out``;
    ``extra(parser)`` may add the script's own.
    """
    from hssm_nre.store.hub import load_network
    from hssm_nre.store.shipped import shipped_networks

    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument(
        "--models",
        nargs="*",
        default=None,
        help="shipped networks or network directories (default: every shipped network)",
    )
    ap.add_argument("--sets", type=int, default=sets, help="simulated data sets per network")
    ap.add_argument("--trials", type=int, default=2000, help="trials per data set")
    ap.add_argument("--rounds", type=int, default=9, help="timing rounds")
    ap.add_argument("--out", type=Path, default=None)
    if extra is not None:
        extra(ap)
    args = ap.parse_args()
    return args, {m: load_network(m) for m in args.models or sorted(shipped_networks())}


def timeit(f, *args, reps=200):
    """Seconds per call of the jitted ``f(*args)``, after one warm-up call (compilation)."""
    jax.block_until_ready(f(*args))
    t0 = time.perf_counter()
    for _ in range(reps):
        out = f(*args)
    jax.block_until_ready(out)
    return (time.perf_counter() - t0) / reps


def interleaved_times(fns, rounds=7, target_s=0.05):
    """Median seconds per call of each jitted function, measured in turns so that load hits all alike.

    ``fns`` maps a key to ``(f, args)``. Each round times every function once, in order, for
    about ``target_s`` seconds; the median over rounds is returned per key.
    """
    import numpy as np

    reps = {}
    for k, (f, args) in fns.items():
        jax.block_until_ready(f(*args))  # compile
        t0 = time.perf_counter()
        jax.block_until_ready(f(*args))
        reps[k] = max(1, int(target_s / max(time.perf_counter() - t0, 1e-6)))
    samples = {k: [] for k in fns}
    for _ in range(rounds):
        for k, (f, args) in fns.items():
            t0 = time.perf_counter()
            for _ in range(reps[k]):
                out = f(*args)
            jax.block_until_ready(out)
            samples[k].append((time.perf_counter() - t0) / reps[k])
    return {k: float(np.median(v)) for k, v in samples.items()}


def analytic_jax(per_trial: tuple[str, ...] = ()):
    """hssm's analytic DDM log-likelihood (summed over trials) as a JAX function ``f(data, v, a, z, t)``.

    Built from hssm's own ``logp_ddm`` through pytensor's JAX backend (float64). The parameters
    named in ``per_trial`` are vectors (one value per trial, a regression), the others scalars.
    """
    import pytensor
    import pytensor.tensor as pt
    from hssm.likelihoods.analytical import logp_ddm
    from pytensor.link.jax.dispatch import jax_funcify

    data = pt.dmatrix("data")
    v, a, z, t = (pt.dvector(n) if n in per_trial else pt.dscalar(n) for n in "vazt")
    out = logp_ddm(data, v, a, z, t).sum()
    fg = pytensor.function([data, v, a, z, t], out, mode="JAX")
    fn = jax_funcify(fg.maker.fgraph)
    return lambda d, *p: fn(d, *p)[0]


def emit(lines, out=None):
    """Print a Markdown table (a list of lines) and write it to ``out`` when given."""
    text = "\n".join(lines)
    print(text)
    if out:
        out.write_text(text + "\n")


def peer_lan(model: str = "ddm"):
    """Path of HSSM's LAN for ``model`` in ``../shared/peers/`` (never committed), or None when absent."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "shared" / "peers" / f"{model}_lan.onnx"
    return path if path.exists() else None


def cost_rows(nets, cost, columns, variants=("per trial", "table")):
    """Markdown rows ``| net@version | a / b | ...``: each network's variants per column.

    ``cost[column]`` maps ``(name, variant)`` (and ``"lan"``, ``"analytic"``) to seconds; the
    cells are in units of the LAN of that column, in milliseconds without one. A last line gives
    LAN / analytic per column when both were timed.
    """
    lines = []
    for m, net in nets.items():
        cells = []
        for col in columns:
            ref = cost[col].get("lan")
            times = [cost[col][(m, v)] for v in variants]
            cells.append(
                " / ".join(f"{t / ref:.2f}" for t in times)
                if ref
                else " / ".join(f"{t * 1e3:.2f}" for t in times) + " ms"
            )
        lines.append(f"| {m}@{net.card['version']} | " + " | ".join(cells) + " |")
    if all("lan" in cost[c] and "analytic" in cost[c] for c in columns):
        lines += [
            "",
            "LAN / analytic (the same design): "
            + ", ".join(f"{label(c)}: {cost[c]['lan'] / cost[c]['analytic']:.2f}" for c in columns),
        ]
    return lines


def label(column) -> str:
    """A cost column's name: ``2000`` trials, or ``(groups, per_group)`` as ``20 x 200``."""
    return " x ".join(map(str, column)) if isinstance(column, tuple) else str(column)


def table_errors(f_direct, f_table, coef):
    """Error of a tabulated log-likelihood against the direct one at the coefficients ``coef``.

    ``f(coef)`` gives per-trial log-likelihoods. Returns the largest per-trial |error|, the
    |error| of the sum (finite trials) and the largest relative error of the gradient of the sum.
    """
    import numpy as np

    a, b = f_direct(coef), f_table(coef)
    ok = np.isfinite(np.asarray(a))
    per_trial = float(np.max(np.abs(np.asarray(a - b)[ok])))
    total = abs(float(jnp.sum(a[ok]) - jnp.sum(b[ok])))
    ga = np.asarray(jax.grad(lambda c: jnp.sum(f_direct(c)))(coef))
    gb = np.asarray(jax.grad(lambda c: jnp.sum(f_table(c)))(coef))
    return per_trial, total, float(np.max(np.abs(ga - gb) / (np.abs(ga) + 1.0)))


# How many nodes a table reads per value (``hssm_nre.net.table``), by name.
READ = {0: "Chebyshev", 4: "cubic", 6: "quintic"}


def size_pair(spec: str) -> tuple[int, int]:
    """``"20x200"`` (groups x trials per group, ``--sizes``) as ``(20, 200)``."""
    groups, per_group = (int(v) for v in spec.lower().split("x"))
    return groups, per_group


def table_settings(specs) -> list[tuple[int, ...]]:
    """``["128:6", "48:6:32", ...]`` (nodes:points[:fastest[:slowest]], --nodes / --head) as tuples."""
    return [tuple(int(v) for v in k.split(":")) for k in specs]
