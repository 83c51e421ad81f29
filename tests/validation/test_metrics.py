import logging

import jax.numpy as jnp
import numpy as np
import pytest

import hssm_nre.validation.metrics as metrics
from hssm_nre.models import get_model
from hssm_nre.simulation import simulate_trials


def test_jax_ddm_density_matches_hssm_and_integrates_to_one():
    rng = np.random.default_rng(1)
    spec = get_model("ddm")
    th = spec.sample_box(300, rng)
    x, ok = simulate_trials(spec, th, rng)
    exact = metrics.analytic_ddm_logp()(th[ok], x[ok])
    ours = np.asarray(metrics.ddm_logp_jax(jnp.asarray(th[ok]), jnp.asarray(x[ok], jnp.float32)))
    np.testing.assert_allclose(ours, exact, atol=2e-4)
    u = np.exp(np.linspace(np.log(1e-5), np.log(40.0), 20_000))
    theta = jnp.asarray(np.tile([1.2, 0.8, 0.35, 0.2], (len(u), 1)))
    total = sum(
        np.trapezoid(
            np.exp(np.asarray(metrics.ddm_logp_jax(theta, jnp.stack([u + 0.2, jnp.full(len(u), c)], 1)))), u
        )
        for c in (-1.0, 1.0)
    )
    assert total == pytest.approx(1.0, abs=1e-3)
    assert metrics.ddm_logp_jax(theta[:1], jnp.array([[0.1, 1.0]]))[0] == -np.inf


def test_score_bias_reports_every_parameter(tiny_nce):
    df = metrics.score_bias(tiny_nce, n_sets=2, n_mc=2000)
    assert sorted(df.param.unique()) == ["a", "t", "v", "z"] and len(df) == 8
    assert np.isfinite(df.bias_over_sd).all() and (df.mc_se > 0).all()


def test_reweighting_recovers_the_reference_posterior_and_detects_a_wrong_one(caplog):
    """Network draws reweighted by the exact DDM agree with the network; by a shifted DDM they move."""
    from hssm_nre.store.hub import load_network
    from hssm_nre.validation.references import Reference, get_reference
    from hssm_nre.validation.sampling import reweighted_comparison, simulate_dataset

    net = load_network("ddm")
    truth = {"v": 0.5, "a": 1.0, "z": 0.5, "t": 0.12}  # fastest rt close to the box's lower t
    x = simulate_dataset(net, truth, 300, seed=3)[["rt", "response"]].to_numpy(float)
    exact = get_reference("ddm", "analytic")
    with caplog.at_level(logging.INFO, logger="hssm_nre.validation"):
        same = reweighted_comparison(net, exact, x, draws=150, n_ref=150, seed=0)
    assert [r.getMessage().split(":")[0].strip() for r in caplog.records] == ["the reference at 150 draws"]
    assert same.ess_fraction > 0.5
    assert same.table.abs_diff_over_sd.max() < 0.6
    # a reference whose drift is 0.3 larger: its posterior of v sits 0.3 lower
    shifted = Reference(
        "ddm", "test", "shifted", lambda th, xx: exact.logp(th + np.array([0.3, 0, 0, 0]), xx)
    )
    moved = reweighted_comparison(net, shifted, x, draws=150, n_ref=150, seed=0)
    dv = float(moved.table.mean_ref[0] - same.table.mean_ref[0])
    # importance weights reach only as far as the network's draws, so the estimate moves
    # towards -0.3 without passing it (ddm 0.3.0's draws: about -0.1; 0.4.0's: -0.17)
    assert -0.35 < dv < -0.05 and moved.ess_fraction < same.ess_fraction


def test_nuts_start_is_inside_the_support_with_a_spread_onset():
    from hssm_nre.validation.sampling import _start_inside

    # full_ddm-like: v, t, st with t in [0.25, 2.25], st in [0.001, 0.25]; fastest rt 0.05.
    lo, hi = np.array([-3.0, 0.25, 0.001]), np.array([3.0, 2.25, 0.25])
    x = np.array([[0.05, 1.0], [0.9, -1.0]])
    start = _start_inside(x, lo, hi, 1, 2)
    assert np.all((start > lo) & (start < hi))
    assert start[1] - start[2] < 0.05  # earliest onset t - st below the fastest trial
    plain = _start_inside(np.array([[0.6, 1.0]]), lo[:2], hi[:2], 1)
    assert lo[1] < plain[1] < 0.6


def test_record_in_card_keeps_the_reports_command(tmp_path):
    """`validate --write-card` records the report's full command (options included) in the card."""
    import json
    import shutil

    from hssm_nre.store.hub import load_network
    from hssm_nre.store.shipped import shipped_path
    from hssm_nre.validation.report import record_in_card

    net_dir = tmp_path / "net"
    shutil.copytree(shipped_path("levy"), net_dir)
    report = tmp_path / "levy.md"
    command = "hssm-nre validate levy --reference none --calibration 7"
    report.write_text(f"# Validation\n\nReproduce: `{command}`. More.\n")
    (tmp_path / "levy_metrics.json").write_text(json.dumps({"coverage_90_min": 0.5}))
    record_in_card(net_dir, report, reference="none")
    card = load_network(net_dir).card
    assert card["validation"]["command"] == command
    assert card["validation"]["coverage_90_min"] == 0.5
