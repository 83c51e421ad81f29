"""NUTS effective samples per second, ratio vs analytical, same data, same run.

numpyro NUTS (dense mass matrix), box priors, no lapse; ESS is arviz's bulk ESS, the
minimum over (v, a, z, t); time is the whole ``model.sample`` call (compilation included).

    python benchmarks/speed/sampling_speed.py [--trials 500 5000] [--draws 500] [--network ddm]
"""

import argparse

import arviz as az
import numpy as np

from hssm_nre.store.hub import load_network
from hssm_nre.validation.sampling import fit_hssm, simulate_dataset


def min_ess(idata, names):
    """Smallest bulk ESS over the named variables."""
    ess = az.ess(idata, var_names=names)
    post = ess["posterior"] if "posterior" in getattr(ess, "children", {}) else ess
    return min(float(np.min(np.asarray(post[n]))) for n in names)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, nargs="+", default=[500, 5000])
    ap.add_argument("--draws", type=int, default=500)
    ap.add_argument("--network", default="ddm", help="shipped name or a network directory")
    args = ap.parse_args()
    net = load_network(args.network)
    print(net.name)
    names = list(net.params)
    print("| trials | analytical ESS/s | ratio ESS/s | ratio / analytical |")
    print("|---|---|---|---|")
    for n in args.trials:
        data = simulate_dataset(net, {"v": 0.5, "a": 1.0, "z": 0.5, "t": 0.3}, n, seed=11)
        res = {}
        for kind in ("analytical", "ratio"):
            idata, sec = fit_hssm(data, kind, net, draws=args.draws, tune=args.draws, chains=2)
            res[kind] = min_ess(idata, names) / sec
        print(
            f"| {n} | {res['analytical']:.1f} | {res['ratio']:.1f} | {res['ratio'] / res['analytical']:.2f} |"
        )


if __name__ == "__main__":
    main()
