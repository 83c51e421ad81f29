import numpy as np
import pytest

from hssm_nre.store.artifact import load
from hssm_nre.store.hub import load_network
from hssm_nre.training.distill import DistillConfig, distill, distill_pairs

SMALL = DistillConfig(hidden=(16, 16), q_hidden=(8,), steps=200, n_theta=2000, batch_size=512, seed=1)


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    return distill(load_network("ddm"), SMALL, version="0.0.0+test", out=out, progress=False), out


def test_student_learns_the_teacher_and_records_it(student):
    net, out = student
    rmse = net.card["history"]["val_rmse"]
    assert min(rmse) < 0.75 * rmse[0]  # the fit to the teacher's log-density improves (CI: 2.31 -> 1.39)
    teacher = load_network("ddm")
    t = net.card["training"]
    assert t["teacher"]["name"] == "ddm" and t["teacher"]["version"] == teacher.card["version"]
    assert t["teacher"]["weights_sha256"] == teacher.card["weights_sha256"]
    assert t["hidden"] == [16, 16] and t["q_hidden"] == [8] and t["seed"] == 1
    assert net.card["architecture"]["hidden"] == [16, 16]
    assert net.n_members == 1 and net.normalized
    assert load(out) == net  # saved and read back unchanged


def test_student_is_a_network_like_any_other(student):
    net, _ = student
    theta = np.array([[0.5, 1.0, 0.5, 0.3], [0.5, 1.0, 0.5, 0.3], [9.0, 1.0, 0.5, 0.3]])
    x = np.array([[0.9, 1.0], [0.2, -1.0], [0.9, 1.0]])
    out = np.asarray(net.logp(theta, x))
    assert np.isfinite(out[0]) and out[1] == -np.inf and out[2] == -np.inf  # rt <= t; outside the box


def test_student_density_integrates_to_about_one(student):
    net, _ = student
    u = np.geomspace(1e-4, 100.0, 6000)
    theta = np.tile([0.5, 1.0, 0.5, 0.3], (len(u), 1))
    mass = 0.0
    for c in (-1.0, 1.0):
        dens = np.exp(np.asarray(net.logp(theta, np.stack([u + 0.3, np.full_like(u, c)], 1)), np.float64))
        mass += np.trapezoid(dens, u)
    assert abs(mass - 1.0) < 0.2  # a 300-step student: only roughly; the shipped one is validated


def test_pairs_come_from_matched_nearby_and_anywhere_parameters():
    import jax

    net = load_network("ddm")
    theta, x, kind, logp, logq, grad = distill_pairs(net, 500, SMALL, jax.random.key(0), chunk=500)
    shares = np.bincount(kind, minlength=4) / len(kind)
    assert abs(shares[1] - SMALL.local_share) < 0.05 and abs(shares[2] - SMALL.marginal_share) < 0.08
    assert len(theta) == 500 * SMALL.x_per_theta  # whole groups: one theta per x_per_theta rows
    assert (theta.reshape(500, SMALL.x_per_theta, -1) == theta[:: SMALL.x_per_theta, None]).all()
    ok = kind < 3  # the teacher rules out a trial before the onset: kept as kind 3, zeros
    assert np.isfinite(logp).all() and (x[ok, 0] > theta[ok, 3]).all() and (logp[~ok] == 0).all()
    theta, x, kind, logp, grad = theta[ok], x[ok], kind[ok], logp[ok], grad[ok]
    # matched pairs are where the teacher's density is high; pairs from anywhere in the box are not
    assert np.median(logp[kind == 0]) > np.median(logp[kind == 2]) + 0.5
    # the teacher's gradient in theta, checked against a central difference in a
    step = np.array([0.0, 1e-2, 0.0, 0.0], np.float32)
    up, down = (np.asarray(net.logp(theta[:50] + s, x[:50])) for s in (step, -step))
    fd = (up - down) / 2e-2
    inside = (theta[:50, 1] > 0.32) & (theta[:50, 1] < 2.48)
    np.testing.assert_allclose(grad[:50, 1][inside], fd[inside], rtol=0.05, atol=0.05)


def test_bad_settings_and_teachers_are_refused(tiny_cnre):
    with pytest.raises(ValueError, match="positive widths"):
        DistillConfig(hidden=())
    with pytest.raises(ValueError, match="sum to less than 1"):
        DistillConfig(local_share=0.6, marginal_share=0.5)
    with pytest.raises(ValueError, match="learned reference"):
        distill(tiny_cnre, SMALL, version="0.0.0+test", progress=False)


def test_cli_distill_checks_its_options_before_work(tmp_path):
    from typer.testing import CliRunner

    from hssm_nre.cli import app

    runner = CliRunner()
    base = ["distill", "ddm", "--out", str(tmp_path), "--version", "0.0.1"]
    res = runner.invoke(app, [*base, "--steps", "0"])
    assert res.exit_code == 2 and "--steps and --n-theta must be positive" in res.output
    res = runner.invoke(app, [*base, "--hidden", "x"])
    assert res.exit_code == 2 and "--hidden must be comma-separated" in res.output


def test_a_recipe_with_distill_trains_the_teacher_then_the_student(tmp_path, ddm_data, monkeypatch):
    import hssm_nre.training.loop as loop
    from hssm_nre.simulation import SimConfig
    from hssm_nre.training.config import TrainConfig
    from hssm_nre.training.loop import train
    from hssm_nre.training.recipes import recipe

    rec = recipe("ddm", distill={"steps": 20, "hidden": (8,)}, teacher_version="0.0.1-t", version="0.0.2")
    assert rec.distill == DistillConfig(steps=20, hidden=(8,), seed=0) and rec.teacher_version == "0.0.1-t"
    monkeypatch.setattr(loop, "simulate", lambda *a, **k: ddm_data)  # the session's simulations
    student = train(
        "ddm",
        SimConfig(n=6000, chunk=6000, n_jobs=1),
        TrainConfig(hidden=(8,), q_hidden=(8,), q_components=2, max_steps=10, batch_size=256, max_epochs=1),
        out=tmp_path / "ddm",
        version="0.0.2",
        distill=DistillConfig(hidden=(8,), q_hidden=(4,), steps=20, n_theta=400, batch_size=256),
        teacher_version="0.0.1-t",
        progress=False,
    )
    teacher = load(tmp_path / "ddm-teacher")
    assert load(tmp_path / "ddm") == student and student.card["version"] == "0.0.2"
    assert teacher.card["version"] == "0.0.1-t" and teacher.card["architecture"]["hidden"] == [8]
    assert student.card["training"]["teacher"]["weights_sha256"] == teacher.card["weights_sha256"]
