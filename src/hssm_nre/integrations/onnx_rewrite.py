"""Re-trace a JAX function into the primitives that an ONNX graph for jaxonnxruntime can hold.

hssm runs ONNX likelihoods through jaxonnxruntime (0.3), which implements a subset of the
ONNX operators; jax2onnx lowers some JAX primitives to operators outside that subset
(``Greater``, ``GreaterOrEqual``, ``IsInf``/``IsNaN``, ``Sign``, ``ReduceMin``, ``ScatterND``,
and gathers through ``NonZero``/``Range``). :func:`rewrite` evaluates a function's jaxpr
primitive by primitive under a new trace and replaces those primitives by equivalent ones:

=================================  ================================================================
JAX primitive                      rewritten as
=================================  ================================================================
``jit`` / ``custom_jvp_call`` ...  inlined (the forward computation; custom derivatives dropped)
``gt(a, b)`` / ``ge(a, b)``        ``lt(b, a)`` / ``le(b, a)``
``is_finite(x)``                   ``|x| < inf`` (false for NaN, as before)
``sign(x)``                        two selects (``sign(0) = 0``, NaN stays NaN)
``reduce_min``                     ``-reduce_max(-x)``
``reduce_and`` / ``reduce_or``     ``reduce_max`` of a 0/1 float, compared with 0 / 1
``gather`` (constant indices)      single-element slices and one concatenation
``gather`` (one dynamic index)     a select over the static gathers at every position of that axis
``scatter`` (constant indices)     single-element slices and one concatenation
``tanh(x)``                        ``1 - 2 / (exp(2 x) + 1)``
``lgamma(x)`` (``x > 0``)          Stirling's series at ``x + 8``, less ``log(x (x + 1) ... (x + 7))``
``igamma(a, x)``                   its power series below ``x = a + 1``, Lentz's continued fraction
                                   for ``1 - P`` above (fixed numbers of terms; float32-exact for
                                   ``a`` up to 10 and any ``x``)
=================================  ================================================================

Any operation on constants only is folded at trace time. The rewrites are exact for the
values they see (a dynamic gather's out-of-range index gives the gather's fill value, NaN
for floats, as ``mode="fill"`` does).
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.extend import core as jex

__all__ = ["rewrite"]

_INLINE = ("jit", "pjit", "closed_call", "core_call", "custom_jvp_call", "custom_vjp_call", "remat")


def rewrite(fn: Callable, *example) -> Callable:
    """Return a function equal to ``fn`` whose trace holds only ONNX-friendly primitives.

    Parameters
    ----------
    fn
        A JAX function of arrays.
    *example
        Arrays or ``jax.ShapeDtypeStruct`` with the shapes ``fn`` will be exported at.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> g = rewrite(lambda x: jnp.sign(x) * (x > 1.0), jnp.zeros(3))
    >>> [int(a) for a in g(jnp.array([-2.0, 0.0, 3.0]))]
    [0, 0, 1]
    >>> sorted({e.primitive.name for e in jax.make_jaxpr(g)(jnp.zeros(3)).eqns} & {"gt", "sign"})
    []
    """
    closed = jax.make_jaxpr(fn)(*example)

    def run(*args):
        out = _eval(closed.jaxpr, closed.consts, args)
        return out[0] if len(out) == 1 else tuple(out)

    return run


def _eval(jaxpr, consts, args) -> list:
    env: dict = {}

    def read(v):
        return v.val if isinstance(v, jex.Literal) else env[v]

    for v, val in zip(jaxpr.constvars, consts, strict=True):
        env[v] = val
    for v, val in zip(jaxpr.invars, args, strict=True):
        env[v] = val
    for eqn in jaxpr.eqns:
        outs = _apply(eqn.primitive, eqn.params, [read(v) for v in eqn.invars])
        for v, val in zip(eqn.outvars, outs, strict=True):
            env[v] = val
    return [read(v) for v in jaxpr.outvars]


def _concrete(x) -> bool:
    return not isinstance(x, jax.core.Tracer)


def _apply(prim, params: dict, invals: list) -> list:
    name = prim.name
    if name in _INLINE:
        inner = params.get("jaxpr") or params.get("call_jaxpr") or params.get("fun_jaxpr")
        if inner is None:
            raise NotImplementedError(f"cannot inline the JAX primitive {name!r} for ONNX export")
        if isinstance(inner, jex.ClosedJaxpr):
            return _eval(inner.jaxpr, inner.consts, invals)
        return _eval(inner, (), invals)
    if all(_concrete(x) for x in invals):  # constants only: fold now, nothing reaches the graph
        with jax.ensure_compile_time_eval():
            out = prim.bind(*invals, **params)
    elif name in _RULES:
        out = _RULES[name](*invals, **params)
    else:
        out = prim.bind(*invals, **params)
    return list(out) if prim.multiple_results else [out]


def _reduce_max(x, axes):
    return lax.reduce_max(x, tuple(axes))


def _is_finite(x):
    return lax.lt(lax.abs(x), jnp.asarray(np.inf, x.dtype))


def _sign(x):
    one = jnp.ones_like(x)
    zero = jnp.zeros_like(x)
    pos = lax.select(lax.lt(zero, x), one, x)  # NaN and 0 pass through
    return lax.select(lax.lt(x, zero), -one, pos)


def _reduce_and(x, axes, **_):
    bad = lax.select(x, jnp.zeros(x.shape, jnp.float32), jnp.ones(x.shape, jnp.float32))
    return lax.eq(_reduce_max(bad, axes), jnp.float32(0))


def _reduce_or(x, axes, **_):
    good = lax.select(x, jnp.ones(x.shape, jnp.float32), jnp.zeros(x.shape, jnp.float32))
    return lax.lt(jnp.float32(0), _reduce_max(good, axes))


def _reduce_min(x, axes, **_):
    return lax.neg(_reduce_max(lax.neg(x), axes))


def _pick(flat_sources: list, pos: np.ndarray, out_shape, dtype):
    """Build an array of ``out_shape``: element ``j`` is ``flat_sources[s][i]`` where ``pos[j] = (s, i)``.

    ``s = -1`` gives NaN (floats) or 0: the fill value of an out-of-range gather.
    """
    pieces = []
    for s, i in pos:
        if s < 0:
            fill = np.nan if jnp.issubdtype(dtype, jnp.inexact) else 0
            pieces.append(jnp.full((1,), fill, dtype))
        else:
            pieces.append(lax.slice(flat_sources[s], (int(i),), (int(i) + 1,)))
    if not pieces:
        return jnp.zeros(out_shape, dtype)
    return lax.reshape(lax.concatenate(pieces, 0), tuple(out_shape))


def _static_gather(operand, indices: np.ndarray, **params):
    """Gather with concrete indices: find each output's source element on an index array, then slice."""
    n = int(np.prod(operand.shape))
    with jax.ensure_compile_time_eval():
        iota = jnp.arange(1, n + 1, dtype=jnp.int32).reshape(operand.shape)  # 0 marks a filled element
        src = np.asarray(lax.gather_p.bind(iota, jnp.asarray(indices), **{**params, "fill_value": 0}))
    pos = [(0, k - 1) if k > 0 else (-1, 0) for k in src.reshape(-1)]
    return _pick([lax.reshape(operand, (n,))], pos, src.shape, operand.dtype)


