import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hssm_nre.net.features import init_mlp, mlp_out
from hssm_nre.net.noise import (
    fit_reference,
    n_q_outputs,
    q_logpdf_y,
    q_params,
    q_sample_y,
    reference_logpdf,
    reference_sample,
)
from hssm_nre.training.config import TrainConfig
from hssm_nre.training.loop import fit


@pytest.mark.parametrize("n_choices, m", [(2, 3), (1, 2)])
def test_learned_reference_is_normalized_and_sampled_consistently(n_choices, m):
    w = init_mlp(jax.random.key(1), 3, (8,), n_q_outputs(n_choices, m, 1))
    qp = q_params(mlp_out(w, jnp.array([[0.2, -0.5, 0.9]])), n_choices, m, 1)
    y = jnp.linspace(-15, 15, 20001)[:, None]
    total = 0.0
    for c in range(n_choices):
        params = jax.tree.map(lambda a: jnp.broadcast_to(a[0], (len(y), *a.shape[1:])), qp)
        dens = jnp.exp(q_logpdf_y(params, y, jnp.full(len(y), c)))
        total += float(jnp.trapezoid(dens, y[:, 0]))
    assert total == pytest.approx(1.0, abs=1e-4)
    ys, cs = q_sample_y(qp, jax.random.key(2), 50_000)
    dens_mean = 0.0
    for c in range(n_choices):
        params = jax.tree.map(lambda a: jnp.broadcast_to(a[0], (len(y), *a.shape[1:])), qp)
        dens = jnp.exp(q_logpdf_y(params, y, jnp.full(len(y), c)))
        dens_mean += float(jnp.trapezoid(dens * y[:, 0], y[:, 0]))
    assert float(ys.mean()) == pytest.approx(dens_mean, abs=0.05)


def test_marginal_reference_fit_and_density(rng):
    u = rng.lognormal(-0.5, 0.6, 20_000)
    c = rng.choice([-1, 1], 20_000, p=[0.3, 0.7])
    ref = {k: jnp.asarray(v) for k, v in fit_reference(u, c, (-1, 1), 3).items()}
    grid = jnp.exp(jnp.linspace(-8, 4, 20001))
    total = sum(
        float(jnp.trapezoid(jnp.exp(reference_logpdf(ref, grid, jnp.full(grid.shape, i))), grid))
        for i in range(2)
    )
    assert total == pytest.approx(1.0, abs=1e-3)
    us, ci = reference_sample(ref, jax.random.key(0), (50_000,))
    assert float(jnp.mean(ci == 1)) == pytest.approx(0.7, abs=0.02)
    assert float(jnp.median(us)) == pytest.approx(np.median(u), rel=0.05)
    assert float(reference_logpdf(ref, jnp.array([-1.0]), jnp.array([0]))[0]) == -np.inf


@pytest.fixture(scope="module")
def tiny_base(ddm_data, tmp_path_factory):
    """A DDM network that learns the correction to the analytic DDM base (plumbing only)."""
    cfg = TrainConfig(
        hidden=(32, 32), q_hidden=(32, 32), q_components=3, max_epochs=1, batch_size=512, base="ddm"
    )
    return fit("ddm", ddm_data, cfg, out=tmp_path_factory.mktemp("base"), progress=False)


def _zero_correction(net, shift=0.0):
    from hssm_nre.net.features import n_layers

    w = dict(net.weights)
    last = n_layers(w) - 1
    w[f"W{last}"] = np.zeros_like(w[f"W{last}"])
    w[f"b{last}"] = np.full_like(w[f"b{last}"], shift)
    return w


def test_base_network_with_zero_correction_is_the_analytic_ddm(tiny_base):
    from hssm_nre.net.logp import build_logp
    from hssm_nre.validation.references import get_reference

    assert tiny_base.card["method"]["base"] == "ddm" and tiny_base.normalized
    logp = build_logp(_zero_correction(tiny_base), tiny_base.card)
    th = np.array([0.7, 1.2, 0.45, 0.3])
    x = np.array([[0.35, 1.0], [0.8, -1.0], [2.5, 1.0], [0.25, 1.0]])
    got = np.asarray(logp(np.tile(th, (4, 1)), x))
    np.testing.assert_allclose(got, get_reference("ddm", "analytic").logp(th, x), rtol=1e-5, atol=1e-5)
    assert got[-1] == -np.inf


def test_nce_loss_with_the_exact_base_is_smallest_at_zero_correction(tiny_base, ddm_data):
    """With p_0 the true density (DDM data), f = 0 must beat a constant offset either way."""
    import jax

    from hssm_nre.net.features import Transform
    from hssm_nre.training.loop import _loss_fn

    cfg = TrainConfig(q_components=3, nu=2, base="ddm")
    tr = Transform.from_dict(tiny_base.card["transform"])
    loss = jax.jit(_loss_fn("nce", tr, cfg, None, (0, 1, 2)))
    th, x = jnp.asarray(ddm_data.theta[:20_000], jnp.float32), jnp.asarray(ddm_data.x[:20_000], jnp.float32)
    vals = {}
    for shift in (-0.3, 0.0, 0.3):
        w = {k: jnp.asarray(v) for k, v in _zero_correction(tiny_base, shift).items()}
        vals[shift] = float(loss(w, th, x, jax.random.key(0)))
    assert vals[0.0] < vals[-0.3] and vals[0.0] < vals[0.3], vals


def test_base_needs_a_ddm_like_model_and_the_learned_reference():
    from hssm_nre.models import ModelSpec
    from hssm_nre.training.config import _resolve_method

    with pytest.raises(ValueError, match="method='nce' with reference='learned'"):
        TrainConfig(method="cnre", base="ddm")
    with pytest.raises(ValueError, match="base must be one of"):
        TrainConfig(base="angle")
    spec = ModelSpec(
        "gauss",
        ("mu", "sigma"),
        ((-1.0, 1.0), (0.5, 2.0)),
        (),
        lambda th, rng: th[:, :1],
        None,
        1,
        mirror=None,
    )
    with pytest.raises(ValueError, match="needs a reaction-time model with parameters v, a, z, t"):
        _resolve_method(spec, TrainConfig(base="ddm"))
