"""The web interface and JSON API of a workspace: thin routes over `queries`, pages from templates.

No JavaScript and no external resource: every page is plain HTML and one local stylesheet, so it
works offline, on a slow connection and with a screen reader. The language is chosen per request
(`?lang=`, the `gawah_lang` cookie, the browser's Accept-Language) and Dari and Pashto pages are
laid out right to left.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePath
from typing import Annotated, Any, BinaryIO
from urllib.parse import quote, urlencode

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from gawah import __version__
from gawah.security.passwords import unknown_account_hash
from gawah.security.policy import Action, Principal, Resource, authorize, visible_levels
from gawah.web import (
    account,
    analysis_routes,
    claims_routes,
    evidence_routes,
    formatting,
    persons_routes,
    queries,
    registry_routes,
    search_routes,
    units_routes,
)
from gawah.web.auth import (
    Forbidden,
    ReasonNeeded,
    ReasonQuery,
    SignInRequired,
    caller,
    check_read,
    is_api,
    public,
    requires,
    secure_cookies,
    sign_in_url,
)
from gawah.web.highlight import Mark, segment
from gawah.web.i18n import COOKIE, LOCALES, UiLocale, choose_locale, supported, translations
from gawah.web.labels import labeller
from gawah.web.openapi import declare_api_errors
from gawah.web.schemas import API_ERRORS, ApiError, DocumentDetail, DocumentPage, Me
from gawah.workspace import Workspace

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
PAGE_SIZE = 50
COOKIE_MAX_AGE = 365 * 24 * 3600

# No script, no frame, nothing from elsewhere: what the interface needs, and no more.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    # Pages may show restricted records: no copy in a shared or browser cache.
    "Cache-Control": "no-store",
}
# Nothing the interface accepts is larger than a sign-in form; evidence arrives through `gawah ingest`.
MAX_REQUEST_BYTES = 64 * 1024


@cache
def template_environment(code: str) -> Environment:
    """One Jinja environment per language, so concurrent requests never share a translation."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(code), newstyle=True)  # type: ignore[attr-defined]
    return env


@dataclass(frozen=True)
class LanguageLink:
    code: str
    name: str
    href: str
    current: bool


def safe_next(path: str | None) -> str:
    """A local path to return to after switching language (never another site)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def request_locale(request: Request) -> str:
    default = request.app.state.workspace.settings.default_locale
    return choose_locale(
        request.query_params.get("lang"),
        request.cookies.get(COOKIE),
        request.headers.get("accept-language"),
        default,
    )


def _here_without_lang(request: Request) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return request.url.path + (f"?{urlencode(params)}" if params else "")


def _language_links(request: Request, current: str) -> list[LanguageLink]:
    here = _here_without_lang(request)
    return [
        LanguageLink(code, loc.native_name, f"/language/{code}?{urlencode({'next': here})}", code == current)
        for code, loc in LOCALES.items()
    ]


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page in the request's language; `?lang=` also remembers the choice in the cookie."""
    code = request_locale(request)
    loc: UiLocale = LOCALES[code]
    gettext: Callable[[str], str] = translations(code).gettext
    html = (
        template_environment(code)
        .get_template(template)
        .render(
            request=request,
            locale=loc,
            language_links=_language_links(request, code),
            workspace_name=request.app.state.workspace.settings.name,
            version=__version__,
            num=lambda value: formatting.number(value, code),
            date=lambda value: formatting.date(value, code),
            solar_hijri=lambda value: formatting.solar_hijri(value, code) if value else "",
            datetime=lambda value: formatting.datetime(value, code),
            label=labeller(gettext),
            caller=caller(request),
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status_code)
    if supported(request.query_params.get("lang")):
        response.set_cookie(
            COOKIE,
            code,
            max_age=COOKIE_MAX_AGE,
            samesite="lax",
            httponly=True,
            secure=secure_cookies(request),
        )
    return response


def _session(request: Request) -> Iterator[Session]:
    with request.app.state.workspace.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(_session)]


def _chunks(stream: BinaryIO, size: int = 1 << 16) -> Iterator[bytes]:
    with stream:
        while chunk := stream.read(size):
            yield chunk


def _marks(document: DocumentDetail) -> list[Mark]:
    return [
        Mark(span.id, span.start, span.end, f"{fact.kind}-{fact.id}")
        for fact in document.facts
        for span in fact.spans
    ]


