"""hssm with a K-choice network without a non-decision time (lba3): config, constraint, start."""

import warnings

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.filterwarnings("ignore:Numba will use object mode:UserWarning")
hssm = pytest.importorskip("hssm")
from hssm_nre.simulation import SimConfig, simulate, simulate_trials  # noqa: E402
from hssm_nre.training.config import TrainConfig  # noqa: E402
from hssm_nre.training.loop import fit  # noqa: E402


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    import hssm_nre  # noqa: F401 - registers the ratio kind

    sims = simulate("lba3", SimConfig(n=20_000, chunk=20_000, n_jobs=1, seed=4), progress=False)
    cfg = TrainConfig(hidden=(16, 16), q_hidden=(16, 16), q_components=2, max_epochs=1, batch_size=512)
    net = fit("lba3", sims, cfg, out=tmp_path_factory.mktemp("lba3"), progress=False)
    x, _ = simulate_trials("lba3", np.tile([0.3, 0.6, 0.5, 0.8, 0.4], (60, 1)), np.random.default_rng(0))
    data = pd.DataFrame({"rt": x[:, 0], "response": x[:, 1].astype(int)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return hssm.HSSM(data, model="lba3", loglik_kind="ratio", loglik=net, p_outlier=None)


def test_config_has_the_three_choices_and_the_box(model):
    assert list(model.choices) == [0, 1, 2]
    assert list(model.list_params) == ["A", "b", "v0", "v1", "v2"]
    assert model.initvals["A"] < model.initvals["b"]  # the start meets b > A


def test_b_not_above_a_is_minus_inf(model):
    import pymc as pm

    data = model.data[["rt", "response"]].to_numpy(float)
    dist = model.model_distribution

    def logp(a, b):
        rv = dist.dist(A=a, b=b, v0=0.5, v1=0.8, v2=0.4)
        return np.asarray(pm.logp(rv, data).eval())

    assert np.isfinite(logp(0.3, 0.6)).all()
    assert np.all(logp(0.6, 0.6) == -np.inf) and np.all(logp(0.7, 0.6) == -np.inf)
