"""Lagrange tables reproduce polynomials of their degree (one variable, two); Chebyshev tables too."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hssm_nre.net.table import (
    chebyshev_nodes,
    chebyshev_read,
    cubic_read,
    cubic_read_2d,
    lagrange_read,
    node_positions,
    span,
)


def _cubic(u):
    return 0.3 - 1.2 * u + 0.7 * u**2 - 0.25 * u**3


def test_cubic_read_is_exact_for_a_cubic():
    values = jnp.asarray(np.random.default_rng(0).uniform(-1.3, 2.1, 500), jnp.float32)
    lo, h = span(values, 9, 1e-4)
    nodes = node_positions(lo, h, 9)
    table = jnp.stack([_cubic(nodes), 2 * _cubic(nodes)], axis=-1)  # two channels
    out = cubic_read(table, values, lo, h, 9)
    assert out.shape == (500, 2)
    np.testing.assert_allclose(np.asarray(out[:, 0]), np.asarray(_cubic(values)), atol=2e-5)
    np.testing.assert_allclose(np.asarray(out[:, 1]), 2 * np.asarray(_cubic(values)), atol=4e-5)


def test_quintic_read_is_exact_for_a_quintic_and_not_for_degree_six():
    values = jnp.asarray(np.random.default_rng(2).uniform(-1.0, 1.5, 400), jnp.float32)
    lo, h = span(values, 10, 1e-4)
    nodes = node_positions(lo, h, 10, points=6)
    assert nodes.shape == (15,)  # two nodes below the range, three above
    np.testing.assert_allclose(float(nodes[2]), float(values.min()), atol=1e-6)

    def quintic(u):
        return _cubic(u) + 0.4 * u**4 - 0.15 * u**5

    out = lagrange_read(quintic(nodes)[:, None], values, lo, h, 10, points=6)
    np.testing.assert_allclose(np.asarray(out[:, 0]), np.asarray(quintic(values)), atol=5e-5)
    # the cubic read of the same function misses, and so does the quintic read of a degree-6 term
    cubic_nodes = node_positions(lo, h, 10)
    cubic = cubic_read(quintic(cubic_nodes)[:, None], values, lo, h, 10)
    assert np.max(np.abs(np.asarray(cubic[:, 0] - quintic(values)))) > 1e-3
    rough = lagrange_read((nodes**6)[:, None], values, lo, h, 10, points=6)
    assert np.max(np.abs(np.asarray(rough[:, 0] - values**6))) > 1e-4


@pytest.mark.parametrize("points", [4, 6])
def test_dense_and_gathered_reads_agree_in_value_and_gradient(monkeypatch, points):
    """A read through the dense weight matrix and one by gathered rows give the same numbers."""
    import jax

    import hssm_nre.net.table as table_mod

    rng = np.random.default_rng(3)
    values = jnp.asarray(rng.uniform(-0.5, 2.0, 300), jnp.float32)
    block = jnp.asarray(rng.integers(0, 2, 300))
    lo, h = span(values, 12, 1e-4)
    tab = jnp.asarray(rng.normal(size=(2, 12 + points - 1, 3)), jnp.float32)

    def read(t, v):
        return lagrange_read(t, v, lo, h, 12, points, block)

    def loss(t, v):
        return jnp.sum(jnp.sin(read(t, v)))

    monkeypatch.setattr(table_mod, "DENSE_READ_MIN_CHANNELS", 1)
    monkeypatch.setattr(table_mod, "DENSE_READ_MAX", 1 << 30)
    dense = read(tab, values), jax.grad(loss, argnums=(0, 1))(tab, values)
    monkeypatch.setattr(table_mod, "DENSE_READ_MAX", 0)
    gathered = read(tab, values), jax.grad(loss, argnums=(0, 1))(tab, values)
    assert dense[0].shape == (300, 3)
    np.testing.assert_allclose(np.asarray(dense[0]), np.asarray(gathered[0]), atol=1e-5)
    for a, b in zip(dense[1], gathered[1], strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-4)


def test_lagrange_read_refuses_other_orders():
    with pytest.raises(ValueError, match="4 \\(cubic\\) or 6"):
        node_positions(0.0, 1.0, 8, points=5)


def test_cubic_read_2d_is_exact_for_a_product_of_cubics_and_not_for_higher_degree():
    rng = np.random.default_rng(1)
    a = jnp.asarray(rng.uniform(0.5, 2.0, 400), jnp.float32)
    b = jnp.asarray(rng.uniform(-3.0, 1.0, 400), jnp.float32)
    n = 8
    spans = (span(a, n, 1e-4), span(b, n, 1e-4))
    na, nb = (node_positions(lo, h, n) for lo, h in spans)

    def f(u, w):
        return _cubic(u) * (1.0 + w - 0.1 * w**3) + u * w

    table = f(na[:, None], nb[None, :])[..., None]  # one channel
    out = cubic_read_2d(table, (a, b), spans, n)
    assert out.shape == (400, 1)
    np.testing.assert_allclose(np.asarray(out[:, 0]), np.asarray(f(a, b)), atol=2e-4)
    # a quintic in the second variable is not reproduced: the check can fail
    rough = cubic_read_2d((na[:, None] * nb[None, :] ** 5)[..., None], (a, b), spans, n)
    assert np.max(np.abs(np.asarray(rough[:, 0] - a * b**5))) > 1e-3


def test_span_refuses_fewer_than_four_nodes():
    with pytest.raises(ValueError, match="at least 4 nodes"):
        span(jnp.arange(3.0), 3, 1e-4)


def test_chebyshev_read_is_exact_up_to_its_degree():
    values = jnp.asarray(np.random.default_rng(3).uniform(-1.2, 2.4, 300), jnp.float32)
    lo, hi = float(values.min()), float(values.max())
    nodes = chebyshev_nodes(lo, hi, 6)
    assert lo < float(nodes[0]) < float(nodes[1]) and float(nodes[-1]) < hi  # inside, ascending

    def quintic(u):
        return _cubic(u) + 0.4 * u**4 - 0.15 * u**5

    table = jnp.stack([quintic(nodes), _cubic(nodes)], axis=-1)  # two channels
    out = chebyshev_read(table, values, lo, hi, 6)
    assert out.shape == (300, 2)
    np.testing.assert_allclose(np.asarray(out[:, 0]), np.asarray(quintic(values)), atol=3e-4)
    np.testing.assert_allclose(np.asarray(out[:, 1]), np.asarray(_cubic(values)), atol=2e-4)
    rough = chebyshev_read((nodes**6)[:, None], values, lo, hi, 6)  # degree 6 through 6 nodes misses
    assert np.max(np.abs(np.asarray(rough[:, 0] - values**6))) > 1e-2


def test_chebyshev_read_converges_geometrically_and_keeps_the_gradient_at_the_ends():
    values = jnp.linspace(-0.7, 1.9, 257)
    lo, hi = -0.7, 1.9
    errors = []
    for n in (6, 10, 14):
        nodes = chebyshev_nodes(lo, hi, n)
        out = chebyshev_read(jnp.sin(2 * nodes)[:, None], values, lo, hi, n)
        errors.append(float(jnp.max(jnp.abs(out[:, 0] - jnp.sin(2 * values)))))
    assert errors[0] > 100 * errors[1] and errors[2] < errors[1]  # then float32 rounding
    assert errors[2] < 1e-5

    def at(v):  # the table's nodes stay fixed; the read is differentiated at the range's ends
        nodes = chebyshev_nodes(lo, hi, 14)
        return chebyshev_read(jnp.sin(2 * nodes)[:, None], v, lo, hi, 14)[0, 0]

    for end in (lo, hi):
        g = jax.grad(at)(jnp.full((1,), end, jnp.float32))
        np.testing.assert_allclose(float(g[0]), 2 * np.cos(2 * end), rtol=1e-3)
    # outside the range: the value at the nearer end, no gradient (no polynomial blown up)
    for out_of, end in ((-3.0, lo), (9.0, hi)):
        v = jnp.full((1,), out_of, jnp.float32)
        np.testing.assert_allclose(float(at(v)), np.sin(2 * end), atol=1e-5)
        assert float(jax.grad(at)(v)[0]) == 0.0


def test_chebyshev_read_by_block_reads_each_values_own_block():
    """``block``: each value reads its own block's polynomial, in value and gradient."""
    lo, hi, n = -0.5, 1.5, 9
    values = jnp.asarray(np.random.default_rng(4).uniform(lo, hi, 64), jnp.float32)
    block = jnp.asarray(np.arange(64) % 3)
    nodes = chebyshev_nodes(lo, hi, n)

    def tables(scale):  # 3 blocks x n nodes x 2 channels, each block its own functions
        return jnp.stack([jnp.stack([jnp.sin((k + 1) * scale * nodes), k + nodes**2], -1) for k in range(3)])

    out = chebyshev_read(tables(1.0), values, lo, hi, n, block)
    assert out.shape == (64, 2)
    own = jnp.stack([chebyshev_read(tables(1.0)[k], values, lo, hi, n) for k in range(3)])
    np.testing.assert_allclose(np.asarray(out), np.asarray(own[block, jnp.arange(64)]), atol=1e-6)
    np.testing.assert_allclose(np.asarray(out[:, 0]), np.sin((np.asarray(block) + 1) * values), atol=1e-3)

    def total(scale, v):
        return jnp.sum(chebyshev_read(tables(scale), v, lo, hi, n, block)[:, 0])

    g_scale, g_v = jax.grad(total, argnums=(0, 1))(1.0, values)
    k1 = np.asarray(block) + 1.0
    np.testing.assert_allclose(float(g_scale), float(np.sum(k1 * values * np.cos(k1 * values))), rtol=2e-2)
    np.testing.assert_allclose(np.asarray(g_v), k1 * np.cos(k1 * values), atol=5e-2)


def test_chebyshev_nodes_need_two():
    with pytest.raises(ValueError, match="at least 2"):
        chebyshev_nodes(0.0, 1.0, 1)
