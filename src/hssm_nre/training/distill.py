"""Distillation: one compact network trained to reproduce a larger one's log-density.

The teacher (a shipped network, often a mixture of two large networks) is a function, so its
log-density can be evaluated at as many ``(theta, x)`` pairs as wanted without simulating.
The student has the same form as every normalized network here, a ratio MLP ``f`` plus a
learned mixture-density reference ``q`` (:mod:`hssm_nre.net.noise`), only narrower, so it runs
through the same :func:`~hssm_nre.net.logp.make_logp`, hssm integration and validation:

* ``q_s`` is fitted to the teacher's density by weighted maximum likelihood: draws from the
  teacher's first reference ``q_T`` reweighted by ``p_T / q_T`` (a normalized density by
  construction, whatever its width);
* ``f_s`` is fitted by least squares to ``log p_T - log q_s`` on pairs whose observations come
  from ``q_T`` at the same parameters, at nearby parameters (what a posterior explores) and at
  parameters anywhere in the box (what a regression's per-trial parameters reach).

``log p_s = f_s + log q_s`` is then as accurate as the fit of ``f_s``; its normalization is
checked, not assumed (``hssm-nre validate``).
"""

from __future__ import annotations

import datetime as _dt
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax

from hssm_nre.net.features import featurize, init_mlp, mlp, obs_dim_continuous, obs_to_y, y_to_obs
from hssm_nre.net.features import n_choices as _n_choices
from hssm_nre.net.logp import build_logp, member_parts
from hssm_nre.net.noise import Q_PREFIX, n_q_outputs, q_head_params, q_logpdf_y, q_sample_y
from hssm_nre.store.artifact import Network, save
from hssm_nre.store.card import Card

__all__ = ["DistillConfig", "distill", "distill_pairs"]

# The gradient match compares d log p / d theta times this share of each parameter's box width.
GRAD_SCALE = 0.1
# The kind of a pair the teacher rules out (kept so that rows stay in groups of one theta).
INVALID = 3


@dataclass(frozen=True)
class DistillConfig:
    """Settings of a distillation (all recorded in the student's card).

    Parameters
    ----------
    hidden, q_hidden
        Hidden widths of the student's ratio MLP and of its reference head.
    q_components
        Mixture components per choice of the student's reference (``None``: the teacher's).
    n_theta, x_per_theta
        Parameter vectors drawn uniformly in the box, and observations per vector.
    local_share, marginal_share
        Shares of observations drawn at nearby parameters (within ``local_width`` of the box
        width of each parameter) and at parameters anywhere in the box; the rest are drawn at
        the same parameters.
    marginal_weight
        Weight of the anywhere-in-the-box pairs in the least-squares loss (their log-densities
        are far below those of the data a fit sees).
    grad_weight
        Weight of the gradient match (Sobolev training): the student's gradient of ``log p``
        with respect to the parameters, times a tenth of the box width, fitted to the
        teacher's by a Huber loss on the matched and nearby pairs. A posterior is shaped by
        how ``log p`` changes with the parameters, which values alone pin down less tightly.
    score_weight
        Weight of the expected-score match: per parameter vector, the error of the gradient
        averaged over its matched draws (reweighted to the teacher's density), divided by the
        teacher's score SD there (estimated from the same draws), Huber-squared. A bias in
        that average, not the scatter of single trials, is what shifts a posterior fitted to
        many trials. Needs ``grad_weight`` > 0 (batches are drawn as whole groups); works best
        with large groups (``x_per_theta``) and few unmatched draws.
    steps, batch_size, learning_rate
        Adam with warm-up and cosine decay, as in :func:`hssm_nre.training.loop.fit`.
    seed
        Seed of the pairs, the initialization and the batches.
    """

    hidden: tuple[int, ...] = (64, 64, 64)
    q_hidden: tuple[int, ...] = (32, 32)
    q_components: int | None = None
    n_theta: int = 200_000
    x_per_theta: int = 8
    local_share: float = 0.3
    marginal_share: float = 0.15
    local_width: float = 0.1
    marginal_weight: float = 0.2
    grad_weight: float = 1.0
    score_weight: float = 0.0
    steps: int = 20_000
    batch_size: int = 4096
    learning_rate: float = 2e-3
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.hidden or min(self.hidden) < 1 or not self.q_hidden or min(self.q_hidden) < 1:
            raise ValueError(f"hidden and q_hidden need positive widths, got {self.hidden}, {self.q_hidden}")
        if min(self.n_theta, self.x_per_theta, self.steps, self.batch_size) < 1:
            raise ValueError("n_theta, x_per_theta, steps and batch_size must be at least 1")
        shares = (self.local_share, self.marginal_share)
        if min(shares) < 0 or sum(shares) >= 1:
            raise ValueError("local_share and marginal_share must be >= 0 and sum to less than 1")


