import numpy as np
import pytest

from hssm_nre.models import MODELS, ModelSpec, get_model


@pytest.mark.parametrize("name", sorted(MODELS))
def test_box_sampling_stays_inside(name, rng):
    spec = MODELS[name]
    th = spec.sample_box(1000, rng)
    assert th.shape == (1000, spec.n_params)
    assert np.all(th >= spec.lower) and np.all(th <= spec.upper)
    assert spec.satisfies(th).all()  # constraints such as the LBA's b > A hold for every draw
    assert spec.ndt is None or spec.ndt in spec.params


@pytest.mark.parametrize("name", sorted(MODELS))
def test_params_match_ssm_simulators(name):
    from ssms.config import model_config

    assert tuple(model_config[name]["params"]) == MODELS[name].params


def test_unknown_model_suggests():
    with pytest.raises(ValueError, match="Did you mean 'angle'"):
        get_model("angel")


def test_custom_spec_validation():
    with pytest.raises(ValueError, match="box has no entry"):
        ModelSpec.custom("m", ["a", "b"], {"a": (0, 1)}, lambda th, rng: th)
    with pytest.raises(ValueError, match="low < high"):
        ModelSpec.custom("m", ["a"], {"a": (1, 0)}, lambda th, rng: th)
    with pytest.raises(TypeError, match="callable"):
        ModelSpec.custom("m", ["a"], {"a": (0, 1)}, "not a function")


def test_mirror_needs_a_symmetric_box():
    box = {"v": (-1.0, 2.0), "a": (0.5, 2.0), "z": (0.2, 0.8), "t": (0.0, 1.0)}
    sim = MODELS["ddm"].simulator
    with pytest.raises(ValueError, match="symmetric"):
        ModelSpec.custom(
            "m", list(box), box, lambda th, rng: th, obs_dim=2, choices=(-1, 1), ndt="t", mirror=("v", "z")
        )
    with pytest.raises(ValueError, match="two choices"):
        ModelSpec.custom("m", ["v", "z"], {"v": (-1, 1), "z": (0, 1)}, lambda th, rng: th, mirror=("v", "z"))
    assert ModelSpec.custom("m", list(box), box, lambda th, rng: th).mirror is None
    # the two-choice diffusion models are symmetric under swapping the choices; the LBA's
    # three, the four of two diffusions in sequence and the race's four are not
    assert sim == "bridge" and all(
        (MODELS[m].mirror is None) == (MODELS[m].simulator in ("lba", "seq2", "race")) for m in MODELS
    )
    assert all(
        MODELS[m].mirror == ("v", "z", *(("c",) if m == "gamma_drift" else ()))
        for m in MODELS
        if MODELS[m].simulator not in ("lba", "seq2", "race")
    )
    # further mirror parameters change sign with the drift, so their box must be symmetric too
    gbox = dict(MODELS["gamma_drift"].box_dict(), c=(-1.0, 3.0))
    with pytest.raises(ValueError, match="c -> -c"):
        ModelSpec("m", tuple(gbox), tuple(gbox.values()), mirror=("v", "z", "c"), drift="gamma")


def test_mirror_reflects_further_parameters():
    """gamma_drift's lower choice is its upper one at (-v, 1 - z, -c): the simulator shows it."""
    from hssm_nre.simulation import simulate_trials

    spec = MODELS["gamma_drift"]
    th = np.array([0.8, 1.0, 0.35, 0.3, 3.0, 0.1, -2.0])
    mirrored = th * np.array([-1, 1, 1, 1, 1, 1, -1]) + np.array([0, 0, 1 - 2 * 0.35, 0, 0, 0, 0])
    n = 40_000
    x, ok = simulate_trials(spec, np.tile(th, (n, 1)), np.random.default_rng(0), dt=1e-3, max_t=50.0)
    y, ok2 = simulate_trials(spec, np.tile(mirrored, (n, 1)), np.random.default_rng(1), dt=1e-3, max_t=50.0)
    assert ok.all() and ok2.all()
    up, lo = x[x[:, 1] == 1, 0], y[y[:, 1] == -1, 0]
    assert abs(len(up) - len(lo)) < 4 * np.sqrt(n * 0.25)  # P(up | th) = P(lower | mirrored)
    assert abs(np.median(up) - np.median(lo)) < 0.01
    # and the network's reflection maps th onto mirrored
    import jax.numpy as jnp

    from hssm_nre.net.features import Transform, reflect

    tr = Transform(tuple(range(7)), (0.0,) * 7, (1.0,) * 7, "rt_choice", 3, mirror=(0, 2, 6))
    assert np.allclose(np.asarray(reflect(tr, jnp.asarray(th, jnp.float32))), mirrored, atol=1e-6)


