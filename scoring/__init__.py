"""pe-score's pure scoring core: parse cell values, score a 附件2-1 form, explain the result.

The names below are imported on first use, so ``import scoring.values`` (or the Excel UDF module)
does not pay for the models, the profiles and pydantic until they are needed.
"""
from __future__ import annotations

import importlib
TYPE_CHECKING = False  # typing is not imported at run time (start-up cost): annotations are strings
if TYPE_CHECKING:
    from typing import Any

_EXPORTS = {
    "apply_cap": "engine", "constraint_triggered": "engine", "grade_for": "engine", "infer_method": "engine",
    "score_budget": "engine", "score_form": "engine", "score_indicator": "engine",
    "CATALOGUE": "findings", "Rule": "findings", "make": "findings",
    "Finding": "models", "Form": "models", "Method": "models", "Result": "models",
    "Profile": "profiles", "ProfileError": "profiles", "list_profiles": "profiles", "load_profile": "profiles",
    "explain_rows": "report", "result_json": "report",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'scoring' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
