"""Pretrained networks from the web: pinned by sha256, cached, usable offline.

A *manifest* (``manifest.json``, shipped in the package) lists the published networks::

    {"schema_version": 1,
     "base_url": "https://.../networks",
     "networks": {"<name>": {"<version>": {
         "files": {"card.json": {"sha256": "...", "size": 123},
                   "weights.safetensors": {"sha256": "...", "size": 456}},
         "metrics": {...}}}}}

The files of ``name@version`` live at ``<base_url>/<name>/<version>/<file>``.
:func:`pull` downloads them into ``<cache>/<name>/<version>/``; every file is checked
against its sha256 before it is moved into the cache, so a truncated, damaged or
tampered download never lands there. :func:`publish` produces the files and the
manifest entry of a trained network.

Every network name and version, whether passed in, read from a manifest or from a card,
must be a single safe path component (letters, digits, ``.``, ``_``, ``+``, ``-``; no
``..``), and every target is checked to lie inside the cache before anything is written.

Settings (an argument always wins over the environment):

``HSSM_NRE_CACHE``
    Cache directory (default: ``platformdirs.user_cache_dir("hssm-nre")``).
``HSSM_NRE_BASE_URL``
    Where the files are served (default: the manifest's ``base_url``).
``HSSM_NRE_OFFLINE``
    ``1`` to never touch the network: only cached networks are used.
``HSSM_NRE_MANIFEST``
    Path of a manifest to use instead of the shipped one.

Importing this module does no I/O.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from hssm_nre.store.artifact import CARD, WEIGHTS, ArtifactError, load, sha256_file

logger = logging.getLogger(__name__)

__all__ = [
    "CacheError",
    "DownloadError",
    "DownloadTimeoutError",
    "HashMismatchError",
    "InvalidNameError",
    "ManifestError",
    "NotFoundError",
    "OfflineError",
    "UnknownNetworkError",
    "get_base_url",
    "get_cache_dir",
    "is_offline",
    "list_networks",
    "load_manifest",
    "publish",
    "pull",
]

MANIFEST_SCHEMA = 1
FILES = (CARD, WEIGHTS)
ENV_CACHE = "HSSM_NRE_CACHE"
ENV_BASE_URL = "HSSM_NRE_BASE_URL"
ENV_OFFLINE = "HSSM_NRE_OFFLINE"
ENV_MANIFEST = "HSSM_NRE_MANIFEST"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,99}")  # one path component, nothing special
_PART_RULE = (
    "1 to 100 letters, digits, '.', '_', '+' or '-', starting with a letter or digit and "
    "without '..' (e.g. 'ddm' and '0.1.0')"
)
_CACHE_FIX = f"choose another cache with cache_dir= (--cache-dir) or ${ENV_CACHE}"
_OFFLINE_FIX = f"go online (unset {ENV_OFFLINE}, drop --offline) or pass a network directory instead"


class DownloadError(ValueError):
    """A network could not be downloaded (base class of the errors below)."""


class UnknownNetworkError(DownloadError):
    """The name or version is in neither the manifest nor the cache."""


class NotFoundError(DownloadError):
    """The server answered HTTP 404 for a network file."""


class HashMismatchError(DownloadError):
    """A downloaded file does not have the expected sha256."""


class DownloadTimeoutError(DownloadError):
    """The server did not answer within the timeout."""


class OfflineError(DownloadError):
    """Offline mode is on and the network is not in the cache."""


class ManifestError(DownloadError):
    """The manifest (or a manifest-style entry) is malformed."""


class InvalidNameError(DownloadError):
    """A network name or version is not a safe path component (e.g. ``../x`` or ``/tmp/x``)."""


class CacheError(DownloadError):
    """The cache directory cannot hold the network (not a directory, not writable)."""


# --------------------------------------------------------------------------- settings


def get_cache_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """Return the cache directory: ``cache_dir`` > ``$HSSM_NRE_CACHE`` > the user cache dir.

    The directory is not created.

    Examples
    --------
    >>> get_cache_dir("/tmp/nets")
    PosixPath('/tmp/nets')
    """
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get(ENV_CACHE)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("hssm-nre"))


def is_offline(offline: bool | None = None) -> bool:
    """Return the offline mode: ``offline`` if given, else ``$HSSM_NRE_OFFLINE`` is ``1``/``true``.

    Examples
    --------
    >>> is_offline(True)
    True
    """
    if offline is not None:
        return bool(offline)
    return os.environ.get(ENV_OFFLINE, "").strip().lower() in {"1", "true", "yes", "on"}


def get_base_url(base_url: str | None = None, manifest: dict | str | os.PathLike | None = None) -> str:
    """Return the base URL: ``base_url`` > ``$HSSM_NRE_BASE_URL`` > the manifest's ``base_url``.

    Examples
    --------
    >>> get_base_url("https://example.org/nets/")
    'https://example.org/nets'
    """
    url = base_url or os.environ.get(ENV_BASE_URL) or load_manifest(manifest)["base_url"]
    return str(url).rstrip("/")


def load_manifest(manifest: dict | str | os.PathLike | None = None) -> dict:
    """Read and check a manifest: a dict, a JSON file, ``$HSSM_NRE_MANIFEST`` or the shipped one.

    Raises
    ------
    ManifestError
        When the file is not valid JSON or not of schema version 1.

    Examples
    --------
    >>> sorted(load_manifest({"schema_version": 1, "base_url": "https://x", "networks": {}}))
    ['base_url', 'networks', 'schema_version']
    """
    if manifest is None:
        manifest = os.environ.get(ENV_MANIFEST) or None
    if manifest is None:
        where = "the shipped manifest.json"
        text = (resources.files("hssm_nre") / "manifest.json").read_text()
    elif isinstance(manifest, dict):
        where, text = "the manifest dict", None
    else:
        where = str(manifest)
        try:
            text = Path(manifest).read_text()
        except OSError as err:
            raise ManifestError(
                f"cannot read the manifest {where!r} ({err}); expected a JSON file. "
                f"Fix the path (argument or ${ENV_MANIFEST}) or unset ${ENV_MANIFEST}."
            ) from err
    if text is not None:
        try:
            manifest = json.loads(text)
        except json.JSONDecodeError as err:
            raise ManifestError(f"{where} is not valid JSON ({err}); fix or replace the file") from err
    if not isinstance(manifest, dict):
        raise ManifestError(f"{where} must hold a JSON object, got {type(manifest).__name__}")
    if manifest.get("schema_version") != MANIFEST_SCHEMA:
        raise ManifestError(
            f"{where} has schema_version {manifest.get('schema_version')!r}; this hssm-nre reads "
            f"schema {MANIFEST_SCHEMA}. Upgrade hssm-nre or use a matching manifest."
        )
    if not isinstance(manifest.get("networks"), dict) or not isinstance(manifest.get("base_url"), str):
        raise ManifestError(
            f'{where} needs a "base_url" string and a "networks" object '
            f"{{name: {{version: entry}}}}; got keys {sorted(manifest)}"
        )
    fix = f"fix the manifest or use a trusted one (argument or ${ENV_MANIFEST})"
    for name, versions in manifest["networks"].items():
        _check_part(name, "name", f"in {where}", fix, ManifestError)
        if not isinstance(versions, dict):
            raise ManifestError(
                f"{where} lists network {name!r} as a {type(versions).__name__}, expected an object "
                f"{{version: entry}}; {fix}."
            )
        for version in versions:
            _check_part(version, "version", f"of {name!r} in {where}", fix, ManifestError)
    hub = manifest.get("hub", {})
    if not isinstance(hub, dict) or not isinstance(hub.get("endpoint", ""), str):
        raise ManifestError(f'{where}: "hub" must be an object {{"endpoint": URL, "repos": {{name: repo}}}}')
    from hssm_nre.store.hf import check_repo_id

    for name, repo in (hub.get("repos") or {}).items():
        _check_part(name, "name", f"in the hub repos of {where}", fix, ManifestError)
        check_repo_id(repo, f"for {name!r} in {where}", ManifestError)
    return manifest


# ---------------------------------------------------------------------------- helpers


def _split(name: str, version: str | None) -> tuple[str, str | None]:
    if not isinstance(name, str):
        raise TypeError(f"name must be a string like 'ddm' or 'ddm@0.1.0', got {type(name).__name__}")
    base, at, ver = name.partition("@")
    if at and not ver:
        raise ValueError(f"{name!r} has an empty version after '@'; write 'name@version' or just 'name'")
    if at and version is not None and version != ver:
        raise ValueError(f"{name!r} names version {ver!r} but version={version!r} was passed; give one")
    if version is not None and not isinstance(version, str):
        raise TypeError(f"version must be a string like '0.1.0', got {type(version).__name__} {version!r}")
    base, version = base.strip(), (ver or version)
    fix = "pass a name like 'ddm' or 'ddm@0.1.0'"
    _check_part(base, "name", f"in {name!r}" if name != base else "", fix)
    if version is not None:
        _check_part(version, "version", f"in {name!r}" if at else "", fix)
    return base, version


def _check_part(
    part: Any, what: str, where: str, fix: str, error: type[DownloadError] = InvalidNameError
) -> str:
    """Return ``part`` if it is a safe network name or version (one path component), else raise.

    Parameters
    ----------
    part
        The name or version to check.
    what
        ``"name"`` or ``"version"``, for the message.
    where
        Where ``part`` comes from, e.g. ``"in the manifest dict"``.
    fix
        How to fix it, for the message.
    error
        The exception class raised.

    Raises
    ------
    InvalidNameError
        (or ``error``) When ``part`` is not a string of :data:`_PART` or holds ``..``.
    """
    if not isinstance(part, str) or not _PART.fullmatch(part) or ".." in part:
        where = f" {where}" if where else ""
        raise error(f"invalid network {what} {part!r}{where}: expected {_PART_RULE}; {fix}.")
    return part


def _inside(root: Path, target: Path, what: str) -> None:
    """Raise unless ``target`` resolves to a path strictly inside ``root`` (resolved)."""
    try:
        real_root, real = root.resolve(), target.resolve()
    except (OSError, RuntimeError) as err:  # a symlink loop in the cache
        raise CacheError(f"cannot resolve {target} in the {what} {root} ({err}); {_CACHE_FIX}.") from err
    if real == real_root or not real.is_relative_to(real_root):
        raise InvalidNameError(
            f"refusing to write {target}: it resolves to {real}, outside the {what} {real_root}; "
            "the network name or version is unsafe, use a trusted manifest or network."
        )


def _check_http(url: str, what: str, source: str) -> None:
    """Raise unless ``url`` is an http:// or https:// URL (before anything is downloaded)."""
    if not url.lower().startswith(("http://", "https://")):
        raise DownloadError(
            f"{what} {url!r} ({source}) is not supported: only http:// and https:// {what}s are "
            f"supported; fix {source}, or pass a network directory (loglik=DIR or load_network(DIR)) "
            "for local files."
        )