def _q_logpdf(weights, tr, theta, x, m):
    """``log q(x | theta)`` of a learned reference head (with the Jacobian of ``x -> y``)."""
    y, ci, log_jac = obs_to_y(tr, theta, x)
    return q_logpdf_y(q_head_params(weights, tr, theta, m), y, ci) + log_jac


def distill_pairs(teacher: Network, n_theta: int, cfg: DistillConfig, key: jax.Array, chunk: int = 20_000):
    """Draw ``(theta, x, kind)`` pairs and the teacher's ``log p``, ``log q_T`` and ``d log p / d theta``.

    ``kind`` is 0 (observation drawn at ``theta``), 1 (at nearby parameters) or 2 (anywhere in
    the box), or ``INVALID`` (3) where the teacher gives ``-inf`` (``rt`` before the onset); rows
    come in groups of ``cfg.x_per_theta`` that share ``theta``.
    """
    (w0, c0), *_ = member_parts(teacher.weights, teacher.card)
    tr0 = _transform(c0)
    m0 = int(c0["method"]["q_components"])
    w0 = {k: jnp.asarray(v) for k, v in w0.items() if not k.startswith("ref_")}
    lo, hi = (jnp.asarray(b, jnp.float32) for b in np.asarray(teacher.card["model"]["box"]).T)
    teach = build_logp(teacher.weights, teacher.card)

    def teach_sum(theta, x):
        out = teach(theta, x)
        return jnp.sum(jnp.where(jnp.isfinite(out), out, 0.0))

    k_x = cfg.x_per_theta
    chunk = min(chunk, n_theta)
    p_local, p_marg = cfg.local_share, cfg.marginal_share

    @jax.jit
    def one(key):
        ks = jax.random.split(key, 6)
        theta = jax.random.uniform(ks[0], (chunk, lo.size), minval=lo, maxval=hi)
        theta = jnp.repeat(theta, k_x, axis=0)
        u = jax.random.uniform(ks[1], (chunk * k_x,))
        kind = jnp.where(u < p_local, 1, jnp.where(u < p_local + p_marg, 2, 0))
        step = cfg.local_width * (hi - lo) * jax.random.uniform(ks[2], theta.shape, minval=-1, maxval=1)
        near = jnp.clip(theta + step, lo, hi)
        anywhere = jax.random.uniform(ks[3], theta.shape, minval=lo, maxval=hi)
        src = jnp.where((kind == 1)[:, None], near, jnp.where((kind == 2)[:, None], anywhere, theta))
        y, c = q_sample_y(q_head_params(w0, tr0, src, m0), ks[4], 1)
        x = y_to_obs(tr0, src, y[:, 0], c[:, 0])
        grad = jax.grad(teach_sum)(theta, x)
        return theta, x, kind, teach(theta, x), _q_logpdf(w0, tr0, theta, x, m0), grad

    out = [one(k) for k in jax.random.split(key, max(1, math.ceil(n_theta / chunk)))]
    theta, x, kind, logp, logq, grad = (np.concatenate([np.asarray(o[i]) for o in out]) for i in range(6))
    ok = np.isfinite(logp) & np.isfinite(logq) & np.isfinite(grad).all(axis=1)
    # rows stay in groups of x_per_theta sharing one theta; a pair the teacher rules out is kept
    # as kind INVALID with zeros, which every loss term ignores
    kind = np.where(ok, kind, INVALID).astype(np.int32)
    logp, logq, grad = (np.where(ok.reshape(-1, *[1] * (a.ndim - 1)), a, 0.0) for a in (logp, logq, grad))
    return theta, x, kind, logp, logq, grad


def _transform(card: dict):
    from hssm_nre.net.features import Transform

    return Transform.from_dict(card["transform"])


def _init_student(teacher: Network, cfg: DistillConfig, key: jax.Array):
    (_, c0), *_ = member_parts(teacher.weights, teacher.card)
    tr = _transform(c0)
    m = cfg.q_components or int(c0["method"]["q_components"])
    k1, k2 = jax.random.split(key)
    w = init_mlp(k1, tr.n_inputs, cfg.hidden)
    n_out = n_q_outputs(_n_choices(tr), m, obs_dim_continuous(tr), tr.mirror is not None)
    w |= init_mlp(k2, len(tr.param_index), cfg.q_hidden, n_out, Q_PREFIX)
    return w, tr, m, c0


