import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

hssm = pytest.importorskip("hssm")
from hssm_nre.integrations.hssm import RatioLikelihoodWarning, register  # noqa: E402
from hssm_nre.simulation import simulate_trials  # noqa: E402


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(5)
    n = 120
    cov = rng.uniform(-1, 1, n)
    th = np.column_stack([0.5 + 0.5 * cov, np.full(n, 1.0), np.full(n, 0.5), np.full(n, 0.3)])
    x, _ = simulate_trials("ddm", th, rng)
    return pd.DataFrame(
        {
            "rt": x[:, 0],
            "response": x[:, 1].astype(int),
            "x": cov,
            "participant_id": np.repeat(np.arange(4), n // 4),
        }
    )


def test_import_is_light():
    code = "import sys, hssm_nre; print(any(m in sys.modules for m in ('jax', 'hssm', 'pymc')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_registration_after_late_hssm_import():
    code = (
        "import hssm_nre, hssm; from hssm.config import Config; "
        "print(Config.from_defaults('ddm', 'ratio').loglik_kind)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("ratio")


def test_register_idempotent():
    before = hssm.HSSM.__init__
    register()
    register()
    assert hssm.HSSM.__init__ is before


def test_regression_model_builds_and_samples(data, tiny_nce):
    model = hssm.HSSM(
        data,
        model="ddm",
        loglik_kind="ratio",
        loglik=tiny_nce,
        include=[{"name": "v", "formula": "v ~ 1 + x + (1 | participant_id)"}],
    )
    assert model.loglik_kind == "ratio"
    idata = model.sample(draws=30, tune=30, chains=1, progressbar=False)
    ll = idata["log_likelihood"]["rt,response"]
    assert ll.shape == (1, 30, len(data))
    assert np.isfinite(np.asarray(ll)).all()
    # provenance: the fit names its network (and a saved fit keeps it)
    sha = tiny_nce.card["weights_sha256"]
    assert idata.attrs["hssm_nre_network"] == tiny_nce.name
    assert idata["posterior"].attrs["hssm_nre_network_sha256"] == sha
    assert idata.attrs["hssm_nre_network_version"] == tiny_nce.card["version"]
    assert str(model.loglik) == f"RatioLogpOp({tiny_nce.name}, sha256 {sha[:12]})"
    # the demo's steps-per-draw line reads numpyro's leapfrog counts (1 .. 2^10 per draw)
    from hssm_nre.validation.sampling import nuts_steps

    steps = np.asarray(idata["sample_stats"]["n_steps"])
    assert steps.shape == (1, 30) and nuts_steps(idata) == pytest.approx(steps.mean())
    assert 1 <= nuts_steps(idata) <= 1023


@pytest.mark.filterwarnings("ignore:Numba will use object mode:UserWarning")
def test_pymc_nuts_sampler(data, tiny_nce):
    model = hssm.HSSM(data, model="ddm", loglik_kind="ratio", loglik=tiny_nce, p_outlier=None)
    idata = model.sample(sampler="pymc", draws=20, tune=20, chains=1, cores=1, progressbar=False)
    assert np.asarray(idata["posterior"]["a"]).shape == (1, 20)


def test_plain_ratio_drops_default_lapse_with_warning(data, tiny_cnre):
    with pytest.warns(RatioLikelihoodWarning, match="plain ratio network"):
        model = hssm.HSSM(data, model="ddm", loglik_kind="ratio", loglik=tiny_cnre)
    assert model.p_outlier is None


def test_plain_ratio_refuses_explicit_lapse(data, tiny_cnre):
    with pytest.raises(ValueError, match="needs a normalized likelihood"):
        hssm.HSSM(data, model="ddm", loglik_kind="ratio", loglik=tiny_cnre, p_outlier=0.05)


@pytest.mark.filterwarnings("ignore:chain.*never moved:hssm_nre.integrations.hssm.RatioLikelihoodWarning")
def test_plain_ratio_gives_no_log_likelihood(data, tiny_cnre):
    # the one-epoch fixture network's posterior sits in a corner of the box, where 20 tuning
    # steps leave the chain stuck; this test is about the log_likelihood group
    model = hssm.HSSM(data, model="ddm", loglik_kind="ratio", loglik=tiny_cnre, p_outlier=None)
    with pytest.warns(RatioLikelihoodWarning, match="log_likelihood group is left out"):
        idata = model.sample(draws=20, tune=20, chains=1, progressbar=False)
    assert "log_likelihood" not in idata.children and "posterior" in idata.children
    with pytest.raises(ValueError, match="az.loo"):
        model.log_likelihood(idata)


def test_normalized_network_keeps_lapse(data, tiny_nce):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RatioLikelihoodWarning)
        model = hssm.HSSM(data, model="ddm", loglik_kind="ratio", loglik=tiny_nce)
    assert model.p_outlier is not None


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda d: d.assign(rt=np.where(d.index == 3, np.nan, d.rt)), "NaN"),
        (lambda d: d.assign(rt=np.where(d.index == 3, -0.5, d.rt)), "not positive"),
        (
            lambda d: d.assign(response=np.where(d.index == 3, 0, d.response)),
            r"not among the model's choices",
        ),
    ],
)
def test_bad_data_is_a_clear_error(data, tiny_nce, mutate, match):
    with pytest.raises(ValueError, match=match):
        hssm.HSSM(mutate(data), model="ddm", loglik_kind="ratio", loglik=tiny_nce)


