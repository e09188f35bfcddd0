"""The worksheet functions of the desktop add-in, served to Excel by xlwings Server.

One implementation: every ``PE_*`` function here calls the function of the same name in
``addin.functions``. The argument help shown in Excel is read from that module's own ``@xw.arg(...,
doc=...)`` decorators (they are no-ops off Windows, so their text is taken from the source), and the
description from its docstring. Names stay as on the desktop: with no manifest namespace users type
``=PE_SCORE(...)`` in both (docs/server.md has the table).

A value the engine cannot read raises ``addin.functions.PEValueError``; here it becomes an
``XlwingsError``, which xlwings Server answers with HTTP 400 and the Chinese message: Excel shows
#VALUE! with that message and does not retry.
"""
from __future__ import annotations

import ast
import functools
import inspect
from pathlib import Path
from typing import Any, Callable

from xlwings import XlwingsError
from xlwings.server import arg as _server_arg
from xlwings.server import func as _server_func

from addin import functions as desktop

# Options of the desktop decorators that mean something to Office.js custom functions too.
_ARG_OPTIONS = {"ndim", "err_to_str", "doc", "dates", "empty", "numbers", "transpose"}


def _value(node: ast.expr) -> Any:
    """A decorator argument's value: a literal, or an expression over the desktop module's names
    (our own source, evaluated in that module's namespace)."""
    try:
        return ast.literal_eval(node)
    except ValueError:
        return eval(compile(ast.Expression(body=node), "<addin.functions>", "eval"), vars(desktop))  # noqa: S307


def _decorators(source: str) -> dict[str, list[tuple[str, tuple, dict]]]:
    """{function name: [(decorator, positional args, keyword args)]} for the PE_* functions."""
    found: dict[str, list[tuple[str, tuple, dict]]] = {}
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.FunctionDef) and node.name.startswith("PE_")):
            continue
        calls = []
        for dec in node.decorator_list:
            if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute):
                args = tuple(_value(a) for a in dec.args)
                kwargs = {k.arg: _value(k.value) for k in dec.keywords if k.arg}
                calls.append((dec.func.attr, args, kwargs))
        found[node.name] = calls
    return found


def _served(original: Callable[..., Any], decorators: list[tuple[str, tuple, dict]]) -> Callable[..., Any]:
    @functools.wraps(original)
    def call(*args):
        try:
            return original(*args)
        except desktop.PEValueError as exc:
            raise XlwingsError(str(exc)) from None

    # functools.wraps copies __dict__; the desktop function may carry its own registration.
    call.__dict__.pop("__xlfunc__", None)
    call.__signature__ = inspect.signature(original)
    for name, args, kwargs in decorators:  # bottom-up, as Python applies them
        if name == "arg":
            call = _server_arg(args[0], **{k: v for k, v in kwargs.items() if k in _ARG_OPTIONS})(call)
    return _server_func(call)


def _register() -> list[str]:
    source = Path(inspect.getfile(desktop)).read_text(encoding="utf-8")
    names = []
    for name, decorators in sorted(_decorators(source).items()):
        globals()[name] = _served(getattr(desktop, name), list(reversed(decorators)))
        names.append(name)
    return names


FUNCTIONS = _register()
__all__ = list(FUNCTIONS)