def _loss(cfg: DistillConfig, tr, m, scale):
    def loss(w, theta, x, kind, logp, logq_t, grad_t):
        logq = _q_logpdf(w, tr, theta, x, m)
        err = mlp(w, featurize(tr, theta, x)) + jax.lax.stop_gradient(logq) - logp
        weight = jnp.where(kind == 2, cfg.marginal_weight, jnp.where(kind == INVALID, 0.0, 1.0))
        fit_f = jnp.sum(weight * err**2) / jnp.maximum(jnp.sum(weight), 1e-6)
        if cfg.grad_weight:  # the gradient in theta of f + log q, with q's weights held
            held = {k: (jax.lax.stop_gradient(v) if k.startswith(Q_PREFIX) else v) for k, v in w.items()}

            def total(th):
                return jnp.sum(mlp(held, featurize(tr, th, x)) + _q_logpdf(held, tr, th, x, m))

            d = (jax.grad(total)(theta) - grad_t) * scale
            near = (kind < 2)[:, None]
            fit_f = fit_f + cfg.grad_weight * jnp.sum(
                jnp.where(near, optax.huber_loss(d), 0.0)
            ) / jnp.maximum(jnp.sum(near), 1.0)
            if cfg.score_weight:  # the expected score's error per theta, in units of the score's SD
                k, p = cfg.x_per_theta, d.shape[-1]
                iw_s = jnp.where(kind == 0, jnp.exp(jnp.clip(logp - logq_t, -10.0, 3.0)), 0.0).reshape(
                    -1, k, 1
                )
                norm = jnp.maximum(jnp.sum(iw_s, 1), 1e-6)
                d_mean = jnp.sum(iw_s * d.reshape(-1, k, p), 1) / norm
                # the teacher's score SD at this theta (its Fisher information, per parameter) from
                # the same draws: d_mean / SD is the shift of a maximum-likelihood estimate in
                # posterior SDs divided by sqrt(trials), the quantity that moves a posterior
                fisher = jnp.sum(iw_s * (grad_t * scale).reshape(-1, k, p) ** 2, 1) / norm
                z = d_mean / jnp.sqrt(jax.lax.stop_gradient(fisher) + 1e-4)
                fit_f = fit_f + cfg.score_weight * jnp.mean(jnp.sum(2.0 * optax.huber_loss(z, delta=0.5), -1))
        # q_s by maximum likelihood under the teacher: draws from q_T at theta, reweighted by p_T / q_T
        iw = jnp.where(kind == 0, jnp.exp(jnp.clip(logp - logq_t, -10.0, 3.0)), 0.0)
        fit_q = -jnp.sum(iw * logq) / jnp.maximum(jnp.sum(iw), 1e-6)
        return fit_f + fit_q, (fit_f, fit_q)

    return loss


