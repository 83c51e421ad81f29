import json
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

import hssm_nre
from hssm_nre.cli import app
from hssm_nre.store.artifact import load

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
    assert card["version"].startswith("0.0.0+local.")  # not the shipped ddm's id
    assert card["training"]["hidden"] == [16, 16] and net.normalized
    assert (out / "loss.png").is_file()


def test_list_shows_registry():
    res = runner.invoke(app, ["list"])
    assert res.exit_code == 0, res.output
    for name in ("ddm", "angle", "full_ddm"):
        assert name in res.output


def test_list_shows_versions_and_boxes():
    res = runner.invoke(app, ["list"])
    assert res.exit_code == 0, res.output
    version = load(hssm_nre.store.shipped.shipped_path("ddm")).card["version"]
    (ddm_line,) = [line for line in res.output.splitlines() if line.startswith("ddm ")]
    assert ddm_line.split()[1] == version and "a [0.3, 2.5]" in ddm_line and "t [0, 2]" in ddm_line


def test_version_option():
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.output.strip() == f"hssm-nre {hssm_nre.__version__}"


def test_info_summarizes_the_card():
    res = runner.invoke(app, ["info", "ddm"])
    assert res.exit_code == 0, res.output
    net = load(hssm_nre.store.shipped.shipped_path("ddm"))
    out = res.output
    assert out.splitlines()[0] == net.name and net.card["weights_sha256"] in out
    assert "parameters  v [-3, 3], a [0.3, 2.5], z [0.1, 0.9], t [0, 2]" in out
    assert "sd_ratio_min" in out and "report      docs/validation/ddm.md" in out
    bad = runner.invoke(app, ["info", "ddm@9.9.9"])
    assert bad.exit_code == 1 and bad.output.startswith("error: 'ddm' has no version '9.9.9'")
    assert len(bad.output.strip().splitlines()) == 1


# --- bad input: one line on stderr, a non-zero exit, no traceback, nothing simulated ---------


@pytest.fixture
def no_simulation(monkeypatch):
    """Fail the test if a command gets as far as simulating or training."""
    import hssm_nre.simulation
    import hssm_nre.training.loop

    def boom(*args, **kwargs):
        raise AssertionError("the command simulated / trained before rejecting its input")

    for mod, name in (
        (hssm_nre.training.loop, "train"),
        (hssm_nre.training.loop, "simulate"),
        (hssm_nre.simulation, "simulate"),
    ):
        monkeypatch.setattr(mod, name, boom)


def one_line_error(res, *fragments: str) -> str:
    """The one ``error: ...`` line of a failed command (asserting there is nothing else)."""
    assert res.exit_code not in (0, None), res.output
    assert isinstance(res.exception, SystemExit), repr(res.exception)  # handled, no traceback
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert "Traceback" not in res.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


SHIPPED = Path(hssm_nre.__file__).parent / "networks"


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["train", "dmd"], ["unknown model 'dmd'", "Did you mean 'ddm'"]),
        (["train", "ddm", "--hidden", "12,abc"], ["--hidden", "'12,abc'"]),
        (["train", "ddm", "--q-hidden", "64,"], ["--q-hidden", "'64,'"]),
        (["train", "ddm", "--method", "foo"], ["--method", "'foo'", "nce or cnre"]),
        (["validate", "ddm", "--reference", "nonsense"], ["'nonsense'", "'none'"]),
        (["validate", "nosuchmodel"], ["nosuchmodel"]),
        (
            ["ensemble", str(SHIPPED / "ddm_sdv"), str(SHIPPED / "ornstein"), "--out", "x", "--version", "1"],
            ["different models"],
        ),
        (["ensemble", "no/such/dir", "no/such/other", "--out", "x", "--version", "1"], ["does not exist"]),
        (["publish", "no/such/dir", "--out", "x"], ["does not exist"]),
        (["pull", "nosuchnet@9.9.9", "--offline"], ["nosuchnet"]),
    ],
)
def test_expected_errors_are_one_line(args, fragments, tmp_path, monkeypatch, no_simulation):
    monkeypatch.chdir(tmp_path)  # anything written by mistake lands here
    monkeypatch.setenv("HSSM_NRE_CACHE", str(tmp_path / "cache"))
    one_line_error(runner.invoke(app, args), *fragments)
    assert not (tmp_path / "x").exists() and not (tmp_path / "networks").exists()