def _gather(operand, indices, **params):
    if _concrete(indices):
        return _static_gather(operand, np.asarray(indices), **params)
    if int(np.prod(indices.shape)) != 1:
        raise NotImplementedError(
            f"ONNX export: a gather with dynamic indices of shape {indices.shape} has no rewrite "
            "(one index only)"
        )
    dims = params["dimension_numbers"]
    axis = dims.start_index_map[0]
    size = operand.shape[axis]
    index = lax.reshape(indices, ())
    outs = [_static_gather(operand, np.full(indices.shape, k, indices.dtype), **params) for k in range(size)]
    fill = np.nan if jnp.issubdtype(operand.dtype, jnp.inexact) else 0
    out = jnp.full(outs[0].shape, fill, operand.dtype)
    for k, val in enumerate(outs):
        out = lax.select(jnp.broadcast_to(lax.eq(index, jnp.asarray(k, index.dtype)), out.shape), val, out)
    return out


def _scatter(operand, indices, updates, **params):
    if not _concrete(indices):
        raise NotImplementedError("ONNX export: a scatter with dynamic indices has no rewrite")
    n = int(np.prod(operand.shape))
    m = int(np.prod(updates.shape))
    with jax.ensure_compile_time_eval():
        src = lax.scatter_p.bind(
            jnp.zeros(operand.shape, jnp.int32),
            jnp.asarray(indices),
            jnp.arange(1, m + 1, dtype=jnp.int32).reshape(updates.shape),
            **params,
        )
    src = np.asarray(src).reshape(-1)
    pos = [(1, k - 1) if k > 0 else (0, j) for j, k in enumerate(src)]
    flat = [lax.reshape(operand, (n,)), lax.reshape(updates.astype(operand.dtype), (m,))]
    return _pick(flat, pos, operand.shape, operand.dtype)


