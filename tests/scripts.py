"""The repository's scripts (``bench/*.py``, ``install/pe_install.py``) loaded as modules for tests:
they live outside the packages, so they are loaded from their file."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def load_script(relative: str, name: str) -> ModuleType:
    """The script at ``ROOT/relative`` as a module named ``name`` (registered in ``sys.modules``:
    dataclasses and pickling look a class's module up there)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / relative)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
