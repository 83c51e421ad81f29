"""hssm-nre: neural ratio estimation likelihoods for HSSM (``loglik_kind="ratio"``).

Importing the package registers the ``"ratio"`` likelihood kind with hssm: at once
if hssm is already imported, otherwise as soon as it is. Nothing else happens at
import time (no I/O, no downloads, no JAX compilation); the public names below are
loaded on first use.

Examples
--------
>>> import hssm_nre
>>> hssm_nre.__version__
'0.1.0.dev0'
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

__version__ = "0.1.0.dev0"

_LAZY = {
    "ModelSpec": "models",
    "get_model": "models",
    "list_models": "models",
    "SimConfig": "simulation",
    "simulate": "simulation",
    "simulate_trials": "simulation",
    "TrainConfig": "training.config",
    "train": "training.loop",
    "fit": "training.loop",
    "Network": "store.artifact",
    "ensemble": "store.artifact",
    "save": "store.artifact",
    "load": "store.artifact",
    "load_network": "store.hub",
    "pull": "store.download",
    "list_networks": "store.download",
    "publish": "store.download",
    "make_logp": "net.logp",
    "RatioDistribution": "integrations.pymc",
    "register": "integrations.hssm",
    "use_cpu_cores": "cores",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        try:
            module = importlib.import_module(f".{_LAZY[name]}", __name__)
        except ModuleNotFoundError as err:  # an optional dependency: say which extra brings it
            from hssm_nre.extras import explain_missing

            better = explain_missing(err, f"hssm_nre.{name}")
            if better is None:
                raise
            raise better from err
        return getattr(module, name)
    raise AttributeError(f"module 'hssm_nre' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)


class _RegisterWhenHssmLoads(importlib.abc.MetaPathFinder):
    """Finder that lets hssm load normally, then registers the ratio kind."""

    def find_spec(self, fullname, path, target=None):
        if fullname != "hssm":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec("hssm")
        if spec is None or spec.loader is None:
            return None
        exec_module = spec.loader.exec_module

        def exec_and_register(module):
            exec_module(module)
            from hssm_nre.integrations.hssm import register

            register()

        spec.loader.exec_module = exec_and_register  # type: ignore[method-assign]
        return spec


if "hssm" in sys.modules:
    from hssm_nre.integrations.hssm import register as _register

    _register()
elif not any(isinstance(f, _RegisterWhenHssmLoads) for f in sys.meta_path):
    sys.meta_path.insert(0, _RegisterWhenHssmLoads())