def _prepare_cache(cache: Path, target: Path) -> None:
    """Raise :class:`CacheError` when ``target`` cannot be made a directory in ``cache``."""
    if cache.exists() and not cache.is_dir():
        raise CacheError(
            f"the cache directory {cache} is a file, not a directory; {_CACHE_FIX}, or move the file away."
        )
    for d in (target.parent, target):
        if d.exists() and not d.is_dir():
            raise CacheError(f"the cache path {d} is a file, not a directory; remove it or {_CACHE_FIX}.")


def _cache_write_error(cache: Path, err: OSError) -> CacheError:
    reason = f"{err.strerror}: {err.filename}" if err.strerror and err.filename else str(err)
    return CacheError(f"cannot write to the cache {cache} ({reason}); {_CACHE_FIX}.")


def _version_key(v: str) -> tuple:
    from packaging.version import InvalidVersion, Version

    try:
        return (1, Version(v), v)
    except InvalidVersion:
        return (0, v, v)


def _expected_files(spec: Any, where: str) -> dict[str, dict]:
    """``{file: {"sha256", "size"}}`` from a manifest entry or a ``{file: sha256}`` dict."""
    if not isinstance(spec, dict):
        raise TypeError(
            f"sha256 for {where} must be a dict {{'card.json': hex, 'weights.safetensors': hex}} "
            f"or a manifest entry {{'files': {{...}}}}, got {type(spec).__name__}"
        )
    files = spec.get("files", spec)
    out = {}
    for fname in FILES:
        item = files.get(fname) if isinstance(files, dict) else None
        digest = item.get("sha256") if isinstance(item, dict) else item
        size = item.get("size") if isinstance(item, dict) else None
        if not isinstance(digest, str) or not _HEX64.fullmatch(digest.lower()):
            raise ManifestError(
                f"{where}: expected a 64-character hex sha256 for {fname}, got {digest!r}. "
                "Use the entry written by `hssm-nre publish`."
            )
        out[fname] = {"sha256": digest.lower(), "size": size}
    return out


