"""Signing in and out of the browser interface.

The sign-in form carries a CSRF token that must match a short-lived cookie (a session does not
exist yet); sign-out is a POST with the session's own CSRF token. Session cookies are HttpOnly,
SameSite=Strict, and Secure except on loopback. Nothing secret ever goes into a URL.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gawah.security import audit
from gawah.security.accounts import sign_in
from gawah.security.audit import AuditKind
from gawah.security.policy import Action
from gawah.security.sessions import COOKIE as SESSION_COOKIE
from gawah.security.sessions import LIFETIME, end_session, start_session
from gawah.store.engine import transaction
from gawah.web.auth import Forbidden, caller, check_csrf, client_address, public, requires, secure_cookies

LOGIN_CSRF_COOKIE = "gawah_login_csrf"
Render = Callable[..., HTMLResponse]

__all__ = ["SESSION_COOKIE", "register"]


def _local_path(value: str | None) -> str:
    """Where to go after signing in: a path on this site only (never another site, never /login)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if value.startswith(("/login", "/logout")):
        return "/"
    return value


def register(app: FastAPI, render: Render) -> None:
    """Add /login and /logout to `app`, rendering pages with `render`."""

    def login_page(
        request: Request, *, status_code: int = 200, problem: str = "", **context: Any
    ) -> Response:
        token = secrets.token_urlsafe(24)
        response = render(
            request,
            "login.html",
            status_code=status_code,
            login_csrf=token,
            next=_local_path(request.query_params.get("next") or context.pop("next", None)),
            problem=problem,
            **context,
        )
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            token,
            max_age=3600,
            path="/login",
            httponly=True,
            samesite="strict",
            secure=secure_cookies(request),
        )
        return response

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False, dependencies=[Depends(public())])
    def login_form(request: Request) -> Response:
        if caller(request).principal.authenticated:
            return RedirectResponse(_local_path(request.query_params.get("next")), status_code=303)
        return login_page(request)

    @app.post(
        "/login", response_class=HTMLResponse, include_in_schema=False, dependencies=[Depends(public())]
    )
    def login(
        request: Request,
        username: Annotated[str, Form(max_length=200)] = "",
        password: Annotated[str, Form(max_length=1000)] = "",
        code: Annotated[str, Form(max_length=20)] = "",
        csrf: Annotated[str, Form(max_length=100)] = "",
        next: Annotated[str, Form(max_length=2000)] = "/",
    ) -> Response:
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not expected or not hmac.compare_digest(expected, csrf):
            with transaction(request.app.state.workspace.sessions) as session:
                audit.record(
                    session,
                    AuditKind.CSRF_REJECTED,
                    "denied",
                    caller(request).principal,
                    address=client_address(request),
                    detail="POST /login",
                )
            return login_page(request, status_code=403, problem="expired", username=username, next=next)
        address = client_address(request)
        with transaction(request.app.state.workspace.sessions) as session:
            outcome = sign_in(session, username, password, code, address)
            cookie = start_session(session, outcome.user, address) if outcome.user is not None else None
        if cookie is None:
            status = {"blocked": 429, "code_needed": 401}.get(outcome.problem or "", 401)
            response = login_page(
                request,
                status_code=status,
                problem=outcome.problem or "invalid",
                username=username if outcome.problem == "code_needed" else "",
                retry_minutes=max(1, -(-outcome.retry_after_s // 60)),
                next=next,
            )
            if outcome.problem == "blocked":
                response.headers["Retry-After"] = str(outcome.retry_after_s)
            return response
        response = RedirectResponse(_local_path(next), status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            cookie,
            max_age=int(LIFETIME.total_seconds()),
            path="/",
            httponly=True,
            samesite="strict",
            secure=secure_cookies(request),
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
        return response

    @app.post("/logout", include_in_schema=False, dependencies=[Depends(requires(Action.ACCOUNT_SELF))])
    def logout(request: Request, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
        check_csrf(request, csrf)
        current = caller(request)
        if current.session_cookie is None:
            raise Forbidden("signing out is for browser sessions")
        with transaction(request.app.state.workspace.sessions) as session:
            end_session(session, current.session_cookie)
            user_principal = current.principal
            audit.record(
                session, AuditKind.LOGOUT, "success", user_principal, address=client_address(request)
            )
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
