"""The networks shipped in the wheel (``hssm_nre/networks/<model>/``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["shipped_networks", "shipped_path"]


def _shipped_root() -> Path:
    return Path(str(resources.files("hssm_nre") / "networks"))


def shipped_networks() -> dict[str, str]:
    """``{model: directory name}`` of the networks shipped with the package."""
    root = _shipped_root()
    return {p.name: p.name for p in sorted(root.iterdir()) if (p / "card.json").is_file()}


def shipped_path(name: str) -> Path:
    """Directory of a shipped network."""
    path = _shipped_root() / name
    if not (path / "card.json").is_file():
        have = sorted(shipped_networks())
        raise ValueError(
            f"no shipped network named {name!r}; shipped: {have}. Train one with "
            f"`hssm-nre train {name}` and pass loglik=<directory>, or pass '{name}@<version>' to "
            "download a published one (`hssm-nre list` shows them)."
        )
    return path
