"""Where a fit's time goes: the seconds JAX reports for tracing, lowering and compiling.

Every ``model.sample()`` traces the model and has XLA compile the sampler before the first draw.
:func:`compile_log` collects those seconds from JAX's own compile log (``jax_log_compiles``)
without printing it, so a timing can be split into compiling and sampling
(``benchmarks/speed/compile_time.py``, ``make demo``).
"""

from __future__ import annotations

import contextlib
import logging
import re

__all__ = ["CompileLog", "compile_log"]

PHASES = {
    "trace": re.compile(r"Finished tracing (.*) for jit in ([0-9.e+-]+) sec"),
    "lower": re.compile(r"Finished jaxpr to MLIR module conversion jit\((.*)\) in ([0-9.e+-]+) sec"),
    "compile": re.compile(r"Finished XLA compilation of jit\((.*)\) in ([0-9.e+-]+) sec"),
}
# the loggers jax_log_compiles writes to, and the messages of it that are dropped after reading
LOGGERS = ("jax._src.dispatch", "jax._src.interpreters.pxla")
QUIET = re.compile(r"^(Finished (tracing|jaxpr to MLIR|XLA compilation)|Compiling )")


class CompileLog(logging.Filter):
    """A logging filter that reads JAX's compile messages, keeps their seconds and drops them."""

    def __init__(self):
        super().__init__()
        self.events: list[tuple[str, str, float]] = []

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the seconds of a compile message; pass every other message on."""
        msg = record.getMessage()
        for phase, pattern in PHASES.items():
            m = pattern.search(msg)
            if m:
                self.events.append((phase, m.group(1), float(m.group(2))))
        return not QUIET.search(msg)

    @property
    def seconds(self) -> dict[str, float]:
        """Seconds of ``trace``, ``lower`` and ``compile``.

        Tracing counts for the functions compiled only: a function jitted inside another is
        traced within its caller's trace, and JAX reports both.
        """
        compiled = {name for phase, name, _ in self.events if phase == "compile"}
        out = dict.fromkeys(PHASES, 0.0)
        for phase, name, sec in self.events:
            if phase != "trace" or name in compiled:
                out[phase] += sec
        return out

    @property
    def total(self) -> float:
        """Seconds of tracing, lowering and compiling together."""
        return sum(self.seconds.values())


@contextlib.contextmanager
def compile_log():
    """Collect what JAX spends tracing, lowering and compiling inside the block.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> with compile_log() as log:
    ...     _ = jax.jit(lambda x: jnp.sin(x) * 2)(jnp.ones(3))
    >>> log.seconds["compile"] > 0
    True
    """
    import jax

    was = jax.config.jax_log_compiles
    log = CompileLog()
    loggers = [logging.getLogger(name) for name in LOGGERS]
    for logger in loggers:
        logger.addFilter(log)
    jax.config.update("jax_log_compiles", True)
    try:
        yield log
    finally:
        jax.config.update("jax_log_compiles", was)
        for logger in loggers:
            logger.removeFilter(log)
