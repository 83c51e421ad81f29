"""Censored trials: ``log P(rt > deadline | theta)`` from a normalized network, by quadrature.

A normalized network is a density over reaction time and choice (``log p = f + log q``,
:mod:`.logp`), so the probability that no response came before a deadline ``D`` follows
from it alone:

    S(D) = P(rt > D | theta) = T / (F + T),
    F = sum_c integral_{u_0}^{D - t_0} p(t_0 + u, c) du,
    T = sum_c integral_{D - t_0}^{u_1} p(t_0 + u, c) du,

with ``t_0`` the earliest onset (``t``, or ``t - st``), ``u_0 = 1e-4`` s and ``u_1`` the
simulator's ``max_t`` from the card (the network's density is that of the trials that finish
by then). Both integrals run over ``s = log u`` with Gauss-Legendre nodes (the density of
``s`` is smooth and spread over a few units; near the onset it vanishes), and are summed in
log space, so ``log S`` keeps its relative accuracy when ``S`` is tiny. Dividing by
``F + T`` removes the network's normalization error (``|F + T - 1|`` at most 0.004 for the DDM,
0.044 over every shipped box: ``benchmarks/results/normalization.md``) and keeps ``S`` in ``[0, 1]``.

``D <= t_0`` gives ``log S = 0``; ``D - t_0 >= max_t`` gives ``-inf`` (the network has no
trials that slow); a parameter outside the training box gives ``-inf``. Everything is
pure JAX and differentiable in ``theta`` and ``D``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import jax
import jax.numpy as jnp
import numpy as np

from hssm_nre.net.features import Transform, onset
from hssm_nre.net.logp import build_logp

if TYPE_CHECKING:  # the artifact layer sits above this one: no runtime import
    from hssm_nre.store.artifact import Network

__all__ = ["MISSING_RT", "build_log_survival", "make_hssm_censored_logp", "make_log_survival"]

MISSING_RT = -999.0  # hssm's code for a trial without a response (its `missing_data` convention)
U_MIN = 1e-4  # s: decision times below this carry no mass the simulator (dt = 1e-3) resolves
N_NODES = 32  # Gauss-Legendre nodes per integral (benchmarks/results/deadline.md)


def _check_supported(card: dict) -> None:
    name = card.get("name") or card["model"]["name"]
    if not card["method"]["normalized"]:
        raise ValueError(
            f"{name} is a plain ratio network: its output is log p(x | theta) only up to a term in x, "
            "so it cannot give P(rt > deadline | theta). Use a normalized network (card "
            "method.normalized = true, e.g. the shipped 'ddm'; train with method='nce')."
        )
    if card["transform"]["x_kind"] != "rt_choice":
        raise ValueError(
            f"{name} has observations of kind {card['transform']['x_kind']!r}, not (rt, response): "
            "a deadline censors a reaction time, so only rt models have a survival function."
        )


def build_log_survival(weights: dict, card: dict, n_nodes: int = N_NODES):
    """Un-jitted ``log_survival(theta (n | 1, P), deadline (n,)) -> (n,)`` of a normalized network.

    ``theta`` with one row serves every deadline (the work on ``theta`` alone runs once).
    """
    _check_supported(card)
    tr = Transform.from_dict(card["transform"])
    logp = build_logp(weights, card)
    model = card["model"]
    lower = jnp.asarray([b[0] for b in model["box"]], jnp.float32)
    upper = jnp.asarray([b[1] for b in model["box"]], jnp.float32)
    choices = jnp.asarray(model["choices"], jnp.float32)
    u_max = float((card.get("simulation") or {}).get("max_t") or 100.0)
    nodes, w = np.polynomial.legendre.leggauss(n_nodes)
    nodes, log_w = jnp.asarray(nodes, jnp.float32), jnp.asarray(np.log(w), jnp.float32)
    s_lo, s_hi = float(np.log(U_MIN)), float(np.log(u_max))
    n_c = int(choices.shape[0])

    def log_survival(theta, deadline):
        theta = jnp.asarray(theta, jnp.float32)
        deadline = jnp.asarray(deadline, jnp.float32)
        first = jnp.broadcast_to(jnp.asarray(onset(tr, theta), jnp.float32), theta.shape[:-1])
        span = deadline - first  # (n,): the decision time at the deadline
        # s = log u splits at log(span), kept strictly inside (s_lo, s_hi); the edge cases are set below
        s_d = jnp.clip(jnp.log(jnp.maximum(span, U_MIN)), s_lo + 1e-3, s_hi - 1e-3)
        mids = jnp.stack([(s_lo + s_d) / 2, (s_d + s_hi) / 2], axis=-1)  # (n, 2): [F, T]
        halves = jnp.stack([(s_d - s_lo) / 2, (s_hi - s_d) / 2], axis=-1)
        s = mids[..., None] + halves[..., None] * nodes  # (n, 2, N)
        log_du = s + jnp.log(halves)[..., None] + log_w  # du = u ds, ds = half * w
        rt = first[..., None, None] + jnp.exp(s)
        rt_c = jnp.broadcast_to(rt[..., None, :, :], (*rt.shape[:-2], n_c, *rt.shape[-2:]))
        c = jnp.broadcast_to(choices[:, None, None], rt_c.shape)
        x = jnp.stack([rt_c, c], axis=-1).reshape(*rt.shape[:-2], -1, 2)  # (n, C * 2 * N, 2)
        lp = logp(theta[..., None, :], x).reshape(rt_c.shape)  # (n, C, 2, N)
        terms = lp + log_du[..., None, :, :]
        log_f = jax.nn.logsumexp(terms[..., 0, :], axis=(-2, -1))
        log_t = jax.nn.logsumexp(terms[..., 1, :], axis=(-2, -1))
        out = log_t - jnp.logaddexp(log_f, log_t)
        out = jnp.where(span <= U_MIN, 0.0, out)
        out = jnp.where(span >= u_max, -jnp.inf, out)
        ok = jnp.all((theta >= lower) & (theta <= upper), axis=-1)
        return jnp.where(ok, out, -jnp.inf)

    return log_survival


def make_log_survival(net: Network, n_nodes: int = N_NODES):
    """Jitted ``log P(rt > deadline | theta)`` per trial for a normalized network.

    Parameters
    ----------
    net
        A normalized network (every shipped one).
    n_nodes
        Gauss-Legendre nodes for each of the two integrals (below and above the deadline).

    Returns
    -------
    callable
        ``log_survival(theta (n, P) or (1, P), deadline (n,)) -> (n,)``.

    Examples
    --------
    >>> import numpy as np
    >>> from hssm_nre import load_network
    >>> log_s = make_log_survival(load_network("ddm"))  # doctest: +SKIP
    >>> np.exp(log_s(np.array([[0.5, 1.0, 0.5, 0.3]]), np.array([1.0, 2.0])))  # doctest: +SKIP
    """
    jitted = jax.jit(build_log_survival(net.weights, net.card, n_nodes))
    n_params = len(net.params)

    def log_survival(theta, deadline):
        if not isinstance(theta, jax.core.Tracer) and np.shape(theta)[-1:] != (n_params,):
            raise ValueError(
                f"theta must have {n_params} columns {list(net.params)} for {net.name}, got shape "
                f"{np.shape(theta)}"
            )
        return jitted(theta, deadline)

    return log_survival


def make_hssm_censored_logp(net: Network, n_params: int, layout: tuple | None = None):
    """``logp(data, *params)`` for hssm's deadline data: columns rt, response, deadline.

    A trial with ``rt == -999`` (hssm's code for no response before the deadline) gives
    ``log P(rt > deadline | theta)`` (:func:`build_log_survival`); every other trial the
    network's log-density of ``(rt, response)``.

    ``layout = (n_missing, n, deadlines)``, known when the model is built: hssm puts the
    ``n_missing`` censored trials first, with those ``deadlines``. The quadrature then runs on
    those rows only, and, when no parameter varies over trials, once per distinct deadline.
    Data that does not match the layout gives NaN (never a silently wrong number); data of
    another length is served row by row with a mask (quadrature on every row).
    """
    inner = build_logp(net.weights, net.card)
    surv = build_log_survival(net.weights, net.card)
    if layout is not None:
        n_missing, n_obs, deadlines = layout
        deadlines = np.asarray(deadlines, np.float32)
        uniq, inverse = np.unique(deadlines, return_inverse=True)

    def theta_of(params, lo, hi):
        params = [p if p.shape[0] == 1 else p[lo:hi] for p in params]
        size = max(p.shape[0] for p in params)
        return jnp.stack([jnp.broadcast_to(p, (size,)) for p in params], axis=-1)

    def logp(data, *params):
        data = jnp.asarray(data, jnp.float32)
        n = data.shape[0]
        params = [jnp.reshape(jnp.asarray(p, jnp.float32), (-1,)) for p in params[:n_params]]
        missing = data[:, 0] == MISSING_RT
        if layout is not None and n == n_obs:
            m = n_missing
            th_miss = theta_of(params, 0, m)
            if th_miss.shape[0] == 1:  # shared parameters: one quadrature per distinct deadline
                lp_miss = surv(th_miss, jnp.asarray(uniq))[inverse]
                same = jnp.all(data[:m, 2] == jnp.asarray(deadlines))
            else:
                lp_miss = surv(th_miss, data[:m, 2])
                same = True
            lp_obs = inner(theta_of(params, m, n), data[m:, :2])
            out = jnp.concatenate([jnp.broadcast_to(lp_miss, (m,)), jnp.broadcast_to(lp_obs, (n - m,))])
            ok = same & jnp.all(missing[:m]) & ~jnp.any(missing[m:])
            return jnp.where(ok, out, jnp.nan)
        theta = theta_of(params, 0, n)
        rt = jnp.where(missing, data[:, 2] + 1.0, data[:, 0])  # a placeholder after the deadline
        lp_obs = inner(theta, jnp.stack([rt, data[:, 1]], axis=-1))
        lp_miss = surv(theta, data[:, 2])
        return jnp.where(missing, jnp.broadcast_to(lp_miss, (n,)), jnp.broadcast_to(lp_obs, (n,)))

    return logp
