"""Every network shipped in the wheel: loads, matches its card, behaves inside and outside its box."""

import warnings

import hssm
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import hssm_nre  # noqa: F401
from hssm_nre.models import get_model
from hssm_nre.net.logp import make_hssm_logp, make_logp
from hssm_nre.simulation import simulate_trials
from hssm_nre.store.hub import load_network
from hssm_nre.store.shipped import shipped_networks

SHIPPED = sorted(shipped_networks())


def test_something_is_shipped():
    assert "ddm" in SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_card_matches_registry_and_records_validation(name):
    net = load_network(name)
    spec = get_model(net.model)
    assert tuple(net.params) == spec.params
    assert [tuple(b) for b in net.card["model"]["box"]] == [tuple(b) for b in spec.box]
    for key in ("seed", "steps", "train_seconds"):
        assert key in net.card["training"]
    assert net.card["simulation"]["n"] > 0 and net.card["versions"]["jax"]
    assert net.card["validation"].get("command"), "shipped networks carry their validation metrics"


# Known: ornstein at v 0.05, a 2.87, z 0.22, g 0.90 integrates to 0.92. There 96 % of trials do not
# finish within the simulator's 20 s (PyDDM), so the network saw few trials (docs/limits.md).
NORMALIZATION_KNOWN: dict[str, str] = {}  # name -> why a shipped network misses the bar


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(reason=NORMALIZATION_KNOWN[n], strict=True))
        if n in NORMALIZATION_KNOWN
        else n
        for n in SHIPPED
    ],
)
def test_normalized_within_the_bar(name):
    """Integral over the trained support (t - st where rt spreads, to max_t) within 0.05 of one."""
    from hssm_nre.validation.metrics import normalization_error

    net = load_network(name)
    assert net.normalized
    assert normalization_error(net, n_theta=10, seed=1)["max_abs_error"] < (0.02 if name == "ddm" else 0.05)


@pytest.mark.parametrize("name", SHIPPED)
def test_finite_inside_minus_inf_outside(name):
    net = load_network(name)
    spec = get_model(net.model)
    rng = np.random.default_rng(0)
    th = spec.sample_box(200, rng)
    x, ok = simulate_trials(spec, th, rng)
    th, x = th[ok], x[ok]
    logp = make_logp(net)
    assert np.isfinite(np.asarray(logp(th, x))).all()
    f = make_hssm_logp(net, spec.n_params)
    grads = jax.grad(lambda p: f(jnp.asarray(x), *p.T).sum())(jnp.asarray(th, jnp.float32))
    assert np.isfinite(np.asarray(grads)).all()
    for j in range(spec.n_params):
        out = th.copy()
        out[:, j] = spec.upper[j] + 0.1 * (spec.upper[j] - spec.lower[j])
        assert np.all(np.asarray(logp(out, x)) == -np.inf), spec.params[j]


@pytest.mark.filterwarnings("ignore:Numba will use object mode:UserWarning")
@pytest.mark.parametrize("name", SHIPPED)
def test_fits_a_small_data_set_through_hssm(name):
    net = load_network(name)
    spec = get_model(net.model)
    truth = (spec.lower + spec.upper) / 2
    if spec.ndt:
        truth[spec.params.index(spec.ndt)] = 0.3
    rng = np.random.default_rng(1)
    x, ok = simulate_trials(spec, np.tile(truth, (300, 1)), rng)
    import pandas as pd

    data = pd.DataFrame({"rt": x[ok, 0], "response": x[ok, 1].astype(int)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = hssm.HSSM(data, model=net.model, loglik_kind="ratio", loglik=name, p_outlier=None)
    idata = model.sample(draws=100, tune=100, chains=1, progressbar=False, random_seed=0)
    post = idata["posterior"]
    for p, val in zip(spec.params, truth, strict=True):
        draws = np.asarray(post[p]).ravel()
        assert abs(draws.mean() - val) < 5 * draws.std() + 0.05, (p, draws.mean(), val)


@pytest.mark.parametrize("name", SHIPPED)
def test_train_recipe_matches_the_card(name):
    """`hssm-nre train MODEL` without options uses the budgets the shipped network records."""
    from hssm_nre.training.config import TrainConfig
    from hssm_nre.training.recipes import DEFAULT_BUDGETS, RECIPES

    card = load_network(name).card
    recipe = RECIPES[card["model"]["name"]]
    assert card["simulation"]["n_requested"] == recipe.get("n", DEFAULT_BUDGETS["n"])
    assert card["training"]["seed"] == 0 and card["simulation"]["seed"] == 0
    assert card["simulation"]["max_t"] == recipe.get("max_t", 20.0)
    assert card["simulation"].get("edge_share", 0.0) == recipe.get("edge_share", 0.0)
    penalty = {"norm_weight": TrainConfig.norm_weight, "norm_clip": TrainConfig.norm_clip}
    for key, default in penalty.items():  # cards from before a setting existed had its default
        assert card["training"].get(key, default) == recipe.get(key, default)
    assert tuple(card["transform"].get("time_features", ("log",))) == recipe.get("time_features", ("log",))
    if "max_steps" in recipe:
        assert card["training"]["max_steps"] == card["training"]["steps"] == recipe["max_steps"]
    else:
        assert card["training"]["time_budget_s"] == DEFAULT_BUDGETS["time_budget_s"]
    assert card["version"] == recipe.get("version", card["version"])
    members = card.get("members") or []
    assert 1 + len(members) == recipe.get("members", 1)
    for k, m in enumerate(members, start=1):  # seeds 1, 2, ... and the same recipe
        assert m["simulation"]["seed"] == m["training"]["seed"] == k
        assert m["simulation"]["n_requested"] == card["simulation"]["n_requested"]
        assert m["simulation"]["max_t"] == card["simulation"]["max_t"]
        assert m["simulation"].get("edge_share", 0.0) == card["simulation"].get("edge_share", 0.0)
        assert m["training"]["steps"] == card["training"]["steps"]
        for key, default in penalty.items():
            assert m["training"].get(key, default) == card["training"].get(key, default)
        assert m["transform"]["time_features"] == card["transform"]["time_features"]
