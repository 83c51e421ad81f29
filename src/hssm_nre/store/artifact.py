"""Network artifact: weights (safetensors, never pickle) plus a JSON card.

A network directory holds ``weights.safetensors`` and ``card.json``. The card records
the schema version, the model (name, parameter order, training box, choices), the
input transform, the architecture, the training and simulation settings with their
seeds, package versions, validation metrics and the sha256 of the weights file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hssm_nre.net.features import Transform
from hssm_nre.net.logp import MEMBER_KEYS, member_parts
from hssm_nre.store.card import SCHEMA_VERSION, ArtifactError, Card

__all__ = [
    "ArtifactError",
    "Network",
    "SCHEMA_VERSION",
    "check_card",
    "ensemble",
    "load",
    "members",
    "save",
    "sha256_file",
]

WEIGHTS = "weights.safetensors"
CARD = "card.json"


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(eq=False)
class Network:
    """A trained ratio network: weight arrays plus its card.

    Use :func:`hssm_nre.net.logp.make_logp` (or :meth:`logp`) to evaluate it. Two
    networks are equal when their cards and all their weight arrays are equal.
    """

    weights: dict[str, np.ndarray]
    card: dict
    path: Path | None = field(default=None, compare=False)
    _logp: object = field(default=None, init=False, repr=False, compare=False)

    @property
    def info(self) -> Card:
        """The card, typed and checked (:class:`~hssm_nre.store.card.Card`)."""
        return Card.from_dict(self.card, self.path / CARD if self.path else "the network's card")

    @property
    def model(self) -> str:
        """Model name."""
        return self.info.model.name

    @property
    def params(self) -> tuple[str, ...]:
        """Parameter names, in order."""
        return self.info.model.params

    @property
    def box(self) -> dict[str, tuple[float, float]]:
        """Training box ``{param: (low, high)}``."""
        return dict(zip(self.params, self.info.model.box, strict=True))

    @property
    def choices(self) -> tuple[int, ...]:
        """Possible responses."""
        return self.info.model.choices

    @property
    def normalized(self) -> bool:
        """Whether ``logp`` is a normalized log-density (not just a log-ratio)."""
        return self.info.method.normalized

    @property
    def transform(self) -> Transform:
        """Input transform."""
        return self.info.transform

    @property
    def name(self) -> str:
        """``name@version`` of this network."""
        return f"{self.card['name']}@{self.card['version']}"

    def logp(self, theta, x):
        """Per-trial log-likelihood (or log-ratio) of ``x`` given ``theta`` (see likelihood).

        The jitted function is built once per network, not on every call.
        """
        if self._logp is None:
            from hssm_nre.net.logp import make_logp

            self._logp = make_logp(self)
        return self._logp(theta, x)

    @property
    def member_cards(self) -> list[dict]:
        """The card, then the entries of each further :func:`ensemble` member (``[card]`` for one)."""
        return [self.card, *(self.card.get("members") or [])]

    @property
    def n_members(self) -> int:
        """Number of networks averaged (1 unless this is an :func:`ensemble`)."""
        return len(self.member_cards)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Network):
            return NotImplemented
        same_card = json.dumps(self.card, sort_keys=True, default=str) == json.dumps(
            other.card, sort_keys=True, default=str
        )
        if not same_card or self.weights.keys() != other.weights.keys():
            return False
        return all(
            np.array_equal(np.asarray(v), np.asarray(other.weights[k])) for k, v in self.weights.items()
        )

    __hash__ = None  # mutable (weights and card are dicts)

    def __repr__(self) -> str:
        kind = "normalized" if self.normalized else "ratio"
        many = f", ensemble of {self.n_members}" if self.n_members > 1 else ""
        return f"Network({self.name}, model={self.model}, params={self.params}, {kind}{many})"


def members(net: Network) -> list[Network]:
    """Split an :func:`ensemble` into its member networks (``[net]`` for a single network).

    Members are named ``<version>-member<k>`` and carry no validation metrics.
    """
    if net.n_members == 1:
        return [net]
    out = []
    for k, (w, c) in enumerate(member_parts(net.weights, net.card)):
        c = {**c, "version": f"{c['version']}-member{k}", "validation": {}}
        c.pop("total_seconds", None)
        out.append(Network(weights=w, card=c))
    return out


def ensemble(nets: list[Network], *, version: str, name: str | None = None) -> Network:
    """Combine networks of one model into an equal-weight mixture of their densities.

    The members are typically the same recipe trained with different seeds; averaging
    densities (not log-densities) keeps a normalized likelihood normalized, and the
    members' independent approximation errors partly cancel. The first member is the
    card's top level; the others are listed under ``members`` with their own transform,
    training and simulation records and prefixed weights (``m1/``, ``m2/``, ...).

    Raises
    ------
    ValueError
        For fewer than two networks, or networks of different models, boxes or kinds.
    """
    import copy

    if len(nets) < 2:
        raise ValueError(f"an ensemble needs at least two networks, got {len(nets)}")
    first = nets[0]
    for net in nets[1:]:
        if net.card["model"] != first.card["model"]:
            raise ValueError(f"{net.name} and {first.name} are networks of different models or boxes")
        if net.normalized != first.normalized:
            raise ValueError(f"{net.name} and {first.name} mix a normalized and a plain ratio network")
        if net.n_members > 1:
            raise ValueError(f"{net.name} is an ensemble already; combine its members instead")
    if first.n_members > 1:
        raise ValueError(f"{first.name} is an ensemble already; combine its members instead")
    card = copy.deepcopy(first.card)
    weights = dict(first.weights)
    card["members"] = []
    for k, net in enumerate(nets[1:], start=1):
        prefix = f"m{k}/"
        own = {key: copy.deepcopy(net.card[key]) for key in MEMBER_KEYS if key in net.card}
        card["members"].append({"weights_prefix": prefix, **own})
        weights.update({prefix + key: val for key, val in net.weights.items()})
    card["name"] = name or first.card["name"]
    card["version"] = version
    card["total_seconds"] = round(sum(float(n.card.get("total_seconds") or 0.0) for n in nets), 1)
    card["validation"] = {}
    return Network(weights=weights, card=card)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file, with the mode a plain ``open`` gives.

    ``mkstemp`` creates its file with mode 0600; the final file gets ``0666 & ~umask`` (0644 under
    the usual umask), so a network written for a group or a web server can be read there.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(net: Network, directory: str | os.PathLike) -> Path:
    """Write ``weights.safetensors`` and ``card.json`` into ``directory``.

    The card's ``weights_sha256`` is set from the written file. Returns the directory.
    """
    from safetensors.numpy import save as st_save

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    arrays = {k: np.ascontiguousarray(np.asarray(v)) for k, v in net.weights.items()}
    _atomic_write(d / WEIGHTS, st_save(arrays))
    net.card["schema_version"] = SCHEMA_VERSION
    net.card["weights_sha256"] = sha256_file(d / WEIGHTS)
    _atomic_write(d / CARD, (json.dumps(net.card, indent=2, sort_keys=True) + "\n").encode())
    net.path = d
    return d


def check_card(card: object, where: Path) -> dict:
    """Check the structure of a card read from ``where`` (see :meth:`Card.from_dict`); return it.

    Raises
    ------
    ArtifactError
        For another schema version, or naming the first missing or malformed entry.
    """
    Card.from_dict(card, where)
    return card  # type: ignore[return-value]


def _check_weights(weights: dict, card: dict, where: Path) -> None:
    """Every tensor finite, and every tensor the card's network needs present with its shape."""
    for key, arr in weights.items():
        if not np.all(np.isfinite(arr)):
            raise ArtifactError(
                f"{where / WEIGHTS} holds non-finite values (NaN or inf) in tensor {key!r}: the "
                "training diverged or the file was edited. Retrain the network or copy it again."
            )
    import jax

    from hssm_nre.net.logp import build_logp

    for part_w, part_c in member_parts(weights, card):
        hidden = (part_c.get("architecture") or {}).get("hidden")
        expected = {f"W{len(hidden)}", f"b{len(hidden)}"} if isinstance(hidden, list) else set()
        for prefix in sorted({k[: k.rfind("W")] for k in part_w if "W" in k.rsplit("/", 1)[-1]}):
            top = max(int(k[len(prefix) + 1 :]) for k in part_w if k.startswith(prefix + "W"))
            expected |= {f"{prefix}{kind}{i}" for i in range(top + 1) for kind in "Wb"}
        missing = sorted(expected - set(part_w))
        if missing:
            raise ArtifactError(
                f"{where / WEIGHTS} lacks tensor {missing[0]!r} that the network described by its card "
                "needs; the weights and the card do not belong together. Copy the network again."
            )

    n_p, dim = len(card["model"]["params"]), int(card["model"].get("obs_dim") or 2)
    spec = (jax.ShapeDtypeStruct((2, n_p), np.float32), jax.ShapeDtypeStruct((2, dim), np.float32))
    try:
        jax.eval_shape(build_logp(weights, card), *spec)
    except KeyError as err:
        raise ArtifactError(
            f"{where / WEIGHTS} lacks tensor {err.args[0]!r} that the network described by its card "
            "needs; the weights and the card do not belong together. Copy the network again."
        ) from err
    except (TypeError, ValueError, IndexError) as err:
        raise ArtifactError(
            f"the weights in {where / WEIGHTS} do not fit the network its card describes ({err}); "
            "the weights and the card do not belong together. Copy the network again."
        ) from err