@pytest.mark.parametrize(("option", "value"), [("--sets", "0"), ("--calibration", "-1"), ("--chains", "0")])
def test_validate_rejects_bad_budgets_before_running(option, value, tmp_path, monkeypatch):
    import hssm_nre.validation.report

    def boom(*args, **kwargs):
        raise AssertionError("validate ran with a bad budget")

    monkeypatch.setattr(hssm_nre.validation.report, "run_validation", boom)
    monkeypatch.setattr(hssm_nre.validation.report, "run_reference_validation", boom)
    res = runner.invoke(app, ["validate", "angle", option, value, "--out", str(tmp_path)])
    one_line_error(res, option, value)


def test_train_out_that_is_a_file_fails_before_simulating(tmp_path, no_simulation):
    (tmp_path / "f").write_text("")
    one_line_error(runner.invoke(app, ["train", "ddm", "--out", str(tmp_path / "f")]), "is a file")


def test_list_error_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("HSSM_NRE_MANIFEST", str(tmp_path / "missing.json"))
    res = runner.invoke(app, ["list", "--cache-dir", str(tmp_path)])
    one_line_error(res, "missing.json")
    assert "ddm" in res.stdout  # the registry rows came first


def test_bad_reference_names_every_reference_and_its_models(tmp_path, no_simulation):
    res = runner.invoke(app, ["validate", "ddm", "--reference", "nonsense", "--out", str(tmp_path)])
    line = one_line_error(res, "'analytic'", "'blackbox'", "'pyddm'", "'none'")
    assert "full_ddm" in line and "angle" in line  # which reference covers which model


def test_reference_that_does_not_cover_the_model_names_the_right_one(tmp_path):
    res = runner.invoke(app, ["validate", "angle", "--reference", "analytic", "--out", str(tmp_path)])
    one_line_error(res, "'analytic'", "'angle'", "--reference pyddm")


@pytest.mark.parametrize(
    ("model", "runner_name", "reference"),
    [
        ("ddm", "run_validation", "analytic"),
        ("angle", "run_reference_validation", "pyddm"),
        ("full_ddm", "run_reference_validation", "blackbox"),
        ("levy", "run_reference_validation", "none"),
    ],
)
def test_validate_defaults_to_the_models_own_reference(model, runner_name, reference, tmp_path, monkeypatch):
    import hssm_nre.validation.report

    calls = []

    def fake(target, *args, **kwargs):
        calls.append((target, args, kwargs))
        return tmp_path / f"{model}.md"

    monkeypatch.setattr(
        hssm_nre.validation.report, "run_validation", lambda *a, **k: fake(*a, **k) and "run_validation"
    )
    monkeypatch.setattr(
        hssm_nre.validation.report,
        "run_reference_validation",
        lambda *a, **k: fake(*a, **k) and "run_reference_validation",
    )
    res = runner.invoke(app, ["validate", model, "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == f"report written to {Path(runner_name).absolute()}"
    ((target, args, kwargs),) = calls
    assert target == model and (args[0] if args else kwargs["reference"]) == reference


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--members", "0"),
        ("--members", "-1"),
        ("--epochs", "0"),
        ("--n", "0"),
        ("--max-steps", "0"),
        ("--time-budget", "0"),
        ("--max-t", "0"),
        ("--batch-size", "0"),
        ("--nu", "0"),
        ("--q-components", "0"),
        ("--version", ""),
        ("--time-features", ""),
    ],
)
def test_train_rejects_non_positive_budgets(option, value, no_simulation):
    res = runner.invoke(app, ["train", "ddm", option, value])
    one_line_error(res, value if value else "empty")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["ddm", "--method", "foo"], "'foo'"),
        (["ddm", "--time-features", "log,cubic"], "'cubic'"),
        (["ddm", "--time-features", "linear,log"], "'log'"),
        (["ddm", "--time-features", "log,boundary"], "boundary"),
        (["ddm", "--method", "cnre", "--base", "ddm"], "base"),
        (["angle", "--method", "cnre", "--norm-weight", "0", "--time-features", "log,boundary"], "'cnre'"),
        (["angle", "--method", "cnre"], "--norm-weight 0"),
        (["ddm", "--base", "wiener"], "'wiener'"),
        (["ddm", "--n", "1000", "--batch-size", "1024"], "batch"),
        (["ddm", "--seed", "-1"], "seed"),
        (["ddm", "--dt", "0.5"], "dt"),
        (["ddm", "--edge-share", "2"], "edge_share"),
        (["ddm", "--norm-weight", "-1"], "norm_weight"),
        (["weibull", "--log-params", "beta,gamma"], "'gamma'"),
        (["ddm", "--log-params", "v"], "positive lower bound"),
        (["ddm", "--hide-params", "a"], "collapsing boundary"),
        (["ddm", "--ema", "1"], "ema"),
    ],
)
def test_invalid_train_options_fail_before_simulating(args, fragment, no_simulation):
    t0 = time.perf_counter()
    res = runner.invoke(app, ["train", *args])
    one_line_error(res, fragment)
    assert time.perf_counter() - t0 < 10  # seconds; a simulation would take minutes


