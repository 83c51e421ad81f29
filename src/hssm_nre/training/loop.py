"""Training loop: simulator -> ratio network artifact (optax on JAX).

Two methods, selected by :attr:`TrainConfig.method`:

``"nce"`` (normalized, default for reaction-time models with a non-decision time)
    The network sees ``(theta without t, log(rt - t), choice)`` and learns
    ``log p(u, c | theta) - log q(u, c)`` against a fitted closed-form reference ``q``
    (see :mod:`hssm_nre.net.noise`) with the NCE loss. ``f + log q`` is a normalized
    log-density with exact support ``rt > t``.
``"cnre"`` (plain ratio)
    Contrastive NRE with ``K`` classes and weight ``gamma`` on ``(theta, x)``; the output
    is a log-ratio defined up to a function of ``x``.
"""

from __future__ import annotations

import datetime as _dt
import math
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

import jax
import jax.numpy as jnp
import numpy as np
import optax

from hssm_nre.models import BOUNDARIES, ModelSpec, get_model
from hssm_nre.net.base import BASE_PARAMS, base_logpdf
from hssm_nre.net.features import (
    PARAM_FEATURES,
    Transform,
    featurize,
    init_mlp,
    mlp,
    n_choices,
    obs_dim_continuous,
    obs_to_y,
    onset,
    y_to_obs,
)
from hssm_nre.net.noise import (
    Q_PREFIX,
    fit_reference,
    n_q_outputs,
    q_head_params,
    q_logpdf_y,
    q_sample_y,
    reference_sample,
)
from hssm_nre.simulation import SimConfig, SimData, simulate
from hssm_nre.store.artifact import Network, ensemble, save
from hssm_nre.store.card import Card, MethodInfo, ModelInfo
from hssm_nre.training.common import _versions, lr_at, plot_history
from hssm_nre.training.config import TrainConfig, _resolve_method
from hssm_nre.training.losses import cnre_loss, nce_loss, normalization_penalty

if TYPE_CHECKING:
    from hssm_nre.training.distill import DistillConfig

__all__ = ["fit", "train"]


def _feature_columns(spec: ModelSpec, feature: str, time_features, use_ndt: bool, method: str):
    """``(name, columns of a and its parameters)`` for the ``"boundary"`` or ``"drift"`` feature, or Nones."""
    if feature not in time_features:
        return None, None
    registry, what = PARAM_FEATURES[feature]
    kind = getattr(spec, feature)
    if kind is None or not use_ndt:
        raise ValueError(
            f"the {feature!r} time feature needs a model with {what} and method 'nce'; "
            f"{spec.name!r} has {feature} {kind!r}, method {method!r}"
        )
    return kind, tuple(spec.params.index(p) for p in ("a", *registry[kind]))