def _file_ok(path: Path, exp: dict) -> bool:
    if not path.is_file():
        return False
    if exp.get("size") is not None and path.stat().st_size != exp["size"]:
        return False
    return sha256_file(path) == exp["sha256"]


def _cached_versions(cache: Path, name: str) -> list[str]:
    d = cache / name
    if not d.is_dir():
        return []
    found = [p.name for p in d.iterdir() if not p.name.startswith(".") and _complete(p)]
    return sorted(found, key=_version_key)


def _complete(d: Path) -> bool:
    return all((d / f).is_file() for f in FILES)


def _shipped_names() -> list[str]:
    from hssm_nre.store.shipped import shipped_networks

    try:
        return list(shipped_networks())
    except OSError:
        return []


def _download(url: str, dest: Path, *, progress: bool, timeout: float) -> None:
    """Stream ``url`` into ``dest`` with pooch; translate requests' errors."""
    import importlib.util

    import pooch
    import requests

    responses = []  # pooch leaves the response open on errors: close it ourselves

    def track(response, *args, **kwargs):
        responses.append(response)

    bar = bool(progress) and importlib.util.find_spec("tqdm") is not None
    downloader = pooch.HTTPDownloader(progressbar=bar, timeout=timeout, hooks={"response": [track]})
    logger.info("downloading %s", url)
    try:
        try:
            downloader(url, str(dest), None)
        finally:
            for response in responses:
                response.close()
    except requests.exceptions.HTTPError as err:
        status = err.response.status_code if err.response is not None else "error"
        if status == 404:
            raise NotFoundError(
                f"{url} answered HTTP 404 (not found): the file is not on the server. Check the "
                f"name, version and base URL (argument or ${ENV_BASE_URL}), or update hssm-nre."
            ) from err
        raise DownloadError(f"{url} answered HTTP {status}; expected 200. Try again later.") from err
    except requests.exceptions.Timeout as err:
        raise DownloadTimeoutError(_timeout_msg(url, timeout)) from err
    except requests.exceptions.ConnectionError as err:
        if "timed out" in str(err).lower():  # a read timeout while streaming the body
            raise DownloadTimeoutError(_timeout_msg(url, timeout)) from err
        raise DownloadError(
            f"could not download {url}: {err}. Check the connection and the base URL, or set "
            f"{ENV_OFFLINE}=1 to use cached networks only."
        ) from err
    except requests.exceptions.RequestException as err:
        raise DownloadError(
            f"the download of {url} was interrupted ({type(err).__name__}: {err}); expected the "
            "whole file. Nothing was written to the cache; try again."
        ) from err