def test_trials_slower_than_the_training_simulations_warn(data, tiny_nce):
    import copy

    from hssm_nre.store.artifact import Network

    card = copy.deepcopy(tiny_nce.card)
    card["simulation"]["max_t"] = 20.0
    net = Network(weights=tiny_nce.weights, card=card)
    slow = data.assign(rt=np.where(data.index == 3, 25.0, data.rt))
    with pytest.warns(RatioLikelihoodWarning, match=r"1 trial\(s\) have rt above 20 s.*extrapolates"):
        hssm.HSSM(slow, model="ddm", loglik_kind="ratio", loglik=net)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RatioLikelihoodWarning)
        hssm.HSSM(data, model="ddm", loglik_kind="ratio", loglik=net)


def test_prior_outside_box_is_an_error(data, tiny_nce):
    # hssm itself rejects fixed values outside the bounds, which the ratio kind sets to the box
    with pytest.raises(ValueError, match=r"2.5 not in bounds \(0.0, 2.0\) for parameter t"):
        hssm.HSSM(data, model="ddm", loglik_kind="ratio", loglik=tiny_nce, t=2.5)
    with pytest.raises(ValueError, match=r"prior of 'a'.*outside the network's training box"):
        hssm.HSSM(
            data,
            model="ddm",
            loglik_kind="ratio",
            loglik=tiny_nce,
            include=[{"name": "a", "prior": {"name": "HalfNormal", "sigma": 2.0}, "bounds": (0.1, 5.0)}],
        )


def test_default_priors_and_initvals_inside_box(data, tiny_nce):
    model = hssm.HSSM(data, model="ddm", loglik_kind="ratio", loglik=tiny_nce)
    init = model.initial_point(transformed=False)
    for name, (lo, hi) in tiny_nce.box.items():
        assert lo <= float(np.asarray(init[name]).ravel()[0]) <= hi


def test_wrong_network_for_model(data, tiny_nce):
    with pytest.raises(ValueError, match="network for model .ddm., not .angle."):
        hssm.HSSM(data.assign(theta=0.1), model="angle", loglik_kind="ratio", loglik=tiny_nce)


@pytest.mark.filterwarnings("ignore:Numba will use object mode:UserWarning")
def test_logp_is_minus_inf_for_rt_below_t(data, tiny_nce):
    model = hssm.HSSM(data, model="ddm", loglik_kind="ratio", loglik=tiny_nce, p_outlier=None)
    fn = model.pymc_model.compile_logp(sum=False)
    pt = model.pymc_model.initial_point()
    t_min = float(data.rt.min())
    key = [k for k in pt if k.startswith("t")][0]
    # push t above the fastest rt (interval transform: value on the logit scale)
    lo, hi = 0.0, 2.0
    t_val = t_min + 0.01
    pt[key] = np.log((t_val - lo) / (hi - t_val))
    out = fn(pt)
    obs = out[-1]
    assert np.isneginf(obs[np.argmin(data.rt.values)])


@pytest.mark.filterwarnings("ignore:Numba will use object mode:UserWarning")
def test_nutpie_sampler_and_gradient(data, tiny_nce):
    model = hssm.HSSM(data, model="ddm", loglik_kind="ratio", loglik=tiny_nce, p_outlier=None)
    # the gradient through the pytensor Op matches finite differences
    logp = model.pymc_model.compile_logp()
    dlogp = model.pymc_model.compile_dlogp()
    pt = model.pymc_model.initial_point()
    pt = {k: np.asarray(-4.0 if k.startswith("t_") else 0.2) for k in pt}  # t near 0.04 s
    g = dlogp(pt)
    names = list(pt)
    for i, k in enumerate(names):
        h = 1e-3
        up, dn = dict(pt), dict(pt)
        up[k] = pt[k] + h
        dn[k] = pt[k] - h
        fd = (logp(up) - logp(dn)) / (2 * h)
        assert g[i] == pytest.approx(fd, rel=0.05, abs=0.05), k
    idata = model.sample(sampler="nutpie", draws=20, tune=20, chains=1, progressbar=False)
    assert np.asarray(idata["posterior"]["v"]).shape == (1, 20)


