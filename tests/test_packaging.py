"""The wheel, built and installed into a clean virtual environment with the locked core dependencies.

Slow (a fresh environment of about 1 GB, linked from uv's cache): `make test-slow`.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import hssm_nre

ROOT = Path(__file__).parents[1]
UV = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")


@pytest.mark.slow
def test_wheel_installs_into_a_clean_venv_and_runs(tmp_path):
    if not Path(UV).is_file():
        pytest.skip("uv not found (make venv installs it under .tools/bin)")

    def run(*args, cwd=tmp_path, check=True):
        out = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd)
        assert out.returncode == 0 or not check, out.stderr[-2000:]
        return out

    run(UV, "build", "--wheel", "--out-dir", tmp_path / "dist", cwd=ROOT)
    (wheel,) = (tmp_path / "dist").glob("hssm_nre-*.whl")
    req = run(UV, "export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes", "-q", cwd=ROOT)
    (tmp_path / "requirements.txt").write_text(req.stdout)
    run(UV, "venv", "-q", tmp_path / "venv", "--python", sys.executable)
    python = tmp_path / "venv" / "bin" / "python"
    run(UV, "pip", "install", "-q", "--python", python, "-r", tmp_path / "requirements.txt", wheel)

    version = run(tmp_path / "venv" / "bin" / "hssm-nre", "--version")
    assert version.stdout.strip() == f"hssm-nre {hssm_nre.__version__}"
    code = (
        "import importlib.util as u, numpy as np, hssm_nre\n"
        "assert u.find_spec('optax') is None  # the [train] extra is not installed\n"
        "net = hssm_nre.load_network('ddm')\n"
        "print(net.name, bool(np.isfinite(net.logp(np.array([[0.5, 1.2, 0.5, 0.3]]), "
        "np.array([[0.8, 1.0]]))).all()))"
    )
    assert run(python, "-c", code).stdout.split()[1] == "True"
    files = run(python, "-c", "import hssm_nre, pathlib; print(pathlib.Path(hssm_nre.__file__).parent)")
    assert (Path(files.stdout.strip()) / "py.typed").is_file()
    train = run(tmp_path / "venv" / "bin" / "hssm-nre", "train", "ddm", check=False)
    assert train.returncode == 1
    assert train.stderr.strip() == (
        'error: hssm-nre train needs optax, which is not installed: pip install "hssm-nre[train]"'
    )
