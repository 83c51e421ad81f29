"""hssm's missing_data / deadline with loglik_kind="ratio": censored trials give log P(rt > deadline)."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

hssm = pytest.importorskip("hssm")
from hssm_nre.integrations.censoring import check_censoring_args  # noqa: E402
from hssm_nre.net.logp import make_logp  # noqa: E402
from hssm_nre.net.survival import make_log_survival  # noqa: E402
from hssm_nre.simulation import simulate_trials  # noqa: E402
from hssm_nre.store.hub import load_network  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:Numba will use object mode:UserWarning")


@pytest.fixture(scope="module")
def data():
    """40 DDM trials, a deadline per trial, the slowest ones missed (rt = -999, hssm's convention)."""
    rng = np.random.default_rng(7)
    n = 40
    th = np.tile([0.5, 1.0, 0.5, 0.3], (n, 1))
    x, _ = simulate_trials("ddm", th, rng)
    deadline = np.where(np.arange(n) % 2 == 0, 1.3, 1.6)
    rt = np.where(x[:, 0] < deadline, x[:, 0], -999.0)
    assert 2 <= np.sum(rt == -999.0) <= 20
    return pd.DataFrame({"rt": rt, "response": x[:, 1].astype(int), "deadline": deadline})


def point_values(model):
    """The model's initial point in the parameters' own units (not pymc's transformed ones)."""
    pm_model = model.pymc_model
    point = pm_model.initial_point()
    names = [v.name for v in pm_model.unobserved_value_vars]
    values = pm_model.compile_fn(pm_model.unobserved_value_vars, inputs=pm_model.value_vars)(point)
    return point, {k: float(np.squeeze(values[names.index(k)])) for k in "vazt"}


def test_loglik_is_observed_logp_plus_censored_log_survival(data):
    model = hssm.HSSM(
        data, model="ddm", loglik_kind="ratio", missing_data=True, deadline=True, p_outlier=None
    )
    assert model.response == ["rt", "response", "deadline"]
    pm_model = model.pymc_model
    point, vals = point_values(model)
    got = np.asarray(pm_model.compile_logp(vars=pm_model.observed_RVs, sum=False)(point)[0])
    net = load_network("ddm")
    theta = np.array([[vals[k] for k in "vazt"]], np.float32)
    d = model.data  # hssm's order: the censored trials first
    miss = d["rt"].to_numpy() == -999.0
    assert miss[: miss.sum()].all()
    want = np.empty(len(d))
    obs = d.loc[~miss, ["rt", "response"]].to_numpy(np.float32)
    want[~miss] = np.asarray(make_logp(net)(np.repeat(theta, len(obs), 0), obs))
    want[miss] = np.asarray(make_log_survival(net)(theta, d.loc[miss, "deadline"].to_numpy(np.float32)))
    assert np.all(want[miss] < 0) and np.all(np.isfinite(want))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_tiny_fit_samples_and_gives_a_log_likelihood(data):
    model = hssm.HSSM(data, model="ddm", loglik_kind="ratio", missing_data=True, deadline=True)
    # 60 tuning steps: with 20, one CI run ended with a step size that never moved the chain
    idata = model.sample(draws=20, tune=60, chains=1, progressbar=False, random_seed=1)
    assert np.isfinite(idata.posterior["a"]).all()
    ll = np.asarray(idata.log_likelihood["rt,response,deadline"])
    assert ll.shape[-1] == len(data) and np.isfinite(ll).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"missing_data": True}, "without a deadline is not supported"),
        ({"deadline": True}, "needs missing_data=True"),
        ({"missing_data": -1.0, "deadline": True}, "only recognizes rt = -999"),
        ({"missing_data": True, "deadline": True, "loglik_missing_data": "ddm_opn.onnx"}, "not used"),
        ({"missing_data": True, "deadline": "limit"}, "no column 'limit'"),
    ],
)
def test_unsupported_censoring_is_a_clear_error(data, kwargs, match):
    with pytest.raises(ValueError, match=match):
        hssm.HSSM(data, model="ddm", loglik_kind="ratio", **kwargs)


def test_a_plain_network_cannot_censor(data):
    plain = SimpleNamespace(normalized=False, name="plain@0")
    with pytest.raises(ValueError, match="plain ratio network"):
        check_censoring_args(data, {"missing_data": True, "deadline": True}, plain)


def test_observed_trials_past_the_deadline_become_censored(data):
    late = data.copy()
    late.loc[late["rt"] > 0, "deadline"] = late.loc[late["rt"] > 0, "rt"].min()  # every response now late
    for choice in (-1, 1):  # one observed trial per choice stays in time
        late.loc[((late["rt"] > 0) & (late["response"] == choice)).idxmax(), "deadline"] = 5.0
    model = hssm.HSSM(late, model="ddm", loglik_kind="ratio", missing_data=True, deadline=True)
    assert (model.data["rt"] != -999.0).sum() == 2
