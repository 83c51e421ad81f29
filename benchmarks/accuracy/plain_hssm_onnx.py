"""Run an exported network in PLAIN hssm (``loglik_kind="approx_differentiable"``), never importing hssm_nre.

Two modes, each writing a JSON file::

    python benchmarks/accuracy/plain_hssm_onnx.py logp FILE.onnx IN.npz OUT.json
    python benchmarks/accuracy/plain_hssm_onnx.py fit FILE.onnx DATA.csv OUT.json [DRAWS TUNE CHAINS SEED]

``logp``: ``IN.npz`` holds ``theta`` (n, P) and ``x`` (n, 2); the per-trial log-likelihoods and their
gradients with respect to every parameter come from the pytensor op that hssm builds for an ONNX file
(``hssm.distribution_utils.make_likelihood_callable``: jaxonnxruntime, vmapped over trials).
``fit``: ``hssm.HSSM(data, model=<the file's metadata>, loglik=FILE, loglik_kind="approx_differentiable")``
with uniform priors and bounds on the training box (from the metadata), sampled with numpyro as
``hssm_nre.validation.sampling.fit_hssm`` samples the native ratio fit; posterior means and SDs.

Both check that ``hssm_nre`` was never imported (``"hssm_nre_imported"`` in the output) and that the
graph's parameter order is hssm's own for the model. ``tests/integrations/test_onnx_export.py`` and
``accuracy/onnx_roundtrip.py`` run this file in a fresh interpreter.
"""

import json
import sys
import time

import numpy as np


def _meta(path):
    import onnx

    model = onnx.load(path)
    return {p.key: p.value for p in model.metadata_props}


def _hssm_params(model):
    from hssm.modelconfig import get_default_model_config, list_models

    if model not in list_models():
        return None
    return list(get_default_model_config(model)["list_params"])


def logp_mode(path, inp, out):
    import pytensor
    import pytensor.tensor as pt
    from hssm.distribution_utils import make_likelihood_callable

    meta = _meta(path)
    params = json.loads(meta["list_params"])
    d = np.load(inp)
    theta, x = np.asarray(d["theta"], np.float64), np.asarray(d["x"], np.float64)
    op = make_likelihood_callable(
        loglik=path, loglik_kind="approx_differentiable", backend="jax", params_is_reg=[True] * len(params)
    )
    data = pt.dmatrix("data")
    ps = [pt.dvector(p) for p in params]
    ll = op(data, *ps)
    grads = pt.grad(pt.sum(ll), ps)
    f = pytensor.function([data, *ps], [ll, *grads], mode="FAST_COMPILE")
    t0 = time.perf_counter()
    res = f(x, *theta.T)
    seconds = time.perf_counter() - t0
    return {
        "logp": np.asarray(res[0]).tolist(),
        "grad": np.stack([np.asarray(g) for g in res[1:]], axis=1).tolist(),
        "params": params,
        "hssm_params": _hssm_params(meta["model"]),
        "seconds": seconds,
    }


def fit_mode(path, csv, out, draws=300, tune=300, chains=2, seed=0):
    import hssm
    import pandas as pd

    meta = _meta(path)
    bounds = json.loads(meta["bounds"])
    data = pd.read_csv(csv)
    include = [
        {"name": p, "prior": {"name": "Uniform", "lower": lo, "upper": hi}, "bounds": (lo, hi)}
        for p, (lo, hi) in bounds.items()
    ]
    model = hssm.HSSM(
        data,
        model=meta["model"],
        loglik=path,
        loglik_kind="approx_differentiable",
        include=include,
        p_outlier=None,
    )
    t0 = time.perf_counter()
    idata = model.sample(
        sampler="numpyro",
        init="auto",
        draws=int(draws),
        tune=int(tune),
        chains=int(chains),
        random_seed=int(seed),
        progressbar=False,
        nuts={"dense_mass": True},
        idata_kwargs={"log_likelihood": False},
    )
    seconds = time.perf_counter() - t0
    import arviz as az

    post = idata.posterior
    draws_of = {p: np.asarray(post[p]).reshape(-1) for p in bounds}
    return {
        "mean": {p: float(v.mean()) for p, v in draws_of.items()},
        "sd": {p: float(v.std()) for p, v in draws_of.items()},
        "ess": {p: float(az.ess(np.asarray(post[p]))) for p in bounds},
        "seconds": seconds,
        "params": list(bounds),
        "hssm_params": _hssm_params(meta["model"]),
    }


def main(argv):
    mode, path, inp, out, *rest = argv
    result = logp_mode(path, inp, out) if mode == "logp" else fit_mode(path, inp, out, *rest)
    result["hssm_nre_imported"] = any(m == "hssm_nre" or m.startswith("hssm_nre.") for m in sys.modules)
    with open(out, "w") as fh:
        json.dump(result, fh)


if __name__ == "__main__":
    main(sys.argv[1:])
