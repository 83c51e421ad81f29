import jax.numpy as jnp
import numpy as np
import pytest

from hssm_nre.artifact import load, save
from hssm_nre.likelihood import make_logp
from hssm_nre.network import Transform, featurize, time_feature_stack
from hssm_nre.training import TrainConfig, fit


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
