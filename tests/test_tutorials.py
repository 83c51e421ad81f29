"""The tutorials run as notebooks (small budgets) and their numbers are sane; full budgets are slow.

The tutorials are ``# %%`` scripts that the docs render as notebooks (mkdocs-jupyter through
jupytext). Most tests run their code cells in order in this process, as a kernel would: no
``__file__``, ``__name__ == "__main__"``, the tutorials' folder as working directory, the budget
from ``sys.argv``. One cheap notebook (and, in the slow suite, every other one) runs in a real
Jupyter kernel, where ``sys.argv`` holds the kernel's flags and the quick budget is the default.
"""

import importlib.util
import re
import sys
from pathlib import Path

import jupytext
import numpy as np
import pytest

TUT = Path(__file__).parents[1] / "tutorials"
NOTEBOOKS = sorted(p.stem for p in TUT.glob("[0-9][0-9]_*.py"))


def load(name):
    spec = importlib.util.spec_from_file_location(name, TUT / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# sys.argv in a Jupyter kernel: the tutorials then take their quick budget
KERNEL_ARGV = ["/venv/lib/python3/site-packages/ipykernel_launcher.py", "-f", "/tmp/kernel-1.json"]


def run_cells(name, argv, monkeypatch):
    """Run the notebook's code cells top to bottom in one namespace; return the namespace.

    ``argv``: the command line's flags, or ``None`` for a kernel's ``sys.argv``.
    """
    nb = jupytext.read(TUT / f"{name}.py")
    monkeypatch.chdir(TUT)
    monkeypatch.setattr(sys, "argv", KERNEL_ARGV if argv is None else [f"{name}.py", *argv])
    ns = {"__name__": "__main__"}
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    for i, src in enumerate(code):
        exec(compile(src, f"{name}.py [cell {i}]", "exec"), ns)  # noqa: S102 - the tutorial's own code
    return ns


def run_in_kernel(name, timeout=600):
    """Execute the notebook in a Jupyter kernel (nbclient); raise on the first failing cell."""
    from nbclient import NotebookClient

    nb = jupytext.read(TUT / f"{name}.py")
    before = sorted(TUT.iterdir())
    NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(TUT)}}
    ).execute()
    assert sorted(TUT.iterdir()) == before, "a notebook run in a kernel wrote into tutorials/"
    return nb


def printed(nb):
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


def test_every_tutorial_is_a_notebook():
    assert NOTEBOOKS[0] == "00_fit_your_own_data" and len(NOTEBOOKS) == 8
    for name in NOTEBOOKS:
        nb = jupytext.read(TUT / f"{name}.py")
        assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
        for cell in nb.cells:
            if cell.cell_type == "code":
                compile(cell.source, name, "exec")  # a cell marker inside a function would break this
            else:
                assert not cell.source.startswith(" "), f"{name}: an indented markdown cell"


def test_pull_and_offline_notebook_in_a_kernel():
    # the cheap tutorial runs in a real kernel in the default suite: kernel argv, no __file__
    out = printed(run_in_kernel("06_pull_and_offline"))
    pulled = re.search(r"pulled to (\S+)", out).group(1)
    offline = re.search(r"offline: normal-demo@1.0.0 loaded from (\S+); .*: (\S+)\n", out)
    assert offline.group(1) == pulled and (Path(pulled) / "card.json").is_file()
    assert np.isfinite(float(offline.group(2)))
    assert "OfflineError: network normal-demo@1.0.0 is not in the cache" in out


@pytest.mark.slow  # minutes: every other tutorial, quick budget, in a Jupyter kernel
@pytest.mark.parametrize("name", [n for n in NOTEBOOKS if not n.startswith("06")])
def test_tutorial_notebook_in_a_kernel(name):
    run_in_kernel(name, timeout=1200)


def test_normal_tutorial_quick(tmp_path, monkeypatch):
    res = run_cells("01_normal_model", ["--quick", "--out", str(tmp_path)], monkeypatch)["result"]
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


