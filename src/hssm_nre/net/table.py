"""Cubic tables: a smooth function of one variable read from evenly spaced nodes.

Where many trials need a function of one varying quantity (a trial's log decision time, or
the one parameter a regression moves from trial to trial), the function is evaluated at
``n_nodes`` evenly spaced nodes over the trials' range, plus one node below and two above,
and each trial takes the Lagrange cubic through its four nearest nodes. The nodes move with
the range, and the table with whatever else the function depends on, so gradients flow
through both.
"""

from __future__ import annotations

import jax.numpy as jnp

__all__ = ["cubic_read", "node_positions", "span"]


def span(values: jnp.ndarray, n_nodes: int, min_width: float):
    """``(lo, h)``: the first node and the spacing that cover ``values`` with ``n_nodes`` nodes."""
    if n_nodes < 4:
        raise ValueError(f"a cubic table needs at least 4 nodes, got {n_nodes}")
    lo, hi = jnp.min(values), jnp.max(values)
    return lo, jnp.maximum(hi - lo, min_width) / (n_nodes - 1)


def node_positions(lo, h, n_nodes: int) -> jnp.ndarray:
    """Place the ``n_nodes + 3`` nodes at ``lo + j h`` for ``j = -1 .. n_nodes + 1``."""
    return lo + h * jnp.arange(-1, n_nodes + 2, dtype=jnp.float32)


def cubic_read(table: jnp.ndarray, values: jnp.ndarray, lo, h, n_nodes: int) -> jnp.ndarray:
    """Interpolate ``table`` (``(n_nodes + 3, *channels)``, rows at :func:`node_positions`) at ``values``.

    The result has shape ``(*values.shape, *channels)``.
    """
    pos = (values - lo) / h
    k = jnp.clip(jnp.floor(pos), 0, n_nodes - 2).astype(jnp.int32)
    f = pos - k
    # Lagrange cubic through the nodes k - 1, k, k + 1, k + 2 (table rows k .. k + 3)
    weights = (
        -f * (f - 1) * (f - 2) / 6,
        (f + 1) * (f - 1) * (f - 2) / 2,
        -(f + 1) * f * (f - 2) / 2,
        (f + 1) * f * (f - 1) / 6,
    )
    out = 0.0
    for j, wj in enumerate(weights):
        rows = jnp.take(table, k + j, axis=0)  # (*values.shape, *channels)
        wj = wj.reshape(wj.shape + (1,) * (rows.ndim - wj.ndim))
        out = out + wj * rows
    return out
