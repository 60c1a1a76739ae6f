"""Who is asking, for every request: a browser session or an API bearer token, checked by the policy.

Each route declares what it needs with `requires(action)` (or `public()`); the decision itself is
`gawah.security.policy.authorize`. A page asked for without signing in redirects to the sign-in
form; the API answers 401. Refusals and rejected credentials are written to the audit trail.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import HTTPException, Query, Request
from sqlalchemy import select

from gawah.security import audit
from gawah.security.accounts import principal_of
from gawah.security.audit import AuditKind
from gawah.security.policy import ANONYMOUS, Action, Principal, Resource, authorize
from gawah.security.sessions import COOKIE as SESSION_COOKIE
from gawah.security.sessions import csrf_matches, csrf_token, resume_session
from gawah.security.tokens import check_token
from gawah.store.engine import transaction

# What a route asks for, kept on its dependency so that tests can walk every route.
ACTION_ATTRIBUTE = "gawah_action"
PUBLIC = "public"
# API calls made with a browser session (not a bearer token) that change anything carry the
# session's CSRF token in this header (GET /api/me gives it).
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

TOKEN_PROBLEMS = {
    "malformed": "the API token is malformed",
    "unknown": "the API token is not known (revoked tokens are deleted after a while)",
    "revoked": "the API token was revoked",
    "expired": "the API token has expired: ask for a new one",
    "account disabled": "the API token's account is disabled",
}


class SignInRequired(Exception):
    """Nobody is signed in: a page redirects to the form, the API answers 401."""

    def __init__(self, message: str = "sign in first (a browser session or an Authorization: Bearer token)"):
        super().__init__(message)
        self.message = message


class Forbidden(Exception):
    """Signed in, but the policy says no; the message says which action was refused."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def secure_cookies(request: Request) -> bool:
    """Cookies are Secure except on a loopback address (the local demo over plain HTTP)."""
    return request.url.scheme == "https" or not is_loopback(request.url.hostname)


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


@dataclass(frozen=True)
class Caller:
    """The request's principal and, for a browser, its session cookie (to derive the CSRF token)."""

    principal: Principal
    session_cookie: str | None = None

    @property
    def csrf(self) -> str:
        return csrf_token(self.session_cookie) if self.session_cookie else ""


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _authenticate(request: Request) -> Caller:
    workspace = request.app.state.workspace
    address = client_address(request)
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if header and scheme.lower() == "bearer":
        with transaction(workspace.sessions) as session:
            check = check_token(session, credentials.strip())
            if check.ok and check.user is not None and check.token is not None:
                scopes = frozenset(Action(s) for s in check.token.scopes if s in Action.__members__.values())
                principal = principal_of(check.user, "api", scopes)
                audit.record(
                    session,
                    AuditKind.TOKEN_USED,
                    "success",
                    principal,
                    address=address,
                    subject_type="api_token",
                    subject_id=check.token.id,
                    detail=f"{request.method} {request.url.path}",
                )
                return Caller(principal)
            who = (
                principal_of(check.user, "api")
                if check.user is not None
                else Principal("anonymous", None, channel="api")
            )
            audit.record(
                session,
                AuditKind.TOKEN_REJECTED,
                "denied",
                who,
                address=address,
                subject_type="api_token" if check.token else None,
                subject_id=check.token.id if check.token else None,
                detail=check.problem or "",
            )
        raise SignInRequired(TOKEN_PROBLEMS.get(check.problem or "", "the API token was refused"))

    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        with transaction(workspace.sessions) as session:
            resumed = resume_session(session, cookie)
            if resumed.user is not None:
                return Caller(principal_of(resumed.user, "web"), cookie)
            audit.record(
                session,
                AuditKind.SESSION_REJECTED,
                "denied",
                Principal("anonymous", None, channel="web"),
                address=address,
                detail=resumed.problem or "",
            )
        request.state.drop_session_cookie = True
    return Caller(ANONYMOUS)


def caller(request: Request) -> Caller:
    """The request's caller, worked out once per request."""
    found: Caller | None = getattr(request.state, "caller", None)
    if found is None:
        found = _authenticate(request)
        request.state.caller = found
    return found


def deny(request: Request, principal: Principal, action: Action, why: str, resource: Resource | None) -> None:
    """Audit a refusal and raise the matching error."""
    if not principal.authenticated:
        raise SignInRequired()
    with transaction(request.app.state.workspace.sessions) as session:
        audit.record(
            session,
            AuditKind.ACCESS_DENIED,
            "denied",
            principal,
            action=action,
            subject_type=resource.kind if resource else None,
            subject_id=resource.id if resource else None,
            address=client_address(request),
            detail=f"{request.method} {request.url.path}: {why}",
        )
    raise Forbidden(f"not allowed: {why}")


