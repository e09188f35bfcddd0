"""ASGI entry point: xlwings Server with this folder as its project, behind the sign-in check.

    uvicorn app:app --app-dir server --host 127.0.0.1 --port 8443 \\
        --ssl-certfile server/certs/cert.pem --ssl-keyfile server/certs/key.pem

(docs/server.md: the local trial, several workers behind a reverse proxy, Docker.)
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# xlwings Server reads its project folder (custom functions, scripts, templates, static files and
# pyproject.toml settings) from this variable when it is imported: this folder, always.
os.environ["XLWINGS_PROJECT_DIR"] = str(HERE)
_early = sys.modules.get("xlwings_server.config")
if _early is not None and Path(_early.PROJECT_DIR).resolve() != HERE:
    raise RuntimeError(f"xlwings_server was imported before app.py, with the project folder {_early.PROJECT_DIR}")

if not os.environ.get("XLWINGS_LICENSE_KEY"):
    raise SystemExit("未设置环境变量 XLWINGS_LICENSE_KEY：xlwings Server 需要许可证密钥"
                     "（政府机关和事业单位可设为 XLWINGS_LICENSE_KEY=noncommercial），见 docs/server.md。")

from pe_server.auth import AuthConfigError, RequireUser  # noqa: E402
from xlwings_server.config import settings  # noqa: E402
from xlwings_server.main import main_app  # noqa: E402

try:
    app = RequireUser(main_app, app_path=settings.app_path)
except AuthConfigError as exc:
    raise SystemExit(str(exc)) from None
