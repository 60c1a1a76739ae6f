"""Search across documents, incidents and claims: the /search page and GET /api/search.

One query and one set of filters for both; the caller sees only the levels the policy lets them
see (`visible_levels`), in the hits and in the facet counts alike. Confidential hits show their
title but no text: their page asks for a reason, which goes to the audit trail. No script: the
facets are links and the filters a plain GET form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from gawah.registry.search import FACET_SCAN, Filters, Preview, SearchResult, previews, search
from gawah.security.policy import Action, Principal, authorize, visible_levels
from gawah.store.models import Source
from gawah.store.vocab import ClaimStance, IncidentStatus
from gawah.web.auth import requires
from gawah.web.labels import LABELS, N_
from gawah.web.schemas import API_ERRORS

Render = Callable[..., HTMLResponse]
Searcher = Annotated[Principal, Depends(requires(Action.DOCUMENT_READ))]
PAGE_SIZE = 20
MAX_PAGE = 250  # deeper pages are not offered: narrow the search instead
MAX_QUERY = 200

Kind = Literal["document", "incident", "claim"]
Language = Literal["en", "fa", "ps", "und"]
Status = Literal[
    "reported",
    "corroborated",
    "verified",
    "disputed",
    "retracted",
    "denial",
    "assurance",
    "acknowledgement",
    "allegation",
    "other",
]
STATUSES: tuple[str, ...] = (*(s.value for s in IncidentStatus), *(s.value for s in ClaimStance))
KINDS: tuple[str, ...] = ("document", "incident", "claim")
LANGUAGES: tuple[str, ...] = ("en", "fa", "ps", "und")
# A violation is a vocabulary code; a province or district a gazetteer name.
CODE_PATTERN = r"^[a-z_]{1,40}$"
NAME_PATTERN = r"^[^\x00-\x1f\x7f]{1,120}$"
TEXT_PATTERN = r"^[^\x00]*$"

SEARCH_LABELS: dict[str, dict[str, str]] = {
    "search_kind": {
        "document": N_("Document"),
        "incident": N_("Incident"),
        "claim": N_("Statement"),
    },
    "search_facet": {
        "kind": N_("Kind of record"),
        "violations": N_("Violation"),
        "province": N_("Province"),
        "district": N_("District"),
        "status": N_("Status"),
        "source_id": N_("Source"),
        "language": N_("Language"),
    },
}
for _kind, _names in SEARCH_LABELS.items():
    LABELS.setdefault(_kind, {}).update(_names)
# Facet name in the index → the query parameter that narrows by it.
FACET_PARAMETER = {
    "kind": "kind",
    "violations": "violation",
    "province": "province",
    "district": "district",
    "status": "status",
    "source_id": "source",
    "language": "language",
}


class SnippetPiece(BaseModel):
    text: str
    marked: bool = Field(description="True for a word of the query.")


class SearchHit(BaseModel):
    """One record found. Confidential records come without a snippet: their page asks why."""

    kind: Kind
    id: int
    title: str
    url: str | None = Field(description="The record's page, when the caller may open it.")
    date: dt.date | None
    language: str | None
    status: str | None = Field(description="An incident's status or a claim's stance.")
    confidentiality: str
    snippet: list[SnippetPiece]


class SearchPage(BaseModel):
    """Hits, newest first, and facet counts over the caller's visible records only."""

    query: str
    limit: int
    offset: int
    more: bool = Field(description="True when another page follows.")
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]] = Field(
        description="For each facet (kind, violations, province, district, status, source_id, language), "
        "value → number of matching records."
    )
    facet_sample: int = Field(description="How many matching records the counts were taken over.")
    facet_sample_limit: int = Field(description="Counts are taken over at most this many newest matches.")


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def record_url(principal: Principal, preview: Preview, claim_pages: bool) -> str | None:
    """The page of a hit, when the caller's role may open that kind of page."""
    restricted = authorize(principal, Action.DOCUMENT_READ_RESTRICTED).allowed
    if preview.kind == "document":
        return f"/documents/{preview.record_id}"
    if preview.kind == "incident":
        return f"/incidents/{preview.record_id}" if restricted else None
    if claim_pages and restricted:
        return f"/claims/{preview.record_id}"
    if preview.document_id is not None:
        return f"/documents/{preview.document_id}#claim-{preview.record_id}"
    return None