def test_drift_is_checked():
    box = ((-1.0, 1.0), (0.5, 2.0), (0.2, 0.8), (0.0, 1.0))
    with pytest.raises(ValueError, match="drift 'ramp'"):
        ModelSpec("m", ("v", "a", "z", "t"), box, drift="ramp")
    with pytest.raises(ValueError, match="'shape', 'scale', 'c'"):
        ModelSpec("m", ("v", "a", "z", "t"), box, drift="gamma")


def test_sample_box_edge_share_piles_mass_at_the_bounds():
    import numpy as np

    from hssm_nre.models import get_model

    spec = get_model("weibull")
    plain = spec.sample_box(20_000, np.random.default_rng(0))
    edged = spec.sample_box(20_000, np.random.default_rng(0), edge_share=0.5)
    for th in (plain, edged):
        assert np.all((th >= spec.lower) & (th <= spec.upper))
    near = lambda th: np.mean(np.abs((th - spec.lower) / (spec.upper - spec.lower) - 0.5) > 0.45)  # noqa: E731
    assert near(plain) < 0.12 < 0.17 < near(edged)  # uniform: 0.10; half arcsine: 0.05 + 0.5 * 0.29
    with pytest.raises(ValueError, match="edge_share"):
        spec.sample_box(10, np.random.default_rng(0), edge_share=1.5)


def test_boundary_is_checked():
    box = ((-1.0, 1.0), (0.5, 2.0), (0.2, 0.8), (0.0, 1.0))
    with pytest.raises(ValueError, match="boundary 'spline'"):
        ModelSpec("m", ("v", "a", "z", "t"), box, boundary="spline")
    with pytest.raises(ValueError, match="'theta'"):
        ModelSpec("m", ("v", "a", "z", "t"), box, boundary="angle")
    assert MODELS["weibull"].boundary == "weibull" and MODELS["ddm"].boundary is None


