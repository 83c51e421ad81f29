"""Closed-form reference densities q(u, c) for normalized ratio networks.

A normalized network learns ``f = log p(u, c | theta) - log q(u, c)`` against a
*known* density ``q`` of the decision time ``u = rt - t`` and the choice ``c``, so that
``log p = f + log q`` integrates to one and is ``-inf`` for ``u <= 0``. Here ``q`` is a
choice probability times a mixture of log-normals in ``u`` per choice, fitted by EM
to simulated decision times pooled over the training box. It uses nothing but the
simulations (no analytic first-passage density).
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
from jax.custom_batching import custom_vmap
from jax.scipy.special import logsumexp

from hssm_nre.net.features import (
    is_lower,
    log_param,
    mlp_out,
    n_choices,
    obs_dim_continuous,
    reflect,
    theta_features,
)
from hssm_nre.net.table import cubic_read_2d, node_positions, span, table_1d

__all__ = ["fit_reference", "reference_logpdf", "reference_sample"]

LOG_2PI = float(np.log(2 * np.pi))


def _em_1d(y: np.ndarray, m: int, iters: int = 200, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Fit a 1-D Gaussian mixture with ``m`` components by EM."""
    rng = np.random.default_rng(seed)
    qs = np.quantile(y, (np.arange(m) + 0.5) / m)
    mu = qs + 1e-3 * rng.standard_normal(m)
    sd = np.full(m, y.std() / np.sqrt(m) + 1e-3)
    w = np.full(m, 1.0 / m)
    for _ in range(iters):
        lp = np.log(w) - 0.5 * ((y[:, None] - mu) / sd) ** 2 - np.log(sd) - 0.5 * LOG_2PI
        lse = np.logaddexp.reduce(lp, axis=1, keepdims=True)
        r = np.exp(lp - lse)
        nk = r.sum(0) + 1e-12
        w = nk / nk.sum()
        mu = (r * y[:, None]).sum(0) / nk
        sd = np.sqrt((r * (y[:, None] - mu) ** 2).sum(0) / nk) + 1e-3
    return np.log(w), mu, sd


def fit_reference(
    u: np.ndarray, c: np.ndarray, choices: tuple[int, ...], n_components: int = 6, symmetric: bool = False
) -> dict[str, np.ndarray]:
    """Fit ``q(u, c) = P(c) * LogNormalMixture_c(u)`` to decision times.

    Parameters
    ----------
    u
        Positive decision times.
    c
        Choices (values in ``choices``).
    choices
        All possible choices.
    n_components
        Log-normal components per choice.
    symmetric
        One mixture for all choices, fitted to the pooled times, and equal choice
        probabilities (for models with a choice symmetry over a symmetric box).

    Returns
    -------
    dict
        Arrays ``ref_logpi`` (C,), ``ref_logw``, ``ref_mu``, ``ref_sigma`` (C, M).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ref = fit_reference(rng.lognormal(size=500), rng.choice([-1, 1], 500), (-1, 1), 2)
    >>> ref["ref_mu"].shape
    (2, 2)
    """
    u = np.asarray(u, dtype=np.float64)
    c = np.asarray(c)
    if np.any(u <= 0):
        raise ValueError("decision times must be positive to fit the reference density")
    if symmetric:
        one = fit_reference(u, np.zeros(len(u)), (0,), n_components)
        k = len(choices)
        out = {key: np.repeat(val, k, axis=0) for key, val in one.items()}
        out["ref_logpi"] = np.full(k, -np.log(k), np.float32)
        return out
    logpi, logw, mu, sd = [], [], [], []
    for ch in choices:
        y = np.log(u[c == ch])
        if y.size < 10 * n_components:
            raise ValueError(f"too few simulated trials with choice {ch} ({y.size}) to fit q")
        lw, m, s = _em_1d(y, n_components)
        logpi.append(np.log(y.size / u.size))
        logw.append(lw)
        mu.append(m)
        sd.append(s)
    f32 = np.float32
    return {
        "ref_logpi": np.asarray(logpi, f32),
        "ref_logw": np.asarray(logw, f32),
        "ref_mu": np.asarray(mu, f32),
        "ref_sigma": np.asarray(sd, f32),
    }


