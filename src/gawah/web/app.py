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
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from gawah import __version__
from gawah.web import formatting, queries
from gawah.web.highlight import Mark, segment
from gawah.web.i18n import COOKIE, LOCALES, UiLocale, choose_locale, supported, translations
from gawah.web.labels import labeller
from gawah.web.schemas import ApiError, DocumentDetail, DocumentPage
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
}


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
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status_code)
    if supported(request.query_params.get("lang")):
        response.set_cookie(COOKIE, code, max_age=COOKIE_MAX_AGE, samesite="lax", httponly=True)
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


def create_app(workspace: Workspace) -> FastAPI:
    """The ASGI application for an open workspace (the caller keeps it open while serving)."""
    app = FastAPI(
        title="Gawah",
        version=__version__,
        summary="Documents and evidence of human-rights violations in Afghanistan.",
        # The interactive docs load scripts from a CDN; the schema itself stays at /openapi.json.
        docs_url=None,
        redoc_url=None,
    )
    app.state.workspace = workspace
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Any]) -> Response:
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and not request.url.path.startswith(("/api/", "/static/")):
            return render(request, "not_found.html", status_code=404)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request, session: SessionDep) -> HTMLResponse:
        return render(
            request,
            "home.html",
            counts=queries.counts(session),
            latest=queries.latest_documents(session),
        )

    @app.api_route(
        "/documents", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False
    )
    def documents(
        request: Request,
        session: SessionDep,
        language: Annotated[str | None, Query()] = None,
        page: Annotated[int, Query(ge=1)] = 1,
    ) -> HTMLResponse:
        language = language or None
        listing = queries.list_documents(
            session, language=language, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
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
            languages=queries.document_languages(session),
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
    def document(request: Request, session: SessionDep, document_id: int) -> HTMLResponse:
        detail = queries.document_detail(session, document_id)
        if detail is None:
            raise HTTPException(404)
        return render(request, "document.html", doc=detail, paragraphs=segment(detail.text, _marks(detail)))

    @app.get("/documents/{document_id}/original", include_in_schema=False)
    def original(session: SessionDep, document_id: int) -> StreamingResponse:
        detail = queries.document_detail(session, document_id)
        if detail is None or not workspace.blobs.exists(detail.sha256):
            raise HTTPException(404)
        name = quote(PurePath(detail.filename).name or detail.sha256)
        # Always a download, never rendered here: an HTML original must not run in this origin.
        return StreamingResponse(
            _chunks(workspace.blobs.open(detail.sha256)),
            media_type="application/octet-stream",
            headers={
                "Content-Disposition": f"attachment; filename=\"{detail.sha256}\"; filename*=UTF-8''{name}"
            },
        )

    @app.get("/language/{code}", include_in_schema=False)
    def switch_language(code: str, next: str | None = None) -> RedirectResponse:
        if code not in LOCALES:
            raise HTTPException(404)
        response = RedirectResponse(safe_next(next), status_code=303)
        response.set_cookie(COOKIE, code, max_age=COOKIE_MAX_AGE, samesite="lax", httponly=True)
        return response

    @app.get("/api/documents", response_model=DocumentPage, tags=["documents"])
    def api_documents(
        session: SessionDep,
        language: Annotated[str | None, Query(description="en, fa, ps or und")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> DocumentPage:
        """Documents, newest first."""
        return queries.list_documents(session, language=language, limit=limit, offset=offset)

    @app.get(
        "/api/documents/{document_id}",
        response_model=DocumentDetail,
        responses={404: {"model": ApiError}},
        tags=["documents"],
    )
    def api_document(session: SessionDep, document_id: int) -> DocumentDetail:
        """One document: text, hashes, preserved file, ingestion record and candidate facts."""
        detail = queries.document_detail(session, document_id)
        if detail is None:
            raise HTTPException(404, detail=f"no document {document_id}")
        return detail

    return app
