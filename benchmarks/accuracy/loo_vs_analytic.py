"""LOO and model comparison with the normalized DDM network vs hssm's analytic likelihood.

A normalized network gives true per-trial log-densities, so ``az.loo`` and ``az.compare``
mean what they mean with the analytic likelihood. One 1000-trial data set with a covariate
(v = 0.5 + 0.6 x); two models, ``v ~ 1`` and ``v ~ 1 + x``, each fitted with both likelihoods
(box priors, numpyro NUTS, 2 x 500 draws); then the true model with hssm's default lapse
mixture (``p_outlier = 0.05``) on both. Prints elpd_loo per fit, the ratio - analytic
differences and the two ``az.compare`` tables.

    python benchmarks/accuracy/loo_vs_analytic.py [--trials 1000]
"""

import argparse
import warnings

import arviz as az
import hssm
import numpy as np
import pandas as pd

import hssm_nre  # noqa: F401
from hssm_nre.simulation import simulate_trials
from hssm_nre.store.hub import load_network
from hssm_nre.validation.cases import regression_include
from hssm_nre.validation.sampling import box_priors

FORMULAS = {"v ~ 1": None, "v ~ 1 + x": "v ~ 1 + x"}


def make_data(n: int, seed: int = 21) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    theta = np.column_stack([0.5 + 0.6 * x, np.full(n, 1.1), np.full(n, 0.45), np.full(n, 0.35)])
    obs, ok = simulate_trials("ddm", theta, rng)
    return pd.DataFrame({"rt": obs[ok, 0], "response": obs[ok, 1].astype(int), "x": x[ok]})


def fit(data, kind, net, formula, p_outlier):
    include = [] if formula is None else regression_include()  # v ~ 1 + x, uniform priors
    regression = {d["name"] for d in include}
    kw = {"loglik": net} if kind == "ratio" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = hssm.HSSM(
            data,
            model="ddm",
            loglik_kind=kind,
            include=box_priors(net, regression) + include,
            p_outlier=p_outlier,
            **kw,
        )
        return model.sample(
            sampler="numpyro",
            draws=500,
            tune=500,
            chains=2,
            random_seed=1,
            progressbar=False,
            nuts={"dense_mass": True},
        )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=1000)
    args = ap.parse_args()
    net = load_network("ddm")
    data = make_data(args.trials)
    print(f"network {net.name} {net.card['version']}, {len(data)} trials\n")
    print("| model | lapse | analytic elpd_loo (se) | ratio elpd_loo (se) | ratio - analytic | p_loo a / r |")
    print("|---|---|---|---|---|---|")
    fits = {"analytical": {}, "ratio": {}}
    for name, formula in FORMULAS.items():
        for p_out in (None, 0.05) if formula else (None,):
            res = {}
            for kind in ("analytical", "ratio"):
                idata = fit(data, kind, net, formula, p_out)
                res[kind] = az.loo(idata)
                if p_out is None:
                    fits[kind][name] = idata
            a, r = res["analytical"], res["ratio"]
            print(
                f"| {name} | {p_out} | {a.elpd:.2f} ({a.se:.2f}) | {r.elpd:.2f} ({r.se:.2f}) | "
                f"{r.elpd - a.elpd:+.2f} | {a.p:.2f} / {r.p:.2f} |",
                flush=True,
            )
    for kind in ("analytical", "ratio"):
        cmp_ = az.compare(fits[kind])
        print(f"\naz.compare with the {kind} likelihood:\n")
        cols = [c for c in ("rank", "elpd", "p", "elpd_diff", "dse", "weight") if c in cmp_.columns]
        print(cmp_[cols].round(2).to_string())


if __name__ == "__main__":
    main()