def fake_training(monkeypatch) -> list:
    """Record ``[model, sim, cfg, out, version]`` per member instead of simulating and training."""
    import hssm_nre.training.loop as loop

    seen = []

    def fake_one(spec, sim, cfg, *, name=None, version=None, progress=True):
        seen.append([spec.name, sim, cfg, None, version])
        return SimpleNamespace(member_cards=[], card={"total_seconds": 0}, name=spec.name)

    def fake_save(net, out):
        seen[-1][3] = Path(out)

    monkeypatch.setattr(loop, "_train_one", fake_one)
    monkeypatch.setattr(loop, "ensemble", lambda nets, **kw: nets[0])
    monkeypatch.setattr(loop, "save", fake_save)
    monkeypatch.setattr(loop, "plot_history", lambda net, path: path)
    return seen


def test_cli_train_workers_trains_the_members_side_by_side(tmp_path, monkeypatch):
    import hssm_nre.training.loop as loop

    seen = fake_training(monkeypatch)
    calls = []

    def side_by_side(spec, configs, workers, *, name, version, progress=True):
        calls.append((spec.name, [c.seed for _, c in configs], workers))
        return [loop._train_one(spec, s, c, name=name, version=version, progress=False) for s, c in configs]

    monkeypatch.setattr(loop, "_train_side_by_side", side_by_side)
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["train", "ddm", "--workers", "2"]).exit_code == 0
    assert calls == [("ddm", [0, 1], 2)] and len(seen) == 2
    calls.clear()
    assert runner.invoke(app, ["train", "ddm"]).exit_code == 0  # default: one after another
    assert calls == []
    res = runner.invoke(app, ["train", "ddm", "--workers", "0"])
    assert res.exit_code != 0 and "--workers must be positive" in res.output


def test_python_train_and_cli_train_resolve_the_same_recipe(tmp_path, monkeypatch):
    """`hssm_nre.train(MODEL)` rebuilds the shipped network exactly as `hssm-nre train MODEL` does."""
    import hssm_nre

    seen = fake_training(monkeypatch)
    monkeypatch.chdir(tmp_path)
    for model in ("ddm", "angle", "levy"):
        assert runner.invoke(app, ["train", model]).exit_code == 0
        from_cli = [(m, sim, cfg, version[:12]) for m, sim, cfg, _, version in seen]
        seen.clear()
        hssm_nre.train(model, progress=False)
        from_python = [(m, sim, cfg, version[:12]) for m, sim, cfg, _, version in seen]
        seen.clear()
        assert from_cli == from_python, model
        assert from_cli[0][3] == "0.0.0+local.", model  # a local build, not the shipped id
        assert len(from_cli) == hssm_nre.training.recipes.recipe(model).members


