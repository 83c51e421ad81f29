"""Each shipped network's rt density against a histogram of its simulator (and a reference where one exists).

    python benchmarks/accuracy/density_figures.py [--n 50000] [--models ddm angle ...]

For every shipped network, at the first parameter set of its model's validation sets: 50,000 trials
simulated with the training simulator (bridge-corrected, dt = 1e-3), their rt histogram per response
(a defective density: each response's share of the trials), the network's density exp(logp) on a
grid, and the reference likelihood the network was validated against when it covers the model
(analytic, hssm's blackbox or PyDDM). Writes docs/validation/figures/<model>_density.png and prints
one line per model (integral of the network's density over the grid, the largest gap to the
histogram in density units).
"""

import argparse
import time
from pathlib import Path

import numpy as np

from hssm_nre.models import get_model
from hssm_nre.simulation import simulate_trials
from hssm_nre.store.hub import load_network
from hssm_nre.store.shipped import shipped_networks

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "validation" / "figures"


def reference_logp(model: str, theta: np.ndarray, x: np.ndarray):
    """The reference the model's report uses, or None (levy)."""
    from hssm_nre.validation.references import REFERENCES, get_reference

    for kind, models in REFERENCES.items():
        if model in models:
            try:
                return kind, get_reference(model, kind).logp(theta, x)
            except (ImportError, ValueError):
                continue
    return None, None


def figure(name: str, n: int, seed: int = 0) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    net = load_network(name)
    spec = get_model(net.model)
    values = dict(spec.validation_sets[0]) if spec.validation_sets else {}
    box = net.box
    theta = np.array([values.get(p, 0.5 * (lo + hi)) for p, (lo, hi) in box.items()])
    x, ok = simulate_trials(net.model, np.tile(theta, (n, 1)), np.random.default_rng(seed), max_t=100.0)
    x = x[ok]
    top = float(np.quantile(x[:, 0], 0.99))
    grid = np.linspace(1e-3, top, 400)
    fig, ax = plt.subplots(figsize=(7, 3.2))
    worst, mass = 0.0, 0.0
    ref_kind = None
    # the DDM family's 1 and -1 keep their colours; a multi-choice model's responses take C0, C1, ...
    ddm_like = set(net.choices) == {-1, 1}
    pairs = ((1, "C0"), (-1, "C3")) if ddm_like else tuple((c, f"C{i}") for i, c in enumerate(net.choices))
    for resp, color in pairs:
        rts = x[x[:, 1] == resp, 0]
        share = len(rts) / len(x)
        counts, edges = np.histogram(rts, bins=80, range=(0.0, top))
        width = edges[1] - edges[0]
        hist = counts / (len(x) * width)  # defective density: integrates to the response's share
        ax.stairs(
            hist,
            edges,
            color=color,
            alpha=0.45,
            fill=True,
            label=f"simulator, response {resp:g} ({share:.0%})",
        )
        obs = np.column_stack([grid, np.full_like(grid, resp)])
        dens = np.exp(np.asarray(net.logp(np.tile(theta, (len(grid), 1)), obs), np.float64))
        ax.plot(grid, dens, color=color, lw=1.6, label=f"{net.name}, response {resp:g}")
        mass += float(np.trapezoid(dens, grid))
        centers = 0.5 * (edges[1:] + edges[:-1])
        worst = max(worst, float(np.max(np.abs(np.interp(centers, grid, dens) - hist))))
        ref_kind, ref = reference_logp(net.model, theta, obs)
        if ref is not None:
            ax.plot(
                grid,
                np.exp(ref),
                color="k",
                lw=0.9,
                ls="--",
                label=f"reference ({ref_kind})" if resp == max(net.choices) else None,
            )
    params = ", ".join(f"{p} = {v:g}" for p, v in zip(box, theta, strict=True))
    ax.set_title(f"{net.name} at {params}", fontsize=9)
    ax.set_xlabel("rt (s)")
    ax.set_ylabel("density")
    ax.legend(fontsize=7, frameon=False)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{net.model}_density.png"
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    return (
        f"{net.model:9s} {len(x):6d} trials  network mass on [0, {top:.2f} s] {mass:.3f}  "
        f"max |network - histogram| {worst:.3f}  reference {ref_kind or '-'}  -> {path.relative_to(ROOT)}"
    )


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=50_000)
    ap.add_argument("--models", nargs="*", default=None)
    args = ap.parse_args(argv)
    for name in args.models or sorted(shipped_networks()):
        t0 = time.perf_counter()
        line = figure(name, args.n)
        print(f"{line}  ({time.perf_counter() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
