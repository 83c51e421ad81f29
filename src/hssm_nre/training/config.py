"""Training configuration: :class:`TrainConfig`, a frozen dataclass that checks itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from hssm_nre.models import ModelSpec
from hssm_nre.net.base import BASE_PARAMS, BASES
from hssm_nre.net.features import (
    TIME_FEATURES,
)

__all__ = ["TrainConfig"]


@dataclass(frozen=True)
class TrainConfig:
    """Training settings (all recorded in the card).

    Parameters
    ----------
    method
        ``"nce"`` (normalized, needs ``x = [rt, response]`` and a non-decision time) or
        ``"cnre"``; ``None`` picks ``"nce"`` when possible.
    hidden
        Hidden layer widths of the MLP.
    batch_size, learning_rate
        Adam with linear warm-up and cosine decay to 1 % of ``learning_rate``.
    max_epochs, patience
        Budget in epochs, and optional early stopping on the validation loss (``patience``
        epochs without a new best; ``None``, the default, runs the whole schedule, since the
        decaying learning rate keeps improving the fit to the end). The learning rate warms
        up, then decays by a cosine over the budget (epochs, or ``time_budget_s`` when that
        runs out first), and the weights of the best validation epoch are kept.
    val_fraction
        Share of simulations held out for validation.
    K, gamma
        CNRE contrast classes and weight.
    nu
        NCE reference draws per simulated pair.
    n_components
        Log-normal components per choice in the ``"marginal"`` NCE reference.
    reference
        NCE reference density: ``"learned"`` (a mixture-density head conditioned on theta,
        fitted by maximum likelihood; the ratio network learns the correction) or
        ``"marginal"`` (one fixed log-normal mixture per choice, pooled over the box).
    q_hidden, q_components
        Hidden widths and mixture components of the learned reference.
    base
        ``"none"``, or ``"ddm"``: the network learns the correction to the analytic DDM
        density at the model's ``v, a, z`` (for models that extend the DDM); the learned
        mixture is then only the NCE noise, and ``log p = f + log p_DDM``.
    time_features
        How the decision time enters the ratio network (:attr:`~hssm_nre.net.features.Transform.
        time_features`): ``("log",)``, or with ``"linear"`` and ``"inverse"`` time features
        that make the exponential tail and the leading edge of a first-passage density linear,
        and ``"boundary"`` (the share of a collapsing boundary left) for angle and weibull.
    log_params
        Parameters (positive ones) that enter the networks as their logarithm
        (:attr:`~hssm_nre.net.features.Transform.log_index`), e.g. all of the LBA's.
    hide_params
        Shape parameters of a collapsing boundary that do not enter the networks as inputs: the
        network sees them only through the ``"boundary"`` and ``"boundary_half"`` time features,
        so where the boundary has not moved by a trial's decision time they cannot move its
        density (weibull's ``alpha`` and ``beta``).
    mirror
        Use the model's choice symmetry (:attr:`ModelSpec.mirror`) when it has one: the
        networks learn the upper boundary and reflect the parameters for the lower one.
    seed
        Seed of initialization, shuffling and contrasts.
    time_budget_s
        Stop training (keeping the best weights) after this many seconds. A time budget
        makes the run depend on the machine's speed; ``max_steps`` does not.
    max_steps
        Budget in optimizer steps (bit-reproducible for a given seed and machine type).
    norm_weight
        Weight of the normalization penalty (:func:`~hssm_nre.training.losses.normalization_penalty`,
        an unbiased estimate of the squared mass error from the NCE reference draws) added to
        the NCE loss; 0 (the default) leaves plain NCE.
    ema
        Decay of an exponential moving average of the weights (0, the default: none). With
        ``ema = d`` the weights validated each epoch, kept as the best and saved are the
        average ``w_ema <- d w_ema + (1 - d) w`` over the steps (a time constant of about
        ``1 / (1 - d)`` steps) instead of the last step's, which averages out the optimizer's
        last wanderings along a flat valley floor.
    norm_clip
        Cap on the log-ratio inside the penalty (``clip`` of
        :func:`~hssm_nre.training.losses.normalization_penalty`). The pairwise estimate is not bounded
        below, so early in training a few reference draws with a large ratio can drive it
        (with 2M simulations and the default 8, seed 1 of angle and of weibull diverged to
        losses near 1e4 while seed 0 trained); a smaller cap bounds each pair to
        ``[-(e^c - 1), (e^c - 1)^2]``.
    """

    method: Literal["nce", "cnre"] | None = None
    hidden: tuple[int, ...] = (128, 128, 128, 128)
    batch_size: int = 1024
    learning_rate: float = 1e-3
    max_epochs: int = 20
    patience: int | None = None
    val_fraction: float = 0.05
    K: int = 5
    gamma: float = 1.0
    nu: int = 2
    n_components: int = 6
    reference: Literal["learned", "marginal"] = "learned"
    q_hidden: tuple[int, ...] = (128, 128, 128)
    q_components: int = 8
    base: Literal["none", "ddm"] = "none"
    time_features: tuple[str, ...] = ("log",)
    log_params: tuple[str, ...] = ()
    hide_params: tuple[str, ...] = ()
    mirror: bool = True
    seed: int = 0
    time_budget_s: float | None = None
    max_steps: int | None = None
    norm_weight: float = 0.0
    norm_clip: float = 8.0
    ema: float = 0.0

    def __post_init__(self) -> None:
        if self.method not in (None, "nce", "cnre"):
            raise ValueError(
                f"method must be 'nce' or 'cnre', got {self.method!r}; or leave it unset (None) for "
                "'nce' where the model allows it"
            )
        for field in ("hidden", "q_hidden"):
            widths = getattr(self, field)
            if not widths or any(not isinstance(h, (int, np.integer)) or h < 1 for h in widths):
                raise ValueError(
                    f"{field} must be positive integer layer widths such as (128, 128), got {widths}"
                )
        for field in ("batch_size", "max_epochs", "q_components", "n_components"):
            if not getattr(self, field) >= 1:
                raise ValueError(f"{field} must be at least 1, got {getattr(self, field)}")
        if self.max_steps is not None and not self.max_steps >= 1:
            raise ValueError(f"max_steps must be at least 1 (or None: no step budget), got {self.max_steps}")
        if self.time_budget_s is not None and not self.time_budget_s > 0:
            raise ValueError(f"time_budget_s must be > 0 (or None: no time budget), got {self.time_budget_s}")
        if self.patience is not None and not self.patience >= 1:
            raise ValueError(f"patience must be at least 1 (or None: no early stopping), got {self.patience}")
        if not 0.0 <= self.ema < 1.0:
            raise ValueError(f"ema must be in [0, 1) (0: no moving average of the weights), got {self.ema}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed}")
        unknown = [f for f in self.time_features if f not in TIME_FEATURES]
        if unknown or not self.time_features or self.time_features[0] != "log":
            raise ValueError(
                f"time_features must start with 'log' and come from {TIME_FEATURES}, got "
                f"{tuple(self.time_features)}"
                + (f" (unknown: {', '.join(map(repr, unknown))})" if unknown else "")
                + "; e.g. ('log', 'linear', 'inverse')"
            )
        if self.K < 1 or self.nu < 1 or self.gamma <= 0:
            raise ValueError(f"need K >= 1, nu >= 1, gamma > 0; got {self.K}, {self.nu}, {self.gamma}")
        if self.reference not in ("learned", "marginal"):
            raise ValueError(f"reference must be 'learned' or 'marginal', got {self.reference!r}")
        if self.base not in BASES:
            raise ValueError(f"base must be one of {BASES}, got {self.base!r}")
        if self.base != "none" and (self.method == "cnre" or self.reference != "learned"):
            raise ValueError("a base density needs method='nce' with reference='learned'")
        if not self.norm_weight >= 0 or (self.norm_weight > 0 and (self.method == "cnre" or self.nu < 2)):
            raise ValueError(
                f"norm_weight must be >= 0, and > 0 only with method 'nce' and nu >= 2; got "
                f"{self.norm_weight}, method {self.method!r}, nu {self.nu}"
            )
        if not self.norm_clip > 0:
            raise ValueError(f"norm_clip must be > 0, got {self.norm_clip}")
        if not 0 < self.val_fraction < 0.5:
            raise ValueError(f"val_fraction must be in (0, 0.5), got {self.val_fraction}")


def _resolve_method(spec: ModelSpec, cfg: TrainConfig) -> str:
    # [rt, response] observations; without a non-decision time the decision time is the rt
    rt_model = spec.obs_dim == 2 and len(spec.choices) >= 2
    continuous = not spec.choices and spec.ndt is None
    can_nce = rt_model or (continuous and cfg.reference == "learned")
    if cfg.base != "none":
        missing = [p for p in (*BASE_PARAMS, "t") if p not in spec.params]
        if not rt_model or spec.ndt is None or missing:
            raise ValueError(
                f"base={cfg.base!r} needs a reaction-time model with parameters v, a, z, t; "
                f"model {spec.name!r} has {spec.params}"
            )
    if cfg.method is None:
        return "nce" if can_nce else "cnre"
    if cfg.method == "nce" and not can_nce:
        raise ValueError(
            f"method='nce' needs observations [rt, response] with a non-decision time, or continuous "
            f"observations with reference='learned'; model {spec.name!r} has ndt={spec.ndt!r}, "
            f"choices={spec.choices}. Use method='cnre'."
        )
    return cfg.method