def _has_claim_pages(app: FastAPI) -> bool:
    return any(getattr(route, "path", "") == "/claims/{claim_id}" for route in app.routes)


def source_names(session: Session, ids: Sequence[str], levels: Sequence[str]) -> dict[str, str]:
    """Names of the sources in the facet that the caller may see (others are shown by number)."""
    wanted = [int(i) for i in ids if i.isdigit()]
    if not wanted:
        return {}
    rows = session.execute(
        select(Source.id, Source.name).where(Source.id.in_(wanted), Source.confidentiality.in_(levels))
    )
    return {str(i): name for i, name in rows}


def run_search(
    session: Session,
    principal: Principal,
    query: str,
    filters: Filters,
    *,
    limit: int,
    offset: int,
) -> tuple[SearchResult, list[Preview]]:
    result = search(session, query, filters, levels=visible_levels(principal), limit=limit, offset=offset)
    return result, previews(session, result.hits, query)


def register(app: FastAPI, render: Render) -> None:
    """Add /search and /api/search to the app."""

    @app.api_route("/search", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False)
    def search_page(
        request: Request,
        principal: Searcher,
        q: Annotated[str, Query(max_length=MAX_QUERY)] = "",
        kind: Annotated[str, Query(max_length=20)] = "",
        violation: Annotated[str, Query(max_length=40)] = "",
        province: Annotated[str, Query(max_length=120)] = "",
        district: Annotated[str, Query(max_length=120)] = "",
        status: Annotated[str, Query(max_length=20)] = "",
        source: Annotated[str, Query(max_length=12)] = "",
        language: Annotated[str, Query(max_length=8)] = "",
        start: Annotated[str, Query(alias="from", max_length=10)] = "",
        end: Annotated[str, Query(alias="to", max_length=10)] = "",
        page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    ) -> HTMLResponse:
        # The form sends every field, empty or not; a value outside the vocabulary narrows nothing.
        chosen = {
            "q": q.replace("\x00", "").strip(),
            "kind": kind if kind in KINDS else "",
            "violation": violation if violation.replace("_", "").isalpha() and violation.islower() else "",
            "province": province.replace("\x00", "").strip(),
            "district": district.replace("\x00", "").strip(),
            "status": status if status in STATUSES else "",
            "source": source if source.isdigit() and 0 < int(source) < 2**31 else "",
            "language": language if language in LANGUAGES else "",
            "from": start,
            "to": end,
        }
        error = None
        try:
            period = (_date(start), _date(end))
        except ValueError:
            error = N_("A date is written as year-month-day, for example 2023-03-05.")
            period = (None, None)
            chosen["from"] = chosen["to"] = ""
        filters = Filters(
            kind=chosen["kind"] or None,
            violation=chosen["violation"] or None,
            province=chosen["province"] or None,
            district=chosen["district"] or None,
            status=chosen["status"] or None,
            source_id=int(chosen["source"]) if chosen["source"] else None,
            language=chosen["language"] or None,
            start=period[0],
            end=period[1],
        )
        levels = visible_levels(principal)
        result: SearchResult | None = None
        hits: list[dict[str, Any]] = []
        sources: dict[str, str] = {}
        with request.app.state.workspace.sessions() as session:
            if chosen["q"]:
                result, shown = run_search(
                    session,
                    principal,
                    chosen["q"],
                    filters,
                    limit=PAGE_SIZE,
                    offset=(page - 1) * PAGE_SIZE,
                )
                claim_pages = _has_claim_pages(request.app)
                hits = [{"preview": p, "url": record_url(principal, p, claim_pages)} for p in shown]
                sources = source_names(session, list(result.facets.get("source_id", {})), levels)

        def href(**changes: Any) -> str:
            """This search with some parameters changed (None removes one); back to page 1."""
            params = {**chosen, "page": 1, **changes}
            return "/search?" + urlencode({k: v for k, v in params.items() if v not in (None, "", 1)})

        facet_links: list[dict[str, Any]] = []
        if result is not None:
            for name, counts in result.facets.items():
                parameter = FACET_PARAMETER[name]
                facet_links.append(
                    {
                        "name": name,
                        "parameter": parameter,
                        "selected": chosen.get(parameter, ""),
                        "values": [
                            {"code": code, "count": n, "href": href(**{parameter: code})}
                            for code, n in counts.items()
                        ],
                        "clear": href(**{parameter: None}),
                    }
                )
        return render(
            request,
            "search.html",
            section="search",
            chosen=chosen,
            result=result,
            hits=hits,
            facets=facet_links,
            sources=sources,
            error=error,
            page=page,
            max_page=MAX_PAGE,
            previous_href=href(page=page - 1) if page > 1 else None,
            next_href=href(page=page + 1) if result is not None and result.more and page < MAX_PAGE else None,
            facet_scan=FACET_SCAN,
            kinds=KINDS,
            violation_codes=list(LABELS["violation"]),
            statuses=STATUSES,
            languages=LANGUAGES,
        )

    @app.get("/api/search", response_model=SearchPage, responses=API_ERRORS, tags=["search"])
    def api_search(
        request: Request,
        principal: Searcher,
        q: Annotated[
            str,
            Query(
                min_length=1,
                max_length=MAX_QUERY,
                pattern=TEXT_PATTERN,
                description="Words to find, every one (English, Dari or Pashto; any spelling).",
            ),
        ],
        kind: Kind | None = None,
        violation: Annotated[str | None, Query(pattern=CODE_PATTERN, description="A violation code.")] = None,
        province: Annotated[str | None, Query(pattern=NAME_PATTERN)] = None,
        district: Annotated[str | None, Query(pattern=NAME_PATTERN)] = None,
        status: Annotated[
            Status | None, Query(description="An incident's status or a claim's stance.")
        ] = None,
        source: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="A source's number.")] = None,
        language: Language | None = None,
        start: Annotated[
            dt.date | None, Query(alias="from", description="Period start (records overlapping it).")
        ] = None,
        end: Annotated[dt.date | None, Query(alias="to", description="Period end.")] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = PAGE_SIZE,
        offset: Annotated[int, Query(ge=0, le=PAGE_SIZE * MAX_PAGE)] = 0,
    ) -> SearchPage:
        """Documents, incidents and claims matching every word, newest first, with facet counts."""
        filters = Filters(
            kind=kind,
            violation=violation,
            province=province,
            district=district,
            status=status,
            source_id=source,
            language=language,
            start=start,
            end=end,
        )
        with request.app.state.workspace.sessions() as session:
            result, shown = run_search(session, principal, q, filters, limit=limit, offset=offset)
        claim_pages = _has_claim_pages(request.app)
        return SearchPage(
            query=q,
            limit=limit,
            offset=offset,
            more=result.more,
            hits=[
                SearchHit(
                    kind=p.kind,  # type: ignore[arg-type]
                    id=p.record_id,
                    title=p.title,
                    url=record_url(principal, p, claim_pages),
                    date=p.date,
                    language=p.language,
                    status=p.status,
                    confidentiality=p.confidentiality,
                    snippet=[SnippetPiece(text=t, marked=m) for t, m in p.snippet],
                )
                for p in shown
            ],
            facets=result.facets,
            facet_sample=result.facet_sample,
            facet_sample_limit=FACET_SCAN,
        )
