"""log P(rt > deadline | theta) from a normalized network, against the exact DDM."""

import copy

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hssm_nre.net.ddm_density import ddm_log_survival_jax, ddm_logp_jax
from hssm_nre.net.survival import build_log_survival, make_hssm_censored_logp, make_log_survival
from hssm_nre.store.hub import load_network

THETA = np.array([[0.5, 1.0, 0.5, 0.3]], np.float32)


@pytest.fixture(scope="module")
def ddm():
    return load_network("ddm")


@pytest.fixture(scope="module")
def log_s(ddm):
    return make_log_survival(ddm)


def test_survival_is_a_probability_that_falls_with_the_deadline(log_s):
    deadlines = np.array([0.1, 0.3, 0.3005, 0.35, 0.5, 0.8, 1.2, 2.0, 4.0, 8.0], np.float32)
    s = np.exp(np.asarray(log_s(THETA, deadlines)))
    assert np.all((s >= 0) & (s <= 1))
    assert s[0] == 1.0 and s[1] == 1.0  # no decision time before the onset t
    assert s[2] > 1 - 1e-4  # just after the onset nothing has finished yet
    assert np.all(np.diff(s) <= 1e-6)
    assert s[-1] < 1e-3


def test_matches_the_exact_ddm_at_a_few_points(log_s):
    theta = np.array(
        [[0.5, 1.0, 0.5, 0.3], [-1.5, 0.8, 0.35, 0.5], [2.0, 2.0, 0.6, 0.15], [0.0, 1.6, 0.7, 1.0]],
        np.float32,
    )
    deadlines = np.array([1.2, 1.0, 1.6, 2.2], np.float32)
    exact = np.exp(np.asarray(ddm_log_survival_jax(jnp.asarray(theta), jnp.asarray(deadlines))))
    got = np.exp(np.asarray(log_s(theta, deadlines)))
    assert np.all((exact > 0.05) & (exact < 0.95))  # points where the deadline censors something
    np.testing.assert_allclose(got, exact, atol=0.01)


def test_exact_survival_equals_the_integrated_density():
    th = np.array([0.7, 1.2, 0.4, 0.2])
    deadline = 1.3
    u = np.exp(np.linspace(np.log(1e-6), np.log(deadline - th[3]), 20001))
    dens = sum(
        np.exp(
            np.asarray(
                ddm_logp_jax(
                    jnp.asarray(np.tile(th, (u.size, 1))),
                    jnp.asarray(np.stack([th[3] + u, np.full_like(u, c)], -1)),
                )
            )
        )
        for c in (-1.0, 1.0)
    )
    exact = float(np.exp(ddm_log_survival_jax(jnp.asarray(th), jnp.asarray(deadline))))
    assert abs((1 - np.trapezoid(dens, u)) - exact) < 1e-4


def test_outside_the_box_and_beyond_max_t(log_s, ddm):
    theta = np.array([[3.5, 1.0, 0.5, 0.3], [0.5, 1.0, 0.5, 0.3]], np.float32)
    max_t = ddm.card["simulation"]["max_t"]
    out = np.asarray(log_s(theta, np.array([1.0, 0.3 + max_t + 1.0], np.float32)))
    assert np.all(out == -np.inf)


def test_gradient_is_finite(ddm):
    f = build_log_survival(ddm.weights, ddm.card)
    theta = jnp.asarray(np.array([[0.5, 1.0, 0.5, 0.3], [-1.0, 1.5, 0.6, 0.4]], np.float32))
    deadlines = jnp.asarray([1.0, 1.5])
    g_theta, g_d = jax.jit(jax.grad(lambda th, d: f(th, d).sum(), argnums=(0, 1)))(theta, deadlines)
    assert np.isfinite(np.asarray(g_theta)).all() and np.isfinite(np.asarray(g_d)).all()
    assert np.all(np.asarray(g_d) < 0)  # a later deadline is missed less often
    assert np.abs(np.asarray(g_theta)).max() > 0


def test_quadrature_is_converged(ddm):
    rng = np.random.default_rng(0)
    theta = rng.uniform([-3, 0.3, 0.1, 0.0], [3, 2.5, 0.9, 2.0], (20, 4)).astype(np.float32)
    deadlines = (theta[:, 3] + rng.uniform(0.05, 5.0, 20)).astype(np.float32)
    s32 = np.exp(np.asarray(jax.jit(build_log_survival(ddm.weights, ddm.card))(theta, deadlines)))
    s96 = np.exp(np.asarray(jax.jit(build_log_survival(ddm.weights, ddm.card, n_nodes=96))(theta, deadlines)))
    assert np.abs(s32 - s96).max() < 1e-4


def test_a_plain_network_has_no_survival(ddm):
    card = copy.deepcopy(ddm.card)
    card["method"]["normalized"] = False
    with pytest.raises(ValueError, match="plain ratio network"):
        build_log_survival(ddm.weights, card)


def test_censored_logp_layout_and_mask_agree(ddm):
    # hssm's layout: censored trials (rt = -999) first, then the observed ones
    data = np.array(
        [[-999.0, 1.0, 1.2], [-999.0, -1.0, 1.5], [-999.0, 1.0, 1.2], [0.8, 1.0, 1.2], [0.6, -1.0, 1.5]]
    )
    layout = (3, 5, data[:3, 2])
    fast = jax.jit(make_hssm_censored_logp(ddm, 4, layout))
    slow = jax.jit(make_hssm_censored_logp(ddm, 4))
    params = (0.5, 1.0, 0.5, 0.3)
    a, b = np.asarray(fast(data, *params)), np.asarray(slow(data, *params))
    np.testing.assert_allclose(a, b, rtol=1e-5)
    v = np.array([0.5, 0.4, 0.3, 0.2, 0.1])  # per-trial parameters
    np.testing.assert_allclose(
        np.asarray(fast(data, v, 1.0, 0.5, 0.3)), np.asarray(slow(data, v, 1.0, 0.5, 0.3)), rtol=1e-5
    )
    surv = np.asarray(make_log_survival(ddm)(np.array([params], np.float32), data[:3, 2]))
    np.testing.assert_allclose(a[:3], surv, rtol=1e-5)
    swapped = data[[3, 1, 2, 0, 4]]
    assert np.isnan(np.asarray(fast(swapped, *params))).all()  # a layout that does not match is never silent
