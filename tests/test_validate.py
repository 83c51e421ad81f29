import jax.numpy as jnp
import numpy as np
import pytest

from hssm_nre import validate
from hssm_nre.registry import get_model
from hssm_nre.simulation import simulate_trials


def test_jax_ddm_density_matches_hssm_and_integrates_to_one():
    rng = np.random.default_rng(1)
    spec = get_model("ddm")
    th = spec.sample_box(300, rng)
    x, ok = simulate_trials(spec, th, rng)
    exact = validate.analytic_ddm_logp()(th[ok], x[ok])
    ours = np.asarray(validate.ddm_logp_jax(jnp.asarray(th[ok]), jnp.asarray(x[ok], jnp.float32)))
    np.testing.assert_allclose(ours, exact, atol=2e-4)
    u = np.exp(np.linspace(np.log(1e-5), np.log(40.0), 20_000))
    theta = jnp.asarray(np.tile([1.2, 0.8, 0.35, 0.2], (len(u), 1)))
    total = sum(
        np.trapezoid(
            np.exp(np.asarray(validate.ddm_logp_jax(theta, jnp.stack([u + 0.2, jnp.full(len(u), c)], 1)))), u
        )
        for c in (-1.0, 1.0)
    )
    assert total == pytest.approx(1.0, abs=1e-3)
    assert validate.ddm_logp_jax(theta[:1], jnp.array([[0.1, 1.0]]))[0] == -np.inf


def test_score_bias_reports_every_parameter(tiny_nce):
    df = validate.score_bias(tiny_nce, n_sets=2, n_mc=2000)
    assert sorted(df.param.unique()) == ["a", "t", "v", "z"] and len(df) == 8
    assert np.isfinite(df.bias_over_sd).all() and (df.mc_se > 0).all()
