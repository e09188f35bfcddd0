"""Compile the project's bytecode before a cold-start bench, the way ``pip install`` does for a user.

A cold-start bench times new processes. With ``PYTHONDONTWRITEBYTECODE`` set (common in CI and
containers) a warm-up run writes no ``.pyc`` files, so every timed process would compile the
project's ~30 modules from source again (~25 ms of CPU) — a cost no installed copy pays. ``compileall``
writes the caches regardless of that setting; the third-party packages already have theirs from pip.

The compiled regular expressions are cached the same way (``scoring.lazy``: written by the first run
unless bytecode writing is off); ``python -m scoring.lazy`` writes that cache regardless, as
``compileall`` does for bytecode, so a bench under ``PYTHONDONTWRITEBYTECODE`` times what an installed
copy pays from its second run on.

    python bench/bytecode.py
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("scoring", "workbook", "pe_score", "addin", "server")


def compile_project() -> None:
    dirs = [name for name in PACKAGES if (ROOT / name).is_dir()]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *dirs], cwd=ROOT,
                   stdout=subprocess.DEVNULL, check=False)
    subprocess.run([sys.executable, "-m", "scoring.lazy"], cwd=ROOT, stdout=subprocess.DEVNULL, check=False)


if __name__ == "__main__":
    compile_project()
