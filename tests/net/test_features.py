import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hssm_nre.net.features import Transform, featurize, time_feature_stack
from hssm_nre.net.logp import make_logp
from hssm_nre.store.artifact import load, save
from hssm_nre.training.config import TrainConfig
from hssm_nre.training.loop import fit


def _tr(features):
    return Transform(
        (0, 1, 2),
        (0.0, 1.4, 0.5),
        (3.0, 1.1, 0.4),
        "rt_choice",
        3,
        (-0.8,),
        (1.4,),
        (-1, 1),
        (0, 2),
        None,
        features,
    )


def test_time_features_values():
    tr = _tr(("log", "linear", "inverse"))
    u = jnp.asarray([1e-9, 0.05, 0.5, 5.0])
    f = np.asarray(time_feature_stack(tr, u))
    np.testing.assert_allclose(f[:, 0], (np.log(np.maximum(np.asarray(u), 1e-6)) + 0.8) / 1.4, rtol=1e-5)
    np.testing.assert_allclose(f[:, 1], np.maximum(np.asarray(u), 1e-6) / np.exp(-0.8 + 1.4), rtol=1e-5)
    fast = np.exp(-0.8 - 1.4)
    np.testing.assert_allclose(f[:, 2], fast / (np.maximum(np.asarray(u), 1e-6) + fast / 50), rtol=1e-5)
    assert f[:, 2].max() <= 50.0  # bounded at the onset
    theta = jnp.asarray([[1.0, 1.0, 0.5, 0.3]] * 4)
    x = jnp.stack([u + 0.3, jnp.ones(4)], axis=-1)
    assert featurize(tr, theta, x).shape == (4, tr.n_inputs) == (4, 6)


@pytest.mark.parametrize("bad", [(), ("linear",), ("log", "square")])
def test_time_features_are_checked(bad):
    with pytest.raises(ValueError, match="time_features"):
        _tr(bad)


def test_old_cards_without_time_features_load_as_log_time():
    d = _tr(("log",)).to_dict()
    del d["time_features"]
    assert Transform.from_dict(d).time_features == ("log",)


def test_normalization_penalty_is_trained_and_recorded(ddm_data):
    cfg = TrainConfig(
        hidden=(16,), q_hidden=(16,), q_components=2, max_epochs=1, batch_size=512, norm_weight=1.0
    )
    net = fit("ddm", ddm_data, cfg, progress=False)
    assert net.card["training"]["norm_weight"] == 1.0
    lp = np.asarray(make_logp(net)(np.array([[0.7, 1.2, 0.4, 0.3]] * 2), np.array([[0.6, 1.0], [1.4, -1.0]])))
    assert np.all(np.isfinite(lp))


def test_network_with_time_features_round_trips_and_stays_symmetric(ddm_data, tmp_path):
    cfg = TrainConfig(
        hidden=(16, 16),
        q_hidden=(16,),
        q_components=2,
        max_epochs=1,
        batch_size=512,
        time_features=("log", "linear", "inverse"),
    )
    net = fit("ddm", ddm_data, cfg, progress=False)
    save(net, tmp_path / "n")
    back = load(tmp_path / "n")
    assert back.card["transform"]["time_features"] == ["log", "linear", "inverse"]
    lp = make_logp(back)
    theta = np.array([[0.7, 1.2, 0.4, 0.3]] * 3)
    x = np.array([[0.6, 1.0], [1.4, -1.0], [3.0, 1.0]])
    mirrored = theta * [-1, 1, 1, 1]
    mirrored[:, 2] = 1 - theta[:, 2]
    a = np.asarray(lp(theta, x))
    b = np.asarray(lp(mirrored, x * [1, -1]))
    assert np.all(np.isfinite(a))
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(a, np.asarray(make_logp(net)(theta, x)), rtol=1e-6)


def _boundary_tr(name):
    from hssm_nre.models import get_model
    from hssm_nre.training.loop import _make_transform

    spec = get_model(name)
    rng = np.random.default_rng(0)
    th = spec.sample_box(64, rng)
    ndt = spec.params.index("t")
    x = np.stack([th[:, ndt] + rng.exponential(1.0, 64), np.where(rng.random(64) < 0.5, -1, 1)], axis=1)
    return spec, th, x, _make_transform(spec, "nce", x, th, True, ("log", "linear", "inverse", "boundary"))


@pytest.mark.parametrize("name", ["angle", "weibull"])
def test_boundary_feature_is_the_share_of_the_boundary_left(name):
    spec, th, x, tr = _boundary_tr(name)
    assert tr.n_inputs == len(tr.param_index) + 4
    p = dict(zip(spec.params, th.T, strict=True))
    u = x[:, 0] - p["t"]
    if name == "angle":
        want = np.maximum(p["a"] - u * np.tan(p["theta"]), 0.0) / p["a"]
    else:
        want = np.exp(-((u / p["beta"]) ** p["alpha"]))
    f = np.asarray(featurize(tr, jnp.asarray(th, jnp.float32), jnp.asarray(x, jnp.float32)))
    np.testing.assert_allclose(f[:, -1], want, rtol=1e-4, atol=1e-6)
    assert Transform.from_dict(tr.to_dict()) == tr
    xj = jnp.asarray(x, jnp.float32)
    grad = jax.grad(lambda t: featurize(tr, t, xj).sum())(jnp.asarray(th, jnp.float32))
    assert np.isfinite(np.asarray(grad)).all()