def _readable_document(request: Request, principal: Principal, document_id: int, reason: str) -> Resource:
    """The policy's answer for one document: 404 when it is missing or hidden from the caller,
    `ReasonNeeded` when it is confidential and no reason was given; audits what it decides."""
    with request.app.state.workspace.sessions() as session:
        level = queries.document_confidentiality(session, document_id)
    if level is None:
        raise HTTPException(404, detail=f"no document {document_id}")
    resource = Resource("document", document_id, level)
    check_read(request, principal, resource, reason)
    return resource


def create_app(workspace: Workspace) -> FastAPI:
    """The ASGI application for an open workspace (the caller keeps it open while serving)."""
    app = FastAPI(
        title="Gawah",
        version=__version__,
        summary="Documents and evidence of human-rights violations in Afghanistan.",
        description=(
            "Every route needs a browser session or an API token (`Authorization: Bearer gwh_...`, "
            "made with `gawah users token`). A token may do what both its scopes and its user's role "
            "allow. Confidential records need a `reason`, which is kept in the audit trail."
        ),
        # The interactive docs load scripts from a CDN; the schema itself stays at /openapi.json.
        docs_url=None,
        redoc_url=None,
    )
    app.state.workspace = workspace
    # Sign-in compares an unknown name against a dummy hash: make it now, so that the first such
    # sign-in takes as long as any other.
    unknown_account_hash()

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
            )
            schema.setdefault("components", {})["securitySchemes"] = {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": account.SESSION_COOKIE},
            }
            schema["security"] = [{"bearer": []}, {"session": []}]
            app.openapi_schema = declare_api_errors(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Any]) -> Response:
        length = request.headers.get("content-length", "")
        if length and (not length.isdigit() or int(length) > MAX_REQUEST_BYTES):
            response: Response = JSONResponse(
                {"detail": f"the request is larger than {MAX_REQUEST_BYTES} bytes"}, status_code=413
            )
        else:
            response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if getattr(request.state, "drop_session_cookie", False):
            response.delete_cookie(account.SESSION_COOKIE, path="/")
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and not request.url.path.startswith(("/api/", "/static/")):
            return render(request, "not_found.html", status_code=404)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    async def number_out_of_range(request: Request, exc: Exception) -> Response:
        # An identifier beyond the database's integers (64-bit in SQLite, 32-bit INTEGER columns in
        # PostgreSQL: SQLSTATE 22003) names no record: "not found", not a crash.
        sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
        if "SQLite INTEGER" not in str(exc) and sqlstate != "22003":
            raise exc
        if not request.url.path.startswith("/api/"):
            return render(request, "not_found.html", status_code=404)
        return JSONResponse({"detail": "no such record"}, status_code=404)

    app.add_exception_handler(OverflowError, number_out_of_range)
    app.add_exception_handler(DataError, number_out_of_range)

    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, exc: SignInRequired) -> Response:
        if is_api(request):
            return JSONResponse(
                {"detail": exc.message}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
        return RedirectResponse(sign_in_url(request), status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        if is_api(request):
            return JSONResponse({"detail": exc.message}, status_code=403)
        return render(request, "forbidden.html", status_code=403, message=exc.message)

    @app.exception_handler(ReasonNeeded)
    async def reason_needed(request: Request, exc: ReasonNeeded) -> Response:
        if is_api(request):
            return JSONResponse(
                {"detail": "this record is confidential: say why you read it with ?reason=..."},
                status_code=403,
            )
        return render(request, "reason.html", status_code=403, resource=exc.resource, action=request.url.path)

    account.register(app, render)
    analysis_routes.register(app, render)
    evidence_routes.register(app, render)
    registry_routes.register(app, render)
    search_routes.register(app, render)
    persons_routes.register(app, render)
    units_routes.register(app, render)
    claims_routes.register(app, render)

    @app.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False)
    def home(
        request: Request,
        session: SessionDep,
        principal: Annotated[Principal, Depends(requires(Action.DOCUMENT_READ))],
    ) -> HTMLResponse:
        levels = visible_levels(principal)
        return render(
            request,
            "home.html",
            counts=queries.counts(session, levels),
            latest=queries.latest_documents(session, levels),
        )

    @app.api_route(
        "/documents", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False
    )
    def documents(
        request: Request,
        session: SessionDep,
        principal: Annotated[Principal, Depends(requires(Action.DOCUMENT_READ))],
        language: Annotated[str | None, Query(max_length=16)] = None,
        page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    ) -> HTMLResponse:
        language = language or None
        levels = visible_levels(principal)
        listing = queries.list_documents(
            session, levels, language=language, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
        pages = max(1, -(-listing.total // PAGE_SIZE))

        def page_href(number: int) -> str:
            params = {"language": language, "page": number}
            return "/documents?" + urlencode({k: v for k, v in params.items() if v})

        return render(
            request,
            "documents.html",
            listing=listing,
            language=language,
            languages=queries.document_languages(session, levels),
            page=page,
            pages=pages,
            page_href=page_href,
        )

    @app.api_route(
        "/documents/{document_id}",
        methods=["GET", "HEAD"],
        response_class=HTMLResponse,
        include_in_schema=False,
    )
    def document(
        request: Request,
        session: SessionDep,
        principal: Annotated[Principal, Depends(requires(Action.DOCUMENT_READ))],
        document_id: int,
        reason: ReasonQuery = "",
    ) -> HTMLResponse:
        _readable_document(request, principal, document_id, reason)
        detail = queries.document_detail(session, document_id, visible_levels(principal))
        if detail is None:
            raise HTTPException(404)
        original = f"/documents/{document_id}/original" + (
            f"?{urlencode({'reason': reason.strip()})}" if reason.strip() else ""
        )
        return render(
            request,
            "document.html",
            doc=detail,
            paragraphs=segment(detail.text, _marks(detail)),
            original_href=original,
        )

    @app.get("/documents/{document_id}/original", include_in_schema=False)
    def original(
        request: Request,
        session: SessionDep,
        principal: Annotated[Principal, Depends(requires(Action.EVIDENCE_DOWNLOAD))],
        document_id: int,
        reason: ReasonQuery = "",
    ) -> StreamingResponse:
        _readable_document(request, principal, document_id, reason)
        detail = queries.document_detail(session, document_id, visible_levels(principal))
        if detail is None or not workspace.blobs.exists(detail.sha256):
            raise HTTPException(404)
        evidence_routes.record_read_out(request, principal, detail.sha256, download=True)
        name = quote(PurePath(detail.filename).name or detail.sha256)
        # Always a download, never rendered here: an HTML original must not run in this origin.
        return StreamingResponse(
            _chunks(workspace.blobs.open(detail.sha256)),
            media_type="application/octet-stream",
            headers={
                "Content-Disposition": f"attachment; filename=\"{detail.sha256}\"; filename*=UTF-8''{name}"
            },
        )

    @app.get("/language/{code}", include_in_schema=False, dependencies=[Depends(public())])
    def switch_language(request: Request, code: str, next: str | None = None) -> RedirectResponse:
        if code not in LOCALES:
            raise HTTPException(404)
        response = RedirectResponse(safe_next(next), status_code=303)
        response.set_cookie(
            COOKIE,
            code,
            max_age=COOKIE_MAX_AGE,
            samesite="lax",
            httponly=True,
            secure=secure_cookies(request),
        )
        return response

    @app.get(
        "/api/documents",
        response_model=DocumentPage,
        responses=API_ERRORS,
        tags=["documents"],
    )
    def api_documents(
        session: SessionDep,
        principal: Annotated[Principal, Depends(requires(Action.DOCUMENT_READ))],
        language: Annotated[str | None, Query(max_length=16, description="en, fa, ps or und")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    ) -> DocumentPage:
        """Documents the caller may see, newest first (confidential ones listed without their text)."""
        return queries.list_documents(
            session, visible_levels(principal), language=language, limit=limit, offset=offset
        )

    @app.get(
        "/api/documents/{document_id}",
        response_model=DocumentDetail,
        responses={**API_ERRORS, 404: {"model": ApiError, "description": "No such document."}},
        tags=["documents"],
    )
    def api_document(
        request: Request,
        session: SessionDep,
        principal: Annotated[Principal, Depends(requires(Action.DOCUMENT_READ))],
        document_id: int,
        reason: ReasonQuery = "",
    ) -> DocumentDetail:
        """One document: text, hashes, preserved file, ingestion record and candidate facts."""
        _readable_document(request, principal, document_id, reason)
        detail = queries.document_detail(session, document_id, visible_levels(principal))
        if detail is None:
            raise HTTPException(404, detail=f"no document {document_id}")
        return detail

    @app.get("/api/me", response_model=Me, responses=API_ERRORS, tags=["account"])
    def api_me(
        request: Request, principal: Annotated[Principal, Depends(requires(Action.ACCOUNT_SELF))]
    ) -> Me:
        """The caller: user name, role, how they are signed in, and what they may do."""
        return Me(
            csrf_token=caller(request).csrf or None,
            username=principal.username,
            role=principal.role.value if principal.role else "",
            channel=principal.channel,
            actions=sorted(a.value for a in Action if authorize(principal, a).allowed),
            levels=list(visible_levels(principal)),
        )

    return app