def requires(action: Action) -> Callable[[Request], Principal]:
    """A route dependency: the caller's principal, when the policy allows `action`."""

    def dependency(request: Request) -> Principal:
        current = caller(request)
        principal = current.principal
        decision = authorize(principal, action)
        if not decision.allowed:
            deny(request, principal, decision.action, decision.why, None)
        if is_api(request) and request.method not in SAFE_METHODS and current.session_cookie:
            # A browser session changing something through the API: the cookie alone could come
            # from another site's page, so the session's CSRF token must come in a header too.
            check_csrf(request, request.headers.get(CSRF_HEADER))
        return principal

    setattr(dependency, ACTION_ATTRIBUTE, action)
    return dependency


def public() -> Callable[[Request], Principal]:
    """A route dependency for pages anyone may open (sign-in, language switch)."""

    def dependency(request: Request) -> Principal:
        return caller(request).principal

    setattr(dependency, ACTION_ATTRIBUTE, PUBLIC)
    return dependency


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse (and audit) a form POST whose CSRF token does not match the caller's session."""
    current = caller(request)
    if current.session_cookie and csrf_matches(current.session_cookie, submitted):
        return
    with transaction(request.app.state.workspace.sessions) as session:
        audit.record(
            session,
            AuditKind.CSRF_REJECTED,
            "denied",
            current.principal,
            address=client_address(request),
            detail=f"{request.method} {request.url.path}",
        )
    raise Forbidden("the form has expired or did not come from this site: reload the page and try again")


def sign_in_url(request: Request) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login?" + urlencode({"next": here})


def audit_confidential_read(
    request: Request, principal: Principal, resource: Resource, reason: str, **extra: Any
) -> None:
    """Record an allowed read of a confidential record, with the reason the reader gave."""
    with transaction(request.app.state.workspace.sessions) as session:
        audit.record(
            session,
            AuditKind.CONFIDENTIAL_READ,
            "allowed",
            principal,
            action=Action.DOCUMENT_READ_CONFIDENTIAL,
            subject_type=resource.kind,
            subject_id=resource.id,
            reason=reason,
            address=client_address(request),
            detail=" ".join(f"{k}={v}" for k, v in extra.items()),
        )


class ReasonNeeded(Exception):
    """A confidential record is read only with a reason, which goes to the audit trail."""

    def __init__(self, resource: Resource):
        super().__init__(f"{resource.kind} {resource.id} is confidential")
        self.resource = resource


ReasonQuery = Annotated[
    str,
    Query(max_length=500, description="Why you read this confidential record (kept in the audit trail)."),
]


def record_resource(request: Request, kind: str, model: Any, record_id: int) -> Resource:
    """A registry record as the policy sees it (kind, id, confidentiality); 404 when there is none.

    `model` is any mapped class with `id` and `confidentiality` columns."""
    with request.app.state.workspace.sessions() as session:
        level = session.scalar(select(model.confidentiality).where(model.id == record_id))
    if level is None:
        raise HTTPException(404, detail=f"no {kind} {record_id}")
    return Resource(kind, record_id, level)


def check_visible(principal: Principal, resource: Resource) -> None:
    """Changing a record needs the right to see it: a record above the caller's level is 'not found'."""
    if not authorize(principal, Action.DOCUMENT_READ, resource).allowed:
        raise HTTPException(404, detail=f"no {resource.kind} {resource.id}")


def check_read(
    request: Request,
    principal: Principal,
    resource: Resource,
    reason: str,
    *,
    audit_refusals: Literal["all", "confidential"] = "all",
) -> None:
    """The one check before showing a record: 404 when the caller may not see it (its existence is
    not revealed), `ReasonNeeded` when it is confidential and no reason was given; audits both.

    With `audit_refusals="confidential"` a refused read is audited only when the record is
    confidential (the evidence pages' rule; every other record audits each refusal)."""
    decision = authorize(principal, Action.DOCUMENT_READ, resource)
    if not decision.allowed:
        if audit_refusals == "all" or decision.action is Action.DOCUMENT_READ_CONFIDENTIAL:
            with contextlib.suppress(Forbidden):
                deny(request, principal, decision.action, decision.why, resource)
        # In words ("evidence item"), as a missing record's 404 says it.
        kind = resource.kind.replace("_", " ")
        raise HTTPException(404, detail=f"no {kind} {resource.id}")
    if decision.needs_reason:
        if not reason.strip():
            raise ReasonNeeded(resource)
        audit_confidential_read(request, principal, resource, reason, path=request.url.path)
