import numpy as np
import pytest

from hssm_nre.models import MODELS, ModelSpec, get_model


@pytest.mark.parametrize("name", sorted(MODELS))
def test_box_sampling_stays_inside(name, rng):
    spec = MODELS[name]
    th = spec.sample_box(1000, rng)
    assert th.shape == (1000, spec.n_params)
    assert np.all(th >= spec.lower) and np.all(th <= spec.upper)
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
    assert sim == "bridge" and all(MODELS[m].mirror == ("v", "z") for m in MODELS)


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
