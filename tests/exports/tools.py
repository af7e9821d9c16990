"""Running the real statistics tools on exported files: R (``Rscript``) and PSPP, each where it is
installed; a test that needs one is skipped with a message saying what is missing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

TOOL_TIMEOUT = 300  # seconds; PSPP and R read a few hundred responses in a second or two


def rscript(script: str, cwd: Path, *, packages: tuple[str, ...] = ()) -> str:
    """Run an R script (skipped where R, or one of ``packages``, is not installed); its output."""
    exe = shutil.which("Rscript")
    if exe is None:
        pytest.skip("R is not installed (Rscript not found): apt install r-base-core")
    for package in packages:
        found = subprocess.run(
            [exe, "-e", f"quit(status = !requireNamespace('{package}', quietly = TRUE))"],
            capture_output=True,
            timeout=TOOL_TIMEOUT,
        )
        if found.returncode:
            pytest.skip(f"the R package {package} is not installed: apt install r-cran-{package}")
    path = cwd / "check.R"
    path.write_text(script, encoding="utf-8")
    return _run([exe, "--vanilla", str(path)], cwd)


def pspp(syntax: str, cwd: Path) -> str:
    """Run PSPP on a syntax file (skipped where PSPP is not installed); its output."""
    exe = shutil.which("pspp")
    if exe is None:
        pytest.skip("PSPP is not installed: apt install pspp")
    path = cwd / "check.sps"
    path.write_text(syntax, encoding="utf-8")
    return _run(
        [exe, "-O", "format=txt", "-o", str(cwd / "pspp.txt"), str(path)], cwd, cwd / "pspp.txt"
    )


def _run(command: list[str], cwd: Path, output: Path | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=TOOL_TIMEOUT)
    text = done.stdout + done.stderr
    if output is not None and output.exists():
        text += output.read_text(encoding="utf-8", errors="replace")
    assert done.returncode == 0, f"{command[0]} failed ({done.returncode}):\n{text[-4000:]}"
    return text
