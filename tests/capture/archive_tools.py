"""Run webrecorder's own validators (warcio check, py-wacz validate) as a user would, in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def _run(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120, check=False
    )


def warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    """`warcio check -v FILE`: every record read, every block and payload digest verified."""
    return _run(
        "import sys; from warcio.cli import main; sys.exit(main(sys.argv[1:]))", "check", "-v", str(path)
    )


def wacz_validate(path: Path) -> subprocess.CompletedProcess[str]:
    """`wacz validate -f FILE` (py-wacz): contents, frictionless package, paths, file hashes, digest."""
    pytest.importorskip("wacz", reason="py-wacz (PyPI wacz) is a test dependency")
    return _run(
        "import sys; from wacz.main import main; sys.exit(main(sys.argv[1:]))", "validate", "-f", str(path)
    )
