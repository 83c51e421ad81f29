# %% [markdown]
# # 5. Train a network for your own simulator and use it in hssm
#
# Any Python function from a parameter array to observations can be a simulator. Here:
# a race between two accumulators with Gaussian noise and exponential finishing times,
# written from scratch in NumPy, with a non-decision time ``t``. We train a normalized
# network for it (the package handles the decision-time shift and the choices) and fit it
# through ``hssm.HSSM(..., loglik_kind="ratio", loglik=net, model_config=...)``.
#
# Run: ``python tutorials/05_custom_simulator_in_hssm.py [--quick]``.

# %%
import argparse

import numpy as np
import pandas as pd

from hssm_nre import ModelSpec, SimConfig, TrainConfig, train
from hssm_nre.scripts import script_argv

BOX = {"v0": (0.5, 3.0), "v1": (0.5, 3.0), "t": (0.1, 0.6)}


def race_simulator(theta, rng):
    """Two exponential racers with rates v0 and v1; the first to finish decides."""
    n = len(theta)
    d0 = rng.exponential(1 / theta[:, 0], n)
    d1 = rng.exponential(1 / theta[:, 1], n)
    rt = np.minimum(d0, d1) + theta[:, 2]
    choice = np.where(d1 < d0, 1.0, -1.0)
    return np.column_stack([rt, choice])


SPEC = ModelSpec.custom(
    "race2exp",
    ["v0", "v1", "t"],
    BOX,
    race_simulator,
    obs_dim=2,
    choices=(-1, 1),
    ndt="t",
    description="two exponential racers",
)


def exact_logp(theta, x):
    """The race's exact density: rate of the winner times survival of both."""
    u = x[:, 0] - theta[:, 2]
    rate = np.where(x[:, 1] > 0, theta[:, 1], theta[:, 0])
    return np.where(u > 0, np.log(rate) - (theta[:, 0] + theta[:, 1]) * u, -np.inf)


def main(argv=None):
    import hssm

    import hssm_nre  # noqa: F401

    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(script_argv() if argv is None else argv)
    net = train(
        SPEC,
        SimConfig(n=40_000 if args.quick else 400_000, n_jobs=1),
        TrainConfig(hidden=(64, 64), max_epochs=3 if args.quick else 20, batch_size=512),
        progress=not args.quick,
    )
    # the network against the exact density, at random parameters and observations
    rng = np.random.default_rng(1)
    th = SPEC.sample_box(2000, rng)
    x = race_simulator(th, rng)
    gap = np.asarray(net.logp(th, x)) - exact_logp(th, x)
    print(f"network - exact log-density: mean {gap.mean():.3f}, SD {gap.std():.3f} nats")

    truth = np.array([1.0, 2.0, 0.3])
    obs = race_simulator(np.tile(truth, (300, 1)), rng)
    data = pd.DataFrame({"rt": obs[:, 0], "response": obs[:, 1].astype(int)})
    model = hssm.HSSM(
        data,
        model="race2exp",
        loglik_kind="ratio",
        loglik=net,
        model_config={"list_params": ["v0", "v1", "t"], "choices": [-1, 1], "bounds": dict(BOX)},
        p_outlier=None,
    )
    idata = model.sample(
        draws=200 if args.quick else 1000, tune=200 if args.quick else 1000, chains=2, progressbar=False
    )
    post = {p: float(np.asarray(idata["posterior"][p]).mean()) for p in ["v0", "v1", "t"]}
    print("posterior means", post, "truth", dict(zip(["v0", "v1", "t"], truth.tolist(), strict=True)))
    return {"gap_sd": float(gap.std()), "post": post, "truth": truth}


# %%
if __name__ == "__main__":  # also in a notebook kernel
    result = main()
