"""The compile log: JAX's tracing and compile seconds collected, its messages kept off the terminal."""

import logging

import jax
import jax.numpy as jnp
import pytest

from hssm_nre.validation.timing import CompileLog, compile_log


def test_compile_log_counts_a_new_function_and_restores_the_setting(caplog):
    was = jax.config.jax_log_compiles
    with caplog.at_level(logging.DEBUG), compile_log() as log:
        jax.jit(lambda x: jnp.tanh(x) * 3.0 + 1.0)(jnp.ones(5))
    assert log.seconds["compile"] > 0 and log.seconds["lower"] > 0
    assert log.total == pytest.approx(sum(log.seconds.values()))
    assert not [r for r in caplog.records if "XLA compilation" in r.getMessage()]  # read, not shown
    assert jax.config.jax_log_compiles == was
    with compile_log() as again:
        jax.jit(lambda x: jnp.tanh(x) * 3.0 + 1.0)(jnp.ones(5))  # a new function object: compiled again
    assert again.seconds["compile"] > 0


def test_compile_log_counts_tracing_of_compiled_functions_only():
    log = CompileLog()
    for msg in (
        "Finished tracing inner for jit in 0.5 sec",  # jitted inside the other: not compiled itself
        "Finished tracing outer for jit in 1.0 sec",
        "Finished jaxpr to MLIR module conversion jit(outer) in 0.25 sec",
        "Finished XLA compilation of jit(outer) in 2.0 sec",
    ):
        assert not log.filter(logging.LogRecord("jax._src.dispatch", logging.WARNING, "", 0, msg, None, None))
    assert log.seconds == {"trace": 1.0, "lower": 0.25, "compile": 2.0}
    other = logging.LogRecord("jax._src.dispatch", logging.WARNING, "", 0, "something else", None, None)
    assert log.filter(other)
