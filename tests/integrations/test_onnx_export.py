"""ONNX export: the graph runs in PLAIN hssm (a fresh interpreter that never imports hssm_nre)."""

import json
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import onnx
import pytest
from typer.testing import CliRunner

from hssm_nre.cli import app
from hssm_nre.integrations import onnx_export
from hssm_nre.integrations.onnx_rewrite import rewrite
from hssm_nre.store.hub import load_network
from hssm_nre.store.shipped import shipped_networks

WORKER = Path(__file__).parents[2] / "benchmarks" / "accuracy" / "plain_hssm_onnx.py"


def plain_hssm_logp(path: Path, theta, x, tmp: Path) -> dict:
    np.savez(tmp / "in.npz", theta=theta, x=x)
    out = tmp / "out.json"
    cmd = [sys.executable, str(WORKER), "logp", str(path), str(tmp / "in.npz"), str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(out.read_text())


def check_round_trip(name: str, path: Path, tmp: Path) -> dict:
    net = load_network(name)
    theta, x = onnx_export.probe_trials(net)
    ours = np.asarray(net.logp(theta, x), np.float64)
    f = onnx_export.single_trial_logp(net)
    grad = np.asarray(jax.vmap(jax.grad(f))(jnp.concatenate([theta, x], axis=1)))[:, : len(net.params)]
    got = plain_hssm_logp(path, theta, x, tmp)
    assert got["hssm_nre_imported"] is False
    assert got["params"] == list(net.params) == got["hssm_params"]  # hssm's own order for the model
    hssm_logp, hssm_grad = np.asarray(got["logp"]), np.asarray(got["grad"])
    finite = np.isfinite(ours)
    assert not finite[-3:-1].any() and finite[-1]  # below onset and outside the box: -inf
    np.testing.assert_array_equal(np.isfinite(hssm_logp), finite)
    assert np.all(hssm_logp[~finite] == -np.inf)
    diff = np.abs(hssm_logp[finite] - ours[finite])
    assert diff.max() < 1e-4, (name, diff.max())
    gdiff = np.abs(hssm_grad[finite] - grad[finite]) / (1.0 + np.abs(grad[finite]))
    assert gdiff.max() < 1e-3, (name, gdiff.max())
    return {"max_abs_diff": float(diff.max()), "grad_rel": float(gdiff.max())}


@pytest.fixture(scope="module")
def ddm_onnx(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("onnx") / "ddm.onnx"
    res = CliRunner().invoke(app, ["export", "ddm", "--onnx", str(path)])
    assert res.exit_code == 0, res.output
    assert "approx_differentiable" in res.output and str(path) in res.output
    return path


def test_exported_ddm_runs_in_plain_hssm(ddm_onnx, tmp_path):
    check_round_trip("ddm", ddm_onnx, tmp_path)


def test_the_graph_is_hssm_shaped_and_records_the_network(ddm_onnx):
    model = onnx.load(ddm_onnx)
    (inp,) = model.graph.input
    assert [d.dim_value for d in inp.type.tensor_type.shape.dim] == [6]  # v, a, z, t, rt, response
    assert [d.dim_value for d in model.graph.output[0].type.tensor_type.shape.dim] == []
    assert {n.op_type for n in model.graph.node} <= onnx_export.JAXORT_OPS
    assert model.opset_import[0].version == onnx_export.OPSET
    meta = {p.key: p.value for p in model.metadata_props}
    net = load_network("ddm")
    assert meta["hssm_nre.network"] == net.name
    assert meta["hssm_nre.weights_sha256"] == net.card["weights_sha256"]
    assert json.loads(meta["bounds"]) == {p: list(b) for p, b in net.box.items()}


@pytest.mark.parametrize("name", ["ddm", "full_ddm"])  # full_ddm: the onset is t - st
def test_probe_trials_end_in_two_impossible_rows_and_one_just_after_the_onset(name):
    net = load_network(name)
    theta, x = onnx_export.probe_trials(net, n=20, seed=3)
    assert theta.dtype == x.dtype == np.float32 and len(theta) == len(x) == 23
    lo, hi = (np.array([b[i] for b in net.box.values()]) for i in (0, 1))
    assert np.all((theta[:-2] >= lo) & (theta[:-2] <= hi)) and theta[-2, 0] > hi[0]
    finite = np.isfinite(np.asarray(net.logp(theta, x)))
    assert finite[:-3].all() and not finite[-3:-1].any() and finite[-1]


def test_an_operator_hssm_cannot_run_is_refused(monkeypatch):
    import jax2onnx

    def fake_to_onnx(fn, inputs, **kw):  # a graph with an operator jaxonnxruntime lacks
        node = onnx.helper.make_node("Sign", ["input"], ["logp"])
        f32 = onnx.TensorProto.FLOAT
        graph = onnx.helper.make_graph(
            [node],
            "g",
            [onnx.helper.make_tensor_value_info("input", f32, [6])],
            [onnx.helper.make_tensor_value_info("logp", f32, [6])],
        )
        return onnx.helper.make_model(graph)

    monkeypatch.setattr(jax2onnx, "to_onnx", fake_to_onnx)
    with pytest.raises(ValueError, match=r"\['Sign'\].*jaxonnxruntime"):
        onnx_export.to_onnx_model("ddm")


def test_rewrite_removes_what_jaxonnxruntime_lacks_and_keeps_values():
    def f(v):
        idx = jnp.asarray([2, 0])
        pick = v[idx]  # gather, constant indices
        dyn = jnp.take_along_axis(v.reshape(2, 2), (v[:1] > 0).astype(jnp.int32)[:, None], axis=1)  # dynamic
        upd = v.at[1].set(-v[3])  # scatter
        flags = jnp.all(v > -5) & jnp.any(v >= 1.0)
        return (
            jnp.sum(pick)
            + jnp.sum(dyn)
            + jnp.sum(upd * jnp.sign(v))
            + jnp.min(v)
            + jnp.where(flags & jnp.isfinite(v[0]), 1.0, 0.0)
        )

    spec = jax.ShapeDtypeStruct((4,), jnp.float32)
    lacking = {"gt", "ge", "sign", "is_finite", "reduce_min", "reduce_and", "reduce_or", "gather", "scatter"}
    assert lacking <= primitives(jax.make_jaxpr(f)(spec).jaxpr)  # the test exercises every rule
    g = rewrite(f, spec)
    prims = {e.primitive.name for e in jax.make_jaxpr(g)(spec).eqns}
    assert not prims & lacking and not prims & {"jit", "pjit"}
    rng = np.random.default_rng(0)
    for v in [rng.normal(size=4) for _ in range(20)] + [np.array([0, -1, 2, 0]), np.array([1, 0, 0, 3])]:
        v = jnp.asarray(v, jnp.float32)
        assert float(g(v)) == pytest.approx(float(f(v)), abs=1e-6)


def test_the_special_functions_are_rewritten_exactly_enough():
    """gamma_drift's drift feature (tanh, lgamma, igamma) in elementary operations, against SciPy."""
    from scipy.special import gammainc, gammaln

    def f(v):
        return jnp.tanh(v[0]) + jax.scipy.special.gammaln(v[1]) + jax.scipy.special.gammainc(v[1], v[2])

    spec = jax.ShapeDtypeStruct((3,), jnp.float32)
    special = {"tanh", "lgamma", "igamma"}
    assert special <= primitives(jax.make_jaxpr(f)(spec).jaxpr)
    g = rewrite(f, spec)
    assert not primitives(jax.make_jaxpr(g)(spec).jaxpr) & special
    with jax.enable_x64(True):  # the rules themselves, in float64 over gamma_drift's range and beyond
        from hssm_nre.integrations.onnx_rewrite import _igamma, _lgamma, _tanh

        a, x = np.meshgrid(np.linspace(2.0, 11.0, 19), np.r_[0.0, 1e-6, np.geomspace(1e-3, 1e4, 120)])
        assert np.abs(np.asarray(_igamma(jnp.asarray(a), jnp.asarray(x))) - gammainc(a, x)).max() < 1e-9
        grid = np.geomspace(0.5, 50.0, 100)
        assert np.abs(np.asarray(_lgamma(jnp.asarray(grid))) - gammaln(grid)).max() < 1e-8
        t = np.linspace(-40.0, 40.0, 801)
        assert np.abs(np.asarray(_tanh(jnp.asarray(t))) - np.tanh(t)).max() < 1e-12
        grads = jax.grad(lambda a, x: _igamma(a, x).sum(), argnums=(0, 1))(jnp.asarray(a), jnp.asarray(x))
        assert all(bool(jnp.isfinite(d).all()) for d in grads)
    v = jnp.asarray([0.7, 3.5, 12.0], jnp.float32)
    assert float(g(v)) == pytest.approx(float(f(v)), abs=1e-5)


def primitives(jaxpr) -> set[str]:
    """Primitive names in a jaxpr and the jaxprs nested in its equations (jit bodies)."""
    out = set()
    for eqn in jaxpr.eqns:
        out.add(eqn.primitive.name)
        for p in eqn.params.values():
            inner = getattr(p, "jaxpr", p)
            if hasattr(inner, "eqns"):
                out |= primitives(inner)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(shipped_networks()))
def test_every_shipped_network_round_trips_through_plain_hssm(name, tmp_path):
    path = onnx_export.export_onnx(name, tmp_path / f"{name}.onnx")
    check_round_trip(name, path, tmp_path)
