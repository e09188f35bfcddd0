"""The README's test command is the quick one; CI runs that and everything it leaves out."""
from __future__ import annotations

import re
import sys

from conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_default_run_leaves_out_the_long_cases():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    addopts = cfg["addopts"]
    assert re.search(r"-m '?not slow and not libreoffice'?", addopts), addopts
    names = {m.split(":")[0] for m in cfg["markers"]}
    assert {"slow", "libreoffice"} <= names


def test_ci_runs_the_readme_command_and_the_long_cases():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert 'python -m pip install ".[test]" && python -m pytest\n' in readme
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    lines = [ln.strip() for ln in ci.splitlines() if ln.strip().startswith("python -m pytest")]
    assert "python -m pytest" in lines  # the README's command, as written
    assert 'python -m pytest -m "slow or libreoffice"' in lines  # and everything it leaves out