def param_inputs(
    spec: ModelSpec,
    method: str,
    time_features: tuple[str, ...] = ("log",),
    log_params: tuple[str, ...] = (),
    hide_params: tuple[str, ...] = (),
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``(keep, log_index)``: the parameters that feed the network, and those fed as logarithms.

    Raises
    ------
    ValueError
        For names that are not the model's parameters, ``hide_params`` that are not shape
        parameters of its collapsing boundary (with the ``"boundary"`` and ``"boundary_half"``
        time features), or ``log_params`` that do not feed the network or whose lower bound is
        not positive.
    """
    unknown = sorted((set(log_params) | set(hide_params)) - set(spec.params))
    if unknown:
        raise ValueError(f"{unknown} are not parameters of {spec.name!r} {list(spec.params)}")
    ndt_index = spec.params.index(spec.ndt) if spec.ndt else None
    use_ndt = method == "nce"
    shape = BOUNDARIES.get(spec.boundary, ()) if spec.boundary else ()
    if hide_params and not (
        set(hide_params) <= set(shape) and {"boundary", "boundary_half"} <= set(time_features)
    ):
        raise ValueError(
            f"hide_params must be shape parameters of the collapsing boundary {shape} of {spec.name!r}, "
            f"with the 'boundary' and 'boundary_half' time features; got {hide_params}, {time_features}"
        )
    hidden = {spec.params.index(p) for p in hide_params}
    keep = tuple(i for i in range(spec.n_params) if not (use_ndt and i == ndt_index) and i not in hidden)
    log_index = tuple(spec.params.index(p) for p in log_params)
    bad = [spec.params[i] for i in log_index if i not in keep or not spec.lower[i] > 0]
    if bad:
        raise ValueError(
            f"log_params must be parameters with a positive lower bound that feed the network; "
            f"{bad} of {spec.name!r} (box {spec.box_dict()}) are not"
        )
    return keep, log_index


def _make_transform(
    spec: ModelSpec,
    method: str,
    x: np.ndarray,
    theta: np.ndarray,
    mirror: bool = True,
    time_features: tuple[str, ...] = ("log",),
    log_params: tuple[str, ...] = (),
    hide_params: tuple[str, ...] = (),
) -> Transform:
    ndt_index = spec.params.index(spec.ndt) if spec.ndt else None
    use_ndt = method == "nce"
    keep, log_index = param_inputs(spec, method, time_features, log_params, hide_params)
    lo = [np.log(spec.lower[i]) if i in log_index else spec.lower[i] for i in range(spec.n_params)]
    hi = [np.log(spec.upper[i]) if i in log_index else spec.upper[i] for i in range(spec.n_params)]
    center = tuple(float((lo[i] + hi[i]) / 2) for i in keep)
    scale = tuple(float((hi[i] - lo[i]) / 2) for i in keep)
    if spec.obs_dim == 2 and len(spec.choices) >= 2:  # [rt, response]; no ndt: the rt is the time
        spread_index = spec.params.index(spec.ndt_spread) if (use_ndt and spec.ndt_spread) else None
        time_ = x[:, 0] - theta[:, ndt_index] if (use_ndt and ndt_index is not None) else x[:, 0]
        if spread_index is not None:
            time_ = time_ + theta[:, spread_index]
        lt = np.log(np.maximum(time_, 1e-6))
        boundary, boundary_index = _feature_columns(spec, "boundary", time_features, use_ndt, method)
        drift, drift_index = _feature_columns(spec, "drift", time_features, use_ndt, method)
        return Transform(
            keep,
            center,
            scale,
            "rt_choice",
            ndt_index if use_ndt else None,  # None without an ndt: the network sees the rt
            (float(lt.mean()),),
            (float(lt.std()),),
            tuple(spec.choices),
            tuple(spec.params.index(p) for p in spec.mirror) if (mirror and spec.mirror) else None,
            spread_index,
            tuple(time_features),
            boundary,
            boundary_index,
            log_index,
            drift,
            drift_index,
        )
    return Transform(
        keep,
        center,
        scale,
        "standard",
        None,
        tuple(float(m) for m in x.mean(0)),
        tuple(float(s) + 1e-8 for s in x.std(0)),
        tuple(spec.choices) or (-1, 1),
        log_index=log_index,
    )


def _loss_fn(method: str, tr: Transform, cfg: TrainConfig, ref: dict | None, base_index=None):
    choices = jnp.asarray(tr.choices, jnp.float32)

    def f(w, theta, x):
        return mlp(w, featurize(tr, theta, x))

    def penalty(f_neg):  # f_neg is log(model / noise) at noise draws, so E[e^f] is the mass
        return cfg.norm_weight * normalization_penalty(f_neg, clip=cfg.norm_clip) if cfg.norm_weight else 0.0

    def loss(w, theta, x, key):
        if method == "nce" and cfg.reference == "learned":
            qp = q_head_params(w, tr, theta, cfg.q_components)
            y, ci, jac = obs_to_y(tr, theta, x)
            lq = q_logpdf_y(qp, y, ci)
            mle = -jnp.mean(lq)
            qs = jax.tree.map(jax.lax.stop_gradient, qp)
            y_neg, c_neg = q_sample_y(qs, key, cfg.nu)
            th_neg = jnp.broadcast_to(theta[:, None, :], (*c_neg.shape, theta.shape[-1]))
            x_neg = y_to_obs(tr, th_neg, y_neg, c_neg)
            f_pos, f_neg = f(w, theta, x), f(w, th_neg, x_neg)
            if cfg.base != "none":  # the model is p_0 e^f; the noise is the mixture q
                jac_neg = obs_to_y(tr, th_neg, x_neg)[2]
                q_neg = q_logpdf_y(jax.tree.map(lambda a: a[:, None], qs), y_neg, c_neg) + jac_neg
                f_pos = (
                    f_pos
                    + base_logpdf(cfg.base, tr, base_index, theta, x)
                    - (jax.lax.stop_gradient(lq) + jac)
                )
                f_neg = f_neg + base_logpdf(cfg.base, tr, base_index, th_neg, x_neg) - q_neg
            return mle + nce_loss(f_pos, f_neg) + penalty(f_neg)
        if method == "cnre":
            shifts = jnp.arange(2 * cfg.K)
            thetas = jax.vmap(lambda s: jnp.roll(theta, s, axis=0))(shifts)  # (2K, B, P)
            out = jax.vmap(lambda th: f(w, th, x))(thetas)  # (2K, B)
            return cnre_loss(out[: cfg.K].T, out[cfg.K :].T, cfg.gamma)
        u, ci = reference_sample(ref, key, (theta.shape[0], cfg.nu))
        x_neg = jnp.stack([u + onset(tr, theta)[:, None], choices[ci]], axis=-1)  # (B, nu, 2)
        f_pos = f(w, theta, x)
        f_neg = f(w, jnp.broadcast_to(theta[:, None, :], (*u.shape, theta.shape[-1])), x_neg)
        return nce_loss(f_pos, f_neg) + penalty(f_neg)

    return loss


def fit(
    spec: ModelSpec | str,
    data: SimData,
    cfg: TrainConfig | None = None,
    *,
    sim_config: SimConfig | None = None,
    out: str | Path | None = None,
    name: str | None = None,
    version: str = "0.1.0",
    progress: bool = True,
) -> Network:
    """Train a network on simulated pairs already in memory (see :func:`train`)."""
    from hssm_nre.progress import progress_bar

    spec = get_model(spec)
    cfg = cfg or TrainConfig()
    method = _resolve_method(spec, cfg)
    t_start = time.perf_counter()
    rng = np.random.default_rng(cfg.seed)
    theta_all = np.asarray(data.theta, np.float32)
    x_all = np.asarray(data.x, np.float32)
    n = len(theta_all)
    n_val = max(int(cfg.val_fraction * n), 1)
    if n - n_val < cfg.batch_size:
        raise ValueError(
            f"{n} simulations leave fewer than one batch ({cfg.batch_size}) for training; "
            "simulate more or lower batch_size"
        )
    perm = rng.permutation(n)
    val_idx, tr_idx = perm[:n_val], perm[n_val:]
    tr = _make_transform(
        spec,
        method,
        x_all[tr_idx],
        theta_all[tr_idx],
        cfg.mirror,
        cfg.time_features,
        cfg.log_params,
        cfg.hide_params,
    )
    ref = None
    if method == "nce" and cfg.reference == "marginal":
        sub = tr_idx[: min(len(tr_idx), 200_000)]
        u = x_all[sub, 0] - np.asarray(onset(tr, theta_all[sub]))
        ref_np = fit_reference(u, x_all[sub, 1], tr.choices, cfg.n_components, tr.mirror is not None)
        ref = {k: jnp.asarray(v) for k, v in ref_np.items()}
    key = jax.random.key(cfg.seed)
    key, k_init = jax.random.split(key)
    weights = init_mlp(k_init, tr.n_inputs, cfg.hidden)
    if method == "nce" and cfg.reference == "learned":
        n_out = n_q_outputs(n_choices(tr), cfg.q_components, obs_dim_continuous(tr), tr.mirror is not None)
        weights |= init_mlp(jax.random.fold_in(k_init, 1), len(tr.param_index), cfg.q_hidden, n_out, Q_PREFIX)
    steps_per_epoch = (n - n_val) // cfg.batch_size
    total = steps_per_epoch * cfg.max_epochs
    if cfg.max_steps:
        total = min(total, cfg.max_steps)
    opt = optax.chain(optax.clip_by_global_norm(5.0), optax.inject_hyperparams(optax.adam)(learning_rate=0.0))
    opt_state = opt.init(weights)

    def progress_of(step_i: int) -> float:
        """Share of the budget used: steps, or wall time when a time budget is set."""
        p = step_i / total
        if cfg.time_budget_s:
            p = max(p, (time.perf_counter() - t_start) / cfg.time_budget_s)
        return p

    base_index = tuple(spec.params.index(p) for p in BASE_PARAMS) if cfg.base != "none" else None
    loss = _loss_fn(method, tr, cfg, ref, base_index)

    decay = float(cfg.ema)

    @jax.jit
    def step(w, s, avg, th, x, k):
        val, grads = jax.value_and_grad(loss)(w, th, x, k)
        updates, s = opt.update(grads, s, w)
        w = optax.apply_updates(w, updates)
        if decay:  # the moving average of the weights (TrainConfig.ema)
            avg = jax.tree.map(lambda a, b: decay * a + (1.0 - decay) * b, avg, w)
        return w, s, avg, val

    val_theta, val_x = jnp.asarray(theta_all[val_idx]), jnp.asarray(x_all[val_idx])
    val_key = jax.random.key(cfg.seed + 1)
    eval_bs = 8192

    @jax.jit
    def val_batch(w, th, x, k):
        return loss(w, th, x, k)

    def val_loss(w):
        vals = []
        for i in range(0, n_val - eval_bs + 1, eval_bs) if n_val >= eval_bs else [0]:
            sl = slice(i, i + eval_bs)
            vals.append(float(val_batch(w, val_theta[sl], val_x[sl], jax.random.fold_in(val_key, i))))
        return float(np.mean(vals))

    history = {"step": [], "train_loss": [], "val_loss": [], "epoch": []}
    best = (math.inf, weights, 0)
    average = weights  # what is validated and kept: the weights, or their moving average
    stale, step_i, stop_reason = 0, 0, "max_epochs"
    with progress_bar(progress) as bar:
        task = bar.add_task(f"train {spec.name} ({method})", total=total)
        for epoch in range(cfg.max_epochs):
            order = rng.permutation(tr_idx)
            running = []
            for b in range(steps_per_epoch):
                idx = order[b * cfg.batch_size : (b + 1) * cfg.batch_size]
                key, k = jax.random.split(key)
                opt_state[1].hyperparams["learning_rate"] = jnp.asarray(
                    lr_at(progress_of(step_i), cfg.learning_rate), jnp.float32
                )
                weights, opt_state, average, lv = step(
                    weights, opt_state, average, theta_all[idx], x_all[idx], k
                )
                step_i += 1
                if b % 50 == 0:
                    running.append(float(lv))
                    bar.update(task, completed=step_i, info=f"loss {running[-1]:.4f}")
                if progress_of(step_i) >= 1.0:
                    stop_reason = "time_budget" if step_i < total else "budget"
                    break
            kept = average if decay else weights
            vl = val_loss(kept)
            history["step"].append(step_i)
            history["epoch"].append(epoch + 1)
            history["train_loss"].append(float(np.mean(running)) if running else float("nan"))
            history["val_loss"].append(vl)
            bar.update(task, info=f"loss {history['train_loss'][-1]:.4f} val {vl:.4f}")
            if progress:
                bar.console.print(
                    f"epoch {epoch + 1}: step {step_i}, train {history['train_loss'][-1]:.4f}, "
                    f"val {vl:.4f}, {time.perf_counter() - t_start:.0f} s"
                )
            if vl < best[0]:
                best, stale = (vl, kept, epoch + 1), 0
            else:
                stale += 1
            if stop_reason in ("time_budget", "budget"):
                break
            if cfg.patience is not None and stale >= cfg.patience:
                stop_reason = "early_stopping"
                break
    wall = time.perf_counter() - t_start
    weights_np = {k: np.asarray(v) for k, v in best[1].items()}
    if ref is not None:
        weights_np.update({k: np.asarray(v) for k, v in ref.items()})
    losses = {
        ("nce", "learned", "none"): "MLE of a conditional mixture reference + NCE correction",
        (
            "nce",
            "learned",
            "ddm",
        ): "NCE correction to the analytic DDM density (noise: a conditional mixture fitted by MLE)",
        ("nce", "marginal", "none"): "NCE against a fixed log-normal-mixture reference",
    }
    card = Card(
        name=name or spec.name,
        version=version,
        created=_dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        model=ModelInfo(
            name=spec.name,
            params=tuple(spec.params),
            box=tuple((float(lo), float(hi)) for lo, hi in spec.box),
            choices=tuple(spec.choices),
            ndt=spec.ndt,
            ndt_spread=spec.ndt_spread,
            obs_dim=spec.obs_dim,
            constraints=spec.constraints,
        ),
        method=MethodInfo(
            name=method,
            normalized=method == "nce",
            reference=cfg.reference if method == "nce" else None,
            q_components=cfg.q_components,
            base=cfg.base,
            base_index=tuple(base_index) if base_index else None,
            loss=losses.get((method, cfg.reference, cfg.base), "CNRE"),
        ),
        transform=tr,
        architecture={"kind": "mlp", "hidden": list(cfg.hidden), "activation": "silu"},
        training={
            **{k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(cfg).items()},
            "method": method,
            "n_train": int(len(tr_idx)),
            "n_val": int(n_val),
            "steps": step_i,
            "best_epoch": best[2],
            "best_val_loss": best[0],
            "stop_reason": stop_reason,
            "train_seconds": round(wall, 1),
        },
        simulation={
            **(asdict(sim_config) if sim_config else {}),
            "n_requested": data.n_requested,
            "n_dropped_max_t": data.n_dropped,
            "simulator": spec.simulator if isinstance(spec.simulator, str) else "custom",
        },
        history=history,
        versions=_versions(),
    ).to_dict()
    net = Network(weights=weights_np, card=card)
    if out is not None:
        save(net, out)
        plot_history(net, Path(out) / "loss.png")
    return net


def train(
    spec: ModelSpec | str,
    sim_config: SimConfig | None = None,
    cfg: TrainConfig | None = None,
    *,
    out: str | Path | None = None,
    name: str | None = None,
    version: str | None = None,
    members: int | None = None,
    distill: DistillConfig | None = None,
    teacher_version: str | None = None,
    progress: bool = True,
    workers: int = 1,
) -> Network:
    """Simulate training data and train a ratio network (by default: rebuild the shipped one).

    Parameters
    ----------
    spec
        Registry model name or a :class:`~hssm_nre.models.ModelSpec` (custom simulator).
    sim_config, cfg
        Simulation and training settings. When both are left out, the model's recipe
        (:func:`hssm_nre.training.recipes.recipe`, the shipped network's; also its version
        and members unless given), as ``hssm-nre train MODEL`` without options.
    out
        Directory to save the artifact (and ``loss.png``) into.
    name, version
        Name and version written in the card (version default:
        :func:`~hssm_nre.training.recipes.local_version`, ``0.0.0+local.<UTC timestamp>``,
        never the id of the shipped network the recipe rebuilds).
    members
        Networks trained with the seeds ``seed, seed + 1, ...`` of both configs and averaged
        as a mixture of densities (default: the recipe's, else 1).
    distill, teacher_version
        Distill the trained network (version ``teacher_version``, saved beside ``out`` as
        ``<out>-teacher``) into a compact student (:func:`hssm_nre.training.distill.distill`,
        version ``version``), which is returned and saved to ``out`` (default: the recipe's).
    progress
        Progress bars.
    workers
        Train the members side by side in this many processes, each on one core (one XLA
        thread; the simulation's own workers as ``sim_config.n_jobs`` says), instead of one after
        another in this one: on a machine with two or more cores a two-member recipe takes
        about the time of one member. The members get the same seeds either way; the arithmetic
        can differ (thread count; and a fresh process has JAX's x64 mode off, which importing
        hssm turns on here). A registry model only (a custom simulator cannot be sent to
        another process).

    Returns
    -------
    Network

    Examples
    --------
    >>> net = train("ddm", SimConfig(n=20_000, n_jobs=1),
    ...             TrainConfig(hidden=(32, 32), max_epochs=1), progress=False)  # doctest: +SKIP
    >>> shipped_again = train("ddm", out="networks/ddm")  # the ddm recipe: about 70 min  # doctest: +SKIP
    """
    from hssm_nre.training.recipes import local_version, recipe

    spec = get_model(spec)
    if sim_config is None and cfg is None:
        rec = recipe(spec.name)
        sim_config, cfg = rec.sim, rec.train
        members = rec.members if members is None else members
    sim_config = sim_config or SimConfig()
    cfg = cfg or TrainConfig()
    version = local_version() if version is None else version
    members = 1 if members is None else members
    if members < 1:
        raise ValueError(f"members must be at least 1, got {members}")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    net_version = (teacher_version or f"{version}-teacher") if distill is not None else version
    configs = [
        (replace(sim_config, seed=sim_config.seed + k), replace(cfg, seed=cfg.seed + k))
        for k in range(members)
    ]
    if workers > 1 and members > 1:
        nets = _train_side_by_side(
            spec, configs, min(workers, members), name=name, version=net_version, progress=progress
        )
    else:
        nets = [
            _train_one(spec, sim_k, cfg_k, name=name, version=net_version, progress=progress)
            for sim_k, cfg_k in configs
        ]
    net = nets[0] if members == 1 else ensemble(nets, version=net_version, name=name)
    if distill is not None:
        from hssm_nre.training.distill import distill as _distill

        if out is not None:
            teacher_dir = Path(f"{Path(out)}-teacher")
            save(net, teacher_dir)
            plot_history(net, teacher_dir / "loss.png")
        net = _distill(net, distill, version=version, name=name, progress=progress)
    if out is not None:
        save(net, out)
        plot_history(net, Path(out) / "loss.png")
    return net


# One XLA thread per member process: the processes themselves use the cores. Only real XLA
# flags: XLA stops reading at a token without "--" (see hssm_nre.cores).
ONE_THREAD_XLA_FLAGS = "--xla_cpu_multi_thread_eigen=false"


def _train_side_by_side(
    spec: ModelSpec, configs: list, workers: int, *, name, version, progress: bool = True
) -> list[Network]:
    """Train one member per ``(sim_config, cfg)`` in ``workers`` spawned processes; networks in order.

    The processes run quietly; a bar here counts the members done.
    """
    import multiprocessing
    import os
    import tempfile
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from hssm_nre.models import MODELS
    from hssm_nre.progress import progress_bar
    from hssm_nre.store.artifact import load

    if MODELS.get(spec.name) is not spec:
        raise ValueError(
            f"workers > 1 trains the members in other processes, which need a registry model; "
            f"{spec.name!r} is a custom ModelSpec: train its members with workers=1"
        )
    before = os.environ.get("XLA_FLAGS")
    os.environ["XLA_FLAGS"] = f"{before or ''} {ONE_THREAD_XLA_FLAGS}".strip()  # the children's, at spawn
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool,
            progress_bar(progress) as bar,
        ):
            jobs = {
                pool.submit(_member_process, spec.name, sim_k, cfg_k, name, version, f"{tmp}/m{k}"): k
                for k, (sim_k, cfg_k) in enumerate(configs)
            }
            task = bar.add_task(
                f"{spec.name}: {len(configs)} members, {workers} side by side", total=len(configs)
            )
            paths = {}
            for job in as_completed(jobs):
                paths[jobs[job]] = job.result()
                bar.advance(task)
            return [load(paths[k]) for k in range(len(configs))]
    finally:
        if before is None:
            os.environ.pop("XLA_FLAGS", None)
        else:
            os.environ["XLA_FLAGS"] = before


def _member_process(model: str, sim_config: SimConfig, cfg: TrainConfig, name, version, out: str) -> str:
    """One member in a worker process (:func:`_train_side_by_side`), saved to ``out``."""
    net = _train_one(get_model(model), sim_config, cfg, name=name, version=version, progress=False)
    save(net, out)
    return out


def _train_one(
    spec: ModelSpec, sim_config: SimConfig, cfg: TrainConfig, *, name, version, progress
) -> Network:
    t0 = time.perf_counter()
    data = simulate(spec, sim_config, progress=progress)
    sim_s = time.perf_counter() - t0
    net = fit(spec, data, cfg, sim_config=sim_config, out=None, name=name, version=version, progress=progress)
    net.card["simulation"]["simulate_seconds"] = round(sim_s, 1)
    net.card["total_seconds"] = round(sim_s + net.card["training"]["train_seconds"], 1)
    return net