def _timeout_msg(url: str, timeout: float) -> str:
    return (
        f"{url} did not answer within the timeout of {timeout} s. Try again, pass a larger "
        "timeout, or check the connection."
    )


def _hub_source(
    repo_id: str, revision: str, endpoint: str, *, timeout: float, progress: bool
) -> tuple[str, Callable[[str, Path], str]]:
    """Return ``(label, get)``; ``get(fname, dest)`` downloads ``fname`` of ``repo_id`` at ``revision``.

    Errors come as this module's errors (404, timeout, other HTTP); the sha256 check is the caller's.
    """
    label = f"{endpoint}/{repo_id}@{revision}"

    def get(fname: str, dest: Path) -> str:
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import HfHubHTTPError, RemoteEntryNotFoundError, RepositoryNotFoundError
        from huggingface_hub.errors import RevisionNotFoundError as NoRevision

        url = f"{endpoint}/{repo_id}/resolve/{revision}/{fname}"
        scratch = Path(tempfile.mkdtemp(dir=dest.parent, prefix=".hub-"))
        try:
            got = hf_hub_download(
                repo_id,
                fname,
                revision=revision,
                local_dir=scratch,
                endpoint=endpoint,
                etag_timeout=timeout,
                force_download=True,
                tqdm_class=None if progress else _NoBar,
            )
            os.replace(got, dest)
        except Exception as err:
            causes = _causes(err)
            if any(
                isinstance(e, (RemoteEntryNotFoundError, RepositoryNotFoundError, NoRevision)) for e in causes
            ):
                raise NotFoundError(
                    f"{url} was not found (HTTP 404): the repository, the pinned revision or the file is not "
                    "on the hub. Check the manifest entry (repo_id, revision) and the endpoint (endpoint= or "
                    "$HF_ENDPOINT)."
                ) from err
            if any("Timeout" in type(e).__name__ for e in causes):
                raise DownloadTimeoutError(_timeout_msg(url, timeout)) from err
            if isinstance(err, (HfHubHTTPError, OSError, ValueError)):  # incl. LocalEntryNotFoundError
                raise DownloadError(
                    f"could not download {url}: {type(err).__name__}: {err}. Check the connection and the "
                    f"endpoint, or set {ENV_OFFLINE}=1 to use cached networks only."
                ) from err
            raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return url

    return label, get


