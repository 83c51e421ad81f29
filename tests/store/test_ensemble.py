"""Ensembles: an equal-weight mixture of the members' densities, saved and loaded as one network."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from typer.testing import CliRunner

from hssm_nre.cli import app
from hssm_nre.models import get_model
from hssm_nre.net.logp import make_hssm_logp, make_logp
from hssm_nre.simulation import simulate_trials
from hssm_nre.store.artifact import ensemble, load, save


@pytest.fixture(scope="module")
def trials():
    spec = get_model("ddm")
    rng = np.random.default_rng(5)
    th = spec.sample_box(300, rng)
    x, ok = simulate_trials(spec, th, rng)
    return th[ok], x[ok]


def test_mixture_of_two_networks(tiny_nce, tiny_marginal, trials, tmp_path):
    th, x = trials
    both = ensemble([tiny_nce, tiny_marginal], version="9.9.9")
    assert both.n_members == 2 and both.normalized and "ensemble of 2" in repr(both)
    a = np.asarray(make_logp(tiny_nce)(th, x), np.float64)
    b = np.asarray(make_logp(tiny_marginal)(th, x), np.float64)
    expected = np.logaddexp(a, b) - np.log(2.0)
    np.testing.assert_allclose(np.asarray(make_logp(both)(th, x)), expected, rtol=1e-5, atol=1e-4)
    # the two members really differ, so the check above is not trivially true
    assert np.max(np.abs(a - b)) > 0.05
    loaded = load(save(both, tmp_path / "ens"))
    assert loaded.card["version"] == "9.9.9" and loaded.card["validation"] == {}
    np.testing.assert_allclose(np.asarray(loaded.logp(th, x)), expected, rtol=1e-5, atol=1e-4)


def test_ensemble_of_one_network_twice_is_that_network(tiny_nce, trials):
    th, x = trials
    twice = ensemble([tiny_nce, tiny_nce], version="0.0.1")
    np.testing.assert_allclose(
        np.asarray(make_logp(twice)(th, x)), np.asarray(make_logp(tiny_nce)(th, x)), rtol=1e-5, atol=1e-4
    )


def test_ensemble_is_minus_inf_outside_and_has_finite_gradients(tiny_nce, tiny_marginal, trials):
    th, x = trials
    both = ensemble([tiny_nce, tiny_marginal], version="0.0.1")
    out = th.copy()
    out[:, 1] = 10.0  # a far above the box
    assert np.all(np.asarray(make_logp(both)(out, x)) == -np.inf)
    early = x.copy()
    early[:, 0] = th[:, 3] * 0.5  # before the non-decision time
    assert np.all(np.asarray(make_logp(both)(th, early)) == -np.inf)
    f = make_hssm_logp(both, 4)
    g = jax.grad(lambda p: f(jnp.asarray(x), *p.T).sum())(jnp.asarray(th, jnp.float32))
    assert np.isfinite(np.asarray(g)).all()


def test_ensemble_refuses_mismatched_networks(tiny_nce, tiny_cnre):
    with pytest.raises(ValueError, match="at least two"):
        ensemble([tiny_nce], version="0.0.1")
    with pytest.raises(ValueError, match="normalized and a plain"):
        ensemble([tiny_nce, tiny_cnre], version="0.0.1")
    twice = ensemble([tiny_nce, tiny_nce], version="0.0.1")
    with pytest.raises(ValueError, match="ensemble already"):
        ensemble([twice, tiny_nce], version="0.0.1")


def test_train_members_builds_a_seeded_ensemble(tmp_path):
    out = tmp_path / "ens"
    args = ["train", "ddm", "--out", str(out), "--n", "20000", "--epochs", "1", "--hidden", "16,16"]
    res = CliRunner().invoke(app, [*args, "--batch-size", "256", "--seed", "3", "--members", "2"])
    assert res.exit_code == 0, res.output
    net = load(out)
    assert net.n_members == 2
    assert net.card["simulation"]["seed"] == 3 and net.card["members"][0]["simulation"]["seed"] == 4
    assert "member 1:" in res.output


def test_ensemble_command_combines_saved_networks(tiny_nce, tiny_marginal, trials, tmp_path):
    th, x = trials
    out = tmp_path / "ens"
    cmd = ["ensemble", str(tiny_nce.path), str(tiny_marginal.path), "--out", str(out), "--version", "1.2.3"]
    res = CliRunner().invoke(app, cmd)
    assert res.exit_code == 0, res.output
    net = load(out)
    assert net.name.endswith("@1.2.3") and net.n_members == 2
    direct = ensemble([tiny_nce, tiny_marginal], version="1.2.3")
    np.testing.assert_allclose(np.asarray(net.logp(th, x)), np.asarray(make_logp(direct)(th, x)), rtol=1e-6)
    res = CliRunner().invoke(app, ["ensemble", str(tiny_nce.path), "--out", str(out), "--version", "1"])
    assert res.exit_code != 0


def test_members_splits_an_ensemble_back(tiny_nce, tiny_marginal, trials):
    from hssm_nre.store.artifact import members

    th, x = trials
    both = ensemble([tiny_nce, tiny_marginal], version="2.0.0")
    first, second = members(both)
    assert first.name.endswith("2.0.0-member0") and second.n_members == 1
    np.testing.assert_allclose(np.asarray(first.logp(th, x)), np.asarray(tiny_nce.logp(th, x)), rtol=1e-6)
    expected = np.asarray(tiny_marginal.logp(th, x))
    np.testing.assert_allclose(np.asarray(second.logp(th, x)), expected, rtol=1e-6)
    assert members(tiny_nce) == [tiny_nce]
