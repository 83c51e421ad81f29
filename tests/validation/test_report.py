"""The validation report: both kinds come from the one writer (no sampling: measurements faked)."""

import json
import logging
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import hssm_nre.validation.report as report


def _touch(*args, **kwargs):
    path = next(a for a in (*args, *kwargs.values()) if hasattr(a, "write_bytes"))
    path.write_bytes(b"")
    return path


def _table(params, **cols):
    return pd.DataFrame({"param": list(params), **{k: [v] * len(params) for k, v in cols.items()}})


@pytest.fixture
def fake_measurements(monkeypatch):
    """Replace every measurement, fit and figure of the report by fixed small results."""
    calls = []

    def fit_hssm(data, kind, net, **kw):
        calls.append(("fit_hssm", kind))
        return kind, 1.0

    def compare_posteriors(ir, ie, names, t_r, t_e):
        return SimpleNamespace(table=_table(names, abs_diff_over_sd=0.1, sd_ratio_over_exact=1.02), c2st=0.52)

    def reweighted_comparison(net, ref, x, draws, n_ref, seed, truth, chains=2):
        calls.append(("reweighted_comparison", seed, chains))
        draws_ = np.zeros((4, len(net.params)))
        table = _table(net.params, abs_diff_over_sd=0.2, sd_ratio_over_ref=0.97)
        return SimpleNamespace(table=table, ess_fraction=0.8, draws=draws_, log_weights=np.zeros(4))

    def calibration(net, n_datasets, n_trials, draws, prior=None, progress=True, cluster=None):
        calls.append(("calibration", n_datasets))
        ranks = np.linspace(0.05, 0.95, n_datasets)
        return pd.DataFrame([{"param": p, "rank": r} for p in net.params for r in ranks])

    fakes = {
        "logratio_gap": lambda net, n_x: {"median_sd": 0.01, "max_sd": 0.03, "median_abs_mean": 0.002},
        "normalization_error": lambda net, n_theta: {"max_abs_error": 0.004, "median_abs_error": 0.001},
        "score_bias": lambda net, **kw: _table(net.params, bias_over_sd=0.05, mc_se=0.01, sd=0.01).assign(
            set=0
        ),
        "simulate_dataset": lambda net, th, n, seed: pd.DataFrame(
            {"rt": [0.5, 0.7], "response": [1.0, -1.0]}
        ),
        "_regression_case": lambda n, seed: (pd.DataFrame({"rt": [0.5]}), [], {"a": 1.0}),
        "fit_hssm": fit_hssm,
        "compare_posteriors": compare_posteriors,
        "reweighted_comparison": reweighted_comparison,
        "posterior_recovery": lambda net, x, th, draws, seed: _table(net.params, abs_z=0.7),
        "calibration": calibration,
        "get_reference": lambda model, kind: SimpleNamespace(
            model=model, description=f"a fake {kind} for {model}"
        ),
        "plot_landscape": _touch,
        "plot_overlay": _touch,
        "overlay_draws": _touch,
        "plot_ranks": _touch,
    }
    for name, fake in fakes.items():
        monkeypatch.setattr(report, name, fake)
    written = []
    writer = report.write_report

    def spy(net, out, title, command, sections, **kw):
        written.append((net.model, [getattr(s, "func", s).__name__ for s in sections]))
        return writer(net, out, title, command, sections, **kw)

    monkeypatch.setattr(report, "write_report", spy)
    return SimpleNamespace(calls=calls, written=written)


