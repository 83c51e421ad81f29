"""The typed card: every shipped card reads, round-trips, and an unknown schema is refused."""

import json

import pytest

from hssm_nre.store.card import SCHEMA_VERSION, ArtifactError, Card
from hssm_nre.store.shipped import shipped_networks, shipped_path


@pytest.mark.parametrize("name", sorted(shipped_networks()))
def test_shipped_card_round_trips(name):
    raw = json.loads((shipped_path(name) / "card.json").read_text())
    card = Card.from_dict(raw, name)
    assert Card.from_dict(card.to_dict()) == card
    again = json.loads(json.dumps(card.to_dict()))
    assert {k: v for k, v in again.items() if k != "transform"} == {
        k: v for k, v in raw.items() if k != "transform"
    }
    transform = again["transform"]
    assert transform == {**transform, **raw["transform"]}  # the same entries, plus defaults for new ones
    assert card.model.params == tuple(raw["model"]["params"]) and card.schema_version == SCHEMA_VERSION


def test_trained_card_round_trips(tiny_nce):
    card = tiny_nce.info
    assert Card.from_dict(json.loads(json.dumps(card.to_dict()))) == card
    assert card.method.normalized and card.model.ndt == "t"


@pytest.mark.parametrize("version", [2, 0, None, "1"])
def test_unknown_schema_version_is_refused(tiny_nce, version):
    raw = {**json.loads(json.dumps(tiny_nce.card)), "schema_version": version}
    with pytest.raises(ArtifactError, match=rf"schema_version {version!r}; this hssm-nre reads schema 1"):
        Card.from_dict(raw, "card.json")