def test_train_without_options_uses_the_shipped_recipe(tmp_path, monkeypatch):
    """`hssm-nre train ddm` is the ddm 0.6.0 recipe (two seeds, its own widths), stamped as a local build."""

    seen = fake_training(monkeypatch)
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["train", "ddm"])
    assert res.exit_code == 0, res.output
    assert [s.seed for _, s, _, _, _ in seen] == [0, 1] and [c.seed for _, _, c, _, _ in seen] == [0, 1]
    _, sim, cfg, out, version = seen[0]
    assert (sim.n, sim.max_t, sim.dt, sim.edge_share) == (2_000_000, 100.0, 1e-3, 0.0)
    assert cfg.time_features == ("log", "linear", "inverse") and cfg.max_steps == 74_200
    assert (cfg.max_epochs, cfg.time_budget_s, cfg.method, cfg.base) == (40, 100_000.0, None, "none")
    assert cfg.hidden == (64, 64, 64) and cfg.q_hidden == (128, 128, 128)
    assert (cfg.norm_weight, cfg.norm_clip) == (0.0, 8.0)
    assert out is None and version.startswith("0.0.0+local.") and version != "0.6.0"
    seen.clear()
    args = ["train", "angle", "--members", "1", "--out", "a", "--version", "0.4.0"]
    assert runner.invoke(app, args).exit_code == 0
    ((_, sim, cfg, out, version),) = seen
    assert (sim.n, sim.max_t, sim.edge_share, cfg.max_steps, cfg.max_epochs) == (
        2_000_000,
        100.0,
        0.25,
        40_000,
        100,
    )
    assert (cfg.norm_weight, cfg.norm_clip, out, version) == (1.0, 3.0, Path("a"), "0.4.0")
    assert cfg.log_params == ("a",)  # angle's recipe since 0.5.0: a as its logarithm
    assert cfg.hidden == (64, 64, 64, 64)  # angle 0.7.0's widths
    seen.clear()
    assert runner.invoke(app, ["train", "ornstein", "--members", "1"]).exit_code == 0
    assert seen[0][2].hidden == (128, 128, 128, 128)  # no widths in ornstein's recipe: the default
    seen.clear()
    assert runner.invoke(app, ["train", "ddm", "--hidden", "32,32", "--members", "1"]).exit_code == 0
    assert seen[0][2].hidden == (32, 32)  # widths given beat the recipe's


def test_configs_reject_what_the_cli_can_set():
    from hssm_nre.simulation import SimConfig
    from hssm_nre.training.config import TrainConfig

    for bad, fragment in (
        ({"method": "foo"}, "method must be 'nce' or 'cnre'"),
        ({"hidden": ()}, "hidden"),
        ({"hidden": (16, 0)}, "hidden"),
        ({"q_hidden": (-1,)}, "q_hidden"),
        ({"batch_size": 0}, "batch_size"),
        ({"max_epochs": 0}, "max_epochs"),
        ({"max_steps": 0}, "max_steps"),
        ({"time_budget_s": 0.0}, "time_budget_s"),
        ({"q_components": 0}, "q_components"),
        ({"time_features": ("log", "cubic")}, "time_features"),
        ({"time_features": ()}, "time_features"),
        ({"seed": -1}, "seed"),
        ({"norm_weight": float("nan")}, "norm_weight"),
    ):
        with pytest.raises(ValueError, match=fragment):
            TrainConfig(**bad)
    assert TrainConfig(max_steps=None, time_budget_s=None).max_steps is None
    for bad, fragment in (({"seed": -1}, "seed"), ({"max_t": float("nan")}, "max_t")):
        with pytest.raises(ValueError, match=fragment):
            SimConfig(**bad)


