"""A network of a multi-choice model without a non-decision time (lba3): plumbing on a tiny fit."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hssm_nre.net.logp import make_hssm_logp, make_logp

INSIDE = [0.3, 0.6, 0.5, 0.8, 0.4]  # A, b, v0, v1, v2 (b > A)


@pytest.fixture(scope="module")
def tiny_lba(tmp_path_factory, tiny_fit):
    return tiny_fit("lba3", 2, tmp_path_factory.mktemp("lba3"))


def test_card_records_three_choices_no_ndt_and_the_constraint(tiny_lba):
    model = tiny_lba.info.model
    assert model.choices == (0, 1, 2) and model.ndt is None and model.constraints == (("A", "b"),)
    assert tiny_lba.normalized and tiny_lba.info.transform.mirror is None


def test_finite_inside_minus_inf_outside(tiny_lba):
    logp = make_logp(tiny_lba)
    x = np.array([[0.9, 0.0], [0.9, 1.0], [0.9, 2.0]])
    inside = np.array([INSIDE] * 3)
    assert np.isfinite(np.asarray(logp(inside, x))).all()
    broken = inside.copy()
    broken[:, 0] = 0.7  # A >= b: hssm's own check gives -66.1, the network -inf
    assert np.all(np.asarray(logp(broken, x)) == -np.inf)
    outside = inside.copy()
    outside[:, 2] = 1.6  # v0 beyond the box
    assert np.all(np.asarray(logp(outside, x)) == -np.inf)
    bad_x = np.array([[0.0, 0.0], [-0.5, 1.0], [-1e-3, 2.0]])  # rt <= 0: no decision time
    assert np.all(np.asarray(logp(inside, bad_x)) == -np.inf)
    with pytest.raises(ValueError, match="not among the choices"):
        logp(inside, np.array([[0.9, 3.0]] * 3))


def test_gradients_finite_inside(tiny_lba):
    f = make_hssm_logp(tiny_lba, 5)
    data = jnp.array([[0.9, 0.0], [1.4, 1.0], [0.6, 2.0]])
    g = jax.grad(lambda th: jnp.sum(f(data, *th)))(jnp.asarray(INSIDE, jnp.float32))
    assert np.isfinite(np.asarray(g)).all()


def test_choice_probabilities_of_the_reference_head_sum_to_one(tiny_lba):
    from hssm_nre.validation.metrics import normalization_error

    err = normalization_error(tiny_lba, n_theta=4, n_grid=800)
    w = err["worst_theta"]
    assert w["A"] < w["b"]  # random parameters respect the constraint
    assert np.isfinite(err["max_abs_error"])


def test_score_bias_runs_against_the_exact_lba_inside_the_constraint(tiny_lba):
    from hssm_nre.validation.metrics import score_bias

    df = score_bias(tiny_lba, n_sets=2, n_mc=2000, n_trials=1000)
    assert sorted(df.param.unique()) == ["A", "b", "v0", "v1", "v2"] and len(df) == 10
    assert (df.A < df.b).all()  # drawn inside hssm's b > A
    assert np.isfinite(df.bias_over_sd).all() and (df.mc_se > 0).all()


def test_log_params_feed_the_network_as_logarithms_scaled_to_the_box():
    from hssm_nre.models import get_model
    from hssm_nre.net.features import Transform, theta_features
    from hssm_nre.training.loop import _make_transform

    spec = get_model("lba3")
    x = np.array([[0.5, 0.0], [0.9, 2.0]])
    theta = np.array([INSIDE, INSIDE])
    tr = _make_transform(spec, "nce", x, theta, log_params=spec.params)
    assert tr.log_index == (0, 1, 2, 3, 4)
    corners = np.array([spec.lower, spec.upper])
    scaled = np.asarray(theta_features(tr, jnp.asarray(corners)))
    np.testing.assert_allclose(scaled, [[-1.0] * 5, [1.0] * 5], atol=1e-6)
    assert Transform.from_dict(tr.to_dict()) == tr
    grad = jax.grad(lambda t: theta_features(tr, t).sum())(jnp.array([-0.1, 0.5, 1, 1, 1]))  # A < 0
    assert np.isfinite(np.asarray(grad)).all()
    with pytest.raises(ValueError, match="positive lower bound"):
        _make_transform(get_model("ddm"), "nce", x, np.array([[0.5, 1.0, 0.5, 0.2]] * 2), log_params=("v",))