def test_ddm_report_by_the_shared_writer(tmp_path, fake_measurements):
    path = report.run_validation("ddm", out=tmp_path, quick=True)
    assert fake_measurements.written == [
        (
            "ddm",
            ["ddm_gap_section", "ddm_score_bias_section", "ddm_posterior_section", "ddm_calibration_section"],
        )
    ]
    text = path.read_text()
    assert path == tmp_path / "ddm.md"
    assert text.startswith("# Validation of `ddm@0.6.0` against hssm's analytic DDM\n")
    assert "Reproduce: `hssm-nre validate ddm --reference analytic --quick`. Network: " in text
    for heading in (
        "## 1. Network minus exact log-likelihood",
        "* normalization, worst |sum over choices",
        "## 1b. Shift of the maximum-likelihood estimate",
        "## 2. Posteriors: ratio vs analytic",
        "## 3. Calibration",
        "Simulation-based calibration on 5 data sets",
        "![overlay](figures/ddm_overlay_200.png)",
        "![overlay](figures/ddm_overlay_regression.png)",
        "![sbc](figures/ddm_sbc.png)",
    ):
        assert heading in text
    assert text.rstrip().splitlines()[-1].startswith("Report written in ")
    metrics = json.loads((tmp_path / "ddm_metrics.json").read_text())
    assert list(metrics) == [
        "logratio_gap_median_sd",
        "logratio_gap_max_sd",
        "normalization_max_abs_error",
        "mle_shift_over_sd_2000_median",
        "mle_shift_over_sd_2000_p90",
        "mle_shift_over_sd_2000_max",
        "posterior_abs_diff_over_sd_median",
        "posterior_abs_diff_over_sd_max",
        "sd_ratio_min",
        "sd_ratio_max",
        "c2st_median",
        "c2st_max_at_1000_plus_trials",
        "coverage_90_min",
    ]
    assert metrics["sd_ratio_max"] == pytest.approx(1.02)
    assert (tmp_path / "ddm_posteriors.csv").exists() and (tmp_path / "ddm_calibration.json").exists()
    # 2 sets at 200 trials and the regression, each fitted with both likelihoods
    assert [c for c in fake_measurements.calls if c[0] == "fit_hssm"] == [
        ("fit_hssm", k) for _ in range(3) for k in ("ratio", "analytical")
    ]


def test_reference_report_by_the_shared_writer(tmp_path, fake_measurements):
    path = report.run_reference_validation("ornstein", "pyddm", out=tmp_path, n_calibration=2, quick=True)
    assert fake_measurements.written == [
        ("ornstein", ["normalization_section", "reweighted_section", "calibration_section"])
    ]
    text = path.read_text()
    assert text.startswith("# Validation of `ornstein@0.3.0` against a fake pyddm for ornstein\n")
    assert "Reproduce: `hssm-nre validate ornstein --reference pyddm --quick --calibration 2`." in text
    for heading in (
        "## 1. Normalization",
        "## 2. Posteriors: network vs reference",
        "1 parameter sets, 200 trials each",
        "* weight ESS share: min 0.80",
        "![overlay](figures/ornstein_overlay.png)",
        "## 3. Calibration",
        "Simulation-based calibration on 2 data sets",
    ):
        assert heading in text
    metrics = json.loads((tmp_path / "ornstein_metrics.json").read_text())
    assert metrics["ess_fraction_min"] == pytest.approx(0.8)
    assert {"coverage_90_min", "coverage_90_max", "normalization_max_abs_error"} <= set(metrics)
    # reuse: the posterior table and the calibration are read back, nothing is measured again
    fake_measurements.calls.clear()
    again = report.run_reference_validation(
        "ornstein", "pyddm", out=tmp_path, n_calibration=2, quick=True, reuse=True
    )
    assert fake_measurements.calls == []
    assert again.read_text().split("Report written")[0] == text.split("Report written")[0]


def test_reference_report_with_more_chains_says_so(tmp_path, fake_measurements):
    path = report.run_reference_validation("ornstein", "pyddm", out=tmp_path, quick=True, chains=4)
    assert [c for c in fake_measurements.calls if c[0] == "reweighted_comparison"] == [
        ("reweighted_comparison", 0, 4)
    ]
    text = path.read_text()
    assert "Reproduce: `hssm-nre validate ornstein --reference pyddm --quick --chains 4`." in text
    assert "(4 chains x 100 draws)" in text
    with pytest.raises(ValueError, match="chains must be at least 1"):
        report.run_reference_validation("ornstein", "pyddm", out=tmp_path, quick=True, chains=0)


