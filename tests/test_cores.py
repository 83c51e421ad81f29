import os
import subprocess
import sys

import pytest

from hssm_nre.cores import FLAG, use_cpu_cores


def _run(code: str, env=None) -> str:
    env = {k: v for k, v in (env or os.environ).items() if k != "XLA_FLAGS"} | (
        {"XLA_FLAGS": env["XLA_FLAGS"]} if env and "XLA_FLAGS" in env else {}
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_before_jax_starts_the_cpu_gets_that_many_devices():
    code = "import hssm_nre; print(hssm_nre.use_cpu_cores(2)); import jax; print(jax.local_device_count())"
    assert _run(code).split() == ["2", "2"]


def test_after_jax_started_it_warns_and_changes_nothing():
    code = (
        "import warnings, jax, jax.numpy as jnp; jnp.zeros(1)\n"
        "import hssm_nre\n"
        "with warnings.catch_warnings(record=True) as w:\n"
        "    warnings.simplefilter('always'); n = hssm_nre.use_cpu_cores(2)\n"
        "print(n, jax.local_device_count(), 'before `import hssm`' in str(w[0].message))"
    )
    assert _run(code).split() == ["0", "1", "True"]


def test_a_device_count_already_set_is_left_alone():
    code = "import hssm_nre; print(hssm_nre.use_cpu_cores(2)); import jax; print(jax.local_device_count())"
    assert _run(code, {**os.environ, "XLA_FLAGS": f"{FLAG}=3"}).split() == ["0", "3"]


def test_flags_already_set_keep_working_and_the_count_goes_first():
    # XLA reads no flag after a token without "--"; an appended device count would be lost
    code = "import hssm_nre; print(hssm_nre.use_cpu_cores(2)); import jax; print(jax.local_device_count())"
    env = {**os.environ, "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"}
    assert _run(code, env).split() == ["2", "2"]


def test_zero_cores_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        use_cpu_cores(0)
