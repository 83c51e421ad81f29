"""hssm with a 4-choice race network (race_no_bias_angle_4): config, values, gradients, support."""

import warnings

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.filterwarnings("ignore:Numba will use object mode:UserWarning")
hssm = pytest.importorskip("hssm")
from hssm_nre.models import get_model  # noqa: E402
from hssm_nre.simulation import SimConfig, simulate, simulate_trials  # noqa: E402
from hssm_nre.training.config import TrainConfig  # noqa: E402
from hssm_nre.training.loop import fit  # noqa: E402

NAME = "race_no_bias_angle_4"
THETA = dict(get_model(NAME).validation_sets[0])


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    import hssm_nre  # noqa: F401 - registers the ratio kind

    sims = simulate(NAME, SimConfig(n=20_000, chunk=20_000, n_jobs=1, seed=4), progress=False)
    cfg = TrainConfig(
        hidden=(16, 16),
        q_hidden=(16, 16),
        q_components=2,
        max_epochs=1,
        batch_size=512,
        time_features=("log", "boundary"),
    )
    net = fit(NAME, sims, cfg, out=tmp_path_factory.mktemp("race"), progress=False)
    theta = np.tile(list(THETA.values()), (60, 1))
    x, _ = simulate_trials(NAME, theta, np.random.default_rng(0))
    data = pd.DataFrame({"rt": x[:, 0], "response": x[:, 1].astype(int)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return hssm.HSSM(data, model=NAME, loglik_kind="ratio", loglik=net, p_outlier=None)


def test_config_has_the_four_choices_and_the_box(model):
    assert list(model.choices) == [0, 1, 2, 3]
    assert list(model.list_params) == list(get_model(NAME).params)
    assert all(model.params[p].bounds == b for p, b in get_model(NAME).box_dict().items())


def test_values_and_gradients_are_finite_and_rt_below_t_is_minus_inf(model):
    import pymc as pm
    import pytensor.tensor as pt

    data = model.data[["rt", "response"]].to_numpy(float)
    dist = model.model_distribution
    v0 = pt.dscalar("v0")
    rv = dist.dist(**{**THETA, "v0": v0})
    lp = pm.logp(rv, data)
    values = np.asarray(lp.eval({v0: THETA["v0"]}))
    assert values.shape == (len(data),) and np.isfinite(values).all()
    grad = pt.grad(lp.sum(), v0).eval({v0: THETA["v0"]})
    assert np.isfinite(grad)
    late = np.asarray(pm.logp(dist.dist(**{**THETA, "t": float(data[:, 0].min()) + 0.01}), data).eval())
    assert (late == -np.inf).any() and np.isfinite(late).any()
