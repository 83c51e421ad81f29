"""Helpers shared by the training loop and distillation.

The learning-rate schedule, the package versions recorded in a card, and the loss-curve plot.
"""

from __future__ import annotations

import importlib.metadata as md
import math
from pathlib import Path

__all__ = ["lr_at", "plot_history"]


def lr_at(progress: float, peak: float, warmup: float = 0.02, floor: float = 0.01) -> float:
    """Learning rate at a share ``progress`` of the budget: linear warm-up, cosine decay.

    Examples
    --------
    >>> lr_at(0.0, 1e-3), lr_at(0.02, 1e-3), round(lr_at(1.0, 1e-3), 8)
    (0.0, 0.001, 1e-05)
    """
    progress = min(max(progress, 0.0), 1.0)
    if progress < warmup:
        return peak * progress / warmup
    c = 0.5 * (1 + math.cos(math.pi * (progress - warmup) / (1 - warmup)))
    return peak * (floor + (1 - floor) * c)


def _versions() -> dict[str, str]:
    out = {}
    for pkg in ("hssm-nre", "ssm-simulators", "jax", "optax", "numpy", "hssm"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def plot_history(net, path: str | Path) -> Path:
    """Save the training / validation loss curve of a network as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    h = net.card["history"]
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(h["epoch"], h["train_loss"], "o-", label="train")
    ax.plot(h["epoch"], h["val_loss"], "s-", label="validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"{net.card['method']['name']} loss")
    ax.set_title(f"{net.name}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)
