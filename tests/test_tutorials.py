"""The tutorials run (small budgets) and their numbers are sane; full budgets are slow tests."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

TUT = Path(__file__).parents[1] / "tutorials"


def load(name):
    spec = importlib.util.spec_from_file_location(name, TUT / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_normal_tutorial_quick(tmp_path):
    res = load("01_normal_model").main(["--quick", "--out", str(tmp_path)])
    assert (tmp_path / "normal_landscape.png").is_file()
    # A seconds-long training: a plumbing check that still catches gross errors (a swapped or
    # mis-scaled parameter is off by tens of SDs). Accuracy is measured by the full run.
    assert np.all(res["err"] < 3.0)
    assert np.all((res["sd_ratio"] > 0.5) & (res["sd_ratio"] < 2.0))


@pytest.mark.slow
def test_normal_posterior_matches_exact(tmp_path):
    res = load("01_normal_model").main(["--out", str(tmp_path)])
    assert np.all(res["err"] < 0.1), res
    assert np.all((res["sd_ratio"] > 0.9) & (res["sd_ratio"] < 1.1)), res


def test_normal_regression_tutorial_quick():
    res = load("02_normal_regression").main(["--quick"])
    assert np.all(res["err"] < 3.0)  # quick budget: see test_normal_tutorial_quick
    assert np.all((res["sd_ratio"] > 0.5) & (res["sd_ratio"] < 2.0))


def test_custom_simulator_tutorial_quick():
    res = load("05_custom_simulator_in_hssm").main(["--quick"])
    assert res["gap_sd"] < 1.0  # a seconds-long training; the full run is far closer
    assert abs(res["post"]["t"] - 0.3) < 0.05
    assert abs(res["post"]["v1"] - 2.0) < 0.6


def test_pull_and_offline_tutorial():
    res = load("06_pull_and_offline").main([])
    assert res["offline_path"] == res["path"] and (res["path"] / "card.json").is_file()
    assert np.isfinite(res["value"])


def test_angle_hierarchical_tutorial_quick():
    res = load("04_angle_regression_hierarchical").main(["--quick", "--train"])
    assert res["ll_shape"][-1] == res["n_obs"]
    assert abs(res["summary"]["v_x"] - 0.6) < 0.4  # the covariate effect is recovered even so


def test_ddm_side_by_side_tutorial_quick(tmp_path):
    cmp_ = load("03_ddm_ratio_vs_analytical").main(["--quick", "--out", str(tmp_path)])
    assert (tmp_path / "ddm_ratio_vs_analytical.png").is_file()
    assert cmp_.table.abs_diff_over_sd.max() < 1.5  # the shipped network, 200 trials
    assert 0.7 < cmp_.table.sd_ratio_over_exact.min() and cmp_.table.sd_ratio_over_exact.max() < 1.4


@pytest.mark.slow  # about 90 s on two cores: a hierarchical fit, predictive draws, LOO
@pytest.mark.filterwarnings("ignore:Numba will use object mode:UserWarning")
@pytest.mark.filterwarnings("ignore:Estimated shape parameter of Pareto:UserWarning")
def test_fit_your_own_csv_as_the_getting_started_page_does(tmp_path):
    res = load("00_fit_your_own_data").main(["--quick", "--out", str(tmp_path)])
    assert (tmp_path / "my_data.csv").is_file() and res["n"] == 120
    assert res["idata"].attrs["hssm_nre_network"].startswith("ddm@")
    assert {"r_hat", "ess_bulk"} <= set(res["summary"].columns)
    assert res["summary"].loc["v_condition[hard]", "mean"] < 0  # the hard condition's lower drift
    assert all(p.is_file() and p.stat().st_size > 10_000 for p in res["figures"])
    assert np.isfinite(res["loo"].elpd)
