"""Every data file the packages read at run time is shipped: a file missing from
``[tool.setuptools.package-data]`` works in a checkout and fails in every installed copy."""
from __future__ import annotations

import fnmatch
import sys
from pathlib import Path

from conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PACKAGES = ("scoring", "workbook", "addin", "pe_score")
NOT_SHIPPED = {".py", ".pyc", ".md"}  # code is shipped anyway; READMEs are for developers


def test_every_data_file_of_the_packages_is_in_package_data():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = cfg["tool"]["setuptools"].get("package-data", {})
    missing = []
    for pkg in PACKAGES:
        base = ROOT / pkg
        for path in base.rglob("*"):
            if not path.is_file() or path.suffix in NOT_SHIPPED or "__pycache__" in path.parts:
                continue
            rel = path.relative_to(base).as_posix()
            if not any(fnmatch.fnmatch(rel, g) and rel.count("/") == g.count("/") for g in globs.get(pkg, [])):
                missing.append(f"{pkg}/{rel}")
    assert not missing, f"add to [tool.setuptools.package-data]: {missing}"
