"""Cubic tables: a smooth function of one variable read from evenly spaced nodes.

Where many trials need a function of one varying quantity (a trial's log decision time, or
the one parameter a regression moves from trial to trial), the function is evaluated at
``n_nodes`` evenly spaced nodes over the trials' range, plus one node below and two above,
and each trial takes the Lagrange cubic through its four nearest nodes. The nodes move with
the range, and the table with whatever else the function depends on, so gradients flow
through both. Two varying quantities (e.g. random intercepts on two parameters) take the
tensor product: a grid of nodes, read through the 4 x 4 nearest (:func:`cubic_read_2d`).
"""

from __future__ import annotations

import jax.numpy as jnp

__all__ = ["cubic_read", "cubic_read_2d", "node_positions", "span"]


def span(values: jnp.ndarray, n_nodes: int, min_width: float):
    """``(lo, h)``: the first node and the spacing that cover ``values`` with ``n_nodes`` nodes."""
    if n_nodes < 4:
        raise ValueError(f"a cubic table needs at least 4 nodes, got {n_nodes}")
    lo, hi = jnp.min(values), jnp.max(values)
    return lo, jnp.maximum(hi - lo, min_width) / (n_nodes - 1)


def node_positions(lo, h, n_nodes: int) -> jnp.ndarray:
    """Place the ``n_nodes + 3`` nodes at ``lo + j h`` for ``j = -1 .. n_nodes + 1``."""
    return lo + h * jnp.arange(-1, n_nodes + 2, dtype=jnp.float32)


def _cubic_weights(values: jnp.ndarray, lo, h, n_nodes: int):
    """First table row ``k`` and the four Lagrange weights of each value (nodes ``k - 1 .. k + 2``)."""
    pos = (values - lo) / h
    k = jnp.clip(jnp.floor(pos), 0, n_nodes - 2).astype(jnp.int32)
    f = pos - k
    weights = (
        -f * (f - 1) * (f - 2) / 6,
        (f + 1) * (f - 1) * (f - 2) / 2,
        -(f + 1) * f * (f - 2) / 2,
        (f + 1) * f * (f - 1) / 6,
    )
    return k, weights


def _expand(w: jnp.ndarray, rows: jnp.ndarray) -> jnp.ndarray:
    return w.reshape(w.shape + (1,) * (rows.ndim - w.ndim))


def cubic_read(table: jnp.ndarray, values: jnp.ndarray, lo, h, n_nodes: int, block=None) -> jnp.ndarray:
    """Interpolate ``table`` (``(n_nodes + 3, *channels)``, rows at :func:`node_positions`) at ``values``.

    The result has shape ``(*values.shape, *channels)``. With ``block`` (integers shaped like
    ``values``) the table is ``(B, n_nodes + 3, *channels)`` and each value reads its own block.
    """
    k, weights = _cubic_weights(values, lo, h, n_nodes)
    if block is not None:
        k = k + block * table.shape[1]
        table = table.reshape((-1, *table.shape[2:]))
    out = 0.0
    for j, wj in enumerate(weights):  # table rows k .. k + 3
        rows = jnp.take(table, k + j, axis=0)  # (*values.shape, *channels)
        out = out + _expand(wj, rows) * rows
    return out


def cubic_read_2d(table: jnp.ndarray, values: tuple, spans: tuple, n_nodes: int, block=None) -> jnp.ndarray:
    """Interpolate a grid ``table (n_nodes + 3, n_nodes + 3, *channels)`` at the pairs ``values``.

    ``values = (a, b)`` are arrays of one shape and ``spans = ((lo_a, h_a), (lo_b, h_b))``; the
    grid's rows sit at :func:`node_positions` of ``a``, its columns at those of ``b``. Each
    value reads the tensor-product cubic through its 4 x 4 nearest nodes. With ``block`` the
    table is ``(B, n_nodes + 3, n_nodes + 3, *channels)`` and each value reads its own block.
    """
    (ka, wa), (kb, wb) = (_cubic_weights(v, lo, h, n_nodes) for v, (lo, h) in zip(values, spans, strict=True))
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