def reference_logpdf(ref: dict, u: jnp.ndarray, c_index: jnp.ndarray) -> jnp.ndarray:
    """``log q(u, c)``; ``c_index`` is the position of the choice in ``choices``."""
    lu = jnp.log(jnp.maximum(u, 1e-30))
    mu = ref["ref_mu"][c_index]
    sd = ref["ref_sigma"][c_index]
    lw = ref["ref_logw"][c_index]
    comp = lw - 0.5 * ((lu[..., None] - mu) / sd) ** 2 - jnp.log(sd) - 0.5 * LOG_2PI
    out = ref["ref_logpi"][c_index] + logsumexp(comp, axis=-1) - lu
    return jnp.where(u > 0, out, -jnp.inf)


def reference_sample(ref: dict, key: jax.Array, shape: tuple[int, ...]):
    """Draw ``(u, c_index)`` from ``q``."""
    k1, k2, k3 = jax.random.split(key, 3)
    c_index = jax.random.categorical(k1, ref["ref_logpi"], shape=shape)
    comp = jax.random.categorical(k2, ref["ref_logw"][c_index], axis=-1)
    mu = jnp.take_along_axis(ref["ref_mu"][c_index], comp[..., None], -1)[..., 0]
    sd = jnp.take_along_axis(ref["ref_sigma"][c_index], comp[..., None], -1)[..., 0]
    u = jnp.exp(mu + sd * jax.random.normal(k3, shape))
    return u, c_index


# ---------------------------------------------------------------------------
# Learned conditional reference q_phi(x | theta): a mixture-density head.
#
# The continuous part of an observation is y (standardized log decision time for
# "rt_choice" observations, standardized x for "standard" ones); the discrete part is a
# choice index among C choices (C = 1 when there is none). For each theta a small MLP
# gives P(c | theta) and, per choice, a mixture of M diagonal Gaussians in y. It is fitted
# by maximum likelihood on the simulated pairs and is a normalized density by
# construction; the ratio network then learns only the correction log p - log q_phi by NCE.

Q_PREFIX = "q_"


def n_q_outputs(n_choices: int, n_components: int, dim: int, mirror: bool = False) -> int:
    """Width of the mixture head's output (one choice's worth when mirrored)."""
    if mirror:
        return 1 + n_components * (1 + 2 * dim)
    return n_choices + n_choices * n_components * (1 + 2 * dim)


def q_head_params(weights: dict, tr, theta: jnp.ndarray, n_components: int):
    """Mixture parameters of the learned reference at ``theta`` (see :func:`q_params`).

    With a mirrored transform the head describes the upper choice only; the lower one
    is the head at the reflected parameters, and ``P(upper) = sigmoid(g(theta) -
    g(reflected theta))`` so that the two choice probabilities sum to one. For a per-trial
    ``theta`` whose rows differ in one or two columns only, :func:`q_logpdf_along` reads the
    head from a table instead.
    """
    return q_params_from_outputs(tr, _head_outputs(weights, tr, theta), n_components)


def q_params_from_outputs(tr, out: jnp.ndarray, n_components: int):
    """Mixture parameters (:func:`q_params`) from the head's raw outputs ``out``.

    ``out`` is what the head's MLP gives at ``theta``; with a mirrored transform, its outputs
    at ``theta`` and at the reflected parameters side by side (as :func:`_head_outputs`
    returns them), so the outputs may come from anywhere that reproduces the MLP, e.g. a table.
    """
    c, d = n_choices(tr), obs_dim_continuous(tr)
    shared, blocks = _by_choice(tr, out, c)
    flat = blocks.reshape(*blocks.shape[:-2], -1)
    return q_params(jnp.concatenate([shared, flat], axis=-1), c, n_components, d)


