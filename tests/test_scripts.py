"""The tutorials' flags: the command line's, or the quick budget inside a notebook kernel."""

import sys
from pathlib import Path

from hssm_nre.scripts import script_argv

KERNEL = ["/venv/lib/python3/site-packages/ipykernel_launcher.py", "-f", "/tmp/kernel-1.json"]


def test_a_script_gets_its_own_flags(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["07_cavanagh_theta.py", "--out", "figs"])
    assert script_argv(temp_out=True) == ["--out", "figs"]


def test_a_kernel_gets_the_quick_budget_and_a_new_folder(monkeypatch):
    monkeypatch.setattr(sys, "argv", KERNEL)
    assert script_argv() == ["--quick"]
    quick, flag, out = script_argv(temp_out=True)
    assert (quick, flag) == ("--quick", "--out")
    assert Path(out).is_dir() and not any(Path(out).iterdir())
    Path(out).rmdir()
