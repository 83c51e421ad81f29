"""Where a network's density goes wrong at one parameter vector: its mass per decision-time bin vs
the simulator's.

    python benchmarks/accuracy/corner_density.py weibull runs/train/weibull \\
        --theta v=-2.5,a=2.5,z=0.8,t=0.001,alpha=4.99,beta=0.31

For each network (a shipped name or a directory), integrates its density over bins of the
decision time (rt minus the earliest onset) for each choice and prints it beside the share of
200,000 simulated trials (the package's simulator, dt 0.001, the network's ``max_t``) in the
same bins. The normalization sweep (``benchmarks/accuracy/normalization_sweep.py``) says *that* a corner
integrates away from one; this says *where* in time the mass is misplaced.
"""

import argparse

import numpy as np

from hssm_nre.models import get_model
from hssm_nre.simulation import simulate_trials
from hssm_nre.store.hub import load_network
from hssm_nre.validation.metrics import decision_densities

EDGES = np.array([0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.7, 1, 2, 5, 100])


def mass_table(net, theta: np.ndarray, n_sim: int = 200_000, seed: int = 1, n_grid: int = 8000):
    """Rows ``(choice, bin, network mass, simulated share)`` at ``theta`` (network order)."""
    max_t = float(net.card["simulation"]["max_t"])
    rng = np.random.default_rng(seed)
    x, ok = simulate_trials(get_model(net.model), np.repeat(theta[None], n_sim, 0), rng, dt=1e-3, max_t=max_t)
    x = x[ok]
    u = np.exp(np.linspace(np.log(1e-4), np.log(max_t), n_grid))
    first, dens = decision_densities(net, theta, u)
    edges = EDGES[EDGES <= max_t]
    rows = []
    for c, d in dens.items():
        cum = np.concatenate([[0.0], np.cumsum(0.5 * (d[1:] + d[:-1]) * np.diff(u))])
        net_mass = np.diff(np.interp(edges, u, cum))
        sim_mass = np.histogram(x[x[:, 1] == c, 0] - first, edges)[0] / n_sim
        rows += [
            (c, f"{lo:g}-{hi:g}", m, s)
            for lo, hi, m, s in zip(edges[:-1], edges[1:], net_mass, sim_mass, strict=True)
        ]
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("networks", nargs="+")
    p.add_argument("--theta", required=True, help="name=value,... in any order")
    args = p.parse_args(argv)
    given = dict(kv.split("=") for kv in args.theta.split(","))
    for src in args.networks:
        net = load_network(src)
        theta = np.array([float(given[k]) for k in net.params])
        rows = mass_table(net, theta)
        print(f"\n{net.name} at {args.theta}")
        print("| choice | rt - t (s) | network | simulated |\n|---|---|---|---|")
        for c, b, m, s in rows:
            if max(m, s) >= 0.0005:
                print(f"| {c:g} | {b} | {m:.4f} | {s:.4f} |")
        for c in net.choices:
            m = sum(r[2] for r in rows if r[0] == c)
            s = sum(r[3] for r in rows if r[0] == c)
            print(f"| {c:g} | total | {m:.4f} | {s:.4f} |")


if __name__ == "__main__":
    main()
