"""A network of two diffusions in sequence (ddm_seq2_no_bias: 4 responses, a non-decision time).

Plumbing on a tiny fit: the card, the support, gradients, the reference head's normalization
and a fit through hssm's own model of the same name.
"""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

from hssm_nre.net.logp import make_hssm_logp, make_logp
from hssm_nre.simulation import simulate_trials

pytestmark = pytest.mark.filterwarnings("ignore:Numba will use object mode:UserWarning")
INSIDE = [1.0, -0.5, 1.5, 1.0, 0.3]  # vh, vl1, vl2, a, t


@pytest.fixture(scope="module")
def tiny_seq2(tmp_path_factory, tiny_fit):
    return tiny_fit("ddm_seq2_no_bias", 3, tmp_path_factory.mktemp("seq2"))


def test_card_records_four_responses_the_ndt_and_no_mirror(tiny_seq2):
    model = tiny_seq2.info.model
    assert model.choices == (0, 1, 2, 3) and model.ndt == "t"
    assert tiny_seq2.normalized and tiny_seq2.info.transform.mirror is None


def test_finite_inside_minus_inf_outside_and_before_t(tiny_seq2):
    logp = make_logp(tiny_seq2)
    x = np.array([[1.2, 0.0], [1.2, 1.0], [1.2, 2.0], [1.2, 3.0]])
    inside = np.array([INSIDE] * 4)
    assert np.isfinite(np.asarray(logp(inside, x))).all()
    outside = inside.copy()
    outside[:, 0] = 4.5  # vh beyond the box
    assert np.all(np.asarray(logp(outside, x)) == -np.inf)
    early = x.copy()
    early[:, 0] = 0.25  # before the non-decision time t = 0.3
    assert np.all(np.asarray(logp(inside, early)) == -np.inf)
    with pytest.raises(ValueError, match="not among the choices"):
        logp(inside, np.array([[1.2, 4.0]] * 4))


def test_gradients_finite_inside(tiny_seq2):
    f = make_hssm_logp(tiny_seq2, 5)
    data = jnp.array([[0.9, 0.0], [1.4, 1.0], [0.6, 2.0], [2.0, 3.0]])
    g = jax.grad(lambda th: jnp.sum(f(data, *th)))(jnp.asarray(INSIDE, jnp.float32))
    assert np.isfinite(np.asarray(g)).all()


def test_reference_head_is_normalized_over_the_four_responses(tiny_seq2):
    from hssm_nre.validation.metrics import normalization_error

    err = normalization_error(tiny_seq2, n_theta=3, n_grid=800)
    assert np.isfinite(err["max_abs_error"])


def test_hssm_builds_its_model_of_that_name_on_the_network(tiny_seq2):
    hssm = pytest.importorskip("hssm")
    import pymc as pm

    import hssm_nre  # noqa: F401 - registers the ratio kind

    x, _ = simulate_trials("ddm_seq2_no_bias", np.tile(INSIDE, (40, 1)), np.random.default_rng(0))
    data = pd.DataFrame({"rt": x[:, 0], "response": x[:, 1].astype(int)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = hssm.HSSM(
            data, model="ddm_seq2_no_bias", loglik_kind="ratio", loglik=tiny_seq2, p_outlier=None
        )
    assert list(model.choices) == [0, 1, 2, 3]
    assert list(model.list_params) == ["vh", "vl1", "vl2", "a", "t"]
    rv = model.model_distribution.dist(**dict(zip(model.list_params, INSIDE, strict=True)))
    ll = np.asarray(pm.logp(rv, data[["rt", "response"]].to_numpy(float)).eval())
    np.testing.assert_allclose(
        ll, np.asarray(make_logp(tiny_seq2)(np.tile(INSIDE, (40, 1)), x)), rtol=1e-4, atol=1e-4
    )