@pytest.mark.parametrize("sampler", ["blackjax", "nuts_blackjax"])
def test_blackjax_gives_a_clear_error_or_works(data, tiny_nce, sampler):
    model = hssm.HSSM(data, model="ddm", loglik_kind="ratio", loglik=tiny_nce, p_outlier=None)
    try:
        idata = model.sample(sampler=sampler, draws=20, tune=20, chains=1, progressbar=False)
    except RuntimeError as err:
        assert f"sampler={sampler!r} does not run" in str(err) and "Use sampler='numpyro'" in str(err)
    else:
        assert np.asarray(idata["posterior"]["v"]).shape == (1, 20)


@pytest.mark.filterwarnings("ignore:Numba will use object mode:UserWarning")
def test_posterior_predictive_through_ssm_simulators(data, tiny_nce):
    model = hssm.HSSM(data, model="ddm", loglik_kind="ratio", loglik=tiny_nce, p_outlier=None)
    idata = model.sample(draws=10, tune=10, chains=1, progressbar=False)
    pp = model.sample_posterior_predictive(idata, draws=5, inplace=False)
    group = pp["posterior_predictive"]
    sims = np.asarray(next(iter(group.data_vars.values())))
    assert sims.shape[-2:] == (len(data), 2)
    assert set(np.unique(sims[..., 1])) <= {-1.0, 1.0} and np.all(sims[..., 0] > 0)


@pytest.mark.parametrize(
    ("prior", "name"),
    [
        ({"name": "Uniform", "lower": 0.5, "upper": 2.0}, "v"),
        ({"name": "Uniform", "lower": 0.1, "upper": 0.2}, "t"),
    ],
)
@pytest.mark.filterwarnings("ignore:Numba will use object mode:UserWarning")
def test_initvals_lie_inside_the_prior(data, tiny_nce, prior, name):
    model = hssm.HSSM(data, model="ddm", loglik_kind="ratio", loglik=tiny_nce, **{name: prior})
    val = float(np.asarray(model.initvals[name]).ravel()[0])
    assert prior["lower"] < val < prior["upper"]
    assert np.isfinite(model.pymc_model.compile_logp()(model.pymc_model.initial_point()))


def test_regression_initvals_lie_inside_the_prior(data, tiny_nce):
    prior = {"Intercept": {"name": "Uniform", "lower": 0.5, "upper": 2.0}}
    model = hssm.HSSM(
        data,
        model="ddm",
        loglik_kind="ratio",
        loglik=tiny_nce,
        include=[{"name": "v", "formula": "v ~ 1 + x", "prior": prior}],
    )
    assert 0.5 < float(model.initvals["v_Intercept"]) < 2.0


def test_prior_without_room_below_fastest_rt_is_an_error(data, tiny_nce):
    low = float(data.rt.min()) + 0.05
    with pytest.raises(ValueError, match="leaves no value inside the network's training box"):
        hssm.HSSM(
            data,
            model="ddm",
            loglik_kind="ratio",
            loglik=tiny_nce,
            t={"name": "Uniform", "lower": low, "upper": 1.9},
        )


def test_samples_move_with_a_narrow_prior(data):
    # the shipped network: with the tiny test network a 20-draw chain could freeze on its own
    # (7 divergences in CI), which is not what this test is about
    v = {"name": "Uniform", "lower": 0.5, "upper": 2.0}
    model = hssm.HSSM(data, model="ddm", loglik_kind="ratio", v=v)
    idata = model.sample(draws=20, tune=50, chains=1, progressbar=False)
    v = np.asarray(idata["posterior"]["v"])
    assert np.unique(v).size > 1 and (v > 0.5).all()


def test_a_chain_that_never_moves_warns(data):
    model = hssm.HSSM(
        data, model="ddm", loglik_kind="ratio", v={"name": "Uniform", "lower": 0.5, "upper": 2.0}
    )
    model._initvals["v"] = np.asarray(0.0)  # hssm's default, outside the prior: the chain cannot move
    with pytest.warns(RatioLikelihoodWarning, match=r"chain\(s\) \[0\] never moved"):
        model.sample(draws=10, tune=10, chains=1, progressbar=False)