def load(directory: str | os.PathLike) -> Network:
    """Load and verify a network directory.

    Raises
    ------
    ArtifactError
        When a file is missing, the card is not valid JSON, not of this schema
        version or lacks an entry, or the weights do not match the card's sha256, do not
        parse, hold NaN or inf, or lack a tensor the card's network needs.

    Examples
    --------
    >>> from hssm_nre import hub
    >>> net = load(hub.shipped_path("ddm"))  # doctest: +SKIP
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    d = Path(directory)
    if not d.is_dir():
        raise ArtifactError(f"network directory {str(d)!r} does not exist")
    for fname in (CARD, WEIGHTS):
        if not (d / fname).is_file():
            raise ArtifactError(f"{fname} is missing in {str(d)!r}; a network needs {CARD} and {WEIGHTS}")
    try:
        card = json.loads((d / CARD).read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ArtifactError(f"{d / CARD} is not valid JSON ({err}); the file is damaged") from err
    check_card(card, d / CARD)
    expected = card.get("weights_sha256")
    actual = sha256_file(d / WEIGHTS)
    if expected != actual:
        raise ArtifactError(
            f"{d / WEIGHTS} does not match its card: sha256 expected {expected}, got {actual}. "
            "The file is truncated or was modified; download or copy it again."
        )
    try:
        weights = load_file(str(d / WEIGHTS))
    except (SafetensorError, OSError, ValueError) as err:
        raise ArtifactError(f"{d / WEIGHTS} cannot be read as safetensors: {err}") from err
    _check_weights(weights, card, d)
    return Network(weights=dict(weights), card=card, path=d)
