"""pe-score's pure scoring core: parse cell values, score a 附件2-1 form, explain the result."""
from .engine import (
    apply_cap,
    constraint_triggered,
    grade_for,
    infer_method,
    score_budget,
    score_form,
    score_indicator,
)
from .findings import CATALOGUE, Rule, make
from .models import Finding, Form, Method, Result
from .profiles import Profile, ProfileError, list_profiles, load_profile
from .report import explain_rows, result_json

__all__ = [
    "CATALOGUE", "Finding", "Form", "Method", "Profile", "ProfileError", "Result", "Rule",
    "apply_cap", "constraint_triggered", "explain_rows", "grade_for", "infer_method", "list_profiles",
    "load_profile", "make", "result_json", "score_budget", "score_form", "score_indicator",
]