# What `hssm-nre validate` uses when no --reference is given (the first kind covering the model).
DEFAULT_REFERENCE = {
    "ddm": "analytic",
    "ddm_sdv": "analytic",
    "full_ddm": "blackbox",
    "angle": "pyddm",
    "weibull": "pyddm",
    "ornstein": "pyddm",
    "levy": "none",
    "lba3": "analytic",
    "ddm_seq2_no_bias": "analytic",
    "gamma_drift": "pyddm",
    "race_no_bias_angle_4": "fokker_planck",
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_registry_entry_is_complete(name):
    """Each model carries its simulation route, validation sets and references (nothing elsewhere)."""
    from hssm_nre.simulation import check_route
    from hssm_nre.validation.references import KINDS, REFERENCES, unsupported

    spec = MODELS[name]
    # a simulation route the package's simulators accept for this model
    assert spec.simulator in ("bridge", "stable", "lba", "seq2", "race", "ssms")
    assert check_route(spec) == spec.simulator
    # references: implemented kinds able to compute this model, the default first
    for kind in spec.references:
        assert kind in KINDS
        assert unsupported(kind, spec) is None, unsupported(kind, spec)
    fits = [k for k, ms in REFERENCES.items() if name in ms]
    assert fits == list(spec.references)
    assert (fits[0] if fits else "none") == DEFAULT_REFERENCE[name]
    # validation sets: every parameter, inside the box
    assert spec.validation_sets
    for values in spec.validation_sets:
        assert tuple(values) == spec.params
        assert all(lo <= values[p] <= hi for p, (lo, hi) in spec.box_dict().items())
        assert spec.satisfies(np.array([values[p] for p in spec.params]))


def test_views_are_derived_from_the_registry():
    from hssm_nre.simulation import BRIDGE_MODELS, LBA_MODELS, STABLE_MODELS
    from hssm_nre.validation.cases import EXTENDED_SETS, PARAMETER_SETS
    from hssm_nre.validation.references import REFERENCES

    assert list(EXTENDED_SETS) == [
        "angle",
        "weibull",
        "ornstein",
        "ddm_sdv",
        "full_ddm",
        "levy",
        "gamma_drift",
        "lba3",
        "ddm_seq2_no_bias",
        "race_no_bias_angle_4",
    ]
    assert {m: len(s) for m, s in EXTENDED_SETS.items()} == dict.fromkeys(EXTENDED_SETS, 4)
    assert list(PARAMETER_SETS) == ["ddm"] and len(PARAMETER_SETS["ddm"]) == 6
    for name, sets in {**PARAMETER_SETS, **EXTENDED_SETS}.items():
        assert sets == list(MODELS[name].validation_sets)
    assert REFERENCES == {
        "analytic": ("ddm", "ddm_sdv", "lba3", "ddm_seq2_no_bias"),
        "blackbox": ("full_ddm",),
        "pyddm": ("ddm", "angle", "weibull", "ornstein", "gamma_drift"),
        "fokker_planck": ("race_no_bias_angle_4",),
    }
    assert BRIDGE_MODELS == ("ddm", "angle", "weibull", "ornstein", "ddm_sdv", "full_ddm", "gamma_drift")
    assert STABLE_MODELS == ("levy",)
    assert LBA_MODELS == ("lba3",)
    # the views are copies: changing one leaves the registry alone
    EXTENDED_SETS["angle"][0]["v"] = 99.0
    try:
        assert MODELS["angle"].validation_sets[0]["v"] == 1.0
    finally:
        EXTENDED_SETS["angle"][0]["v"] = 1.0


def test_custom_spec_works_with_the_defaults(rng):
    from hssm_nre.simulation import check_route, simulate_trials

    spec = ModelSpec.custom(
        "normal",
        ["mu", "sigma"],
        {"mu": (-5, 5), "sigma": (0.1, 5)},
        lambda th, rng: th[:, :1] + th[:, 1:] * rng.standard_normal((len(th), 1)),
    )
    assert spec.validation_sets == () and spec.references == ()
    assert check_route(spec) == "custom"
    hash(spec)  # still hashable (the validation fields are left out of hash and ==)
    x, ok = simulate_trials(spec, spec.sample_box(50, rng), rng)
    assert x.shape == (50, 1) and ok.all()
    # a plain ModelSpec gets the bridge route and no validation fields
    plain = ModelSpec("ddm_copy", ("v", "a", "z", "t"), MODELS["ddm"].box)
    assert plain.simulator == "bridge" and plain.validation_sets == () and plain.references == ()
    assert plain == ModelSpec("ddm_copy", ("v", "a", "z", "t"), MODELS["ddm"].box, references=("analytic",))


def test_capability_fields_are_checked():
    box = ((-1.0, 1.0), (0.5, 2.0), (0.2, 0.8), (0.0, 1.0))
    params = ("v", "a", "z", "t")
    with pytest.raises(ValueError, match="unknown simulator 'euler'"):
        ModelSpec("m", params, box, simulator="euler")
    with pytest.raises(ValueError, match="leaves the box: v=2.0"):
        ModelSpec("m", params, box, validation_sets=({"v": 2.0, "a": 1.0, "z": 0.5, "t": 0.3},))
    with pytest.raises(ValueError, match="give a value for each"):
        ModelSpec("m", params, box, validation_sets=({"v": 0.0, "a": 1.0, "z": 0.5},))
    with pytest.raises(ValueError, match="distinct"):
        ModelSpec("m", params, box, references=("pyddm", "pyddm"))
    spec = ModelSpec(
        "m", params, box, validation_sets=[{"v": 0.0, "a": 1.0, "z": 0.5, "t": 0.3}], references=["pyddm"]
    )
    assert isinstance(spec.validation_sets, tuple) and spec.references == ("pyddm",)


def test_constraints_are_checked_and_redrawn():
    box = ((0.05, 1.0), (0.2, 1.5))
    with pytest.raises(ValueError, match="constraint"):
        ModelSpec("m", ("A", "b"), box, choices=(0, 1), ndt=None, mirror=None, constraints=(("A", "c"),))
    with pytest.raises(ValueError, match="b broken"):
        ModelSpec(
            "m",
            ("A", "b"),
            box,
            choices=(0, 1),
            ndt=None,
            mirror=None,
            constraints=(("A", "b"),),
            validation_sets=({"A": 0.6, "b": 0.5},),
        )
    spec = get_model("lba3")
    assert spec.constraints == (("A", "b"),) and spec.ndt is None and spec.mirror is None
    th = spec.sample_box(5000, np.random.default_rng(1), edge_share=0.5)
    assert (th[:, 0] < th[:, 1]).all()