def q_head_params_repeated(weights: dict, tr, theta: jnp.ndarray, n_components: int, k_max: int):
    """:func:`q_head_params` of a per-trial ``theta (n, P)`` whose rows repeat (random effects by group).

    Where every parameter the head sees varies by group only (hssm's
    ``global_formula="y ~ 1 + (1|participant_id)"``), the rows take few distinct values. With at
    most ``k_max`` of them the head runs once per distinct row, and the gradient of each row is the head's
    Jacobian at its distinct row applied to that row's own cotangent, so rows equal by chance
    (random effects all zero at the sampler's start) keep their own gradients. With more the head
    runs once per row, as :func:`q_head_params`. The choice is made again in the backward pass
    (a ``custom_vjp``): differentiating a ``lax.cond`` would keep the residuals of both branches.
    """
    return q_params_from_outputs(tr, _head_outputs_repeated(weights, tr, theta, k_max), n_components)


def _head_outputs_repeated(weights: dict, tr, theta: jnp.ndarray, k_max: int) -> jnp.ndarray:
    """:func:`_head_outputs` per row, run once per distinct row (see :func:`q_head_params_repeated`)."""
    idx = np.asarray(tr.param_index)
    seen = jax.lax.stop_gradient(theta[:, idx])
    uniq, inv = jnp.unique(seen, axis=0, size=k_max, return_inverse=True)
    inv = inv.reshape(-1)
    few = _in_every_batch(jnp.all(uniq[inv] == seen))  # False with more than k_max distinct rows (or NaNs)
    rows = jnp.broadcast_to(jax.lax.stop_gradient(theta[:1]), (k_max, theta.shape[-1])).at[:, idx].set(uniq)
    # the transform's numbers are arguments too: batched members give each its own
    numbers = {k: jnp.asarray(getattr(tr, k), jnp.float32) for k in TRANSFORM_NUMBERS}
    return _repeated_head(tr)((weights, numbers), theta, rows, inv, few)


def _repeated_head(tr):
    """``head((weights, numbers), theta, rows, inv, few)``: the head per row (per distinct row if ``few``)."""

    def outputs(fixed, t):
        weights, numbers = fixed
        return _head_outputs(weights, with_numbers(tr, numbers), t)

    @jax.custom_vjp
    def head(fixed, theta, rows, inv, few):
        return jax.lax.cond(few, lambda: outputs(fixed, rows)[inv], lambda: outputs(fixed, theta))

    def fwd(fixed, theta, rows, inv, few):
        return head(fixed, theta, rows, inv, few), (fixed, theta, rows, inv, few)

    def bwd(res, g):
        fixed, theta, rows, inv, few = res

        def once_per_distinct_row():
            jac = jax.vmap(jax.jacfwd(lambda r: outputs(fixed, r[None])[0]))(rows)  # (k, outputs, P)
            return jnp.einsum("nop,no->np", jac[inv], g).astype(theta.dtype)

        def once_per_row():
            return jax.vjp(lambda t: outputs(fixed, t), theta)[1](g)[0].astype(theta.dtype)

        d_theta = jax.lax.cond(few, once_per_distinct_row, once_per_row)
        # no gradient for the weights and numbers (fixed), the distinct rows or the index
        zeros = jax.tree.map(jnp.zeros_like, fixed)
        float0 = jax.dtypes.float0
        return zeros, d_theta, jnp.zeros_like(rows), np.zeros(inv.shape, float0), np.zeros((), float0)

    head.defvjp(fwd, bwd)
    return head


@custom_vmap
def _in_every_batch(flag):
    """``flag``; under ``jax.vmap`` (numpyro's vectorized chains) true only if true in every batch.

    The branch the head takes is then one for all chains, and the ``lax.cond`` stays a branch:
    with a batched predicate it would become a ``select`` running both branches.
    """
    return flag


@_in_every_batch.def_vmap
def _in_every_batch_vmap(axis_size, in_batched, flag):
    return (jnp.all(flag) if in_batched[0] else flag), False


