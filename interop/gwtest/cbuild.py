"""Builds the interop suite's C test programs (the test command builds them too; a test rebuilds one that is missing
or older than its source)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def built(source: Path, binary: Path, library: str, package: str) -> Path:
    """`binary`, (re)built from `source` linked with `-l<library>` when missing or older than the source."""
    if not binary.exists() or binary.stat().st_mtime < source.stat().st_mtime:
        cc = shutil.which("cc")
        assert cc, f"no C compiler (cc) to build {source.name}"
        binary.parent.mkdir(exist_ok=True)
        build = subprocess.run([cc, "-O2", "-Wall", "-o", str(binary), str(source), f"-l{library}"],
                               capture_output=True, text=True, timeout=120)
        assert build.returncode == 0, f"building {source.name} failed (is {package} installed?):\n{build.stderr}"
    return binary
