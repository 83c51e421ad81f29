import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hssm_nre.likelihood import make_hssm_logp, make_logp


@pytest.fixture(params=["tiny_nce", "tiny_marginal", "tiny_cnre"])
def net(request):
    return request.getfixturevalue(request.param)


def test_finite_inside_inf_outside(net):
    logp = make_logp(net)
    x = np.array([[0.9, 1.0], [0.9, -1.0]])
    inside = np.array([[0.5, 1.0, 0.5, 0.3]] * 2)
    assert np.isfinite(np.asarray(logp(inside, x))).all()
    for col, val in [(0, 3.5), (1, 0.2), (2, 0.95), (3, -0.1)]:
        th = inside.copy()
        th[:, col] = val
        assert np.all(np.asarray(logp(th, x)) == -np.inf), (col, val)
    th = inside.copy()
    th[:, 3] = 0.95  # rt <= t
    assert np.all(np.asarray(logp(th, x)) == -np.inf)


def test_gradients_finite(net):
    f = make_hssm_logp(net, 4)
    data = jnp.array([[0.9, 1.0], [1.4, -1.0], [0.6, 1.0]])
    v = jnp.array([0.3, 0.5, -0.2])
    g = jax.grad(lambda v, a, z, t: f(data, v, a, z, t).sum(), argnums=(0, 1, 2, 3))(v, 1.0, 0.5, 0.2)
    assert all(np.isfinite(np.asarray(x)).all() for x in g)
    assert g[0].shape == (3,) and np.ndim(g[1]) == 0


def test_normalized_network_is_close_to_a_density(tiny_nce):
    from hssm_nre.validate import normalization_error

    # Loose: a two-epoch toy network. The shipped network's figure is in its card.
    assert normalization_error(tiny_nce, n_theta=5)["max_abs_error"] < 0.5
