# %% [markdown]
# # 7. Real data: Cavanagh's theta study, ratio vs analytic, and LOO
#
# hssm's bundled data set ``cavanagh_theta`` (Cavanagh et al., 2011: 3,988 trials of a
# reinforcement-learning test phase, 14 participants, single-trial frontal theta power, high- and
# low-conflict trials). Two hierarchical regressions, each fitted with the shipped DDM ratio
# network (``loglik_kind="ratio"``) and with hssm's analytic likelihood, hssm's defaults
# otherwise and the numpyro sampler:
#
# 1. ``v ~ 1 + theta + (1 | participant_id)``: does trial-by-trial theta power move the drift?
# 2. the same, and ``a ~ 1 + conf + (1 | participant_id)``: a boundary that differs between
#    high- and low-conflict trials.
#
# Model 1's fixed effects are compared across the two likelihoods (a table and overlaid
# posteriors), its fit is checked with hssm's quantile-probability plot, and the two models are
# ranked by LOO under each likelihood. LOO needs a normalized likelihood: the shipped networks
# are normalized densities (a plain ratio network refuses LOO), so the ratio's elpd is on the
# analytic one's scale and the two rankings can be set side by side.
#
# Run: ``python tutorials/07_cavanagh_theta.py [--quick] [--first-only] [--out DIR]``. The full
# run (the whole data set, 2 chains x (500 + 500) per fit, four fits) takes hours on one or two
# cores: model 1 alone took 5,541 s with the ratio likelihood against 335 s with the analytic one
# on one core (an earlier network). ``--first-only`` fits model 1 only.
# ``--quick`` (3 participants x 40 trials, 1 chain x (100 + 100)) checks that the steps run, in
# one to two minutes.

# %%
import argparse
from pathlib import Path

import numpy as np
import pandas as pd

import hssm_nre
from hssm_nre.scripts import script_argv
from hssm_nre.validation.sampling import sample_numpyro

hssm_nre.use_cpu_cores(warn=False)  # chains side by side; before `import hssm` starts JAX

# %% [markdown]
# ## Budgets
#
# ``--quick`` runs tiny budgets on a subset of the data; without it the whole data set and the
# page's budgets run. In a notebook kernel, whose ``sys.argv`` holds the kernel's own flags, the
# quick budget runs, writing to a temporary folder: set ``ARGV = []`` in the cell below for the
# full one (files in the working directory), or ``ARGV = ["--out", "DIR"]``.