@pytest.mark.filterwarnings("ignore:Numba will use object mode:UserWarning")
@pytest.mark.parametrize("lapse", [None, 0.05])
def test_regression_trial_outside_the_box_is_minus_inf(data, tiny_nce, lapse):
    # hssm's own bounds handling would give a finite -66.1 for these trials
    import pytensor
    import pytensor.tensor as pt

    model = hssm.HSSM(
        data,
        model="ddm",
        loglik_kind="ratio",
        loglik=tiny_nce,
        p_outlier=lapse,
        include=[{"name": "v", "formula": "v ~ 1 + x"}],
    )
    out = np.arange(len(data)) % 3 == 0
    v = pt.dvector("v")
    obs = pt.as_tensor(data[["rt", "response"]].to_numpy(float))
    rest = [pt.as_tensor(1.0), pt.as_tensor(0.5), pt.as_tensor(0.1)] + (
        [pt.as_tensor(lapse)] if lapse else []
    )
    logp = model.model_distribution.logp(obs, v, *rest)
    f = pytensor.function([v], [logp, pytensor.grad(pt.sum(pt.where(pt.isinf(logp), 0.0, logp)), v)])
    val, grad = f(np.where(out, 3.2, 0.5))  # box for v: [-3, 3]
    assert np.isneginf(val[out]).all()
    assert np.isfinite(val[~out]).all() and np.isfinite(grad).all()
    val, grad = f(np.where(out, -3.01, 0.5))
    assert np.isneginf(val[out]).all()
    assert np.isfinite(f(np.full(len(data), 0.5))[0]).all()


def test_one_trial_is_a_clear_error(data, tiny_nce):
    with pytest.raises(ValueError, match=r"data has 1 trial\(s\); hssm \(bambi\) needs at least 2"):
        hssm.HSSM(data.iloc[:1], model="ddm", loglik_kind="ratio", loglik=tiny_nce)


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda d: d.assign(rt=d.rt.astype(str)), "rt must be numeric"),
        (lambda d: d.assign(response=d.response.astype(str)), "response must be numeric"),
    ],
)
def test_string_columns_are_a_clear_error(data, tiny_nce, mutate, match):
    with pytest.raises(TypeError, match=match):
        hssm.HSSM(mutate(data), model="ddm", loglik_kind="ratio", loglik=tiny_nce)


def test_card_for_another_model_is_refused(data, tiny_nce):
    import copy

    from hssm_nre.store.artifact import Network

    card = copy.deepcopy(tiny_nce.card)
    card["model"]["name"] = card["name"] = "ddm_custom"
    net = Network(weights=tiny_nce.weights, card=card)
    with pytest.raises(ValueError, match="is a network for model 'ddm_custom', not 'ddm'"):
        hssm.HSSM(data, model="ddm", loglik_kind="ratio", loglik=net)


def test_very_slow_trials_without_a_lapse_warn(data, tiny_nce):
    slow = data.assign(rt=np.where(data.index == 3, 15.0, data.rt))
    with pytest.warns(
        RatioLikelihoodWarning, match=r"1 trial\(s\) are more than 10x slower.*no lapse covers"
    ):
        hssm.HSSM(slow, model="ddm", loglik_kind="ratio", loglik=tiny_nce, p_outlier=None)
    with warnings.catch_warnings():  # hssm's default lapse, Uniform(0, 20), covers 15 s
        warnings.simplefilter("error", RatioLikelihoodWarning)
        hssm.HSSM(slow, model="ddm", loglik_kind="ratio", loglik=tiny_nce)


@pytest.mark.filterwarnings("ignore:Numba will use object mode:UserWarning")
def test_parameters_without_regression_reach_the_network_once(data, tiny_nce, monkeypatch):
    """hssm treats the parent v as trialwise; the ratio op gets one value (the fast shared path)."""
    import hssm_nre.net.logp as logp_module

    seen = []
    original = logp_module.make_hssm_logp

    def spy(net, n_params):
        f = original(net, n_params)

        def g(data, *params):
            seen.append([np.shape(p) for p in params])
            return f(data, *params)

        return g

    monkeypatch.setattr(logp_module, "make_hssm_logp", spy)
    model = hssm.HSSM(data, model="ddm", loglik_kind="ratio", loglik=tiny_nce, p_outlier=None)
    model.pymc_model.compile_logp()(model.pymc_model.initial_point())
    assert seen and all(max((s[0] if s else 1) for s in shapes) == 1 for shapes in seen), seen
    seen.clear()
    model = hssm.HSSM(
        data,
        model="ddm",
        loglik_kind="ratio",
        loglik=tiny_nce,
        p_outlier=None,
        include=[{"name": "v", "formula": "v ~ 1 + x"}],
    )
    model.pymc_model.compile_logp()(model.pymc_model.initial_point())
    assert seen and all(shapes[0] == (len(data),) for shapes in seen), seen


