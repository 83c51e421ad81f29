"""Where networks come from: the ones shipped in the wheel (download support: see pull)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .artifact import Network, load

__all__ = ["shipped_networks", "shipped_path", "load_network"]


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
            f"`hssm-nre train {name}` and pass loglik=<directory>."
        )
    return path


def load_network(source: str | Path | Network) -> Network:
    """Resolve a network: a :class:`Network`, a directory, or a shipped network's name.

    Examples
    --------
    >>> net = load_network("ddm")  # doctest: +SKIP
    """
    if isinstance(source, Network):
        return source
    p = Path(source)
    if p.is_dir():
        return load(p)
    name = str(source).split("@", 1)[0]
    return load(shipped_path(name))
