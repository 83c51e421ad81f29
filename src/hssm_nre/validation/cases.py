"""Parameter sets and data sets the validation runs on (one place for all of them)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["PARAMETER_SETS"]

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


# Spread over the box: slow and fast, biased and unbiased, small and large t.
PARAMETER_SETS = {
    "ddm": [
        {"v": 0.5, "a": 1.5, "z": 0.5, "t": 0.3},
        {"v": -1.2, "a": 0.8, "z": 0.35, "t": 0.5},
        {"v": 1.5, "a": 1.0, "z": 0.6, "t": 0.15},
        {"v": 0.0, "a": 2.0, "z": 0.5, "t": 1.0},
        {"v": 2.0, "a": 0.6, "z": 0.7, "t": 0.2},
        {"v": -0.7, "a": 1.2, "z": 0.25, "t": 0.8},
    ]
}


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


# Parameter sets for the reweighting comparison of the extended models: fast and slow, biased and
# unbiased, small and large non-decision time, each model's own parameters low and high.
EXTENDED_SETS = {
    "angle": [
        {"v": 1.0, "a": 1.0, "z": 0.5, "t": 0.3, "theta": 0.3},
        {"v": -1.5, "a": 1.5, "z": 0.35, "t": 0.5, "theta": 0.7},
        {"v": 0.3, "a": 0.8, "z": 0.6, "t": 0.2, "theta": 0.1},
        {"v": 2.0, "a": 2.0, "z": 0.5, "t": 1.0, "theta": 1.0},
    ],
    "weibull": [
        {"v": 1.0, "a": 1.0, "z": 0.5, "t": 0.3, "alpha": 2.0, "beta": 2.0},
        {"v": -1.5, "a": 1.5, "z": 0.35, "t": 0.5, "alpha": 1.0, "beta": 1.0},
        {"v": 0.3, "a": 0.8, "z": 0.6, "t": 0.2, "alpha": 4.0, "beta": 5.0},
        {"v": 2.0, "a": 2.0, "z": 0.5, "t": 1.0, "alpha": 3.0, "beta": 0.8},
    ],
    "ornstein": [
        {"v": 1.0, "a": 1.0, "z": 0.5, "g": 0.5, "t": 0.3},
        {"v": -1.5, "a": 1.5, "z": 0.35, "g": -0.5, "t": 0.5},
        {"v": 0.3, "a": 0.8, "z": 0.6, "g": 0.0, "t": 0.2},
        {"v": 1.0, "a": 2.0, "z": 0.5, "g": 0.9, "t": 1.0},
    ],
    "ddm_sdv": [
        {"v": 1.0, "a": 1.0, "z": 0.5, "t": 0.3, "sv": 0.5},
        {"v": -1.5, "a": 1.5, "z": 0.35, "t": 0.5, "sv": 1.5},
        {"v": 0.3, "a": 0.8, "z": 0.6, "t": 0.2, "sv": 0.1},
        {"v": 2.0, "a": 2.0, "z": 0.5, "t": 1.0, "sv": 1.0},
    ],
    "full_ddm": [
        {"v": 1.0, "a": 1.0, "z": 0.5, "t": 0.5, "sz": 0.1, "sv": 0.5, "st": 0.1},
        {"v": -1.5, "a": 1.5, "z": 0.4, "t": 0.6, "sz": 0.05, "sv": 1.5, "st": 0.2},
        {"v": 0.3, "a": 0.8, "z": 0.6, "t": 0.4, "sz": 0.15, "sv": 0.2, "st": 0.05},
        {"v": 2.0, "a": 2.0, "z": 0.5, "t": 1.0, "sz": 0.1, "sv": 1.0, "st": 0.15},
    ],
    "levy": [
        {"v": 1.0, "a": 1.0, "z": 0.5, "alpha": 1.5, "t": 0.3},
        {"v": -1.5, "a": 1.5, "z": 0.35, "alpha": 1.2, "t": 0.5},
        {"v": 0.3, "a": 0.8, "z": 0.6, "alpha": 1.9, "t": 0.2},
        {"v": 2.0, "a": 2.0, "z": 0.5, "alpha": 1.7, "t": 1.0},
    ],
}