class _NoBar:
    """A do-nothing progress bar (``tqdm_class`` when ``progress=False``)."""

    def __init__(self, *args, **kwargs):
        pass

    def update(self, *args, **kwargs):
        pass

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _causes(err: BaseException) -> list[BaseException]:
    """``err`` and the exceptions it was raised from or while handling (huggingface_hub wraps its own)."""
    out: list[BaseException] = []
    while err is not None and err not in out and len(out) < 10:
        out.append(err)
        err = err.__cause__ or err.__context__
    return out


def _fetch(
    base: str,
    target: Path,
    expected: dict[str, dict],
    *,
    identity: tuple[str, str] | None,
    progress: bool,
    timeout: float,
    cache: Path,
    get=None,
) -> None:
    """Download into a staging directory, verify every file and the network, then land it.

    ``get(fname, dest)`` downloads one file and returns its URL (default: ``<base>/<fname>`` over
    HTTP; a hub location passes :func:`_hub_source`'s).
    """
    if get is None:

        def get(fname: str, dest: Path) -> str:
            _download(f"{base}/{fname}", dest, progress=progress, timeout=timeout)
            return f"{base}/{fname}"

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part"))
    except OSError as err:
        raise _cache_write_error(cache, err) from err
    try:
        for fname in FILES:
            dest, exp = staging / fname, expected[fname]
            if _file_ok(target / fname, exp):  # already cached and intact
                shutil.copyfile(target / fname, dest)
                continue
            url = get(fname, dest)
            actual, size = sha256_file(dest), dest.stat().st_size
            if actual != exp["sha256"]:
                sizes = f"{size} bytes" + (f", expected {exp['size']}" if exp.get("size") is not None else "")
                raise HashMismatchError(
                    f"{url} does not match its pinned sha256: expected {exp['sha256']}, got {actual} "
                    f"({sizes}). The download is damaged or the file on the server changed; nothing "
                    "was written to the cache. Try again, or check the manifest / sha256 you passed."
                )
        try:
            net = load(staging)
        except ArtifactError as err:
            raise DownloadError(
                f"the files from {base} match their sha256 but are not a valid network ({err}); "
                "the published network or the hashes you passed are wrong."
            ) from err
        if identity is not None and (str(net.card.get("name")), str(net.card.get("version"))) != identity:
            raise DownloadError(
                f"{base} holds network {net.name}, but the manifest lists it as {'@'.join(identity)}; "
                "the manifest is wrong. Republish with `hssm-nre publish`."
            )
        try:
            target.mkdir(exist_ok=True)
            for fname in (WEIGHTS, CARD):  # the card last: a directory with a card is complete
                os.replace(staging / fname, target / fname)
        except OSError as err:
            raise _cache_write_error(cache, err) from err
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# ------------------------------------------------------------------------------- pull