def test_help_shows_the_defaults_of_recipe_options():
    """`[default: ...]` in a help text is rich markup and vanished; the notes are in parentheses now."""

    def help_text(command):
        res = runner.invoke(app, [command, "--help"])
        assert res.exit_code == 0, res.output
        return " ".join(res.output.replace("│", " ").split())  # unwrap the boxes

    assert "(default: the model's recipe, else 1)" in help_text("train")  # --members
    validate = help_text("validate")
    assert "(default: the first of these that covers the model, else none)" in validate
    assert 'pip install "hssm-nre[cluster]"' in validate  # an extra's brackets are escaped, not eaten


def test_validate_help_names_every_reference_and_the_models_it_covers():
    """The --reference help comes from the registry, so a new reference kind or model shows up in it."""
    from hssm_nre.models import MODELS

    res = runner.invoke(app, ["validate", "--help"])
    text = "".join(res.output.replace("│", " ").split())  # unwrap the boxes, spaces and all
    for name, spec in MODELS.items():
        for kind in spec.references:
            assert f"'{kind}'(" in text, kind
            section = text.split(f"'{kind}'(", 1)[1].split(")", 1)[0]
            assert name in section.split(","), (kind, name)


# --- hssm-nre ship: a trained, validated network into the package and its report into the docs ---


def fake_report(out: Path, net, model: str = "ddm") -> Path:
    """What `hssm-nre validate <training dir> --out <out>` writes (without running it)."""
    (out / "figures").mkdir(parents=True, exist_ok=True)
    report = out / f"{model}.md"
    report.write_text(
        f"# Validation of `{net.name}` against hssm's analytic DDM\n\n"
        f"Reproduce: `hssm-nre validate {net.path} --reference analytic --calibration 5`. Network: tiny.\n\n"
        f"![overlay](figures/{model}_overlay_500.png)\n"
    )
    (out / f"{model}_metrics.json").write_text(json.dumps({"normalization_max_abs_error": 0.25}))
    (out / f"{model}_posteriors.csv").write_text("param,mean\nv,0.1\n")
    (out / "figures" / f"{model}_overlay_500.png").write_bytes(b"png")
    (out / "ddm_sdv_metrics.json").write_text("{}")  # another model's file beside it: not copied
    return report


def ship(network_dir: Path, report: Path, dest: Path):
    return runner.invoke(
        app,
        [
            "ship",
            str(network_dir),
            "--report",
            str(report),
            "--networks-dir",
            str(dest / "networks"),
            "--docs-dir",
            str(dest / "docs"),
        ],
    )


def variant(net, out: Path, version: str | None = None) -> Path:
    """A copy of ``net`` with other weights (and, given, another version)."""
    from hssm_nre.store.artifact import Network, save

    weights = dict(net.weights)
    key = sorted(weights)[0]
    weights[key] = weights[key] + 0.01
    card = json.loads(json.dumps(net.card))
    card["version"] = version or card["version"]
    return save(Network(weights=weights, card=card), out)


def test_ship_copies_network_and_report_and_records_metrics(tiny_nce, tmp_path):
    from hssm_nre.store.artifact import sha256_file

    before = sha256_file(tiny_nce.path / "card.json")
    report = fake_report(tmp_path / "val", tiny_nce)
    res = ship(tiny_nce.path, report, tmp_path / "dest")
    assert res.exit_code == 0, res.output
    shipped, docs = tmp_path / "dest" / "networks" / "ddm", tmp_path / "dest" / "docs"
    net = load(shipped)
    assert net.name == tiny_nce.name and net == tiny_nce.__class__(tiny_nce.weights, net.card)
    assert sorted(p.name for p in docs.iterdir()) == [
        "ddm.md",
        "ddm_metrics.json",
        "ddm_posteriors.csv",
        "figures",
    ]
    assert [p.name for p in (docs / "figures").iterdir()] == ["ddm_overlay_500.png"]
    cmd = "hssm-nre validate ddm --reference analytic --calibration 5"
    assert f"Reproduce: `{cmd}`" in (docs / "ddm.md").read_text()
    assert net.card["validation"] == {
        "normalization_max_abs_error": 0.25,
        "reference": "hssm analytic DDM",
        "command": cmd,
        "report": str((docs / "ddm.md").resolve()),
    }
    for path in (shipped / "card.json", shipped / "weights.safetensors", docs / "ddm.md"):
        assert f"wrote {path}" in res.output
    assert f"shipped {tiny_nce.name}" in res.output
    # nothing staged is left behind, and the trained network is untouched
    assert [p.name for p in (tmp_path / "dest" / "networks").iterdir()] == ["ddm"]
    assert sha256_file(tiny_nce.path / "card.json") == before


