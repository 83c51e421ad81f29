import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hssm_nre.network import init_mlp, mlp_out
from hssm_nre.reference import (
    fit_reference,
    n_q_outputs,
    q_logpdf_y,
    q_params,
    q_sample_y,
    reference_logpdf,
    reference_sample,
)


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
