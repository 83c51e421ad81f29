# %% [markdown]
# # 0. Fit your own data: from a CSV to a checked fit
#
# The steps of ``docs/getting-started.md``, run end to end: a CSV in hssm's data format, a
# hierarchical DDM with the shipped ratio network, convergence diagnostics (R-hat, ESS), a
# posterior predictive check as hssm's quantile-probability plot, and LOO. The CSV here is
# simulated so that the page can show real output; point ``--csv`` at your own file.
#
# Run: ``python tutorials/00_fit_your_own_data.py [--csv my_data.csv] [--quick] [--out DIR]``, or
# open it as a notebook (jupytext reads the ``# %%`` cells).

# %%
import argparse
from pathlib import Path

import numpy as np
import pandas as pd

import hssm_nre  # noqa: F401  (registers loglik_kind="ratio")
from hssm_nre.scripts import script_argv

# %% [markdown]
# ## The data format
#
# One row per trial: ``rt`` in seconds (positive), ``response`` coded ``-1`` (lower
# boundary) / ``1`` (upper boundary), plus any covariates and ``participant_id`` for a
# hierarchy. Responses coded 0/1 must be recoded: ``df["response"] = 2 * df["response"] - 1``.


# %%
def example_csv(path: Path, n_participants: int = 3, n_trials: int = 60, seed: int = 1) -> Path:
    """Write a CSV like an experiment's: two conditions, a drift that differs between them."""
    import hssm

    rng = np.random.default_rng(seed)
    rows = []
    for pid in range(n_participants):
        shift = rng.normal(0, 0.2)  # each participant's own drift
        for condition, v in (("easy", 1.0), ("hard", 0.3)):
            sim = hssm.simulate_data(
                model="ddm",
                theta={"v": v + shift, "a": 1.4, "z": 0.5, "t": 0.3},
                size=n_trials,
                random_state=int(rng.integers(2**31)),
            )
            rows.append(sim.assign(condition=condition, participant_id=pid))
    pd.concat(rows, ignore_index=True).to_csv(path, index=False)
    return path


# %% [markdown]
# ## Budgets
#
# ``--quick`` runs tiny budgets (checks that the steps run, about a minute); without it the
# page's budgets run. In a notebook kernel, whose ``sys.argv`` holds the kernel's own flags,
# the quick budget runs, writing to a temporary folder: set ``ARGV = []`` in the cell below for
# the full one (files in the working directory), or ``ARGV = ["--out", "DIR"]``.


# %%
def parse_args(argv=None):
    """The command line's flags; ``--quick`` in a notebook kernel."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", type=Path, default=None, help="Your CSV (default: a simulated one).")
    ap.add_argument("--out", type=Path, default=Path("."), help="Where the figures go.")
    ap.add_argument("--quick", action="store_true", help="Tiny budgets: checks the steps run.")
    return ap.parse_args(script_argv(temp_out=True) if argv is None else argv)


ARGV = None  # None: the command line's flags (``--quick`` in a notebook kernel)
args = parse_args(ARGV)
args.out.mkdir(parents=True, exist_ok=True)
print(f"files go to {args.out.resolve()}")
draws, tune, chains = (30, 30, 2) if args.quick else (500, 500, 2)

# %%
import arviz as az
import hssm
import matplotlib.pyplot as plt  # figures are saved, and shown inline in a notebook

csv = args.csv or example_csv(args.out / "my_data.csv", n_trials=20 if args.quick else 60)
data = pd.read_csv(csv)
data["response"] = data["response"].astype(int)
print(data.head())
print(data.groupby(["participant_id", "condition"]).size().unstack())

# %% [markdown]
# ## The model
#
# The drift depends on the condition, with a random intercept per participant; ``a``,
# ``z`` and ``t`` are shared. Priors left out are hssm's defaults truncated to the
# network's training box (hssm prints one note saying which).

# %%
model = hssm.HSSM(
    data,
    model="ddm",
    loglik_kind="ratio",
    include=[{"name": "v", "formula": "v ~ 1 + condition + (1 | participant_id)"}],
)
idata = model.sample(draws=draws, tune=tune, chains=chains, random_seed=0, progressbar=False)
print(idata.attrs["hssm_nre_network"], idata.attrs["hssm_nre_network_sha256"][:12])

# %% [markdown]
# ## Diagnostics: R-hat near 1 (below 1.01) and a bulk ESS of a few hundred per parameter

# %%
names = ["v_Intercept", "v_condition", "v_1|participant_id_sigma", "a", "z", "t"]
names = [n for n in names if n in idata["posterior"]]
summary = az.summary(idata, var_names=names)
print(summary.to_string())

# %% [markdown]
# ## Posterior predictive check: the quantile-probability plot
#
# For each condition and response, the 10/30/50/70/90 % rt quantiles against the
# response's proportion: data (lines) and posterior predictive draws (points).

# %%
model.sample_posterior_predictive(idata, draws=20 if args.quick else 100, inplace=True)
model.plot_quantile_probability(cond="condition", dt=idata)
qp = args.out / "getting_started_qp.png"
plt.gcf().savefig(qp, dpi=90, bbox_inches="tight")
az.plot_trace(idata, var_names=["v_Intercept", "v_condition", "a", "t"])
trace = args.out / "getting_started_trace.png"
plt.gcf().savefig(trace, dpi=70, bbox_inches="tight")
figures = [qp, trace]

# %% [markdown]
# ## LOO
#
# The shipped networks are normalized densities, so hssm's log-likelihood group and
# ``az.loo`` / ``az.compare`` are meaningful (a plain ratio network refuses them).

# %%
loo = az.loo(idata)
print(loo)
