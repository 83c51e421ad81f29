"""A network as a single-trial ONNX graph in hssm's ``loglik_kind="approx_differentiable"`` contract.

hssm 0.5 runs an ONNX likelihood (a LAN) through jaxonnxruntime: the graph takes ONE input
vector of a concrete shape ``(P + 2,)`` (the parameters in hssm's order, then ``rt`` and
``response``) and returns the trial's log-likelihood; hssm vmaps it over trials and
differentiates the JAX function it becomes. :func:`to_onnx_model` builds that graph with
jax2onnx from exactly what :func:`hssm_nre.net.logp.build_logp` computes (every member of an
ensemble, the learned noise density, the box and onset masks), after
:mod:`~hssm_nre.integrations.onnx_rewrite` has replaced the primitives jaxonnxruntime cannot
run. The graph computes in the precision it is fed (float32 weights; hssm feeds float64).

Where the graph gives ``-inf``, as ``build_logp`` does: a parameter outside the network's
training box, ``rt`` at or below the earliest onset (``t``, or ``t - st`` for ``full_ddm``), a
response that is not one of the choices. hssm's approx_differentiable path then applies its own
rules on top: ``rt - t <= 1e-15`` gives ``-66.1``, and so does a parameter outside the
``bounds`` of the model config (pass the training box as bounds; the graph's metadata lists it).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import jax
import jax.numpy as jnp

from hssm_nre.integrations.onnx_rewrite import rewrite
from hssm_nre.net.logp import build_logp
from hssm_nre.store.hub import load_network

if TYPE_CHECKING:
    import onnx

    from hssm_nre.store.artifact import Network

__all__ = ["JAXORT_OPS", "OPSET", "export_onnx", "probe_trials", "single_trial_logp", "to_onnx_model"]

# jaxonnxruntime 0.3 implements each operator in some versions only; at opset 19 every operator below
# resolves to a version it has (Cast 19, ReduceMax 18, Equal 19, Reshape 19 ...). Opset 20 and later move
# ReduceMax and others to versions it lacks.
OPSET = 19
JAXORT_OPS = frozenset(
    "Abs Add And Cast Concat Constant ConstantOfShape Div Equal Exp Expand Gather Gemm Identity Less "
    "LessOrEqual Log MatMul Max Min Mul Neg Not Or Pow ReduceMax ReduceSum Reshape Sigmoid Slice Softplus "
    "Sqrt Squeeze Sub Transpose Unsqueeze Where".split()
)


def single_trial_logp(net: Network):
    """``logp(v) -> scalar`` with ``v = [*params (hssm's order), rt, response]``: one trial of ``build_logp``.

    Examples
    --------
    >>> import numpy as np
    >>> from hssm_nre import load_network
    >>> f = single_trial_logp(load_network("ddm"))  # doctest: +SKIP
    >>> float(f(np.array([0.5, 1.5, 0.5, 0.3, 0.9, 1.0], np.float32)))  # doctest: +SKIP
    """
    inner = build_logp(net.weights, net.card, batch_members=False)  # no Einsum in hssm's ONNX runtime
    n_params = len(net.params)

    def logp(v):
        return inner(v[None, :n_params], v[None, n_params:])[0]

    return logp


def probe_trials(net: Network, n: int = 60, seed: int = 0):
    """Trials an exported graph is checked on: ``(theta, x)``, float32, one parameter vector per trial.

    ``n`` trials simulated at parameters drawn inside the box (away from its faces), then three
    rows: an rt 10 ms below the first trial's onset (``t``, less ``st`` where the model has it)
    and a drift 0.5 above the box, which must both give ``-inf``, and an rt 1 ms after the
    onset, which must be finite.
    """
    import numpy as np

    from hssm_nre.simulation import simulate_trials

    rng = np.random.default_rng(seed)
    lo, hi = (np.array([b[i] for b in net.box.values()]) for i in (0, 1))
    theta = lo + (hi - lo) * rng.uniform(0.05, 0.95, size=(n, len(lo)))
    x, ok = simulate_trials(net.model, theta, rng, max_t=20.0)
    theta, x = theta[ok], x[ok]
    t = net.params.index("t")
    onset = theta[0, t] - (theta[0, net.params.index("st")] if "st" in net.params else 0.0)
    above = theta[1].copy()
    above[0] = hi[0] + 0.5
    edge = np.vstack([theta[0], above, theta[2]])
    x_edge = np.array([[onset - 0.01 if onset > 0.02 else 0.0, 1.0], x[1], [theta[2, t] + 1e-3, 1.0]])
    return np.vstack([theta, edge]).astype(np.float32), np.vstack([x, x_edge]).astype(np.float32)


def to_onnx_model(source: str | os.PathLike | Network, *, opset: int = OPSET) -> onnx.ModelProto:
    """Build the single-trial ONNX graph of a network (see the module docstring for the contract).

    Parameters
    ----------
    source
        A :class:`~hssm_nre.store.artifact.Network`, a shipped name, ``name@version`` or a directory.
    opset
        ONNX opset; jaxonnxruntime 0.3 (hssm's ONNX runtime) needs 19 or lower.

    Raises
    ------
    ImportError
        When jax2onnx is not installed (``pip install 'hssm-nre[onnx]'``).
    ValueError
        When the graph holds an operator jaxonnxruntime cannot run.

    Examples
    --------
    >>> model = to_onnx_model("ddm")  # doctest: +SKIP
    >>> [i.name for i in model.graph.input], [o.name for o in model.graph.output]  # doctest: +SKIP
    (['input'], ['logp'])
    """
    try:
        import onnx
        from jax2onnx import to_onnx
    except ImportError as err:
        raise ImportError(
            f"ONNX export needs jax2onnx and onnx ({err}); install them with pip install 'hssm-nre[onnx]'"
        ) from err
    net = load_network(source)
    width = len(net.params) + int(net.card["model"].get("obs_dim") or 2)
    spec = jax.ShapeDtypeStruct((width,), jnp.float32)
    # traced in float32 whatever the process's mode: hssm turns on x64 when imported, and a graph
    # traced under it did not run in hssm (a concat of (1, 3) and (2, 3) in jaxonnxruntime)
    with jax.enable_x64(False), _quiet("onnx_ir", "jax2onnx"):
        fn = rewrite(single_trial_logp(net), spec)
        model = to_onnx(
            fn,
            [spec],
            model_name=net.card["name"],
            opset=opset,
            input_names=["input"],
            output_names=["logp"],
        )
    missing = sorted({n.op_type for n in model.graph.node} - JAXORT_OPS)
    if missing:
        raise ValueError(
            f"the ONNX graph of {net.name} uses {missing}, which jaxonnxruntime (hssm's ONNX runtime) cannot "
            "run; add a rewrite for the JAX primitive behind it in hssm_nre.integrations.onnx_rewrite"
        )
    onnx.helper.set_model_props(model, _metadata(net))
    onnx.checker.check_model(model)
    return model


def export_onnx(source: str | os.PathLike | Network, path: str | os.PathLike, *, opset: int = OPSET) -> Path:
    """Write the single-trial ONNX graph of a network to ``path`` (atomically) and return the path.

    The file is what ``hssm.HSSM(..., loglik=path, loglik_kind="approx_differentiable")`` loads,
    without hssm-nre installed.

    Examples
    --------
    >>> export_onnx("ddm", "ddm_nre.onnx")  # doctest: +SKIP
    PosixPath('ddm_nre.onnx')
    """
    import onnx

    model = to_onnx_model(source, opset=opset)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        onnx.save(model, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _metadata(net: Network) -> dict[str, str]:
    from hssm_nre import __version__

    return {
        "hssm_nre.network": net.name,
        "hssm_nre.version": __version__,
        "hssm_nre.weights_sha256": str(net.card.get("weights_sha256", "")),
        "model": net.model,
        "list_params": json.dumps(list(net.params)),
        "bounds": json.dumps({p: list(b) for p, b in net.box.items()}),
        "choices": json.dumps(list(net.choices)),
        "input": json.dumps([*net.params, "rt", "response"]),
        "output": "per-trial log-likelihood; -inf outside the training box, at rt <= onset and for unknown "
        "responses",
    }


@contextmanager
def _quiet(*loggers: str):
    """Silence the exporters' logging (shape-annotation notices) for the duration."""
    saved = [(lg, lg.level) for lg in map(logging.getLogger, loggers)]
    for lg, _ in saved:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in saved:
            lg.setLevel(level)