# The transform's numbers: the entries that may differ between the members of one batched
# ensemble (each member standardizes its own simulations); everything else must be equal.
TRANSFORM_NUMBERS = ("center", "scale", "x_center", "x_scale")


def with_numbers(tr, numbers: dict):
    """``tr`` with its :data:`TRANSFORM_NUMBERS` replaced by ``numbers`` (arrays, possibly traced)."""
    return dataclasses.replace(tr, **{k: tuple(numbers[k]) for k in TRANSFORM_NUMBERS})


def q_logpdf_along(weights: dict, tr, theta: jnp.ndarray, n_components: int, along, y, c_index):
    """``log q(y, c | theta)`` per row, the head read from a table along the varying columns.

    ``theta (n, P)`` is per trial and only its column ``along = j`` (a regression on one
    parameter) or columns ``along = (j, k)`` (e.g. random intercepts on two parameters) vary
    from row to row. The head runs at :data:`HEAD_NODES` values of that column spanning the
    rows' range, or on a grid of :data:`HEAD_GRID_NODES` values per column, instead of once
    per row; each row reads the polynomial through every node (Chebyshev nodes,
    :data:`HEAD_POINTS` = 0; 6: the quintic through the 6 nearest of evenly spaced nodes), or
    on the grid the cubic through its 4 x 4 (:mod:`hssm_nre.net.table`), of its own choice's
    mixture. The table holds the mixture as the rows use it (:func:`_mixture_table`), so a row
    reads one block and does no more than the Gaussians' arithmetic.
    """
    c, d = n_choices(tr), obs_dim_continuous(tr)
    nodes, read = _head_table(tr, theta, along)
    shared, blocks = _by_choice(tr, _head_outputs(weights, tr, nodes), c)
    logpi = jax.nn.log_softmax(shared, axis=-1)
    # every choice's mixture in one expression (one kernel, not one per choice), as (C, nodes, ...)
    table = jnp.moveaxis(_mixture_table(logpi, blocks, n_components, d), -2, 0)
    return _mixture_logpdf_table(read(table, block=c_index), y, n_components, d)


def _mixture_table(logpi: jnp.ndarray, block: jnp.ndarray, n_components: int, d: int) -> jnp.ndarray:
    """Each choice's mixture as ``[const (M), mu (M D), 1 / sd (M D)]``: ``(..., C, M (1 + 2 D))``.

    ``logpi (..., C)`` and ``block (..., C, M (1 + 2 D))``, the head's raw outputs per choice;
    ``const = log P(c) + log w - sum log sd - D log(2 pi) / 2``, so that
    ``log q(y, c) = logsumexp(const - |(y - mu) / sd|^2 / 2)``.
    """
    lead = block.shape[:-1]
    logw, mu, sd = _components(block.reshape(*lead, n_components, 1 + 2 * d), d)
    const = logpi[..., None] + logw - jnp.sum(jnp.log(sd), axis=-1) - 0.5 * d * LOG_2PI
    return jnp.concatenate([const, mu.reshape(*lead, -1), (1.0 / sd).reshape(*lead, -1)], axis=-1)


def _mixture_logpdf_table(rows: jnp.ndarray, y: jnp.ndarray, n_components: int, d: int) -> jnp.ndarray:
    """``log q`` at ``y (..., D)`` from rows of :func:`_mixture_table`."""
    m = n_components
    const = rows[..., :m]
    mu = rows[..., m : m + m * d].reshape(*rows.shape[:-1], m, d)
    inv = rows[..., m + m * d :].reshape(*rows.shape[:-1], m, d)
    z = (y[..., None, :] - mu) * inv
    return logsumexp(const - 0.5 * jnp.sum(z**2, axis=-1), axis=-1)


