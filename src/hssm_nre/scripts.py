"""Helpers for the tutorials, which run both as scripts and as notebooks."""

from __future__ import annotations

import sys
import tempfile

__all__ = ["script_argv"]


def script_argv(quick: tuple[str, ...] = ("--quick",), temp_out: bool = False) -> list[str]:
    """Return the command line's flags, or ``quick`` inside a notebook kernel.

    A kernel's ``sys.argv`` holds the kernel's own flags, so a tutorial run as a notebook takes
    its quick budget instead; with ``temp_out`` it also writes to a new temporary folder
    (``--out DIR``) rather than the working directory.
    """
    if not sys.argv[0].endswith("ipykernel_launcher.py"):
        return sys.argv[1:]
    return [*quick, "--out", tempfile.mkdtemp(prefix="hssm-nre-")] if temp_out else list(quick)
