# %% [markdown]
# # 2. Regression: a per-observation mean through the same network
#
# One network, trained on single draws of
# ``x ~ Normal(mu, sigma)`` (tutorial 1), serves a regression ``mu_i = b0 + b1 * c_i``:
# the per-observation ``mu_i`` go through the network in one vectorized call. We compare
# the posterior of ``(b0, b1, sigma)`` with the exact one (a Normal linear regression with
# uniform priors, sampled with the exact likelihood in the same PyMC model).
#
# Run: ``python tutorials/02_normal_regression.py [--quick]``.

# %%
import argparse
import importlib.util
from pathlib import Path

import numpy as np

from hssm_nre.scripts import script_argv

HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()  # a kernel runs in its folder
_spec = importlib.util.spec_from_file_location("normal_tut", HERE / "01_normal_model.py")
normal = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(normal)

TRUE = {"b0": 0.5, "b1": 1.2, "sigma": 0.8}


def fit(net, c, x, exact: bool, draws: int):
    import pymc as pm

    from hssm_nre import RatioDistribution

    with pm.Model():
        b0 = pm.Uniform("b0", -2, 2)
        b1 = pm.Uniform("b1", -2, 2)
        sigma = pm.Uniform("sigma", 0.1, 5)
        mu = b0 + b1 * c  # per-observation mean, stays inside the box (|mu| <= 4)
        if exact:
            pm.Normal("x", mu, sigma, observed=x)
        else:
            RatioDistribution("x", net, observed=x, mu=mu, sigma=sigma)
        idata = pm.sample(
            draws=draws,
            tune=draws,
            chains=2,
            nuts_sampler="numpyro",
            random_seed=3,
            progressbar=False,
            compute_convergence_checks=False,
        )
    post = idata.posterior
    return np.stack([np.asarray(post[n]).ravel() for n in ("b0", "b1", "sigma")], 1)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(script_argv() if argv is None else argv)
    net = normal.train_network(args.quick)
    rng = np.random.default_rng(8)
    c = rng.uniform(-1, 1, 200)
    x = TRUE["b0"] + TRUE["b1"] * c + TRUE["sigma"] * rng.standard_normal(200)
    draws = 300 if args.quick else 1000
    a = fit(net, c, x, exact=False, draws=draws)
    b = fit(net, c, x, exact=True, draws=draws)
    err = np.abs(a.mean(0) - b.mean(0)) / b.std(0)
    for i, n in enumerate(("b0", "b1", "sigma")):
        print(
            f"{n}: ratio {a[:, i].mean():.3f} +- {a[:, i].std():.3f}   exact {b[:, i].mean():.3f} +- "
            f"{b[:, i].std():.3f}   |diff|/SD {err[i]:.3f}   (true {TRUE[n]})"
        )
    return {"err": err, "sd_ratio": a.std(0) / b.std(0)}


# %%
if __name__ == "__main__":  # also in a notebook kernel
    result = main()
