import json
import shutil

import numpy as np
import pytest

from hssm_nre.net.logp import make_logp
from hssm_nre.store.artifact import ArtifactError, Network, load, save


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


def _edit_card(d, fn):
    card = json.loads((d / "card.json").read_text())
    card = fn(card)
    (d / "card.json").write_text(json.dumps(card))


def _resave(d, weights, card):
    """Rewrite a network with other weights (a fresh sha256), as a third party could."""
    save(Network(weights, card), d)


def test_nan_weights_refused(copy):
    net = load(copy)
    w = dict(net.weights)
    w["W0"] = w["W0"].copy()
    w["W0"][0, 0] = np.nan
    _resave(copy, w, net.card)
    with pytest.raises(ArtifactError, match="non-finite values .* 'W0'"):
        load(copy)


def test_missing_tensor_refused(copy):
    net = load(copy)
    w = {k: v for k, v in net.weights.items() if k != "W1"}
    _resave(copy, w, net.card)
    with pytest.raises(ArtifactError, match="lacks tensor 'W1'"):
        load(copy)


def test_wrong_tensor_shape_refused(copy):
    net = load(copy)
    w = dict(net.weights)
    w["W1"] = w["W1"][:, :3]
    _resave(copy, w, net.card)
    with pytest.raises(ArtifactError, match="do not fit the network"):
        load(copy)


def test_card_that_is_a_list(copy):
    (copy / "card.json").write_text("[1, 2]")
    with pytest.raises(ArtifactError, match="expected a JSON object, got a JSON list"):
        load(copy)


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda c: {k: v for k, v in c.items() if k != "model"}, "entry 'model' must be a dict, got nothing"),
        (lambda c: {**c, "method": {}}, "method.normalized"),
        (lambda c: {**c, "model": {**c["model"], "box": [[0, 1]]}}, "model.box"),
        (lambda c: {**c, "model": {**c["model"], "box": [[1, 0]] * 4}}, "model.box"),
        (lambda c: {**c, "model": {**c["model"], "params": "vazt"}}, "model.params"),
        (lambda c: {**c, "model": {**c["model"], "choices": ["up"]}}, "model.choices"),
        (lambda c: {**c, "model": {**c["model"], "ndt": "tau"}}, "model.ndt 'tau'"),
        (lambda c: {**c, "name": "angle"}, "another model's"),
    ],
)
def test_malformed_card_is_named(copy, edit, match):
    _edit_card(copy, edit)
    with pytest.raises(ArtifactError, match=match):
        load(copy)


def test_network_equality(tiny_nce, tiny_cnre):
    same = Network(dict(tiny_nce.weights), json.loads(json.dumps(tiny_nce.card)))
    assert same == tiny_nce
    assert tiny_nce != tiny_cnre
    changed = dict(tiny_nce.weights)
    changed["b0"] = changed["b0"] + 1
    assert Network(changed, tiny_nce.card) != tiny_nce
    assert tiny_nce != "ddm"


def test_make_logp_rejects_unknown_responses(tiny_nce):
    logp = make_logp(tiny_nce)
    th = np.tile([0.5, 1.0, 0.5, 0.3], (2, 1))
    with pytest.raises(ValueError, match=r"responses \[0.0\] are not among the choices \[-1, 1\]"):
        logp(th, np.array([[0.9, 0.0], [0.9, 1.0]]))
    with pytest.raises(ValueError, match="theta must have 4 columns"):
        logp(th[:, :3], np.array([[0.9, 1.0], [0.9, 1.0]]))


def test_unknown_response_is_minus_inf_inside_jax(tiny_nce):
    import jax

    from hssm_nre.net.logp import build_logp

    th = np.tile([0.5, 1.0, 0.5, 0.3], (3, 1)).astype(np.float32)
    x = np.array([[0.9, 0.0], [0.9, 1.0], [0.9, 2.0]], np.float32)
    out = np.asarray(jax.jit(build_logp(tiny_nce.weights, tiny_nce.card))(th, x))
    assert out[0] == -np.inf and out[2] == -np.inf and np.isfinite(out[1])


def test_saved_files_have_the_umask_mode_not_0600(tiny_nce, tmp_path):
    import os

    old = os.umask(0o022)
    try:
        save(tiny_nce, tmp_path / "net")
    finally:
        os.umask(old)
    modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "net").iterdir()}
    assert modes == {"card.json": 0o644, "weights.safetensors": 0o644}
