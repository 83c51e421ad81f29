"""Where networks come from: a directory, the wheel, or a download (see :mod:`.download`)."""

from __future__ import annotations

import errno
import json
import os
import reprlib
from pathlib import Path

from hssm_nre.store.artifact import CARD, WEIGHTS, ArtifactError, Network, load
from hssm_nre.store.shipped import shipped_networks, shipped_path

__all__ = ["load_network"]


def load_network(source: str | os.PathLike | Network) -> Network:
    """Resolve a network: a :class:`Network`, a directory, a shipped name or ``name@version``.

    A ``"name@version"`` that is not shipped in that version is downloaded (or taken
    from the cache) with :func:`hssm_nre.store.download.pull`. A :class:`pathlib.Path`, or a
    string with a path separator or starting with ``.`` or ``~``, is always a directory. A bare
    string that is a shipped name or contains ``@`` (``"ddm"``, ``"ddm@0.6.0"``) is always a
    network name, even when a folder of that name is in the working directory (pass ``"./ddm"``
    to read that folder); any other bare string is a directory when one of that name exists.

    Raises
    ------
    TypeError
        When ``source`` is none of the above (e.g. an int).
    ArtifactError
        When a directory does not exist, is a file or a symlink loop, or is not a valid network.
    ValueError
        When a name is neither shipped nor published (a :class:`hssm_nre.store.download.DownloadError`
        when a download fails).

    Examples
    --------
    >>> net = load_network("ddm")  # doctest: +SKIP
    >>> net = load_network("ddm@0.6.0")  # the shipped version  # doctest: +SKIP
    >>> net = load_network("./my_nets/ddm")  # a directory  # doctest: +SKIP
    """
    if isinstance(source, Network):
        return source
    text = os.fspath(source) if isinstance(source, os.PathLike) else source
    if not isinstance(text, str):
        raise TypeError(
            f"expected a Network, a network directory (str or pathlib.Path), 'name' or "
            f"'name@version' (e.g. 'ddm' or 'ddm@0.6.0'), got {type(source).__name__} "
            f"{reprlib.repr(source)}; pass one of those, e.g. loglik='ddm'."
        )
    pathish = not isinstance(source, str) or _looks_like_path(text)
    p = Path(text)
    if pathish:
        try:
            p = p.expanduser()
        except RuntimeError:  # '~user' of an unknown user: report the path as given
            pass
    name_like = "@" in text or text in shipped_networks()
    if p.is_dir() and (pathish or not name_like):
        return load(p)
    _check_path(p, pathish=pathish, name_like=name_like)
    name, _, version = text.partition("@")
    shipped_version = None
    if name in shipped_networks():
        path = shipped_path(name)
        shipped_version = str(json.loads((path / "card.json").read_text()).get("version"))
        if not version or version == shipped_version:
            return load(path)
    elif not version:
        return load(shipped_path(name))  # raises: not shipped, and no version to download
    from hssm_nre.store.download import UnknownNetworkError, list_networks, pull

    try:
        return load(pull(name, version))
    except UnknownNetworkError as err:
        if shipped_version is None:
            raise
        raise unknown_version(name, version, shipped_version, list_networks()) from err


def unknown_version(name: str, version: str, shipped_version: str, rows: list[dict]) -> ValueError:
    """Return the error for ``name@version`` where ``name`` is shipped but not in that version."""
    from hssm_nre.store.download import UnknownNetworkError

    have = [f"{r['version']} ({r['where']})" for r in rows if r["name"] == name]
    return UnknownNetworkError(
        f"{name!r} has no version {version!r}; available: {', '.join(have)}. Pass "
        f"'{name}@{shipped_version}' (the shipped one, also just {name!r}), another available "
        f"version, or a directory trained with `hssm-nre train {name}`."
    )


_HOLDS = f"holding {CARD} and {WEIGHTS} (as `hssm-nre train MODEL --out DIR` writes)"


def _looks_like_path(text: str) -> bool:
    seps = {"/", "\\", os.sep} | ({os.altsep} if os.altsep else set())
    return any(sep in text for sep in seps) or text.startswith((".", "~"))


def _check_path(p: Path, *, pathish: bool, name_like: bool) -> None:
    """Raise :class:`ArtifactError` for a non-directory ``p`` that names something on disk.

    That is a symlink loop or a file (a file only when ``p`` is path-like or not a
    network name), or, for a path-like ``p``, nothing at all.
    """
    try:
        os.stat(p)
    except (OSError, ValueError) as err:  # ValueError: a NUL character in the path
        code = getattr(err, "errno", None)
        if code == errno.ELOOP:
            raise ArtifactError(
                f"{str(p)!r} cannot be resolved: it is a symlink loop (a link that points back to "
                f"itself, directly or through other links); pass the real directory {_HOLDS}."
            ) from err
        if not pathish:
            return
        if code not in (None, errno.ENOENT, errno.ENOTDIR):
            raise ArtifactError(
                f"network directory {str(p)!r} cannot be read ({err.strerror}); check its permissions "
                f"or pass another directory {_HOLDS}."
            ) from err
        where = "" if p.is_absolute() else f" (looked for {p.absolute()})"
        raise ArtifactError(
            f"network directory {str(p)!r} does not exist{where}; pass an existing directory "
            f"{_HOLDS}, a shipped name like 'ddm', or 'name@version'."
        ) from err
    if pathish or not name_like:
        raise ArtifactError(
            f"{str(p)!r} is a file, not a network directory; pass the directory that holds {CARD} "
            f"and {WEIGHTS} ({str(p.absolute().parent)!r})."
        )