def test_ship_refuses_a_reused_version_and_accepts_a_new_one(tiny_nce, tmp_path):
    from hssm_nre.store.artifact import sha256_file

    dest = tmp_path / "dest"
    shipped = dest / "networks" / "ddm"
    assert ship(tiny_nce.path, fake_report(tmp_path / "val", tiny_nce), dest).exit_code == 0
    weights = sha256_file(shipped / "weights.safetensors")
    # the same network again (a new report, say): accepted
    assert ship(tiny_nce.path, fake_report(tmp_path / "val", tiny_nce), dest).exit_code == 0

    other = load(variant(tiny_nce, tmp_path / "other"))
    res = ship(other.path, fake_report(tmp_path / "val-other", other), dest)
    one_line_error(
        res, f"ddm@{tiny_nce.card['version']} is shipped already with other weights", "new version"
    )
    assert sha256_file(shipped / "weights.safetensors") == weights

    bumped = load(variant(tiny_nce, tmp_path / "bumped", version="99.0.0"))
    res = ship(bumped.path, fake_report(tmp_path / "val-bumped", bumped), dest)
    assert res.exit_code == 0, res.output
    assert f"shipped ddm@99.0.0 (was ddm@{tiny_nce.card['version']})" in res.output
    assert load(shipped).card["version"] == "99.0.0"
    assert sha256_file(shipped / "weights.safetensors") != weights
    assert "# Validation of `ddm@99.0.0`" in (dest / "docs" / "ddm.md").read_text()
    assert sorted(p.name for p in (dest / "networks").iterdir()) == ["ddm"]


def test_ship_refuses_a_broken_network_and_a_missing_or_wrong_report(tiny_nce, tmp_path, monkeypatch):
    import shutil

    monkeypatch.chdir(tmp_path)
    dest = tmp_path / "dest"
    report = fake_report(tmp_path / "val", tiny_nce)
    args = ["ship", str(tiny_nce.path), "--networks-dir", str(dest / "n"), "--docs-dir", str(dest / "d")]
    one_line_error(runner.invoke(app, args), "no validation report", "runs/val/ddm/ddm.md")

    broken = tmp_path / "broken"
    shutil.copytree(tiny_nce.path, broken)
    (broken / "weights.safetensors").write_bytes(b"not weights")
    one_line_error(ship(broken, report, dest), "does not match its card")

    other = load(variant(tiny_nce, tmp_path / "other", version="99.0.0"))
    one_line_error(ship(other.path, report, dest), f"validates {tiny_nce.name}, not ddm@99.0.0")

    local = load(variant(tiny_nce, tmp_path / "local", version="0.0.0+local.20261204.190000"))
    one_line_error(ship(local.path, report, dest), "a local build", "--version X.Y.Z")

    quick = fake_report(tmp_path / "quick", tiny_nce)
    quick.write_text(quick.read_text().replace("--reference analytic", "--reference analytic --quick"))
    one_line_error(ship(tiny_nce.path, quick, dest), "--quick")
    assert not dest.exists() or not any(dest.rglob("card.json"))


