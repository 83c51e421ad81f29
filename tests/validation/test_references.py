"""Reference likelihoods: each checked against an independent implementation."""

import numpy as np
import pytest

from hssm_nre.simulation import simulate_trials
from hssm_nre.validation.references import get_reference


def _data(model, theta, n=400, seed=0):
    x, ok = simulate_trials(model, np.tile(theta, (n, 1)), np.random.default_rng(seed))
    return x[ok]


def test_ddm_sdv_matches_hssm_analytic():
    import pytensor
    import pytensor.tensor as pt
    from hssm.likelihoods.analytical import logp_ddm_sdv

    data = pt.dmatrix("d")
    v, a, z, t, sv = (pt.dscalar(n) for n in ["v", "a", "z", "t", "sv"])
    hssm_fn = pytensor.function([data, v, a, z, t, sv], logp_ddm_sdv(data, v, a, z, t, sv))
    ref = get_reference("ddm_sdv", "analytic")
    for th in ([0.8, 1.0, 0.4, 0.3, 0.7], [-1.5, 0.6, 0.6, 0.2, 1.5]):
        x = _data("ddm_sdv", th)
        np.testing.assert_allclose(ref.logp(np.array(th), x), hssm_fn(x, *th), atol=1e-4)


def test_full_ddm_blackbox_reduces_to_ddm_sdv_without_sz_st():
    th = [0.8, 1.0, 0.4, 0.3, 0.7]
    x = _data("ddm_sdv", th)
    full = get_reference("full_ddm", "blackbox").logp(np.array([0.8, 1.0, 0.4, 0.3, 0.0, 0.7, 0.0]), x)
    np.testing.assert_allclose(full, get_reference("ddm_sdv", "analytic").logp(np.array(th), x), atol=1e-4)


def test_full_ddm_blackbox_support_starts_at_t_minus_st():
    ref = get_reference("full_ddm", "blackbox")
    lp = ref.logp(np.array([0.5, 1.0, 0.5, 1.0, 0.1, 0.5, 0.2]), np.array([[0.85, 1.0], [0.79, 1.0]]))
    assert np.isfinite(lp[0]) and lp[1] == -np.inf


def test_pyddm_solver_matches_the_analytic_ddm():
    th = np.array([0.8, 1.0, 0.4, 0.3])
    x = _data("ddm", th, n=2000)
    d = get_reference("ddm", "pyddm").logp(th, x) - get_reference("ddm", "analytic").logp(th, x)
    assert abs(d.mean()) < 0.005 and d.std() < 0.02


def test_pyddm_angle_without_collapse_is_the_ddm():
    th = [0.8, 1.0, 0.4, 0.3]
    x = _data("ddm", th)
    angle = get_reference("angle", "pyddm").logp(np.array([*th, 0.0]), x)
    np.testing.assert_allclose(angle, get_reference("ddm", "analytic").logp(np.array(th), x), atol=2e-3)


def test_pyddm_collapsing_solver_matches_the_closed_form_angle():
    # The implicit solver (used for weibull) against PyDDM's closed form for a linear
    # collapse, on trials of a fast collapse (boundary at zero after 1.8 s).
    from hssm_nre.validation.references import _pyddm

    th = np.array([-1.5, 1.5, 0.35, 0.5, 0.7])
    x = _data("angle", th, n=1000)
    closed = get_reference("angle", "pyddm").logp(th, x)
    numeric = _pyddm("angle", 0.005, 0.005, angle_closed_form=False).logp(th, x)
    d = numeric - closed
    assert abs(d.mean()) < 0.005 and d.std() < 0.02
    assert abs(closed.sum() - numeric.sum()) < 2.0


def test_pyddm_collapsing_bounds_give_a_density():
    ref = get_reference("weibull", "pyddm")
    th = np.array([0.5, 1.2, 0.5, 0.3, 2.0, 1.5])
    u = np.linspace(1e-3, 6.0, 3000)
    total = sum(
        np.trapezoid(np.exp(ref.logp(th, np.stack([u + 0.3, np.full_like(u, c)], 1))), u) for c in (-1.0, 1.0)
    )
    assert abs(total - 1.0) < 0.01


def test_unknown_or_uncovered_reference_is_a_clear_error():
    with pytest.raises(ValueError, match="choose from"):
        get_reference("ddm", "exact")
    with pytest.raises(ValueError, match="no reference likelihood"):
        get_reference("levy", "pyddm")


def test_a_reference_the_implementation_cannot_compute_is_refused(monkeypatch):
    """A model listing a kind whose implementation does not fit it gets an error, not numbers."""
    from hssm_nre.validation import references

    assert references.unsupported("pyddm", "ornstein") is None
    assert "covers" in references.unsupported("analytic", "angle")
    assert "unknown reference" in references.unsupported("exact", "ddm")
    monkeypatch.setitem(references.REFERENCES, "analytic", ("ddm", "ddm_sdv", "angle"))
    with pytest.raises(ValueError, match="cannot compute it"):
        get_reference("angle", "analytic")


def test_lba3_reference_is_hssm_logp_lba3_with_exact_support():
    import pytensor.tensor as pt
    from hssm.likelihoods.analytical import logp_lba3

    ref = get_reference("lba3", "analytic")
    theta = np.array([0.3, 0.5, 0.25, 0.5, 0.25])
    x = np.array([[0.4, 0.0], [0.9, 1.0], [2.5, 2.0], [1.2, 1.0]])
    ours = ref.logp(theta, x)
    theirs = logp_lba3(pt.as_tensor(x), *(pt.as_tensor(float(p)) for p in theta)).eval()
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)
    assert np.isneginf(ref.logp(np.array([0.6, 0.5, 0.25, 0.5, 0.25]), x)).all()  # b <= A
    assert np.isneginf(ref.logp(theta, np.array([[-0.4, 0.0], [0.4, 3.0]]))).all()