# %%
def parse_args(argv=None):
    """The command line's flags; ``--quick`` in a notebook kernel."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=Path("."), help="Where the figures go.")
    ap.add_argument("--quick", action="store_true", help="A data subset and tiny budgets.")
    ap.add_argument(
        "--first-only",
        action="store_true",
        help="Fit model 1 only (minutes instead of hours; LOO then has one model to rank).",
    )
    return ap.parse_args(script_argv(temp_out=True) if argv is None else argv)


ARGV = None  # None: the command line's flags (``--quick`` in a notebook kernel)
args = parse_args(ARGV)
args.out.mkdir(parents=True, exist_ok=True)
print(f"files go to {args.out.resolve()}")
draws, tune, chains = (100, 100, 1) if args.quick else (500, 500, 2)
n_participants, n_trials = (3, 40) if args.quick else (None, None)  # None: all of them
# the quick budget also caps NUTS's trajectories (hssm's default: 2^10 steps) so warm-up stays short
nuts = {"max_tree_depth": 5} if args.quick else {}

# %% [markdown]
# ## The data
#
# One row per trial: ``rt`` (s), ``response`` (``1`` / ``-1``), ``theta`` (z-scored theta
# power), ``conf`` (``HC`` / ``LC``: high / low conflict), ``participant_id``. The quick budget
# keeps the first trials of a few participants.

# %%
import arviz as az
import hssm
import matplotlib.pyplot as plt  # figures are saved, and shown inline in a notebook

data = hssm.load_data("cavanagh_theta")
data["response"] = data["response"].astype(int)
if n_participants is not None:
    keep = data["participant_id"] < n_participants
    data = data[keep].groupby("participant_id").head(n_trials).reset_index(drop=True)
print(f"{len(data)} trials, {data['participant_id'].nunique()} participants")
print(data.groupby(["participant_id", "conf"]).size().unstack().head())

# %% [markdown]
# ## Fitting
#
# One helper fits a model with either likelihood. Priors left out are hssm's defaults (for
# ``ratio`` truncated to the network's training box; hssm prints one note saying which), the
# sampler is numpyro's NUTS, and the pointwise log-likelihood is kept for LOO.

# %%
MODELS = {
    "v ~ theta": [{"name": "v", "formula": "v ~ 1 + theta + (1 | participant_id)"}],
    "v ~ theta, a ~ conf": [
        {"name": "v", "formula": "v ~ 1 + theta + (1 | participant_id)"},
        {"name": "a", "formula": "a ~ 1 + conf + (1 | participant_id)"},
    ],
}
if args.first_only:  # model 2's ratio fit is the long one (its head runs once per trial)
    MODELS = dict(list(MODELS.items())[:1])
KINDS = ("ratio", "analytical")


def fit(name, loglik_kind):
    """Fit one model; return ``(model, idata, seconds)``."""
    model = hssm.HSSM(data, model="ddm", loglik_kind=loglik_kind, include=MODELS[name])
    idata, seconds = sample_numpyro(model, draws, tune, chains, nuts=nuts, log_likelihood=True)
    print(f"{name:22s} {loglik_kind:10s} {seconds:7.1f} s", flush=True)  # a full run takes hours
    return model, idata, seconds


fits = {(name, kind): fit(name, kind) for name in MODELS for kind in KINDS}

# %% [markdown]
# ## Model 1: ratio vs analytic
#
# For each fixed effect (and the participants' SD of the drift), the posterior mean and SD
# under each likelihood, ``|mean diff| / SD`` (SD of the analytic fit) and the SD ratio. The
# issue's target on the full data: within 0.2 SD, SD ratios near 1.


# %%
def compare(idata_ratio, idata_exact, names):
    """Posterior means and SDs side by side."""
    rows = {}
    for n in names:
        r = np.asarray(idata_ratio["posterior"][n]).ravel()
        e = np.asarray(idata_exact["posterior"][n]).ravel()
        rows[n] = {
            "mean ratio": r.mean(),
            "mean analytic": e.mean(),
            "SD ratio": r.std(),
            "SD analytic": e.std(),
            "|diff| / SD": abs(r.mean() - e.mean()) / e.std(),
            "SD ratio / analytic": r.std() / e.std(),
        }
    return pd.DataFrame(rows).T


names = ["v_Intercept", "v_theta", "v_1|participant_id_sigma", "a", "z", "t"]
table = compare(fits["v ~ theta", "ratio"][1], fits["v ~ theta", "analytical"][1], names)
print(table.round(3).to_string())

# %%
pc = az.plot_dist(
    {"ratio": fits["v ~ theta", "ratio"][1], "analytic": fits["v ~ theta", "analytical"][1]},
    var_names=names,
    kind="kde",
)
pc.add_legend("model")
overlay = args.out / "cavanagh_overlay.png"
plt.gcf().savefig(overlay, dpi=80, bbox_inches="tight")

# %% [markdown]
# ## Posterior predictive check
#
# Data simulated from model 1's ratio posterior, against the data: hssm's quantile-probability
# plot (rt quantiles of each response and conflict condition against the response's proportion:
# data as lines, predictive draws as points). Model 1 has no term for conflict, so differences
# between the conditions that the predictions miss are what model 2 is for.

# %%
model1, idata1 = fits["v ~ theta", "ratio"][:2]
model1.sample_posterior_predictive(idata1, draws=20 if args.quick else 100, inplace=True)
plt.figure()  # hssm draws on the current figure
model1.plot_quantile_probability(cond="conf", dt=idata1)
qp = args.out / "cavanagh_qp.png"
plt.gcf().savefig(qp, dpi=80, bbox_inches="tight")
figures = [overlay, qp]

# %% [markdown]
# ## Model comparison by LOO, with each likelihood
#
# ``az.compare`` ranks the two models by their expected log predictive density (PSIS-LOO), once
# with the ratio fits and once with the analytic fits. With a normalized network the ratio's
# ``elpd_loo`` estimates the same quantity as the analytic one's, so the two columns should
# agree (the target: within 2, and the same model first). On the quick budget's few
# draws PSIS warns about its Pareto k; the numbers there only check the plumbing.

# %%
ranking = {}
for kind in KINDS:
    cmp_ = az.compare({name: fits[name, kind][1] for name in MODELS}, round_to="none")
    ranking[kind] = cmp_
    print(f"--- {kind}")
    print(cmp_[["rank", "elpd", "se", "p", "elpd_diff", "dse"]].round(2).to_string())
elpd = pd.DataFrame({kind: ranking[kind]["elpd"] for kind in KINDS}).loc[list(MODELS)]
elpd["ratio - analytic"] = elpd["ratio"] - elpd["analytical"]
print(elpd.round(2).to_string())

# %%
result = {
    "table": table,
    "elpd": elpd,
    "best": {kind: ranking[kind].index[0] for kind in KINDS},
    "seconds": {f"{name} / {kind}": s for (name, kind), (_, _, s) in fits.items()},
    "figures": figures,
    "n_obs": len(data),
}
