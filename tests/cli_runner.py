"""Run the ``pe-score`` command in this process, through its console-script entry point
``pe_score.cli.main``: the same code a real process runs, without an interpreter start-up per call.

A few tests still start real processes (``run_process``) for what only a process shows: the exit
status the shell sees, that no traceback reaches stderr, start-up imports.
"""
from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


@contextlib.contextmanager
def _cwd(path: Optional[os.PathLike]) -> Iterator[None]:
    if path is None:
        yield
        return
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def run_cli(*args: object, cwd: Optional[os.PathLike] = None) -> Run:
    """``pe-score ARGS...`` in-process; stdout/stderr captured as UTF-8 text."""
    from pe_score.cli import main

    out_b, err_b = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_b, encoding="utf-8", write_through=True)
    err = io.TextIOWrapper(err_b, encoding="utf-8", write_through=True)
    saved_debug = os.environ.pop("PE_SCORE_DEBUG", None)
    try:
        with _cwd(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([os.fspath(a) if isinstance(a, os.PathLike) else str(a) for a in args])
    finally:
        if saved_debug is not None:
            os.environ["PE_SCORE_DEBUG"] = saved_debug
    out.flush()
    err.flush()
    return Run(code, out_b.getvalue().decode("utf-8"), err_b.getvalue().decode("utf-8"))


def run_process(*args: object, cwd: Optional[os.PathLike] = None, timeout: float = 120,
                **env: str) -> subprocess.CompletedProcess:
    """``python -m pe_score ARGS...`` in a real child process."""
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8", **env)
    full_env.pop("PE_SCORE_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "pe_score", *map(str, args)],
        cwd=cwd or ROOT, env=full_env, capture_output=True, text=True, encoding="utf-8", timeout=timeout,
    )
