"""Parameter sets and data sets the validation runs on (one place for all of them)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hssm_nre.models import MODELS

__all__ = ["EXTENDED_SETS", "PARAMETER_SETS"]

TRUE = {"v_Intercept": 0.5, "v_x": 0.8, "a": 1.0, "z": 0.45, "t": 0.3}


def simulate_regression_data(n_trials: int, seed: int = 1) -> pd.DataFrame:
    """DDM trials whose drift depends on a covariate: v = 0.5 + 0.8 x."""
    from hssm_nre.simulation import simulate_trials

    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n_trials)
    v = TRUE["v_Intercept"] + TRUE["v_x"] * x
    theta = np.column_stack(
        [
            v,
            np.full(n_trials, TRUE["a"]),
            np.full(n_trials, TRUE["z"]),
            np.full(n_trials, TRUE["t"]),
        ]
    )
    obs, ok = simulate_trials("ddm", theta, rng)
    return pd.DataFrame({"rt": obs[ok, 0], "response": obs[ok, 1].astype(int), "x": x[ok]})


def regression_include() -> list[dict]:
    """Return the demo's regression on v, with uniform priors on its coefficients."""
    return [
        {
            "name": "v",
            "formula": "v ~ 1 + x",
            "prior": {
                "Intercept": {"name": "Uniform", "lower": -1.5, "upper": 1.5},
                "x": {"name": "Uniform", "lower": -1.5, "upper": 1.5},
            },
        }
    ]


# The parameter sets live in each model's ModelSpec (``validation_sets``); these are views of them.
# The DDM's report (``report.run_validation``) runs on PARAMETER_SETS; every other model's (the
# reweighting comparison of ``report.run_reference_validation``) on EXTENDED_SETS.
PARAMETER_SETS = {"ddm": [dict(s) for s in MODELS["ddm"].validation_sets]}


def _regression_case(n_trials: int, seed: int):
    from hssm_nre.validation.cases import TRUE, regression_include, simulate_regression_data

    return simulate_regression_data(n_trials, seed), regression_include(), TRUE


# Validation data run to 100 s of decision time: slower trials are dropped, and dropping them
# conditions the data on finishing early, which biases the exact likelihood's posterior too
# (at a = 2.5, v = 0 a 20 s limit drops 2.4 % of DDM trials; 100 s drops about 1e-8).
VALIDATION_MAX_T = 100.0


CALIBRATION_PRIOR = {
    "ddm": {"v": (-2.0, 2.0), "a": (0.5, 2.0), "z": (0.3, 0.7), "t": (0.1, 0.5)},
    "levy": {"v": (-2.0, 2.0), "a": (0.5, 2.0), "z": (0.3, 0.7), "alpha": (1.2, 1.9), "t": (0.1, 0.5)},
}


# Parameter sets for the reweighting comparison of the extended models (every registry model but
# ddm that has validation sets), in registry order.
EXTENDED_SETS = {
    name: [dict(s) for s in spec.validation_sets]
    for name, spec in MODELS.items()
    if name not in PARAMETER_SETS and spec.validation_sets
}
