"""Figures of the validation report (likelihood landscapes, posterior overlays, SBC ranks).

Each function draws one PNG at ``path`` and returns it; :mod:`hssm_nre.validation.report`
names them ``<out>/figures/<model>_<name>.png`` and links them from the Markdown.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hssm_nre.store.artifact import Network
from hssm_nre.validation.metrics import analytic_ddm_logp
from hssm_nre.validation.sampling import posterior_draws

__all__ = ["overlay_draws", "plot_landscape", "plot_overlay", "plot_ranks"]


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_landscape(net: Network, path: Path, x_obs=(0.9, 1.0), fixed=None) -> Path:
    """Network log-density next to the exact one over (v, a) at a fixed observation."""
    from hssm_nre.net.logp import make_logp

    plt = _plt()
    fixed = fixed or {"z": 0.5, "t": 0.3}
    v, a = np.meshgrid(np.linspace(-3, 3, 90), np.linspace(0.3, 2.5, 70))
    th = np.column_stack([v.ravel(), a.ravel(), np.full(v.size, fixed["z"]), np.full(v.size, fixed["t"])])
    x = np.tile(x_obs, (len(th), 1))
    ours = np.asarray(make_logp(net)(th, x), np.float64).reshape(v.shape)
    exact = analytic_ddm_logp()(th, x).reshape(v.shape)
    gap = ours - exact
    keep = exact > exact.max() - 10
    gap_masked = np.where(keep, gap - np.median(gap[keep]), np.nan)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    panels = [
        (ours, "network log-density" if net.normalized else "network log-ratio", "viridis"),
        (exact, "exact log-likelihood (hssm analytic)", "viridis"),
        (gap_masked, "network - exact (centred; within 10 nats of max)", "RdBu_r"),
    ]
    for ax, (z, title, cmap) in zip(axes, panels, strict=True):
        kw = {}
        if cmap == "RdBu_r":
            lim = np.nanmax(np.abs(z))
            kw = {"vmin": -lim, "vmax": lim}
        else:
            kw = {"vmin": max(np.nanmin(z), exact.max() - 30), "vmax": exact.max() + 1}
        im = ax.pcolormesh(v, a, z, shading="auto", cmap=cmap, **kw)
        ax.set_xlabel("v")
        ax.set_ylabel("a")
        ax.set_title(title, fontsize=10)
        fig.colorbar(im, ax=ax)
    fig.suptitle(f"{net.name}: x = (rt={x_obs[0]}, response={x_obs[1]:+.0f}), z={fixed['z']}, t={fixed['t']}")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_overlay(idata_ratio, idata_exact, names, truth, path: Path, title: str) -> Path:
    """Marginal posteriors, ratio vs exact, with the true values."""
    a, b = posterior_draws(idata_ratio, names), posterior_draws(idata_exact, names)
    return overlay_draws(a, b, names, truth, path, title)


def overlay_draws(a, b, names, truth, path: Path, title: str, labels=("ratio", "analytic"), b_weights=None):
    """Histograms of two sets of draws per parameter (``b`` optionally weighted) and the truth."""
    plt = _plt()
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 2.8))
    for j, (ax, n) in enumerate(zip(axes, names, strict=True)):
        bins = np.linspace(min(a[:, j].min(), b[:, j].min()), max(a[:, j].max(), b[:, j].max()), 40)
        ax.hist(b[:, j], bins, weights=b_weights, density=True, alpha=0.5, label=labels[1])
        ax.hist(a[:, j], bins, density=True, histtype="step", lw=2, label=labels[0])
        if truth.get(n) is not None:
            ax.axvline(truth[n], color="k", ls="--", lw=1)
        ax.set_title(n)
    axes[0].legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_ranks(cal: pd.DataFrame, path: Path) -> Path:
    """SBC rank histograms (uniform when calibrated)."""
    plt = _plt()
    params = list(dict.fromkeys(cal["param"]))
    fig, axes = plt.subplots(1, len(params), figsize=(3 * len(params), 2.6))
    for ax, p in zip(np.atleast_1d(axes), params, strict=True):
        r = cal.loc[cal.param == p, "rank"]
        ax.hist(r, bins=10, range=(0, 1), edgecolor="w")
        ax.axhline(len(r) / 10, color="k", ls="--", lw=1)
        ax.set_title(p)
    fig.suptitle("simulation-based calibration: rank of the truth among posterior draws", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
