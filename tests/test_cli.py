import json

from typer.testing import CliRunner

from hssm_nre.artifact import load
from hssm_nre.cli import app

runner = CliRunner()


def test_train_command_builds_a_loadable_network(tmp_path):
    out = tmp_path / "ddm"
    res = runner.invoke(
        app,
        [
            "train",
            "ddm",
            "--out",
            str(out),
            "--n",
            "20000",
            "--epochs",
            "1",
            "--hidden",
            "16,16",
            "--batch-size",
            "256",
            "--seed",
            "3",
        ],
    )
    assert res.exit_code == 0, res.output
    net = load(out)
    card = json.loads((out / "card.json").read_text())
    assert card["simulation"]["n"] == 20000 and card["simulation"]["seed"] == 3
    assert card["training"]["hidden"] == [16, 16] and net.normalized
    assert (out / "loss.png").is_file()


def test_list_shows_registry():
    res = runner.invoke(app, ["list"])
    assert res.exit_code == 0, res.output
    for name in ("ddm", "angle", "full_ddm"):
        assert name in res.output


def test_unknown_model_is_a_clear_error(tmp_path):
    res = runner.invoke(app, ["train", "dmd", "--out", str(tmp_path / "x"), "--n", "1000"])
    assert res.exit_code != 0
    assert "Did you mean 'ddm'" in str(res.exception)
