"""The network card: a typed, versioned record of what a network is and how it was made.

A card is stored as ``card.json`` beside ``weights.safetensors``. :class:`Card` reads and
checks one (:meth:`Card.from_dict` names the first missing or malformed entry and refuses an
unknown schema version) and writes one (:meth:`Card.to_dict`). The sections that identify the
network and decide how it is evaluated are typed (:class:`ModelInfo`, :class:`MethodInfo`,
:class:`~hssm_nre.net.features.Transform`); the records of training, simulation, history,
package versions and validation metrics are kept as they were written.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from hssm_nre.net.features import Transform

__all__ = ["SCHEMA_VERSION", "ArtifactError", "Card", "MethodInfo", "ModelInfo"]

SCHEMA_VERSION = 1


class ArtifactError(ValueError):
    """A network file is missing, damaged, tampered with or of another schema."""


def _card_error(where: Path | str, what: str) -> ArtifactError:
    return ArtifactError(
        f"{where} is not a valid network card: {what}. Use a card written by `hssm-nre train` "
        "(or hssm_nre.save), or copy the network again."
    )


@dataclass(frozen=True)
class ModelInfo:
    """The model a network was trained for: parameter order, training box, choices, onset.

    ``constraints``: ``(low, high)`` parameter pairs with ``low < high`` required inside the box
    (:attr:`hssm_nre.models.ModelSpec.constraints`); the log-likelihood is ``-inf`` elsewhere.
    """

    name: str
    params: tuple[str, ...]
    box: tuple[tuple[float, float], ...]
    choices: tuple[int, ...]
    ndt: str | None = None
    ndt_spread: str | None = None
    obs_dim: int = 2
    constraints: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_dict(cls, model: dict, where: Path | str) -> ModelInfo:
        """Read and check ``card["model"]``."""
        params, box, choices = model.get("params"), model.get("box"), model.get("choices")
        if not isinstance(model.get("name"), str):
            raise _card_error(where, "model.name must be a string")
        if not (isinstance(params, list) and params and all(isinstance(p, str) for p in params)):
            raise _card_error(where, f"model.params must be a non-empty list of names, got {params!r}")
        ok_box = isinstance(box, list) and len(box) == len(params)
        if ok_box:
            try:
                arr = np.asarray(box, dtype=float)
                ok_box = bool(
                    arr.shape == (len(params), 2) and np.isfinite(arr).all() and (arr[:, 0] < arr[:, 1]).all()
                )
            except (TypeError, ValueError):
                ok_box = False
        if not ok_box:
            raise _card_error(
                where, f"model.box must hold one finite [low, high] (low < high) per parameter, got {box!r}"
            )
        if not (isinstance(choices, list) and all(isinstance(c, int) for c in choices)):
            raise _card_error(
                where, f"model.choices must be a list of integers (empty: no choice), got {choices!r}"
            )
        for key in ("ndt", "ndt_spread"):
            if model.get(key) is not None and model[key] not in params:
                raise _card_error(where, f"model.{key} {model[key]!r} is not one of the parameters {params}")
        constraints = model.get("constraints") or []
        if not all(isinstance(c, list) and len(c) == 2 and set(c) <= set(params) for c in constraints):
            raise _card_error(
                where, f"model.constraints must be [low, high] pairs of parameters, got {constraints!r}"
            )
        return cls(
            name=model["name"],
            params=tuple(params),
            box=tuple((float(lo), float(hi)) for lo, hi in box),
            choices=tuple(choices),
            ndt=model.get("ndt"),
            ndt_spread=model.get("ndt_spread"),
            obs_dim=int(model.get("obs_dim") or 2),
            constraints=tuple(tuple(c) for c in constraints),
        )

    def to_dict(self) -> dict:
        """JSON-ready ``card["model"]``."""
        return {
            "name": self.name,
            "params": list(self.params),
            "box": [list(b) for b in self.box],
            "choices": list(self.choices),
            "ndt": self.ndt,
            "ndt_spread": self.ndt_spread,
            "obs_dim": self.obs_dim,
            # only when there are some: the cards of models without them stay as they were
            **({"constraints": [list(c) for c in self.constraints]} if self.constraints else {}),
        }


@dataclass(frozen=True)
class MethodInfo:
    """How the network's output becomes a log-likelihood (see :mod:`hssm_nre.net.logp`)."""

    name: str
    normalized: bool
    reference: str | None = None
    q_components: int | None = None
    base: str = "none"
    base_index: tuple[int, ...] | None = None
    loss: str = ""

    @classmethod
    def from_dict(cls, method: dict, where: Path | str) -> MethodInfo:
        """Read and check ``card["method"]``."""
        if not isinstance(method.get("normalized"), bool):
            raise _card_error(where, "method.normalized must be true or false")
        index = method.get("base_index")
        return cls(
            name=str(method.get("name") or ("nce" if method["normalized"] else "cnre")),
            normalized=method["normalized"],
            reference=method.get("reference"),
            q_components=method.get("q_components"),
            base=method.get("base") or "none",
            base_index=tuple(index) if index else None,
            loss=str(method.get("loss") or ""),
        )

    def to_dict(self) -> dict:
        """JSON-ready ``card["method"]``."""
        return {
            "name": self.name,
            "normalized": self.normalized,
            "reference": self.reference,
            "q_components": self.q_components,
            "base": self.base,
            "base_index": list(self.base_index) if self.base_index else None,
            "loss": self.loss,
        }