def _head_table(tr, theta: jnp.ndarray, along):
    """Place the table's nodes along ``along``: their parameter vectors, and the table's reader.

    A column the head sees through its logarithm (``tr.log_index``: angle's ``a``, weibull's
    ``beta``) is tabulated at nodes evenly spaced in its logarithm, the coordinate the head is
    smooth in; spaced evenly in the parameter itself, 48 nodes erred by up to 0.4 nats per trial
    for weibull's ``beta`` (``benchmarks/results/head_table.md``).
    """
    cols = (along,) if isinstance(along, int) else tuple(along)
    logs = [j in tr.log_index for j in cols]

    def coordinate(j, is_log):
        col = theta[..., j]
        return log_param(col) if is_log else col

    def parameter(pos, is_log):
        return jnp.exp(pos) if is_log else pos

    values = tuple(coordinate(j, is_log) for j, is_log in zip(cols, logs, strict=True))
    if len(cols) == 1:
        lo, h = span(values[0], HEAD_NODES, 1e-4)
        positions, read_at = table_1d(lo, h, HEAD_NODES, HEAD_POINTS)
        column = np.arange(theta.shape[-1]) == cols[0]
        nodes = jnp.where(column, parameter(positions, logs[0])[:, None].astype(theta.dtype), theta[:1])

        def read(table, block=None):
            return read_at(table, values[0], block)

        return nodes, read
    if len(cols) == 2:
        n = HEAD_GRID_NODES
        m = n + 3
        spans = tuple(span(v, n, 1e-4) for v in values)
        pos = [
            parameter(node_positions(lo, h, n), is_log) for (lo, h), is_log in zip(spans, logs, strict=True)
        ]
        column = np.arange(theta.shape[-1])
        first, second = (p.astype(theta.dtype) for p in pos)
        nodes = jnp.where(column == cols[0], first[:, None, None], theta[:1][None])
        nodes = jnp.where(column == cols[1], second[None, :, None], nodes)

        def read(table, block=None):
            lead = table.shape[:-2]  # (B,) with blocks
            return cubic_read_2d(table.reshape(*lead, m, m, table.shape[-1]), values, spans, n, block)

        return nodes.reshape(m * m, -1), read
    raise ValueError(f"the head's table follows one or two columns, not {len(cols)}")


def _by_choice(tr, out: jnp.ndarray, c: int):
    """Split head outputs into the choices' logits ``(..., C)`` and their mixture blocks ``(..., C, K)``."""
    if tr.mirror is None:
        return out[..., :c], out[..., c:].reshape(*out.shape[:-1], c, -1)
    half = out.shape[-1] // 2
    out_up, out_lo = out[..., :half], out[..., half:]
    per_choice = jnp.stack([out_lo if is_lower(tr, ch) else out_up for ch in tr.choices], axis=-2)
    return per_choice[..., 0], per_choice[..., 1:]


# Nodes of the head's table along the one parameter that varies from trial to trial
# (``q_head_params(along=...)``), and how many of them a row reads (0: every one, the nodes at
# the Chebyshev points of the range; 4: cubic, 6: quintic, evenly spaced). The head is an
# analytic function of its parameters (SiLU layers), so the polynomial through Chebyshev nodes
# converges geometrically. Each node costs four runs of the head's MLP (two members, two
# sides): a `v ~ 1 + x` ddm regression of 500 trials cost 2.63 / 2.27 / 1.99 / 1.60x HSSM's
# LAN with 48 quintic nodes (53 evaluated, with the margins) / 32 / 24 / 16 Chebyshev nodes,
# and every read is a small matrix product. A regression spanning 30 % of the box width errs by at most
# 4e-4 nats per trial (ornstein and ddm along v; quintic: 1e-4), the summed log-likelihood of
# 2000 trials by at most 8.8e-3 nats; 24 nodes erred 3e-3 per trial there, 16 nodes 0.05
# (benchmarks/speed/head_table.py --spread 0.3, benchmarks/results/head_table.md).
HEAD_NODES = 32
HEAD_POINTS = 0
# Nodes per column of the head's grid when two parameters vary (``along=(j, k)``); the cubic's
# error falls as the fourth power of the spacing (benchmarks/speed/head_grid.py).
HEAD_GRID_NODES = 48