def test_boundary_feature_needs_a_collapsing_boundary_and_decision_times():
    from hssm_nre.models import get_model
    from hssm_nre.training.loop import _make_transform

    spec, th, x, tr = _boundary_tr("weibull")
    with pytest.raises(ValueError, match="collapsing boundary"):
        _make_transform(spec, "cnre", x, th, True, ("log", "boundary"))
    ddm = get_model("ddm")
    with pytest.raises(ValueError, match="collapsing boundary"):
        _make_transform(ddm, "nce", x[:, :2], th[:, :4], True, ("log", "boundary"))
    with pytest.raises(ValueError, match="collapsing boundary"):
        _tr(("log", "boundary"))


def _drift_tr():
    from hssm_nre.models import get_model
    from hssm_nre.training.loop import _make_transform

    spec = get_model("gamma_drift")
    rng = np.random.default_rng(0)
    th = spec.sample_box(64, rng)
    x = np.stack([th[:, 3] + rng.exponential(0.5, 64), np.where(rng.random(64) < 0.5, -1, 1)], axis=1)
    return spec, th, x, _make_transform(spec, "nce", x, th, True, ("log", "linear", "inverse", "drift"))


def test_drift_integral_is_the_integral_of_the_drift():
    from scipy.integrate import quad

    from hssm_nre.models import drift_at
    from hssm_nre.net.features import drift_integral

    cases = [(2.0, 0.01, 2.0, 0.015), (3.0, 0.1, -1.5, 0.25), (9.8, 0.02, -3.0, 0.2), (10.0, 1.0, 3.0, 5.0)]
    for shape, scale, c, u in cases:
        peak = (shape - 1) * scale
        p = (shape, scale, c)
        want = quad(lambda s, p=p: drift_at("gamma", s, p), 0, u, points=[peak] if peak < u else None)[0]
        got = float(drift_integral("gamma", jnp.asarray(u), tuple(jnp.asarray(v) for v in p)))
        assert got == pytest.approx(want, rel=1e-5)


def test_drift_feature_is_the_evidence_added_and_mirrors_with_c():
    """The lower choice sees the mirrored parameters, so its feature has the opposite sign."""
    from hssm_nre.net.features import drift_integral

    spec, th, x, tr = _drift_tr()
    assert tr.drift == "gamma" and tr.drift_index == (1, 4, 5, 6) and tr.mirror == (0, 2, 6)
    p = dict(zip(spec.params, th.T, strict=True))
    d = np.asarray(drift_integral("gamma", jnp.asarray(x[:, 0] - p["t"]), (p["shape"], p["scale"], p["c"])))
    want = np.tanh(d / (2 * p["a"])) * np.where(x[:, 1] == 1, 1.0, -1.0)
    f = np.asarray(featurize(tr, jnp.asarray(th, jnp.float32), jnp.asarray(x, jnp.float32)))
    np.testing.assert_allclose(f[:, -1], want, rtol=1e-4, atol=1e-6)
    assert np.abs(want).max() > 0.1
    assert Transform.from_dict(tr.to_dict()) == tr
    xj = jnp.asarray(x, jnp.float32)
    grad = jax.grad(lambda t: featurize(tr, t, xj).sum())(jnp.asarray(th, jnp.float32))
    assert np.isfinite(np.asarray(grad)).all()
    with pytest.raises(ValueError, match="time-varying drift"):
        _make = __import__("hssm_nre.training.loop", fromlist=["_make_transform"])._make_transform
        _make(spec, "cnre", x, th, True, ("log", "drift"))
    with pytest.raises(ValueError, match="time-varying drift"):
        _tr(("log", "drift"))


def test_simulator_boundaries_are_the_registry_formulas():
    from hssm_nre.simulation import _boundary

    a = np.array([1.0, 2.0])
    p = {"theta": np.array([0.3, 1.2]), "alpha": np.array([0.5, 4.0]), "beta": np.array([1.0, 0.4])}
    angle = np.maximum(a - 0.7 * np.tan(p["theta"]), 0.0)
    weibull = a * np.exp(-np.power(0.7 / p["beta"], p["alpha"]))
    np.testing.assert_array_equal(_boundary("angle", 0.7, a, p), angle)
    np.testing.assert_array_equal(_boundary("weibull", 0.7, a, p), weibull)
    np.testing.assert_array_equal(_boundary("ddm", 0.7, a, p), a)
