"""Run NUTS chains side by side on the CPU's cores (numpyro's ``chain_method="parallel"``).

hssm samples with numpyro through PyMC, which asks for parallel chains; with JAX's default of
one CPU device numpyro warns ("There are not enough devices to run parallel chains") and runs
the chains one after another. JAX gives the CPU as many devices as asked for, but only before
its backend starts, which ``import hssm`` already does. So call :func:`use_cpu_cores` first::

    import hssm_nre
    hssm_nre.use_cpu_cores()  # before `import hssm` or any JAX computation
    import hssm

The same is set from the shell with ``XLA_FLAGS=--xla_force_host_platform_device_count=2``.
"""

from __future__ import annotations

import os
import sys
import warnings

__all__ = ["use_cpu_cores"]

FLAG = "--xla_force_host_platform_device_count"


def _backend_started() -> bool:
    if "jax" not in sys.modules:
        return False
    try:
        from jax._src import xla_bridge

        return bool(xla_bridge.backends_are_initialized())
    except (ImportError, AttributeError):  # a JAX without the check: assume the worst
        return True


def use_cpu_cores(n: int | None = None, *, warn: bool = True) -> int:
    """Give JAX ``n`` CPU devices (default: the cores this process may use, at most 8).

    Returns the number of devices asked for, or 0 when it is too late (JAX's backend already
    started: a warning says what to do, unless ``warn`` is false) or ``XLA_FLAGS`` already sets
    a device count (left as it is).

    Examples
    --------
    >>> import hssm_nre
    >>> hssm_nre.use_cpu_cores(2)  # doctest: +SKIP
    2
    """
    if n is None:
        n = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 8)
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    flags = os.environ.get("XLA_FLAGS", "")
    if FLAG in flags:
        return 0
    if _backend_started():
        if not warn:
            return 0
        warnings.warn(
            "use_cpu_cores() came after JAX started (import hssm starts it), so NUTS chains still run "
            "one after another; call it before `import hssm`, or set "
            f"XLA_FLAGS={FLAG}={n} in the shell",
            RuntimeWarning,
            stacklevel=2,
        )
        return 0
    # first: XLA stops reading its flags at a token without "--" (such as the
    # "intra_op_parallelism_threads=1" of a single-threaded training run), and one appended after
    # it would be lost without a word
    os.environ["XLA_FLAGS"] = f"{FLAG}={n} {flags}".strip()
    return n