def test_default_priors_are_hssms_truncated_to_the_box_with_a_note(data, tiny_nce, caplog):
    """The ratio kind's default priors are those hssm gives the model, truncated to the box."""
    import logging

    theirs = hssm.HSSM(data, model="ddm", loglik_kind="analytical")
    with caplog.at_level(logging.INFO, logger="hssm"):
        ours = hssm.HSSM(data, model="ddm", loglik_kind="ratio", loglik=tiny_nce)
    for name, (lo, hi) in tiny_nce.box.items():
        mine, hers = ours.params[name].prior, theirs.params[name].prior
        assert mine.name == hers.name, name
        if mine.name == "Uniform":  # hssm's Uniform(0, 1) on z, intersected with the box
            assert (float(mine.args["lower"]), float(mine.args["upper"])) == (lo, hi)
        else:  # Normal(0, 2) on v, HalfNormal(2) on a and t
            assert mine._args == hers.args and tuple(mine.bounds) == (lo, hi), name
    notes = [r.getMessage() for r in caplog.records if "truncated to the training box" in r.getMessage()]
    assert len(notes) == 1
    assert "a ~ hssm's default HalfNormal(sigma: 2.0) truncated to [0.3, 2.5], 33% of its mass" in notes[0]


def test_a_user_prior_with_mass_outside_the_box_is_truncated_with_a_note(data, tiny_nce, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="hssm"):
        model = hssm.HSSM(
            data, model="ddm", loglik_kind="ratio", loglik=tiny_nce, a={"name": "HalfNormal", "sigma": 2.0}
        )
    assert tuple(model.params["a"].prior.bounds) == tiny_nce.box["a"]
    (note,) = [r.getMessage() for r in caplog.records if "truncated to the training box" in r.getMessage()]
    assert "a ~ HalfNormal(sigma: 2.0) truncated to [0.3, 2.5], 33% of its mass outside" in note


@pytest.mark.parametrize(
    ("sampler", "error", "names"),
    [
        ("laplace", ValueError, "Use sampler='numpyro' (the default), 'nutpie' or 'pymc'"),
        ("vi", ValueError, "Please use the vi() method instead"),  # hssm's own one-line error
    ],
)
def test_samplers_that_cannot_run_say_so_in_one_line(data, tiny_nce, sampler, error, names):
    model = hssm.HSSM(data, model="ddm", loglik_kind="ratio", loglik=tiny_nce, p_outlier=None)
    with pytest.raises(error) as info:
        model.sample(sampler=sampler, draws=10, tune=10, chains=1, progressbar=False)
    assert names in str(info.value) and len(str(info.value).splitlines()) == 1


@pytest.mark.filterwarnings("ignore:chain.*never moved:hssm_nre.integrations.hssm.RatioLikelihoodWarning")
def test_hierarchical_numpyro_chains_default_to_one_batch_and_the_users_choice_wins(
    data, tiny_nce, monkeypatch
):
    import pymc.sampling.jax as pmjax

    seen = []
    real = pmjax._sample_numpyro_nuts

    def spy(*args, **kwargs):
        seen.append(kwargs["chain_method"])
        return real(*args, **kwargs)

    monkeypatch.setattr(pmjax, "_sample_numpyro_nuts", spy)
    short = {
        "draws": 5,
        "tune": 5,
        "chains": 2,
        "progressbar": False,
        "idata_kwargs": {"log_likelihood": False},
    }
    include = [{"name": "v", "formula": "v ~ 1 + (1 | participant_id)"}]
    model = hssm.HSSM(data, model="ddm", loglik_kind="ratio", loglik=tiny_nce, include=include)
    model.sample(**short)
    model.sample(**short, nuts_sampler_kwargs={"chain_method": "sequential"})
    hssm.HSSM(data, model="ddm", loglik_kind="ratio", loglik=tiny_nce).sample(
        **short
    )  # flat: numpyro's default
    assert seen == ["vectorized", "sequential", "parallel"]
