"""Who may send a workbook to this server: checked before xlwings Server sees the request.

The calls that carry workbook data (``/xlwings/custom-functions-call``,
``/xlwings/custom-scripts-call/...`` and the task pane's ``/pe/report``) need a user; the manifest, icons, task pane and help pages
do not (Office fetches them before anyone signs in). Chosen by the environment variable ``PE_AUTH``:

- ``header``: a reverse proxy in front of the workers signs users in (the intranet's single sign-on,
  Windows integrated authentication, ...) and passes the user name in the header ``PE_AUTH_HEADER``
  (default ``X-Remote-User``). With ``PE_AUTH_PROXY_SECRET`` set, the proxy must also send that
  secret in ``X-PE-Proxy-Secret``, so a request that bypassed the proxy is refused.
- ``hook``: ``PE_AUTH_HOOK=package.module:function`` names a function called with the request
  headers (a dict, lower-case names) that returns the user name, or None to refuse; it may be async.
  This is where a token or cookie of the intranet's single sign-on is verified.
- ``anonymous``: no check (a trial on one PC, or a network where the proxy already restricts access).

Unset or unknown, the server does not start: anonymous use is never a default.
"""
from __future__ import annotations

import hmac
import importlib
import inspect
import json
import logging
import os
from typing import Any, Awaitable, Callable, Optional, Union

logger = logging.getLogger("pe_server.auth")

PROTECTED = ("/xlwings/custom-functions-call", "/xlwings/custom-scripts-call/", "/pe/report")
SECRET_HEADER = "x-pe-proxy-secret"
MODES = ("header", "hook", "anonymous")

NOT_SIGNED_IN = "未能确认您的身份（未通过单位统一身份认证），工作簿未发送评分。请登录后重试，或联系信息中心。"
Hook = Callable[[dict[str, str]], Union[Optional[str], Awaitable[Optional[str]]]]


class AuthConfigError(RuntimeError):
    """The environment does not say how users are identified."""


def _load_hook(spec: str) -> Hook:
    module, _, name = spec.partition(":")
    if not module or not name:
        raise AuthConfigError(f"PE_AUTH_HOOK 应为“模块:函数”，而不是“{spec}”")
    return getattr(importlib.import_module(module), name)


class RequireUser:
    """ASGI middleware in front of xlwings Server's app (see the module docstring)."""

    def __init__(self, app, environ: Optional[dict[str, str]] = None, app_path: str = ""):
        env = os.environ if environ is None else environ
        self.app = app
        self.mode = (env.get("PE_AUTH") or "").strip().lower()
        if self.mode not in MODES:
            raise AuthConfigError(
                "未设置身份验证方式：请设置环境变量 PE_AUTH=header（反向代理传入用户名）、"
                "PE_AUTH=hook（单点登录校验函数）或 PE_AUTH=anonymous（仅限试用），见 docs/server.md。")
        self.header = (env.get("PE_AUTH_HEADER") or "X-Remote-User").lower()
        self.secret = env.get("PE_AUTH_PROXY_SECRET") or ""
        self.hook: Optional[Hook] = _load_hook(env.get("PE_AUTH_HOOK", "")) if self.mode == "hook" else None
        self.protected = tuple(app_path.rstrip("/") + p for p in PROTECTED)

    async def user(self, headers: dict[str, str]) -> Optional[str]:
        if self.mode == "anonymous":
            return "anonymous"
        if self.mode == "header":
            if self.secret and not hmac.compare_digest(headers.get(SECRET_HEADER, ""), self.secret):
                return None
            return headers.get(self.header, "").strip() or None
        result = self.hook(headers)
        if inspect.isawaitable(result):
            result = await result
        return (result or "").strip() or None

    async def __call__(self, scope: dict[str, Any], receive, send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.protected):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("utf-8", "replace") for k, v in scope["headers"]}
        try:
            name = await self.user(headers)
        except Exception:  # noqa: BLE001 - a failing sign-on hook refuses, it does not crash the worker
            logger.exception("PE_AUTH_HOOK failed")
            name = None
        if name is None:
            logger.warning("refused %s: not signed in", scope["path"])
            body = json.dumps({"detail": NOT_SIGNED_IN}, ensure_ascii=False).encode("utf-8")
            await send({"type": "http.response.start", "status": 401,
                        "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        scope.setdefault("state", {})["pe_user"] = name
        logger.info("%s by %s", scope["path"], name)
        await self.app(scope, receive, send)
