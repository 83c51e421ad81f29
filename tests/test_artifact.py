import json
import shutil

import numpy as np
import pytest

from hssm_nre.artifact import ArtifactError, Network, load, save
from hssm_nre.likelihood import make_logp


def test_round_trip_bit_identical(tiny_nce, tmp_path, rng):
    save(Network(dict(tiny_nce.weights), json.loads(json.dumps(tiny_nce.card))), tmp_path / "n")
    back = load(tmp_path / "n")
    th = np.tile([0.5, 1.0, 0.5, 0.3], (50, 1))
    x = np.column_stack([rng.uniform(0.35, 3, 50), rng.choice([-1, 1], 50)])
    a = np.asarray(make_logp(tiny_nce)(th, x))
    b = np.asarray(make_logp(back)(th, x))
    np.testing.assert_array_equal(a, b)
    assert back.card["weights_sha256"] == tiny_nce.card["weights_sha256"]


@pytest.fixture
def copy(tiny_nce, tmp_path):
    d = tmp_path / "copy"
    shutil.copytree(tiny_nce.path, d)
    return d


def test_missing_file(copy):
    (copy / "weights.safetensors").unlink()
    with pytest.raises(ArtifactError, match="weights.safetensors is missing"):
        load(copy)


def test_missing_dir(tmp_path):
    with pytest.raises(ArtifactError, match="does not exist"):
        load(tmp_path / "nope")


def test_truncated_weights(copy):
    w = copy / "weights.safetensors"
    w.write_bytes(w.read_bytes()[:100])
    with pytest.raises(ArtifactError, match="sha256 expected"):
        load(copy)


def test_tampered_weights(copy):
    w = copy / "weights.safetensors"
    data = bytearray(w.read_bytes())
    data[-1] ^= 0xFF
    w.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="was modified"):
        load(copy)


def test_wrong_schema(copy):
    card = json.loads((copy / "card.json").read_text())
    card["schema_version"] = 99
    (copy / "card.json").write_text(json.dumps(card))
    with pytest.raises(ArtifactError, match="schema_version 99"):
        load(copy)


def test_broken_json(copy):
    (copy / "card.json").write_text("{not json")
    with pytest.raises(ArtifactError, match="not valid JSON"):
        load(copy)


def test_card_records_reproducibility(tiny_nce):
    c = tiny_nce.card
    assert c["training"]["seed"] == 0 and c["method"]["normalized"] is True
    assert c["versions"]["ssm-simulators"] != "not installed"
    assert c["model"]["params"] == ["v", "a", "z", "t"]
    assert len(c["history"]["val_loss"]) >= 1
    assert (tiny_nce.path / "loss.png").is_file()
