import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hssm_nre.training.config import TrainConfig
from hssm_nre.training.losses import cnre_loss, nce_loss, normalization_penalty


def test_cnre_matches_brute_force(rng):
    fj, fm = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    g, k = 0.7, 4
    lj = -np.log(g * np.exp(fj[:, 0]) / (k + g * np.exp(fj).sum(1)))
    lm = -np.log(k / (k + g * np.exp(fm).sum(1)))
    want = np.mean(g / (1 + g) * lj + 1 / (1 + g) * lm)
    assert float(cnre_loss(jnp.asarray(fj), jnp.asarray(fm), g)) == pytest.approx(want, rel=1e-5)


@pytest.mark.parametrize("nu", [1, 4])
def test_nce_optimum_is_log_p_over_q(nu):
    # Expected NCE loss on a discrete space; its gradient vanishes at f = log p - log q.
    p = jnp.array([0.5, 0.3, 0.2])
    q = jnp.array([0.2, 0.2, 0.6])

    def expected(f):
        pos = jax.nn.softplus(-(f - jnp.log(nu)))
        neg = jax.nn.softplus(f - jnp.log(nu))
        return jnp.sum(p * pos) + nu * jnp.sum(q * neg)

    f_star = jnp.log(p / q)
    assert np.allclose(jax.grad(expected)(f_star), 0, atol=1e-6)
    assert float(expected(f_star + 0.1)) > float(expected(f_star))
    # the batch loss is the Monte-Carlo version of the same expectation
    assert float(nce_loss(jnp.zeros(2), jnp.zeros((2, nu)))) == pytest.approx(
        float(jax.nn.softplus(jnp.log(nu)) + nu * jax.nn.softplus(-jnp.log(nu))), rel=1e-6
    )


@pytest.mark.parametrize("mass", [1.0, 1.3, 0.8])
def test_normalization_penalty_estimates_the_squared_mass_error(mass):
    # f = log(mass * p / q) at draws from q, so E_q[e^f] = mass; the penalty is unbiased for
    # (mass - 1)^2, while a squared single-draw estimate also counts its variance.
    p, q = np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.2, 0.6])
    draws = np.random.default_rng(3).choice(3, size=(400_000, 3), p=q)
    f = jnp.asarray(np.log(mass * p / q)[draws])
    got = float(normalization_penalty(f))
    assert got == pytest.approx((mass - 1) ** 2, abs=0.01)
    naive = float(jnp.mean(jnp.expm1(f[:, 0]) ** 2))
    assert naive - got > 0.3  # Var_q[p / q] = 0.65 here
    grad = jax.grad(lambda c: normalization_penalty(f + c))(0.0)
    assert np.sign(float(grad)) == np.sign(mass - 1) or mass == 1.0


def test_normalization_penalty_needs_two_draws_and_nce():
    with pytest.raises(ValueError, match="nu >= 2"):
        normalization_penalty(jnp.zeros((3, 1)))
    for bad in ({"norm_weight": -1.0}, {"norm_weight": 1.0, "nu": 1}, {"norm_weight": 1.0, "method": "cnre"}):
        with pytest.raises(ValueError, match="norm_weight"):
            TrainConfig(**bad)
    assert TrainConfig(norm_weight=2.0).norm_weight == 2.0
    with pytest.raises(ValueError, match="norm_clip"):
        TrainConfig(norm_weight=1.0, norm_clip=0.0)


def test_normalization_penalty_clip_bounds_each_pair():
    """One huge and one tiny ratio give -(e^c - 1) at the least; two huge ones (e^c - 1)^2 at most."""
    mixed = jnp.array([[30.0, -30.0]])
    high = jnp.array([[30.0, 30.0]])
    for c in (3.0, 8.0):
        lo, hi = float(normalization_penalty(mixed, clip=c)), float(normalization_penalty(high, clip=c))
        assert lo == pytest.approx(-np.expm1(c), rel=1e-4)  # float32: the pair sum cancels
        assert hi == pytest.approx(np.expm1(c) ** 2, rel=1e-5)
    # below the cap the clip changes nothing
    f = jnp.array([[0.3, -0.2], [1.0, 0.5]])
    unclipped = float(normalization_penalty(f, clip=8.0))
    assert float(normalization_penalty(f, clip=3.0)) == pytest.approx(unclipped)