def pull(
    name: str,
    version: str | None = None,
    *,
    cache_dir: str | os.PathLike | None = None,
    base_url: str | None = None,
    url: str | None = None,
    sha256: dict | None = None,
    manifest: dict | str | os.PathLike | None = None,
    offline: bool | None = None,
    progress: bool = True,
    timeout: float = 30,
    endpoint: str | None = None,
) -> Path:
    """Download a published network (or find it in the cache) and return its directory.

    Parameters
    ----------
    name
        Network name, or ``"name@version"``.
    version
        Version; default: the newest one in the manifest (for a name that is not in
        the manifest: the newest cached one).
    cache_dir
        Cache directory (default: ``$HSSM_NRE_CACHE`` or the user cache directory).
    base_url
        Where the manifest's files are served (default: ``$HSSM_NRE_BASE_URL`` or the
        manifest's ``base_url``); files are at ``<base_url>/<name>/<version>/<file>``.
    url
        Instead of the manifest: the URL of a directory holding ``card.json`` and
        ``weights.safetensors``. Needs ``version`` and ``sha256``.
    sha256
        With ``url``: ``{"card.json": hex, "weights.safetensors": hex}`` or a manifest
        entry ``{"files": {...}}``.
    manifest
        Manifest dict or JSON path (default: ``$HSSM_NRE_MANIFEST`` or the shipped one).
    offline
        Never touch the network (default: ``$HSSM_NRE_OFFLINE``).
    progress
        Show a progress bar while downloading.
    timeout
        Seconds to wait for the server (connection and each read).
    endpoint
        For a version published on a Hugging Face Hub repository (a ``hub`` entry: repository and
        pinned commit): the hub to ask (default: ``$HF_ENDPOINT``, the manifest's ``hub.endpoint``
        or https://huggingface.co).

    Returns
    -------
    Path
        ``<cache>/<name>/<version>/``, verified with :func:`hssm_nre.store.artifact.load`.

    Raises
    ------
    UnknownNetworkError
        Name or version neither in the manifest nor in the cache.
    NotFoundError, HashMismatchError, DownloadTimeoutError, DownloadError
        The download failed; nothing was written to the cache.
    OfflineError
        Offline mode is on and the network is not cached.

    Examples
    --------
    >>> from hssm_nre.store.artifact import load
    >>> net = load(pull("ddm@0.1.0"))  # doctest: +SKIP
    >>> pull("ddm", "0.1.0", url="https://example.org/ddm", sha256={  # doctest: +SKIP
    ...     "card.json": "ab12...", "weights.safetensors": "cd34..."})
    """
    name, version = _split(name, version)
    cache = get_cache_dir(cache_dir)
    offline = is_offline(offline)
    expected: dict[str, dict] | None = None
    hub: dict | None = None
    unknown: UnknownNetworkError | None = None
    check_identity = False
    if url is not None:
        if version is None:
            raise TypeError(f"pull({name!r}, url=...) needs a version: pass 'name@version' or version=")
        if sha256 is None:
            raise TypeError(
                f"pull(url={url!r}) needs sha256={{'card.json': hex, 'weights.safetensors': hex}} "
                "(or a manifest entry) so the download can be verified"
            )
        _check_http(url, "URL", "url=")
        expected = _expected_files(sha256, url)
        base = url.rstrip("/")
        root, root_source = base, "url="
    else:
        if sha256 is not None:
            raise TypeError("sha256= only goes with url=; manifest networks carry their own hashes")
        man = load_manifest(manifest)
        entries = man["networks"].get(name)
        cached = _cached_versions(cache, name)
        if entries is None:
            if version is None and cached:
                version = cached[-1]
            if version is None or version not in cached:
                known = sorted(set(man["networks"]) | set(_shipped_names()) | _cached_names(cache))
                close = difflib.get_close_matches(name, known, n=3)
                hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
                shipped = ""
                if name in _shipped_names():
                    shipped = f" {name!r} is shipped with the package: use load_network({name!r})."
                unknown = UnknownNetworkError(
                    f"no published network named {name!r}; known: {known or 'none'}.{hint}{shipped} "
                    "Pass url= and sha256= to download a network that is not in the manifest."
                )
        else:
            versions = sorted(entries, key=_version_key)
            version = version or versions[-1]
            if version in entries:
                expected = _expected_files(entries[version], f"manifest entry {name}@{version}")
                check_identity = True
                if "hub" in entries[version]:
                    hub = entries[version]["hub"]
            elif version not in cached:
                unknown = UnknownNetworkError(
                    f"{name} has no version {version!r}; available: {versions}"
                    + (f" (cached: {cached})" if cached else "")
                    + f". Pass one of them, e.g. '{name}@{versions[-1]}'."
                )
        root = get_base_url(base_url, man)
        root_source = (
            "base_url="
            if base_url
            else f"${ENV_BASE_URL}"
            if os.environ.get(ENV_BASE_URL)
            else "the manifest's base_url"
        )
        base = f"{root}/{name}/{version}"
    if unknown is not None:
        raise unknown
    get = None
    if hub is not None:  # a Hugging Face repository at a pinned commit
        from hssm_nre.store.hf import check_hub, get_endpoint

        check_hub(hub, f"of {name}@{version} in the manifest", ManifestError)
        endpoint = get_endpoint(endpoint, man)
        root, root_source = endpoint, "endpoint= / $HF_ENDPOINT / the manifest's hub.endpoint"
        base, get = _hub_source(hub["repo_id"], hub["revision"], endpoint, timeout=timeout, progress=progress)
    target = cache / name / str(version)
    _inside(cache, target, "cache")

    if _complete(target) and (expected is None or all(_file_ok(target / f, expected[f]) for f in FILES)):
        load(target)
        mode = "offline mode: " if offline else ""
        logger.info("%susing cached %s@%s from %s", mode, name, version, target)
        return target
    if offline:
        if _complete(target):
            state = f"is in the cache {cache} but does not match its pinned sha256"
        else:
            state = f"is not in the cache {cache}"
        have = _cached_versions(cache, name)
        raise OfflineError(
            f"network {name}@{version} {state}, and offline mode is on"
            f"{f' (cached versions: {have})' if have else ''}: {_OFFLINE_FIX}."
        )
    assert expected is not None
    if root_source != "url=":
        _check_http(root, "base URL", root_source)
    _prepare_cache(cache, target)
    identity = (name, str(version)) if check_identity else None
    _fetch(
        base, target, expected, identity=identity, progress=progress, timeout=timeout, cache=cache, get=get
    )
    load(target)
    logger.info("downloaded %s@%s to %s", name, version, target)
    return target


