# %% [markdown]
# # 1. The Normal model: train a ratio network, look at it, sample with it
#
# The smallest complete example: ``x ~ Normal(mu, sigma)`` with a uniform
# box on ``(mu, sigma)``. We train a ratio network on single draws (by default the package's
# normalized NCE against a learned reference; ``--method cnre`` for plain
# contrastive NRE, CNRE), compare
# its log-ratio landscape with the exact log-likelihood at a fixed ``x`` (they must
# differ by a constant in ``theta``), then sample ``(mu, sigma)`` from 100 observations
# with PyMC and compare with the exact posterior (computed on a grid).
#
# Run: ``python tutorials/01_normal_model.py`` (full budget, a few minutes) or with
# ``--quick`` (seconds; what the tests run).

# %%
import argparse
from pathlib import Path

import numpy as np
from scipy.stats import norm

from hssm_nre import ModelSpec, SimConfig, TrainConfig, make_logp, train
from hssm_nre.scripts import script_argv

METHOD = "nce"
BOX = {"mu": (-5.0, 5.0), "sigma": (0.1, 5.0)}


def normal_simulator(theta, rng):
    """One draw x ~ N(mu, sigma) per parameter row."""
    return theta[:, :1] + theta[:, 1:2] * rng.standard_normal((len(theta), 1))


SPEC = ModelSpec.custom("normal", ["mu", "sigma"], BOX, normal_simulator)


def train_network(quick: bool, seed: int = 0, method: str = METHOD):
    n = 100_000 if quick else 400_000
    cfg = TrainConfig(
        # nce: a learned Gaussian-mixture reference (exact for this model) plus a ratio
        # correction; cnre: many contrastive classes (CNRE, Miller et al. 2022)
        method=method,
        hidden=(64, 64, 64),
        batch_size=512,
        max_epochs=6 if quick else 15,
        K=8 if quick else 32,  # many contrastive classes help CNRE (Miller et al. 2022)
        q_hidden=(32, 32) if quick else (64, 64),
        q_components=2,
        gamma=1.0,
        seed=seed,
        learning_rate=2e-3,
    )
    return train(SPEC, SimConfig(n=n, seed=seed, chunk=50_000, n_jobs=1), cfg, progress=not quick)


def landscape(net, x_obs=2.0, out=None):
    """Log-ratio vs exact log-likelihood on a (mu, sigma) grid at fixed x."""
    mu, sigma = np.meshgrid(np.linspace(-4.5, 4.5, 80), np.linspace(0.6, 2.9, 60))
    theta = np.column_stack([mu.ravel(), sigma.ravel()])
    lr = np.asarray(make_logp(net)(theta, np.full((len(theta), 1), x_obs))).reshape(mu.shape)
    ll = norm.logpdf(x_obs, mu, sigma)
    gap = ll - lr
    keep = ll > ll.max() - 10  # where the likelihood matters
    if out is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 3, figsize=(14, 4))
        for ax, z, title in zip(
            axes,
            [lr, ll, gap],
            ["log-ratio (learned)", "exact log-likelihood", "exact - learned (should be flat)"],
            strict=True,
        ):
            im = ax.pcolormesh(mu, sigma, z, shading="auto", cmap="RdBu_r" if "flat" in title else "viridis")
            ax.set_xlabel("mu")
            ax.set_ylabel("sigma")
            ax.set_title(title)
            fig.colorbar(im, ax=ax)
        fig.tight_layout()
        fig.savefig(out, dpi=100)
        plt.close(fig)
    return float(gap[keep].std())


def exact_posterior(x, n_grid=400):
    """Mean and SD of (mu, sigma) under the uniform box prior, by grid integration."""
    mu = np.linspace(*BOX["mu"], n_grid)
    sg = np.linspace(*BOX["sigma"], n_grid)
    M, S = np.meshgrid(mu, sg, indexing="ij")
    lp = norm.logpdf(x[:, None, None], M, S).sum(0)
    w = np.exp(lp - lp.max())
    w /= w.sum()
    m = np.array([(w * M).sum(), (w * S).sum()])
    sd = np.sqrt(np.array([(w * (M - m[0]) ** 2).sum(), (w * (S - m[1]) ** 2).sum()]))
    return m, sd


def sample_posterior(net, x, draws=1000, chains=2, seed=1):
    import pymc as pm

    from hssm_nre import RatioDistribution

    with pm.Model():
        mu = pm.Uniform("mu", *BOX["mu"])
        sigma = pm.Uniform("sigma", *BOX["sigma"])
        RatioDistribution("x", net, observed=x, mu=mu, sigma=sigma)
        idata = pm.sample(
            draws=draws,
            tune=draws,
            chains=chains,
            nuts_sampler="numpyro",
            random_seed=seed,
            progressbar=False,
            compute_convergence_checks=False,
        )
    post = idata.posterior
    return np.stack([np.asarray(post["mu"]).ravel(), np.asarray(post["sigma"]).ravel()], 1)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default="docs/tutorials/figures")
    ap.add_argument("--method", default=METHOD, choices=["nce", "cnre"])
    args = ap.parse_args(script_argv(temp_out=True) if argv is None else argv)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    net = train_network(args.quick, method=args.method)
    spread = landscape(net, out=Path(args.out) / "normal_landscape.png")
    print(f"SD over theta of (exact - learned) at x=2: {spread:.3f} nats")
    rng = np.random.default_rng(42)
    x = 1.0 + 1.5 * rng.standard_normal(100)
    draws = sample_posterior(net, x, draws=300 if args.quick else 1000)
    m, sd = exact_posterior(x)
    err = np.abs(draws.mean(0) - m) / sd
    for i, p in enumerate(["mu", "sigma"]):
        print(
            f"{p}: ratio {draws[:, i].mean():.3f} +- {draws[:, i].std():.3f}   "
            f"exact {m[i]:.3f} +- {sd[i]:.3f}   |diff|/SD {err[i]:.3f}"
        )
    return {"spread": spread, "err": err, "sd_ratio": draws.std(0) / sd}


# %%
if __name__ == "__main__":  # also in a notebook kernel
    result = main()