def test_normal_regression_tutorial_quick(monkeypatch):
    res = run_cells("02_normal_regression", None, monkeypatch)["result"]  # a kernel: the quick budget
    assert np.all(res["err"] < 3.0)  # quick budget: see test_normal_tutorial_quick
    assert np.all((res["sd_ratio"] > 0.5) & (res["sd_ratio"] < 2.0))


def test_custom_simulator_tutorial_quick(monkeypatch):
    res = run_cells("05_custom_simulator_in_hssm", None, monkeypatch)["result"]  # as in a kernel
    assert res["gap_sd"] < 1.0  # a seconds-long training; the full run is far closer
    assert abs(res["post"]["t"] - 0.3) < 0.05
    assert abs(res["post"]["v1"] - 2.0) < 0.6


def test_angle_hierarchical_tutorial_quick(monkeypatch):
    res = run_cells("04_angle_regression_hierarchical", ["--quick", "--train"], monkeypatch)["result"]
    assert res["ll_shape"][-1] == res["n_obs"]
    assert abs(res["summary"]["v_x"] - 0.6) < 0.4  # the covariate effect is recovered even so


def test_ddm_side_by_side_tutorial_quick(tmp_path, monkeypatch):
    cmp_ = run_cells("03_ddm_ratio_vs_analytical", ["--quick", "--out", str(tmp_path)], monkeypatch)["result"]
    assert (tmp_path / "ddm_ratio_vs_analytical.png").is_file()
    assert cmp_.table.abs_diff_over_sd.max() < 1.5  # the shipped network, 200 trials
    assert 0.7 < cmp_.table.sd_ratio_over_exact.min() and cmp_.table.sd_ratio_over_exact.max() < 1.4


@pytest.mark.slow  # about 90 s on two cores: a hierarchical fit, predictive draws, LOO
@pytest.mark.filterwarnings("ignore:Numba will use object mode:UserWarning")
@pytest.mark.filterwarnings("ignore:Estimated shape parameter of Pareto:UserWarning")
def test_fit_your_own_csv_as_the_getting_started_page_does(tmp_path, monkeypatch):
    res = run_cells("00_fit_your_own_data", ["--quick", "--out", str(tmp_path)], monkeypatch)
    assert (tmp_path / "my_data.csv").is_file() and len(res["data"]) == 120
    assert res["idata"].attrs["hssm_nre_network"].startswith("ddm@")
    assert {"r_hat", "ess_bulk"} <= set(res["summary"].columns)
    assert res["summary"].loc["v_condition[hard]", "mean"] < 0  # the hard condition's lower drift
    assert all(p.is_file() and p.stat().st_size > 10_000 for p in res["figures"])
    assert np.isfinite(res["loo"].elpd)


@pytest.mark.filterwarnings("ignore:Numba will use object mode:UserWarning")
@pytest.mark.filterwarnings("ignore:Estimated shape parameter of Pareto:UserWarning")
@pytest.mark.filterwarnings("ignore:For one or more samples the posterior variance:UserWarning")
def test_cavanagh_theta_tutorial_quick(tmp_path, monkeypatch):
    # hssm's real data, 3 participants x 40 trials, 1 chain x (100 + 100) per fit: the plumbing
    # (ratio and analytic fits side by side, QP plot, LOO per likelihood); the full run is by hand
    res = run_cells("07_cavanagh_theta", ["--quick", "--out", str(tmp_path)], monkeypatch)["result"]
    assert res["n_obs"] == 120
    assert all(p.is_file() and p.stat().st_size > 10_000 for p in res["figures"])
    assert res["table"]["|diff| / SD"].max() < 3.0  # 100 draws: gross errors only
    assert np.all(np.isfinite(res["elpd"].to_numpy()))
    assert res["elpd"]["ratio - analytic"].abs().max() < 20  # normalized: the same scale
