"""Lagrange tables: a smooth function of one variable read from evenly spaced nodes.

Where many trials need a function of one varying quantity (a trial's log decision time, or
the one parameter a regression moves from trial to trial), the function is evaluated at
``n_nodes`` evenly spaced nodes over the trials' range, plus one node below and two above,
and each trial takes the Lagrange cubic through its four nearest nodes. The nodes move with
the range, and the table with whatever else the function depends on, so gradients flow
through both. Two varying quantities (e.g. random intercepts on two parameters) take the
tensor product: a grid of nodes, read through the 4 x 4 nearest (:func:`cubic_read_2d`).

``points = 6`` reads the quintic through the six nearest nodes instead (two nodes below the
range, three above): its error falls as the sixth power of the spacing rather than the fourth,
so the same accuracy takes fewer nodes where the function is smooth.

A Chebyshev table (:func:`chebyshev_read`) puts its nodes at the Chebyshev points of the range
instead, and every value reads the polynomial through all of them: where the function is
analytic its error falls geometrically with the nodes, and the points crowd towards the ends of
the range, where a density over log decision time is steepest.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

__all__ = [
    "chebyshev_nodes",
    "chebyshev_read",
    "cubic_read",
    "cubic_read_2d",
    "lagrange_read",
    "lagrange_weights",
    "node_positions",
    "span",
    "table_1d",
]


def span(values: jnp.ndarray, n_nodes: int, min_width: float):
    """``(lo, h)``: the first node and the spacing that cover ``values`` with ``n_nodes`` nodes."""
    if n_nodes < 4:
        raise ValueError(f"a cubic table needs at least 4 nodes, got {n_nodes}")
    lo, hi = jnp.min(values), jnp.max(values)
    return lo, jnp.maximum(hi - lo, min_width) / (n_nodes - 1)


def node_positions(lo, h, n_nodes: int, points: int = 4) -> jnp.ndarray:
    """Place the ``n_nodes + points - 1`` nodes at ``lo + j h`` (``j`` from ``1 - points / 2``).

    Cubic (``points = 4``): ``j = -1 .. n_nodes + 1``; quintic (6): ``j = -2 .. n_nodes + 2``.
    """
    m = _half(points)
    return lo + h * jnp.arange(1 - m, n_nodes + m, dtype=jnp.float32)


def _half(points: int) -> int:
    if points not in (4, 6):
        raise ValueError(f"a table reads 4 (cubic) or 6 (quintic) nodes, not {points}")
    return points // 2


def lagrange_weights(values: jnp.ndarray, lo, h, n_nodes: int, points: int):
    """Row ``k`` of the first of each value's ``points`` nearest nodes, and their Lagrange weights.

    A value in the interval from node ``i`` to ``i + 1`` of the range (``0 <= i <= n_nodes - 2``)
    reads nodes ``i + 1 - points / 2 .. i + points / 2``, i.e. table rows ``i .. i + points - 1``.
    """
    m = _half(points)
    pos = (values - lo) / h
    k = jnp.clip(jnp.floor(pos), 0, n_nodes - 2).astype(jnp.int32)
    f = pos - k
    offsets = range(1 - m, m + 1)
    weights = []
    for o in offsets:
        w = 1.0
        for other in offsets:
            if other != o:
                w = w * (f - other) / (o - other)
        weights.append(w)
    return k, tuple(weights)


def _expand(w: jnp.ndarray, rows: jnp.ndarray) -> jnp.ndarray:
    return w.reshape(w.shape + (1,) * (rows.ndim - w.ndim))


def cubic_read(table: jnp.ndarray, values: jnp.ndarray, lo, h, n_nodes: int, block=None) -> jnp.ndarray:
    """Interpolate ``table`` (``(n_nodes + 3, *channels)``, rows at :func:`node_positions`) at ``values``.

    The result has shape ``(*values.shape, *channels)``. With ``block`` (integers shaped like
    ``values``) the table is ``(B, n_nodes + 3, *channels)`` and each value reads its own block.
    """
    return lagrange_read(table, values, lo, h, n_nodes, 4, block)


def lagrange_read(
    table: jnp.ndarray, values: jnp.ndarray, lo, h, n_nodes: int, points: int = 4, block=None
) -> jnp.ndarray:
    """:func:`cubic_read` through the ``points`` (4 or 6) nearest nodes: ``n_nodes + points - 1`` rows."""
    k, weights = lagrange_weights(values, lo, h, n_nodes, points)
    if block is not None:
        k = k + block * table.shape[1]
        table = table.reshape((-1, *table.shape[2:]))
    channels = math.prod(table.shape[1:])
    if channels >= DENSE_READ_MIN_CHANNELS and values.size * table.shape[0] <= DENSE_READ_MAX:
        # Each value's weights as a row of a (values, rows) matrix times the table: a matrix
        # product, whose gradient is one too, where gathering rows makes the gradient a
        # scatter-add into the table. It pays for wide rows (the noise head's outputs) and not
        # too many values (benchmarks/speed/logp_cost.py --gather).
        rows = jnp.arange(table.shape[0])
        at = k.reshape(-1, 1)
        w = 0.0
        for j, wj in enumerate(weights):
            w = w + jnp.where(rows == at + j, wj.reshape(-1, 1), 0.0)
        flat = w.astype(table.dtype) @ table.reshape(table.shape[0], -1)
        return flat.reshape(*values.shape, *table.shape[1:])
    out = 0.0
    for j, wj in enumerate(weights):  # table rows k .. k + points - 1
        rows = jnp.take(table, k + j, axis=0)  # (*values.shape, *channels)
        out = out + _expand(wj, rows) * rows
    return out


# :func:`lagrange_read` reads a table with at least DENSE_READ_MIN_CHANNELS values per row
# through a dense (values x table rows) weight matrix of at most DENSE_READ_MAX entries (16 MB),
# other tables by gathering rows. Measured on ddm 0.6.0 (`python benchmarks/speed/logp_cost.py
# --gather`): the head's table along v (2 x 53 rows of 25 outputs) read densely costs less at
# 500 to 10,000 trials (with 10,000: 3.5 against 4.3x the LAN, benchmarks/results/logp_cost.md);
# the density's table over decision time (2 values per row) more at every size.
DENSE_READ_MIN_CHANNELS = 8
DENSE_READ_MAX = 1 << 22


def cubic_read_2d(table: jnp.ndarray, values: tuple, spans: tuple, n_nodes: int, block=None) -> jnp.ndarray:
    """Interpolate a grid ``table (n_nodes + 3, n_nodes + 3, *channels)`` at the pairs ``values``.

    ``values = (a, b)`` are arrays of one shape and ``spans = ((lo_a, h_a), (lo_b, h_b))``; the
    grid's rows sit at :func:`node_positions` of ``a``, its columns at those of ``b``. Each
    value reads the tensor-product cubic through its 4 x 4 nearest nodes. With ``block`` the
    table is ``(B, n_nodes + 3, n_nodes + 3, *channels)`` and each value reads its own block.
    """
    (ka, wa), (kb, wb) = (
        lagrange_weights(v, lo, h, n_nodes, 4) for v, (lo, h) in zip(values, spans, strict=True)
    )
    lead = 0 if block is None else 1
    width = table.shape[lead + 1]
    start = ka * width + kb
    if block is not None:
        start = start + block * (table.shape[1] * width)
    flat = table.reshape((-1, *table.shape[lead + 2 :]))
    out = 0.0
    for i, wi in enumerate(wa):
        for j, wj in enumerate(wb):
            rows = jnp.take(flat, start + i * width + j, axis=0)
            out = out + _expand(wi * wj, rows) * rows
    return out


def _chebyshev_points(n_nodes: int) -> np.ndarray:
    """Place the Chebyshev points of the first kind on ``[-1, 1]``, ascending."""
    return -np.cos(np.pi * (np.arange(n_nodes) + 0.5) / n_nodes)


def chebyshev_nodes(lo, hi, n_nodes: int) -> jnp.ndarray:
    """Place ``n_nodes`` Chebyshev points of the first kind on ``[lo, hi]``, ascending.

    Examples
    --------
    >>> [round(float(v), 3) for v in chebyshev_nodes(0.0, 2.0, 3)]
    [0.134, 1.0, 1.866]
    """
    if n_nodes < 2:
        raise ValueError(f"a Chebyshev table needs at least 2 nodes, got {n_nodes}")
    s = jnp.asarray(_chebyshev_points(n_nodes), jnp.float32)
    return lo + (s + 1.0) * (0.5 * (hi - lo))


def _chebyshev_coefficients(n_nodes: int) -> jnp.ndarray:
    """``D (n, n)``: the coefficients ``c = D f`` of the polynomial through ``f`` at :func:`chebyshev_nodes`.

    ``c_k = (2 / n) sum_j f_j T_k(s_j)``, ``c_0`` halved (the points' discrete orthogonality).
    """
    d = (2.0 / n_nodes) * np.cos(np.outer(np.arange(n_nodes), np.arccos(_chebyshev_points(n_nodes))))
    d[0] *= 0.5
    return jnp.asarray(d, jnp.float32)


def _chebyshev_basis(values: jnp.ndarray, lo, hi, n_nodes: int) -> jnp.ndarray:
    """``T_0 .. T_{n-1}`` at ``values`` mapped from ``[lo, hi]`` onto ``[-1, 1]``: ``(values.size, n)``.

    By the three-term recurrence, whose gradient is finite at the ends (``cos(k arccos s)``'s is
    not). Values outside the range read the polynomial at the nearer end (a polynomial of high
    degree grows fast outside), with no gradient; a value at an end keeps its whole gradient.
    """
    s = 2.0 * (values.reshape(-1) - lo) / (hi - lo) - 1.0
    s = jnp.where(s < -1.0, -1.0, jnp.where(s > 1.0, 1.0, s))
    t = [jnp.ones_like(s), s]
    for _ in range(2, n_nodes):
        t.append(2.0 * s * t[-1] - t[-2])
    return jnp.stack(t[:n_nodes], axis=-1)


def chebyshev_read(table: jnp.ndarray, values: jnp.ndarray, lo, hi, n_nodes: int, block=None) -> jnp.ndarray:
    """Interpolate ``table`` (``(n_nodes, *channels)``, rows at :func:`chebyshev_nodes`) at ``values``.

    Each value reads the polynomial through every node (degree ``n_nodes - 1``), in Chebyshev
    form; a read costs ``n_nodes`` multiply-adds per channel. Values outside ``[lo, hi]`` read
    it at the nearer end. With ``block`` (integers shaped like ``values``) the table is
    ``(B, n_nodes, *channels)`` and each value reads its own block (every block is read and
    the value's kept: for the few blocks of a model's choices).

    Examples
    --------
    >>> x = chebyshev_nodes(0.0, 1.0, 4)
    >>> table = jnp.stack([x**3, 1 - x], axis=-1)  # two channels, both cubic
    >>> [round(float(v), 4) for v in chebyshev_read(table, jnp.asarray([0.5]), 0.0, 1.0, 4)[0]]
    [0.125, 0.5]
    """
    basis = _chebyshev_basis(values, lo, hi, n_nodes)
    if block is None:
        coef = _chebyshev_coefficients(n_nodes) @ table.reshape(n_nodes, -1)
        return (basis @ coef).reshape(*values.shape, *table.shape[1:])
    b, channels = table.shape[0], table.shape[2:]
    flat = jnp.moveaxis(table.reshape(b, n_nodes, -1), 0, 1).reshape(n_nodes, -1)  # (n, B C)
    every = (basis @ (_chebyshev_coefficients(n_nodes) @ flat)).reshape(values.size, b, -1)
    out = jnp.take_along_axis(every, block.reshape(-1, 1, 1).astype(jnp.int32), axis=1)[:, 0]
    return out.reshape(*values.shape, *channels)


def table_1d(lo, h, n_nodes: int, points: int):
    """Lay out a table over ``[lo, lo + h (n_nodes - 1)]``: its node positions and its reader.

    ``points = 0``: ``n_nodes`` Chebyshev nodes, read by :func:`chebyshev_read`; 4 or 6: the
    evenly spaced nodes of :func:`node_positions` (with their margins), read by
    :func:`lagrange_read`. ``read(table, values, block=None)`` interpolates a table whose rows
    (or, with ``block``, each block's rows) hold the function at the positions.
    """
    if points == 0:
        hi = lo + h * (n_nodes - 1)

        def read_chebyshev(table, values, block=None):
            return chebyshev_read(table, values, lo, hi, n_nodes, block)

        return chebyshev_nodes(lo, hi, n_nodes), read_chebyshev

    def read_lagrange(table, values, block=None):
        return lagrange_read(table, values, lo, h, n_nodes, points, block)

    return node_positions(lo, h, n_nodes, points), read_lagrange
