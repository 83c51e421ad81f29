"""Helpers shared by benchmarks in more than one group (``speed/``, ``accuracy/``).

A script imports them after putting ``benchmarks/`` on ``sys.path``::

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from common import timeit  # noqa: E402
"""

import time

import jax


def timeit(f, *args, reps=200):
    """Seconds per call of the jitted ``f(*args)``, after one warm-up call (compilation)."""
    jax.block_until_ready(f(*args))
    t0 = time.perf_counter()
    for _ in range(reps):
        out = f(*args)
    jax.block_until_ready(out)
    return (time.perf_counter() - t0) / reps