def test_recovery_report_without_reference(tmp_path, fake_measurements):
    path = report.run_reference_validation("levy", "none", out=tmp_path, quick=True)
    assert fake_measurements.written == [
        ("levy", ["normalization_section", "recovery_section", "calibration_section"])
    ]
    text = path.read_text()
    assert "(no reference likelihood: recovery and calibration)" in text
    assert "## 2. Posterior recovery" in text and "* |z|: median **0.700**" in text
    assert "Not run for this report (`--calibration 0`)." in text
    assert json.loads((tmp_path / "levy_metrics.json").read_text())["recovery_abs_z_max"] == 0.7


def test_reference_comparison_of_the_ddm_uses_its_validation_sets(tiny_nce, tmp_path, monkeypatch, caplog):
    """`hssm-nre validate ddm --reference pyddm` looked the ddm up in EXTENDED_SETS (a KeyError)."""
    import pandas as pd

    from hssm_nre.models import MODELS
    from hssm_nre.validation import report

    monkeypatch.setattr(
        report,
        "simulate_dataset",
        lambda net, th, n, seed: pd.DataFrame({"rt": [0.5] * n, "response": [1] * n}),
    )
    rep = report.Report(net=tiny_nce, out=tmp_path)
    with caplog.at_level(logging.INFO, logger="hssm_nre.validation"):
        rows = report.extended_rows(rep, 2, 4, lambda i, th, x: pd.DataFrame([{"set": i, "v": th["v"]}]))
    assert [r["v"] for r in rows] == [s["v"] for s in MODELS["ddm"].validation_sets[:2]]
    # a slow reference section said nothing for half an hour; each set now says when it starts
    assert [r.getMessage().split(" (")[0].strip() for r in caplog.records] == ["set 1 of 2", "set 2 of 2"]


def test_training_summary_of_a_distilled_network_names_its_teacher():
    from types import SimpleNamespace

    from hssm_nre.validation.report import training_summary

    card = {
        "total_seconds": 5000.0,
        "training": {
            "method": "distill",
            "teacher": {"name": "ddm", "version": "0.4.0", "members": 2},
            "hidden": [64, 64, 64],
            "q_hidden": [16, 16],
            "steps": 30000,
            "n_pairs": 1956459,
            "train_seconds": 1368.7,
        },
    }
    text = training_summary(SimpleNamespace(card=card, member_cards=[card]))
    assert text.startswith("distilled from ddm@0.4.0 (a mixture of 2)")
    assert "30,000 steps on 1,956,459 teacher pairs" in text and "5000.0 s" in text


def test_lba_report_has_the_mle_shift_over_identified_parameter_vectors(tmp_path, monkeypatch):
    """An LBA reference report gets section 1b; vectors the data cannot pin down stay out of its figures."""
    from types import SimpleNamespace

    from hssm_nre.validation.references import Reference

    params = ("A", "b", "v0", "v1", "v2")
    sets = [  # set 1: posterior SD of b is half its prior width (a ridge), its linear shift huge
        _table(params, bias_over_sd=0.3, mc_se=0.02, sd=0.01).assign(set=0),
        _table(params, bias_over_sd=500.0, mc_se=90.0, sd=0.01).assign(
            set=1, sd=[0.01, 0.5, 0.01, 0.01, 0.01]
        ),
    ]
    monkeypatch.setattr(report, "score_bias", lambda net, **kw: pd.concat(sets, ignore_index=True))
    ref = Reference("lba3", "analytic", "exact", lambda th, x: x[:, 0])
    sections = report.reference_sections(ref, "analytic", 1, 1000, 100, 0, {})
    assert [getattr(s, "func", s).__name__ for s in sections][:2] == [
        "normalization_section",
        "lba_score_bias_section",
    ]
    rep = report.Report(net=SimpleNamespace(model="lba3", params=params), out=tmp_path, quick=True)
    text = "\n".join(sections[1](rep))
    assert "## 1b. Shift of the maximum-likelihood estimate, in posterior SDs at 1000 trials" in text
    assert "median **0.300**" in text and "1 of the 2 vectors are left out" in text
    assert rep.metrics["mle_shift_over_sd_1000_max"] == pytest.approx(0.3)
    assert (tmp_path / "lba3_score_bias.csv").exists()