def _tanh(x, **_):
    one = jnp.ones_like(x)
    return one - 2.0 * one / (lax.exp(2.0 * x) + one)


_LGAMMA_SHIFT = 8


def _lgamma(x, **_):
    """``log Gamma(x)`` for ``x > 0`` from elementary operations (error below 1e-9 in float64)."""
    y = x + _LGAMMA_SHIFT
    series = (y - 0.5) * lax.log(y) - y + float(0.5 * np.log(2 * np.pi))  # a weak-typed constant
    series = series + 1.0 / (12.0 * y) - 1.0 / (360.0 * y**3) + 1.0 / (1260.0 * y**5)
    prod = x
    for k in range(1, _LGAMMA_SHIFT):
        prod = prod * (x + k)
    return series - lax.log(prod)


_IGAMMA_TERMS = 80  # power-series terms (x < a + 1 <= 11: the last term is below 1e-20 of the sum)
_IGAMMA_FRACTION = 40  # continued-fraction steps (x >= a + 1: converged to float64 for a <= 10)


def _igamma(a, x, **_):
    """Regularized lower incomplete gamma ``P(a, x)`` (Numerical Recipes' gser / gcf), select by ``x``."""
    tiny = jnp.asarray(1e-30, x.dtype)
    low = x < a + 1.0
    # the power series on x clipped below a + 1, the fraction on x clipped above it: the branch
    # not taken never sees values that would give inf or NaN
    xs = jnp.clip(x, tiny, a + 1.0)
    term = 1.0 / a
    total = term
    for n in range(1, _IGAMMA_TERMS):
        term = term * xs / (a + n)
        total = total + term
    series = total * lax.exp(-xs + a * lax.log(xs) - _lgamma(a))
    xc = jnp.maximum(x, a + 1.0)
    b = xc + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, _IGAMMA_FRACTION):
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = jnp.where(jnp.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = jnp.where(jnp.abs(c) < tiny, tiny, c)
        d = 1.0 / d
        h = h * d * c
    upper = lax.exp(-xc + a * lax.log(xc) - _lgamma(a)) * h
    return jnp.where(low, series, 1.0 - upper)


_RULES: dict[str, Callable] = {
    "tanh": _tanh,
    "lgamma": _lgamma,
    "igamma": _igamma,
    "gt": lambda a, b: lax.lt(b, a),
    "ge": lambda a, b: lax.le(b, a),
    "is_finite": _is_finite,
    "sign": _sign,
    "reduce_and": _reduce_and,
    "reduce_or": _reduce_or,
    "reduce_min": _reduce_min,
    "gather": _gather,
    "scatter": _scatter,
}