def distill(
    teacher: Network,
    cfg: DistillConfig | None = None,
    *,
    version: str,
    name: str | None = None,
    out: str | Path | None = None,
    progress: bool = True,
) -> Network:
    """Train a compact student network that reproduces ``teacher``'s log-density.

    Parameters
    ----------
    teacher
        A normalized network with a learned reference (every shipped network), single or mixture.
    cfg
        :class:`DistillConfig` (widths, budgets, seed).
    version, name
        Written in the student's card (name default: the teacher's).
    out
        Directory to save the student into.
    progress
        Progress bar.

    Returns
    -------
    Network
        The student; its card records the teacher (name, version, sha256) and ``cfg``.

    Examples
    --------
    >>> from hssm_nre import load_network
    >>> small = distill(load_network("ddm"), DistillConfig(steps=200, n_theta=2000),
    ...                 version="0.0.0+local", progress=False)  # doctest: +SKIP
    """
    from hssm_nre.progress import progress_bar
    from hssm_nre.training.common import _versions, lr_at

    cfg = cfg or DistillConfig()
    method = teacher.card["method"]
    learned = method.get("reference") == "learned" and method.get("base") == "none"
    if not (method.get("normalized") and learned):
        raise ValueError(
            f"{teacher.name} is not a normalized network with a learned reference; "
            "only those can be distilled"
        )
    t0 = time.perf_counter()
    key = jax.random.key(cfg.seed)
    k_pairs, k_val, k_init, key = jax.random.split(key, 4)
    pairs = distill_pairs(teacher, cfg.n_theta, cfg, k_pairs)
    n_val = max(min(len(pairs[0]) // 20, 50_000), 1)
    n_val_theta = max(n_val // cfg.x_per_theta, 1)
    val = distill_pairs(teacher, n_val_theta, cfg, k_val, chunk=n_val_theta)
    pairs_s = time.perf_counter() - t0
    w, tr, m, c0 = _init_student(teacher, cfg, k_init)
    box = np.asarray(teacher.card["model"]["box"], np.float32)
    loss = _loss(cfg, tr, m, jnp.asarray(GRAD_SCALE * (box[:, 1] - box[:, 0])))
    opt = optax.chain(optax.clip_by_global_norm(5.0), optax.inject_hyperparams(optax.adam)(learning_rate=0.0))
    opt_state = opt.init(w)

    @jax.jit
    def step(w, s, *batch):
        (val_, aux), grads = jax.value_and_grad(loss, has_aux=True)(w, *batch)
        updates, s = opt.update(grads, s, w)
        return optax.apply_updates(w, updates), s, aux

    @jax.jit
    def evaluate(w, theta, x, kind, logp, logq_t, grad_t):
        err = mlp(w, featurize(tr, theta, x)) + _q_logpdf(w, tr, theta, x, m) - logp
        return jnp.sqrt(jnp.mean(jnp.where(kind < 2, err, 0.0) ** 2) / jnp.mean(kind < 2)), loss(
            w, theta, x, kind, logp, logq_t, grad_t
        )[0]

    rng = np.random.default_rng(cfg.seed)
    history = {"step": [], "train_loss": [], "val_loss": [], "val_rmse": [], "epoch": []}
    every = max(cfg.steps // 20, 1)
    best = (math.inf, w, 0)
    running: list[float] = []
    n = len(pairs[0])
    with progress_bar(progress) as bar:
        task = bar.add_task(f"distill {teacher.name}", total=cfg.steps)
        for i in range(cfg.steps):
            groups = rng.integers(0, n // cfg.x_per_theta, max(cfg.batch_size // cfg.x_per_theta, 1))
            idx = (groups[:, None] * cfg.x_per_theta + np.arange(cfg.x_per_theta)).ravel()
            opt_state[1].hyperparams["learning_rate"] = jnp.asarray(
                lr_at(i / cfg.steps, cfg.learning_rate), jnp.float32
            )
            w, opt_state, aux = step(w, opt_state, *(a[idx] for a in pairs))
            if i % 50 == 0:
                running.append(float(aux[0]))
            if (i + 1) % every == 0 or i + 1 == cfg.steps:
                rmse, vl = (float(v) for v in evaluate(w, *val))
                history["step"].append(i + 1)
                history["epoch"].append(len(history["step"]))
                history["train_loss"].append(float(np.mean(running)) if running else float("nan"))
                history["val_loss"].append(vl)
                history["val_rmse"].append(rmse)
                running = []
                bar.update(task, completed=i + 1, info=f"val rmse {rmse:.4f} nats")
                if progress:
                    bar.console.print(
                        f"step {i + 1}: val loss {vl:.4f}, RMSE vs teacher {rmse:.4f} nats, "
                        f"{time.perf_counter() - t0:.0f} s"
                    )
                if vl < best[0]:
                    best = (vl, w, i + 1)
    wall = time.perf_counter() - t0
    k = len(teacher.card.get("members") or []) + 1
    card = Card.from_dict(
        {
            **{key_: c0[key_] for key_ in ("schema_version", "model", "method", "transform") if key_ in c0},
            "name": name or teacher.card["name"],
            "version": version,
            "created": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "method": {
                **c0["method"],
                "q_components": m,
                "loss": f"distilled from {teacher.card['name']}@{teacher.card['version']} (a mixture "
                f"of {k}): least squares on the teacher's log-density + weighted MLE of the reference",
            },
            "architecture": {"kind": "mlp", "hidden": list(cfg.hidden), "activation": "silu"},
            "training": {
                **{k_: (list(v) if isinstance(v, tuple) else v) for k_, v in asdict(cfg).items()},
                "method": "distill",
                "q_hidden": list(cfg.q_hidden),
                "q_components": m,
                "teacher": {
                    "name": teacher.card["name"],
                    "version": teacher.card["version"],
                    "weights_sha256": teacher.card.get("weights_sha256"),
                    "members": k,
                    "teacher_seconds": teacher.card.get("total_seconds"),
                },
                "n_pairs": int(n),
                "best_step": best[2],
                "best_val_loss": best[0],
                "val_rmse_nats": history["val_rmse"][history["step"].index(best[2])],
                "pairs_seconds": round(pairs_s, 1),
                "train_seconds": round(wall, 1),
            },
            "simulation": {"simulator": "none: pairs drawn from the teacher (no simulation)"},
            "history": history,
            "versions": _versions(),
        },
        "distill",
    ).to_dict()
    card["total_seconds"] = round(wall + float(teacher.card.get("total_seconds") or 0.0), 1)
    net = Network(weights={k_: np.asarray(v) for k_, v in best[1].items()}, card=card)
    if out is not None:
        from hssm_nre.training.common import plot_history

        save(net, out)
        plot_history(net, Path(out) / "loss.png")
    return net