def _cached_names(cache: Path) -> set[str]:
    if not cache.is_dir():
        return set()
    return {p.name for p in cache.iterdir() if p.is_dir() and _cached_versions(cache, p.name)}


# --------------------------------------------------------------------- list / publish


def _read_card(d: Path) -> dict | None:
    try:
        card = json.loads((d / CARD).read_text())
    except (OSError, ValueError) as err:
        logger.warning("skipping %s: unreadable card (%s)", d, err)
        return None
    return card if isinstance(card, dict) else None


def list_networks(
    cache_dir: str | os.PathLike | None = None, *, manifest: dict | str | os.PathLike | None = None
) -> list[dict]:
    """Shipped, cached and published (remote) networks.

    Cards are read, not verified (that happens on load). A network that is both
    cached and published appears once per place.

    Returns
    -------
    list of dict
        ``{"name", "version", "where", "location", "metrics"}`` sorted by name and
        version; ``where`` is ``"shipped"``, ``"cached"`` or ``"remote"`` and
        ``location`` a directory or a URL.

    Examples
    --------
    >>> [n["where"] for n in list_networks()]  # doctest: +SKIP
    ['shipped', 'cached', 'remote']
    """
    from hssm_nre.store.shipped import shipped_path

    rows = []
    for dirname in _shipped_names():
        d = shipped_path(dirname)
        card = _read_card(d)
        if card is not None:
            rows.append(_row(card.get("name", dirname), card.get("version"), "shipped", d, card))
    cache = get_cache_dir(cache_dir)
    for name in sorted(_cached_names(cache)):
        for version in _cached_versions(cache, name):
            card = _read_card(cache / name / version)
            if card is not None:
                rows.append(_row(name, version, "cached", cache / name / version, card))
    man = load_manifest(manifest)
    base = get_base_url(None, man)
    for name, versions in man["networks"].items():
        for version, entry in versions.items():
            metrics = entry.get("metrics", {}) if isinstance(entry, dict) else {}
            rows.append(
                {
                    "name": name,
                    "version": version,
                    "where": "remote",
                    "location": _location(base, man, name, version, entry),
                    "metrics": metrics,
                }
            )
    order = {"shipped": 0, "cached": 1, "remote": 2}
    return sorted(rows, key=lambda r: (r["name"], _version_key(str(r["version"])), order[r["where"]]))


