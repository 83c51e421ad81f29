"""Optional dependencies: which ``pip install "hssm-nre[EXTRA]"`` brings a missing module.

Fitting with the shipped networks needs only the core dependencies; training needs the
``train`` extra (optax, matplotlib) and validation the ``validate`` extra (PyDDM,
scikit-learn, matplotlib); fits on a Dask cluster need the ``cluster`` extra (distributed).
"""

from __future__ import annotations

__all__ = ["EXTRA_OF", "explain_missing"]

# top-level module -> the extra that installs it
EXTRA_OF = {
    "optax": "train",
    "matplotlib": "train",
    "ddm": "validate",  # PyDDM
    "sklearn": "validate",
    "blackjax": "samplers",
    "nutpie": "samplers",
    "jax2onnx": "onnx",
    "onnx": "onnx",
    "distributed": "cluster",
    "dask": "cluster",
}


def explain_missing(err: ModuleNotFoundError, what: str) -> ModuleNotFoundError | None:
    """Return an error that names the extra to install for ``err``, or None if no extra has it.

    Examples
    --------
    >>> err = explain_missing(ModuleNotFoundError("No module named 'optax'", name="optax"), "training")
    >>> str(err)
    'training needs optax, which is not installed: pip install "hssm-nre[train]"'
    """
    top = (err.name or "").split(".")[0]
    extra = EXTRA_OF.get(top)
    if extra is None:
        return None
    return ModuleNotFoundError(
        f'{what} needs {top}, which is not installed: pip install "hssm-nre[{extra}]"', name=top
    )