_RECORDS = ("architecture", "training", "simulation", "history", "versions", "validation")


@dataclass(frozen=True)
class Card:
    """A network card (``card.json``), schema :data:`SCHEMA_VERSION`.

    Examples
    --------
    >>> import json
    >>> from hssm_nre.store.shipped import shipped_path
    >>> card = Card.from_dict(json.loads((shipped_path("ddm") / "card.json").read_text()))
    >>> card.model.params, card.method.normalized
    (('v', 'a', 'z', 't'), True)
    >>> Card.from_dict(card.to_dict()) == card
    True
    """

    name: str
    version: str
    model: ModelInfo
    method: MethodInfo
    transform: Transform
    architecture: dict = field(default_factory=dict)
    training: dict = field(default_factory=dict)
    simulation: dict = field(default_factory=dict)
    history: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    validation: dict = field(default_factory=dict)
    members: tuple[dict, ...] = ()
    created: str | None = None
    total_seconds: float | None = None
    weights_sha256: str | None = None
    schema_version: int = SCHEMA_VERSION
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, card: object, where: Path | str = "card") -> Card:
        """Read and check a card (the parsed ``card.json``).

        Raises
        ------
        ArtifactError
            For a card of another schema version, or naming the first missing or malformed
            entry.
        """
        if not isinstance(card, dict):
            raise _card_error(where, f"expected a JSON object, got a JSON {type(card).__name__}")
        version = card.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ArtifactError(
                f"{where} has schema_version {version!r}; this hssm-nre reads schema "
                f"{SCHEMA_VERSION}. Upgrade hssm-nre or retrain the network."
            )
        for key, kind in (
            ("name", str),
            ("version", str),
            ("model", dict),
            ("method", dict),
            ("transform", dict),
        ):
            if not isinstance(card.get(key), kind):
                got = "nothing" if key not in card else type(card[key]).__name__
                raise _card_error(where, f"entry {key!r} must be a {kind.__name__}, got {got}")
        members = card.get("members") or []
        if not isinstance(members, list) or not all(isinstance(m, dict) for m in members):
            raise _card_error(where, "members must be a list of objects")
        for key in _RECORDS:
            if not isinstance(card.get(key) or {}, dict):
                raise _card_error(where, f"entry {key!r} must be an object")
        model = ModelInfo.from_dict(card["model"], where)
        from hssm_nre.models import MODELS

        if card["name"] in MODELS and card["name"] != model.name:
            raise _card_error(
                where, f"its name {card['name']!r} is another model's than its model.name {model.name!r}"
            )
        try:
            transform = Transform.from_dict(card["transform"])
        except (TypeError, ValueError) as err:
            raise _card_error(where, f"transform: {err}") from err
        known = {f.name for f in fields(cls)} - {"extra"}
        return cls(
            name=card["name"],
            version=card["version"],
            model=model,
            method=MethodInfo.from_dict(card["method"], where),
            transform=transform,
            **{key: dict(card.get(key) or {}) for key in _RECORDS},
            members=tuple(members),
            created=card.get("created"),
            total_seconds=card.get("total_seconds"),
            weights_sha256=card.get("weights_sha256"),
            schema_version=version,
            extra={k: v for k, v in card.items() if k not in known},
        )

    def to_dict(self) -> dict:
        """Return the JSON-ready card (what ``card.json`` holds)."""
        out = {
            "schema_version": self.schema_version,
            "name": self.name,
            "version": self.version,
            "created": self.created,
            "model": self.model.to_dict(),
            "method": self.method.to_dict(),
            "transform": self.transform.to_dict(),
            **{key: getattr(self, key) for key in _RECORDS},
            **self.extra,
        }
        if self.members:
            out["members"] = list(self.members)
        if self.total_seconds is not None:
            out["total_seconds"] = self.total_seconds
        if self.weights_sha256 is not None:
            out["weights_sha256"] = self.weights_sha256
        return out