def _head_outputs(weights: dict, tr, theta: jnp.ndarray) -> jnp.ndarray:
    """Run the head at ``theta``; mirrored: ``[g(theta), g(reflected theta)]``."""
    if tr.mirror is None:
        return mlp_out(weights, theta_features(tr, theta), Q_PREFIX)
    # one pass of the MLP over both sides, as a 2-d matrix product (an ONNX export's runtime has
    # no batched one)
    lead, flat = theta.shape[:-1], theta.reshape(-1, theta.shape[-1])
    both = mlp_out(weights, theta_features(tr, jnp.concatenate([flat, reflect(tr, flat)])), Q_PREFIX)
    half = flat.shape[0]
    return jnp.concatenate([both[:half], both[half:]], axis=-1).reshape(*lead, -1)


def q_params(q_out: jnp.ndarray, n_choices: int, n_components: int, dim: int):
    """Split the head output into ``logpi (..., C)``, ``logw (..., C, M)``, ``mu, sd (..., C, M, D)``."""
    lead = q_out.shape[:-1]
    logpi = jax.nn.log_softmax(q_out[..., :n_choices], axis=-1)
    rest = q_out[..., n_choices:].reshape(*lead, n_choices, n_components, 1 + 2 * dim)
    return (logpi, *_components(rest, dim))


def _components(rest: jnp.ndarray, dim: int):
    """``logw (..., M)``, ``mu, sd (..., M, D)`` from raw head outputs ``(..., M, 1 + 2 D)``."""
    return (
        jax.nn.log_softmax(rest[..., 0], axis=-1),
        rest[..., 1 : 1 + dim],
        jax.nn.softplus(rest[..., 1 + dim :]) + 1e-3,
    )


def q_logpdf_y(params, y: jnp.ndarray, c_index: jnp.ndarray) -> jnp.ndarray:
    """``log q(y, c | theta)`` in the standardized space (no Jacobian)."""
    logpi, logw, mu, sd = params
    ci = c_index[..., None]
    lp_c = jnp.take_along_axis(logpi, ci, axis=-1)[..., 0]
    lw = jnp.take_along_axis(logw, ci[..., None], axis=-2)[..., 0, :]  # (..., M)
    m = jnp.take_along_axis(mu, ci[..., None, None], axis=-3)[..., 0, :, :]  # (..., M, D)
    s = jnp.take_along_axis(sd, ci[..., None, None], axis=-3)[..., 0, :, :]
    return lp_c + _mixture_logpdf(lw, m, s, y)


def _mixture_logpdf(lw, mu, sd, y):
    """Log-density at ``y (..., D)`` of the Gaussian mixture ``lw (..., M)``, ``mu, sd (..., M, D)``."""
    z = (y[..., None, :] - mu) / sd
    return logsumexp(lw + jnp.sum(-0.5 * z**2 - jnp.log(sd) - 0.5 * LOG_2PI, axis=-1), axis=-1)


def q_sample_y(params, key: jax.Array, n: int):
    """Draw ``n`` pairs ``(y, c_index)`` per leading index: shapes ``(..., n, D)`` and ``(..., n)``."""
    logpi, logw, mu, sd = params
    k1, k2, k3 = jax.random.split(key, 3)
    lead = logpi.shape[:-1]
    c = jax.random.categorical(k1, logpi[..., None, :], shape=(*lead, n))
    lw = jnp.take_along_axis(logw[..., None, :, :], c[..., None, None], axis=-2)[..., 0, :]
    comp = jax.random.categorical(k2, lw, axis=-1)  # (..., n)
    idx_c = c[..., None, None, None]
    m = jnp.take_along_axis(mu[..., None, :, :, :], idx_c, axis=-3)[..., 0, :, :]  # (..., n, M, D)
    s = jnp.take_along_axis(sd[..., None, :, :, :], idx_c, axis=-3)[..., 0, :, :]
    m = jnp.take_along_axis(m, comp[..., None, None], axis=-2)[..., 0, :]
    s = jnp.take_along_axis(s, comp[..., None, None], axis=-2)[..., 0, :]
    y = m + s * jax.random.normal(k3, m.shape)
    return y, c