def test_jax_lba_density_is_hssm_logp_lba3_with_finite_gradients():
    """The score check's exact LBA (JAX) against hssm's pytensor one, over simulated trials."""
    import jax
    import jax.numpy as jnp

    from hssm_nre.net.lba_density import lba_logp_jax
    from hssm_nre.simulation import simulate_trials

    ref = get_reference("lba3", "analytic")
    rng = np.random.default_rng(0)
    for theta in ([0.3, 0.5, 0.25, 0.5, 0.25], [0.05, 0.2, 0.1, 0.1, 0.1], [0.8, 1.2, 0.4, 1.2, 0.7]):
        theta = np.array(theta)
        x, ok = simulate_trials("lba3", np.tile(theta, (500, 1)), rng)
        x = x[ok]
        with jax.enable_x64(True):  # float32 loses a few 1e-3 nats in the deep tail
            th = jnp.broadcast_to(jnp.asarray(theta, jnp.float64), (len(x), 5))
            ours = np.asarray(lba_logp_jax(th, jnp.asarray(x, jnp.float64)))
        np.testing.assert_allclose(ours, ref.logp(theta, x), atol=1e-5)
        g = jax.vmap(jax.grad(lambda t, xi: lba_logp_jax(t[None], xi[None])[0]), in_axes=(None, 0))
        assert np.isfinite(np.asarray(g(jnp.asarray(theta, jnp.float32), jnp.asarray(x, jnp.float32)))).all()
    x = jnp.array([[0.9, 1.0], [-0.4, 0.0], [0.4, 3.0], [0.4, 0.5]])
    out = np.asarray(lba_logp_jax(jnp.broadcast_to(jnp.array([0.3, 0.5, 0.25, 0.5, 0.25]), (4, 5)), x))
    assert np.isfinite(out[0]) and np.isneginf(out[1:]).all()
    assert np.isneginf(lba_logp_jax(jnp.array([[0.6, 0.5, 0.25, 0.5, 0.25]]), x[:1]))[0]  # b <= A


SEQ2_SETS = ([1.0, -0.5, 1.5, 1.0, 0.3], [-1.5, 2.0, 0.0, 0.7, 0.5], [4.0, -4.0, 4.0, 0.3, 0.0])


@pytest.mark.parametrize("theta", SEQ2_SETS)
def test_seq2_reference_is_normalized_and_converged_in_its_grid(theta):
    """Over the four responses the density integrates to one; a 4x finer grid changes < 1e-6 nats."""
    from hssm_nre.net.seq_density import seq2_logp
    from hssm_nre.simulation import simulate_trials

    ref = get_reference("ddm_seq2_no_bias", "analytic")
    t = theta[-1]
    rt = t + np.concatenate([np.linspace(1e-4, 0.5, 20_001)[:-1], np.linspace(0.5, 40.0, 40_000)])
    total = sum(
        np.trapezoid(np.exp(ref.logp(theta, np.stack([rt, np.full_like(rt, c)], 1))), rt) for c in range(4)
    )
    assert abs(total - 1.0) < 1e-4, total
    x, ok = simulate_trials("ddm_seq2_no_bias", np.tile(theta, (500, 1)), np.random.default_rng(0))
    coarse = ref.logp(theta, x[ok])
    fine = seq2_logp(theta, x[ok], step=6.25e-5)
    assert np.isfinite(coarse).all()
    np.testing.assert_allclose(coarse, fine, atol=1e-6)


def test_seq2_reference_is_the_first_stage_ddm_times_the_second():
    """A response's total probability is P(first stage's boundary) x P(second's), from the DDM."""
    ref = get_reference("ddm_seq2_no_bias", "analytic")
    vh, vl1, vl2, a, t = SEQ2_SETS[0]
    up = lambda v: 1.0 / (1.0 + np.exp(-2.0 * a * v))  # noqa: E731 - DDM, z = 0.5, separation 2a
    want = [(1 - up(vh)) * (1 - up(vl1)), (1 - up(vh)) * up(vl1), up(vh) * (1 - up(vl2)), up(vh) * up(vl2)]
    rt = t + np.concatenate([np.linspace(1e-4, 0.5, 20_001)[:-1], np.linspace(0.5, 40.0, 40_000)])
    got = [
        np.trapezoid(np.exp(ref.logp(SEQ2_SETS[0], np.stack([rt, np.full_like(rt, c)], 1))), rt)
        for c in range(4)
    ]
    np.testing.assert_allclose(got, want, atol=1e-5)
    out = ref.logp(SEQ2_SETS[0], np.array([[0.2, 0.0], [0.9, 4.0], [0.9, -1.0], [0.9, 1.5]]))
    assert np.isneginf(out).all()  # rt <= t, or no such response


def test_pyddm_gamma_drift_without_a_bump_is_the_ddm():
    """With c = 0 the gamma drift is the DDM's constant one; with c != 0 it is not."""
    th = [0.8, 1.0, 0.4, 0.3]
    x = _data("ddm", th)
    ref = get_reference("gamma_drift", "pyddm")
    flat = ref.logp(np.array([*th, 3.0, 0.1, 0.0]), x)
    np.testing.assert_allclose(flat, get_reference("ddm", "analytic").logp(np.array(th), x), atol=5e-3)
    bump = ref.logp(np.array([*th, 3.0, 0.1, 1.5]), x)
    assert np.abs(bump - flat).max() > 0.1
