"""Optional dependencies: a missing extra is named with its pip line, and a fit needs none of them."""

import subprocess
import sys

from typer.testing import CliRunner

from hssm_nre.cli import app

HIDE = (
    "import sys\n"
    "class Hide:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name.split('.')[0] in {names!r}:\n"
    "            raise ModuleNotFoundError(f'No module named {{name!r}}', name=name)\n"
    "sys.meta_path.insert(0, Hide())\n"
)


def run(code: str, hide=("optax", "sklearn", "ddm")) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", HIDE.format(names=set(hide)) + code], capture_output=True, text=True
    )


def test_train_without_the_train_extra_names_it():
    out = run("import hssm_nre\ntry:\n    hssm_nre.train\nexcept ModuleNotFoundError as e:\n    print(e)")
    assert out.returncode == 0, out.stderr
    assert 'hssm_nre.train needs optax, which is not installed: pip install "hssm-nre[train]"' in out.stdout


def test_the_cli_says_which_extra_in_one_line(monkeypatch):
    import hssm_nre.cli as cli

    def boom(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'optax'", name="optax")

    monkeypatch.setattr(cli, "_widths", boom)
    res = CliRunner().invoke(app, ["train", "ddm"])
    assert res.exit_code == 1
    expected = 'error: hssm-nre train needs optax, which is not installed: pip install "hssm-nre[train]"'
    assert res.output.strip() == expected


def test_a_network_loads_and_evaluates_without_the_train_and_validate_extras():
    code = (
        "import numpy as np, hssm_nre\n"
        "net = hssm_nre.load_network('ddm')\n"
        "v = net.logp(np.array([[0.5, 1.2, 0.5, 0.3]]), np.array([[0.8, 1.0]]))\n"
        "loaded = sorted(m for m in ('optax', 'sklearn', 'ddm') if m in sys.modules)\n"
        "print(bool(np.isfinite(v).all()), loaded)"
    )
    out = run(code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True []"
