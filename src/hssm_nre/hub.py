"""Where networks come from: a directory, the wheel, or a download (see :mod:`.download`)."""

from __future__ import annotations

import json
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
            f"`hssm-nre train {name}` and pass loglik=<directory>, or pass '{name}@<version>' to "
            "download a published one (`hssm-nre list` shows them)."
        )
    return path


def load_network(source: str | Path | Network) -> Network:
    """Resolve a network: a :class:`Network`, a directory, a shipped name or ``name@version``.

    A ``"name@version"`` that is not shipped in that version is downloaded (or taken
    from the cache) with :func:`hssm_nre.download.pull`.

    Examples
    --------
    >>> net = load_network("ddm")  # doctest: +SKIP
    >>> net = load_network("ddm@0.3.0")  # doctest: +SKIP
    """
    if isinstance(source, Network):
        return source
    p = Path(source)
    if p.is_dir():
        return load(p)
    name, _, version = str(source).partition("@")
    if name in shipped_networks():
        path = shipped_path(name)
        if not version or version == str(json.loads((path / "card.json").read_text()).get("version")):
            return load(path)
    elif not version:
        return load(shipped_path(name))  # raises: not shipped, and no version to download
    from .download import pull

    return load(pull(name, version))
