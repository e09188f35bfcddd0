"""pe-score's own pages on xlwings Server: help, the findings catalogue, a health check.

xlwings Server includes ``routers.custom.router`` from the project folder. Everything the manifest
and the task pane link to is served here, so an intranet without internet access loses nothing.
The findings pages are the repository's ``docs/findings/PEnnn.md`` (one page per code, kept in step
with ``scoring.findings.CATALOGUE`` by tests/test_catalogue.py), rendered to HTML.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from markupsafe import Markup
from xlwings_server.config import settings
from xlwings_server.templates import TemplateResponse, templates

from scoring.findings import CATALOGUE

router = APIRouter(prefix=f"{settings.app_path}/pe")

FINDINGS_DIR = Path(__file__).resolve().parents[2] / "docs" / "findings"
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
_CODE = re.compile(r"PE\d{3}")


def _catalogue():
    return [CATALOGUE[code] for code in sorted(CATALOGUE)]


# The task pane (xlwings' own route renders templates/taskpane.html) lists the catalogue too.
templates.env.globals["pe_catalogue"] = _catalogue()
templates.env.globals["pe_severity_zh"] = SEVERITY_ZH


@lru_cache(maxsize=None)
def _markdown():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table")


def _local_href(href: str) -> str | None:
    """Links between finding pages stay on this server; other relative links have no page here."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I) or href.startswith("#"):
        return href
    name = href.split("#", 1)[0]
    if _CODE.fullmatch(name.removesuffix(".md")):
        return f"{settings.app_path}/pe/findings/{name.removesuffix('.md')}"
    if name in ("README.md", "./", ""):
        return f"{settings.app_path}/pe/findings/"
    return None


@lru_cache(maxsize=128)
def render_finding(code: str) -> str:
    md = _markdown()
    tokens = md.parse((FINDINGS_DIR / f"{code}.md").read_text(encoding="utf-8"))
    for token in tokens:
        for child in token.children or []:
            if child.type == "link_open":
                href = _local_href(child.attrGet("href") or "")
                if href is None:
                    child.attrs.pop("href", None)
                else:
                    child.attrSet("href", href)
    return md.renderer.render(tokens, md.options, {})


def _functions():
    import custom_functions

    out = []
    for name in custom_functions.FUNCTIONS:
        info = getattr(custom_functions, name).__xlfunc__
        params = ", ".join(a["name"] if "optional" not in a else f"[{a['name']}]" for a in info["args"])
        out.append({"name": name, "params": params, "description": info["ret"]["doc"]})
    return out


@router.get("/help")
async def help_page(request: Request):
    return TemplateResponse(request=request, name="pe_help.html",
                            context={"title": "使用说明", "functions": _functions()})


@router.get("/findings/")
async def findings_index(request: Request):
    return TemplateResponse(request=request, name="pe_findings.html",
                            context={"title": "问题代码清单", "catalogue": _catalogue(),
                                     "severity_zh": SEVERITY_ZH})


@router.get("/findings/{code}")
async def finding_page(request: Request, code: str):
    code = code.removesuffix(".md").upper()
    if not _CODE.fullmatch(code) or code not in CATALOGUE or not (FINDINGS_DIR / f"{code}.md").is_file():
        raise HTTPException(status_code=404, detail=f"没有问题代码 {code}")
    return TemplateResponse(request=request, name="pe_finding.html",
                            context={"title": code, "body": Markup(render_finding(code))})


@router.post("/report")
async def report(request: Request):
    """The form's result as ``pe-score score --json`` gives it, for the task pane's findings list.

    Takes the button's request (xlwings' JSON book, ``args``: [formulas]) and writes nothing: the same
    reading and scoring as the button (``addin.ribbon.find_form``), without the plan's writes."""
    import xlwings as xw

    from addin.ribbon import find_form
    from pe_server.ordering import check_formulas
    from scoring.profiles import load_profile
    from scoring.report import result_json
    from workbook.errors import WorkbookError

    try:
        data = await request.json()
    except ValueError:
        raise HTTPException(status_code=400, detail="请求不是有效的 JSON。") from None
    if not isinstance(data, dict):
        raise HTTPException(status_code=400, detail="请求不是工作簿数据。")
    args = data.pop("args", None)
    formulas = args[0] if isinstance(args, list) and args else None
    book = xw.Book(json=data)
    try:
        problem = check_formulas(formulas, [s.name for s in book.sheets])
        if problem:
            raise HTTPException(status_code=400, detail=problem)
        try:
            _, _, scored, _ = find_form(book, load_profile(), formulas)
        except WorkbookError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None
        out = result_json(scored.result, scored.profile, scored.form)
        out["issues"] = [{**issue, "title": CATALOGUE[issue["code"]].title_zh if issue["code"] in CATALOGUE else ""}
                         for issue in out["issues"]]
        return out
    finally:
        book.close()


@router.get("/health")
async def health():
    """For the reverse proxy's health check; ``pid`` tells the workers apart."""
    return {"status": "ok", "pid": os.getpid()}