def _location(base: str, man: dict, name: str, version: str, entry: Any) -> str:
    hub = entry.get("hub") if isinstance(entry, dict) else None
    if not isinstance(hub, dict):
        return f"{base}/{name}/{version}"
    from hssm_nre.store.hf import get_endpoint

    return f"{get_endpoint(None, man)}/{hub.get('repo_id')}@{hub.get('revision')}"


def _row(name: str, version: Any, where: str, path: Path, card: dict) -> dict:
    metrics = card.get("validation") or {}
    return {"name": name, "version": str(version), "where": where, "location": str(path), "metrics": metrics}


def publish(
    directory: str | os.PathLike,
    out_dir: str | os.PathLike,
    base_url: str | None = None,
    *,
    hub: str | None = None,
    token: str | None = None,
    endpoint: str | None = None,
) -> dict:
    """Lay out a trained network for upload and write its manifest entry.

    The network in ``directory`` is verified, its files are copied to
    ``<out_dir>/<name>/<version>/`` (upload that tree under ``base_url``) and the
    entry is written to ``<out_dir>/manifest-entry.json``. The entry is itself a
    one-network manifest: merge its ``networks`` into ``manifest.json`` to publish, or
    point ``$HSSM_NRE_MANIFEST`` at it to try it.

    Parameters
    ----------
    directory
        A network directory (``card.json`` + ``weights.safetensors``).
    out_dir
        Where to write the upload tree and ``manifest-entry.json``.
    base_url
        Where the tree will be served (default: ``$HSSM_NRE_BASE_URL`` or the shipped
        manifest's ``base_url``).
    hub
        A Hugging Face Hub repository ``owner/name``: ``<out_dir>/<name>/<version>/`` becomes its
        upload folder, with a ``README.md`` model card (:func:`hssm_nre.store.hf.model_card`), and
        the entry gets ``"hub": {"repo_id": hub, "revision": ...}``.
    token
        With ``hub``: a Hugging Face token; the folder is then uploaded and the entry pins the
        commit the upload made. Without a token the revision is ``null`` until you upload the
        folder yourself and write that commit id into the entry (a ``null`` revision is never pulled).
    endpoint
        With ``hub``: the hub to upload to (default: ``$HF_ENDPOINT`` or https://huggingface.co).

    Returns
    -------
    dict
        ``{"schema_version": 1, "base_url": ..., "networks": {name: {version:
        {"files": {file: {"sha256", "size"}}, "metrics": card["validation"]}}}}``.

    Examples
    --------
    >>> entry = publish("networks/ddm", "dist")  # doctest: +SKIP
    >>> entry["networks"]["ddm"]["0.1.0"]["files"]["card.json"]["sha256"]  # doctest: +SKIP
    '3b1f...'
    """
    net = load(directory)
    where = f"in the card of {Path(directory) / CARD}"
    fix = "set a valid name and version in the card (e.g. `hssm-nre train MODEL --version 0.1.0`)"
    name = _check_part(net.card.get("name"), "name", where, fix)
    version = _check_part(net.card.get("version"), "version", where, fix)
    out = Path(out_dir)
    dest = out / name / version
    _inside(out, dest, "output directory")
    dest.mkdir(parents=True, exist_ok=True)
    src = Path(directory)
    files = {}
    for fname in FILES:
        if (src / fname).resolve() != (dest / fname).resolve():
            shutil.copyfile(src / fname, dest / fname)
        files[fname] = {"sha256": sha256_file(dest / fname), "size": (dest / fname).stat().st_size}
    load(dest)
    item: dict[str, Any] = {"files": files, "metrics": net.card.get("validation") or {}}
    entry = {"schema_version": MANIFEST_SCHEMA, "base_url": get_base_url(base_url)}
    if hub is not None:
        from hssm_nre.store import hf

        hf.write_upload_folder(load(dest), dest, hub)
        revision = hf.upload(dest, hub, token, endpoint=endpoint) if token else None
        item = {"hub": {"repo_id": hub, "revision": revision}, **item}
        entry["hub"] = {"endpoint": hf.get_endpoint(endpoint)}
    entry["networks"] = {name: {version: item}}
    (out / "manifest-entry.json").write_text(json.dumps(entry, indent=2, sort_keys=True) + "\n")
    return entry
