"""A weibull network that sees its boundary only through b(u) / a and b(u / 2) / a (hide_params)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hssm_nre.models import get_model
from hssm_nre.net.features import Transform
from hssm_nre.net.logp import make_logp
from hssm_nre.training.loop import _make_transform

FEATURES = ("log", "linear", "inverse", "boundary", "boundary_half")
THETA = [0.5, 1.0, 0.5, 0.3, 3.5, 4.0]  # v, a, z, t, alpha, beta


@pytest.fixture(scope="module")
def hidden_weibull(tmp_path_factory, tiny_fit):
    out = tmp_path_factory.mktemp("wb_hidden")
    return tiny_fit("weibull", 0, out, time_features=FEATURES, hide_params=("alpha", "beta"))


def test_hidden_shape_parameters_do_not_feed_the_network(hidden_weibull):
    tr = hidden_weibull.info.transform
    params = get_model("weibull").params
    assert [params[i] for i in tr.param_index] == ["v", "a", "z"]  # t is the onset; alpha, beta hidden
    assert tr.time_features == FEATURES and tr.n_inputs == 3 + len(FEATURES)
    assert Transform.from_dict(tr.to_dict()) == tr


def test_beta_moves_the_density_only_where_the_boundary_has_moved(hidden_weibull):
    logp = make_logp(hidden_weibull)
    x = jnp.array([[0.35, 1.0], [2.5, 1.0]])  # decision times 0.05 s and 2.2 s

    def dbeta(th):
        return jax.grad(lambda b: logp(jnp.broadcast_to(th.at[5].set(b), (2, 6)), x).sum())(th[5])

    per_trial = [
        float(jax.grad(lambda b, k=k: logp(jnp.array([THETA]).at[0, 5].set(b), x[k : k + 1])[0])(4.0))
        for k in (0, 1)
    ]
    assert abs(per_trial[0]) < 1e-4  # the boundary at 0.05 s is a to seven digits
    assert abs(per_trial[1]) > 1e-3  # at 2.2 s it has fallen by (2.2 / 4)^3.5, about 12 %
    assert np.isfinite(float(dbeta(jnp.array(THETA))))


def test_hide_params_must_be_boundary_shape_parameters_with_both_features():
    spec = get_model("weibull")
    x = np.array([[0.5, 1.0], [0.9, -1.0]])
    theta = np.array([THETA, THETA])
    with pytest.raises(ValueError, match="shape parameters of the collapsing boundary"):
        _make_transform(spec, "nce", x, theta, time_features=FEATURES, hide_params=("v",))
    with pytest.raises(ValueError, match="'boundary' and 'boundary_half'"):
        _make_transform(spec, "nce", x, theta, time_features=("log", "boundary"), hide_params=("beta",))
    with pytest.raises(ValueError, match="goes with 'boundary'"):
        _make_transform(spec, "nce", x, theta, time_features=("log", "boundary_half"))