def test_report_sections_log_progress_as_they_start(tiny_nce, tmp_path, caplog):
    """`hssm-nre validate` printed nothing for minutes; each section now says when it starts."""
    import logging

    from hssm_nre.validation.report import write_report

    def first_section(rep):
        return ["one"]

    def normalization_section(rep):
        return ["two"]

    with caplog.at_level(logging.INFO, logger="hssm_nre.validation"):
        path = write_report(tiny_nce, tmp_path, "t", "cmd", [first_section, normalization_section])
    assert path.read_text().count("one") == 1
    messages = [r.getMessage() for r in caplog.records if r.name == "hssm_nre.validation"]
    assert [m.split(" (")[0] for m in messages] == ["[1/2] first", "[2/2] normalization"]


def test_pull_of_a_shipped_name_says_which_versions_exist(tmp_path, monkeypatch):
    monkeypatch.setenv("HSSM_NRE_CACHE", str(tmp_path / "cache"))
    version = load(hssm_nre.store.shipped.shipped_path("ddm")).card["version"]
    res = runner.invoke(app, ["pull", "ddm@9.9.9"])
    assert res.exit_code == 1
    assert res.output.startswith(f"error: 'ddm' has no version '9.9.9'; available: {version} (shipped)")
    assert "Did you mean" not in res.output
    res = runner.invoke(app, ["pull", "ddm"])
    assert res.exit_code == 1 and f"ddm@{version} is shipped with the package" in res.output


def test_train_log_params_hide_params_and_ema_reach_the_training_settings(tmp_path, monkeypatch):
    """The options override the recipe; an empty list clears the recipe's (weibull feeds log beta)."""
    seen = fake_training(monkeypatch)
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["train", "weibull", "--members", "1"]).exit_code == 0
    assert seen[-1][2].log_params == ("beta",) and seen[-1][2].ema == 0.0
    args = ["train", "weibull", "--members", "1", "--log-params", "", "--ema", "0.999"]
    assert runner.invoke(app, args).exit_code == 0
    assert seen[-1][2].log_params == () and seen[-1][2].ema == 0.999
    features = "log,linear,inverse,boundary,boundary_half"
    args = ["train", "weibull", "--members", "1", "--time-features", features, "--hide-params", "alpha, beta"]
    one_line_error(runner.invoke(app, args), "feed the network")  # the recipe's log beta, now hidden
    res = runner.invoke(app, [*args, "--log-params", ""])
    assert res.exit_code == 0, res.output
    assert seen[-1][2].hide_params == ("alpha", "beta") and seen[-1][2].log_params == ()


def test_validate_chains_reach_the_reference_comparison(tmp_path, monkeypatch):
    import hssm_nre.validation.report

    calls = []
    monkeypatch.setattr(
        hssm_nre.validation.report,
        "run_reference_validation",
        lambda *a, **k: calls.append(k) or tmp_path / "angle.md",
    )
    res = runner.invoke(app, ["validate", "angle", "--chains", "4", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert calls[0]["chains"] == 4
    res = runner.invoke(app, ["validate", "ddm", "--chains", "4", "--out", str(tmp_path)])
    one_line_error(res, "--chains")


def test_ship_embeds_the_density_figure_the_docs_already_have(tiny_nce, tmp_path):
    """A report validated elsewhere keeps the docs' density figure (made apart from validation)."""
    report = fake_report(tmp_path / "val", tiny_nce)
    figures = tmp_path / "dest" / "docs" / "figures"
    figures.mkdir(parents=True)
    (figures / "ddm_density.png").write_bytes(b"png")
    for _ in range(2):  # shipping again does not embed it twice
        res = ship(tiny_nce.path, report, tmp_path / "dest")
        assert res.exit_code == 0, res.output
        text = (tmp_path / "dest" / "docs" / "ddm.md").read_text()
        link = "![ddm: network density against the simulator](figures/ddm_density.png)"
        assert text.count(link) == 1
        assert text.index("Reproduce: ") < text.index(link) < text.index("![overlay]")
    # without the figure nothing is added
    assert "density" not in fake_report(tmp_path / "val2", tiny_nce).read_text()
