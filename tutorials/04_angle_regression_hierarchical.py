# %% [markdown]
# # 4. A non-DDM model in hssm: angle, with a regression and a hierarchy
#
# The angle model (linearly collapsing boundaries) has no analytic likelihood. With
# ``loglik_kind="ratio"`` it is fitted exactly like any hssm model: here a regression of
# ``v`` on a covariate with a random intercept per participant. If the package ships an
# angle network it is used; otherwise (or with ``--train``) a network is trained first
# (``--quick`` trains a small one in about a minute: fine for the plumbing, not for science;
# ``hssm-nre train angle`` builds a full one).
#
# Run: ``python tutorials/04_angle_regression_hierarchical.py [--quick] [--train]``.

# %%
import argparse

import numpy as np
import pandas as pd

import hssm_nre  # noqa: F401
from hssm_nre import SimConfig, TrainConfig, simulate_trials, train
from hssm_nre.scripts import script_argv
from hssm_nre.store.shipped import shipped_networks


def simulate_hierarchical(n_subjects=6, n_trials=100, seed=0):
    """Angle data with v = 0.5 + 0.6 x + u_subject, u ~ N(0, 0.3)."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_subjects):
        x = rng.uniform(-1, 1, n_trials)
        v = 0.5 + 0.6 * x + rng.normal(0, 0.3)
        theta = np.column_stack(
            [
                v,
                np.full(n_trials, 1.2),
                np.full(n_trials, 0.5),
                np.full(n_trials, 0.3),
                np.full(n_trials, 0.4),
            ]
        )
        obs, ok = simulate_trials("angle", theta, rng)
        rows.append(
            pd.DataFrame(
                {"rt": obs[ok, 0], "response": obs[ok, 1].astype(int), "x": x[ok], "participant_id": s}
            )
        )
    return pd.concat(rows, ignore_index=True)


def main(argv=None):
    import hssm

    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--train", action="store_true")
    args = ap.parse_args(script_argv() if argv is None else argv)
    if "angle" in shipped_networks() and not args.train:
        loglik = "angle"
    else:
        n = 100_000 if args.quick else 2_000_000
        loglik = train(
            "angle",
            SimConfig(n=n, chunk=25_000),
            TrainConfig(
                hidden=(64, 64) if args.quick else (128, 128, 128, 128),
                max_epochs=2 if args.quick else 30,
                batch_size=512 if args.quick else 1024,
            ),
            progress=not args.quick,
        )
    data = simulate_hierarchical(n_trials=60 if args.quick else 150)
    model = hssm.HSSM(
        data,
        model="angle",
        loglik_kind="ratio",
        loglik=loglik,
        include=[{"name": "v", "formula": "v ~ 1 + x + (1 | participant_id)"}],
    )
    print(model)
    draws = 150 if args.quick else 1000
    idata = model.sample(draws=draws, tune=draws, chains=2, progressbar=False)
    post = idata["posterior"]
    summary = {k: float(np.asarray(post[k]).mean()) for k in ("v_Intercept", "v_x", "a", "theta", "t")}
    print("posterior means:", summary, " truth: v_Intercept 0.5, v_x 0.6, a 1.2, theta 0.4, t 0.3")
    ll = idata["log_likelihood"]
    return {
        "summary": summary,
        "n_obs": len(data),
        "ll_shape": tuple(next(iter(ll.data_vars.values())).shape),
    }


# %%
if __name__ == "__main__":  # also in a notebook kernel
    result = main()
