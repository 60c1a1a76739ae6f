"""Claims and legal qualification: pages and API.

/claims lists statements by parties; /claims/{id} sets one beside the incidents that contradict and
support it, as a fact-check does, and says what the page does not assert. /acts/{id}/legal is an
act's legal checklist: the provisions the vocabulary lists, each element with a lawyer's finding,
notes and evidence links. Routes are thin: `gawah.registry.claims` and `gawah.registry.legal` read
and decide; the signed-in person is the actor; forms are plain POSTs with their CSRF token.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Body, Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from gawah.registry import claims, legal
from gawah.registry.changes import NotFound, RegistryError, deciding, restore
from gawah.registry.incidents import act_view
from gawah.security.policy import Action, Principal, authorize, visible_levels
from gawah.store.models import Act, Claim, Incident, Span
from gawah.web.auth import ReasonQuery, check_csrf, check_read, record_resource, requires
from gawah.web.labels import LABELS, N_
from gawah.web.registry_routes import history_rows, http_status
from gawah.web.schemas import API_ERRORS

Render = Callable[..., HTMLResponse]
Anyone = Annotated[Principal, Depends(requires(Action.DOCUMENT_READ))]
Reader = Annotated[Principal, Depends(requires(Action.DOCUMENT_READ_RESTRICTED))]
Editor = Annotated[Principal, Depends(requires(Action.INCIDENT_EDIT))]
Lawyer = Annotated[Principal, Depends(requires(Action.LEGAL_ASSESS))]
PAGE_SIZE = 50

Relation = Literal["contradicts", "supports"]
Stance = Literal["denial", "assurance", "acknowledgement", "allegation", "other"]
Finding = Literal["not_examined", "satisfied", "not_satisfied", "insufficient_information"]
Level = Literal["public", "restricted", "confidential"]

# What a claim's page asserts and what it does not (shown on the page, given in the API).
DOSSIER_NOTE = N_(
    "This page sets a statement beside the incidents that analysts linked to it. It does not say "
    "whether the statement is true: each incident keeps its own status and standard of proof, and "
    "only the records you may see are shown."
)
# The same words as gawah.registry.legal.NOTICE, marked here so that the page shows them translated.
LEGAL_NOTICE = N_(
    "Nothing on this checklist is asserted automatically: the provisions are those the vocabulary "
    "lists for the violation, to be examined; every finding is a person's, with their notes."
)
CLAIM_LABELS: dict[str, dict[str, str]] = {
    "claim_relation": {"contradicts": N_("Contradicts"), "supports": N_("Supports")},
    "legal_finding": {
        "not_examined": N_("Not examined"),
        "satisfied": N_("Satisfied"),
        "not_satisfied": N_("Not satisfied"),
        "insufficient_information": N_("Insufficient information"),
    },
}
for _kind, _names in CLAIM_LABELS.items():
    LABELS.setdefault(_kind, {}).update(_names)

# An evidence link on the checklist: "span:12", "document:3", "incident:4", "claim:5", "evidence:6".
EVIDENCE_REF = re.compile(r"^(span|document|incident|claim|evidence):(\d{1,12})$")


# API models ----------------------------------------------------------------------------------

VERSION_HELP = "The claim's version: give it back when deciding, to be told of a conflict (409)."


class ClaimRow(BaseModel):
    id: int
    speaker: str
    affiliation: str | None
    stance: str
    quote: str
    stated_on: dt.date | None
    document_id: int | None
    review_status: str
    confidentiality: str
    version: int = Field(description=VERSION_HELP)
    contradicting: int = Field(description="Linked incidents that contradict the claim (that you may see).")
    supporting: int = Field(description="Linked incidents that support the claim (that you may see).")


class ClaimPage(BaseModel):
    total: int
    limit: int
    offset: int
    claims: list[ClaimRow]


class QuotedSpan(BaseModel):
    span_id: int
    document_id: int
    start: int
    end: int
    quote: str


class SourceDocument(BaseModel):
    id: int
    title: str
    language: str
    published: dt.date | None
    source_name: str | None
    source_kind: str | None
    reliability: str | None


class ActCount(BaseModel):
    value: int
    qualifier: str | None
    unit: str | None


class EvidenceAct(BaseModel):
    id: int
    violation: str
    count: ActCount | None
    perpetrator: str | None
    victim_groups: list[str]
    start_date: dt.date | None
    end_date: dt.date | None
    review_status: str
    quotes: list[QuotedSpan]


class EvidencePlace(BaseModel):
    id: int
    name: str
    kind: str | None
    province: str | None
    district: str | None


class EvidenceReport(BaseModel):
    document_id: int
    document_title: str
    published: dt.date | None
    source_name: str | None
    source_kind: str | None
    reliability: str | None
    credibility: int | None
    independent: bool | None
    repeats_source_name: str | None


class Evidence(BaseModel):
    """One incident linked to the claim, on one side, with what it rests on."""

    incident_id: int
    relation: Relation
    title: str
    status: str
    standard_of_proof: str | None
    review_status: str
    start_date: dt.date | None
    end_date: dt.date | None
    merged_into_id: int | None
    places: list[EvidencePlace]
    acts: list[EvidenceAct]
    reports: list[EvidenceReport]
    independent_sources: int


class ClaimDossier(BaseModel):
    id: int
    speaker: str
    affiliation: str | None
    stance: str
    quote: str
    stated_on: dt.date | None
    review_status: str
    confidentiality: str
    version: int = Field(description=VERSION_HELP)
    document: SourceDocument | None
    quotes: list[QuotedSpan]
    contradicts: list[Evidence]
    supports: list[Evidence]
    note: str = Field(description="What the dossier asserts and what it does not.")


# Record ids as the database can hold them (a larger number is refused as a value, not looked up).
RecordId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class LinkRequest(BaseModel):
    incident_id: RecordId
    relation: Relation | None = Field(None, description="contradicts or supports; left out with unlink")
    unlink: bool = False
    note: str = Field("", max_length=4000)
    version: RecordId | None = Field(
        None, description="The claim's version you looked at; refused (409) when it has moved on since."
    )


class LinkResult(BaseModel):
    claim_id: int
    incident_id: int
    relation: Relation | None
    change_id: int
    version: int = Field(description="The claim's version after this change.")


class NewClaim(BaseModel):
    speaker: str = Field(max_length=300)
    quote: str = Field(max_length=20000)
    stance: Stance = "other"
    affiliation: str | None = Field(None, max_length=300)
    stated_on: dt.date | None = None
    document_id: RecordId | None = None
    confidentiality: Level = "restricted"
    note: str = Field("", max_length=4000)


class ElementFinding(BaseModel):
    code: str
    text: str
    finding: Finding
    notes: str
    evidence: list[str]
    assessed_by: str | None
    assessed_at: str | None


class ProvisionChecklist(BaseModel):
    code: str
    instrument: str
    article: str
    title: str
    elements: list[ElementFinding]


class LegalChecklist(BaseModel):
    act_id: int
    violation: str
    notice: str
    provisions: list[ProvisionChecklist]


class Assessment(BaseModel):
    provision: str = Field(max_length=40)
    element: str = Field(max_length=40)
    finding: Finding
    notes: str = Field("", max_length=20000)
    evidence: list[str] = Field(default_factory=list, description='Links such as "span:12" or "document:3".')


# Helpers -------------------------------------------------------------------------------------


def evidence_refs(text: str) -> list[str]:
    """Evidence links typed in a form: separated by spaces, commas or new lines."""
    return [part for part in re.split(r"[\s,]+", text.strip()) if part]


def evidence_href(session: Session, ref: str) -> str | None:
    """Where an evidence link on the checklist leads (a span opens its document at the quote)."""
    found = EVIDENCE_REF.match(ref.strip())
    if found is None:
        return None
    kind, number = found[1], int(found[2])
    if kind == "span":
        document_id = session.scalar(select(Span.document_id).where(Span.id == number))
        return f"/documents/{document_id}#span-{number}" if document_id is not None else None
    if kind == "document":
        return f"/documents/{number}"
    return f"/{'evidence' if kind == 'evidence' else kind + 's'}/{number}"


def _incident_level(session: Session, incident_id: int) -> str:
    incident = session.get(Incident, incident_id)
    return incident.confidentiality if incident is not None else ""


def _levels(principal: Principal) -> Sequence[str]:
    return visible_levels(principal)


def register(app: FastAPI, render: Render) -> None:
    """Add the claims pages, the legal checklist page and their API routes to the app."""

    def sessions(request: Request) -> Any:
        return request.app.state.workspace.sessions

    def readable_claim(request: Request, principal: Principal, claim_id: int, reason: str) -> None:
        check_read(request, principal, record_resource(request, "claim", Claim, claim_id), reason)

    def readable_act(request: Request, principal: Principal, act_id: int, reason: str) -> None:
        check_read(request, principal, record_resource(request, "act", Act, act_id), reason)

    def with_reason(path: str, reason: str) -> str:
        return path + (f"?{urlencode({'reason': reason.strip()})}" if reason.strip() else "")

    # Claims: pages -----------------------------------------------------------------------------

    def list_page(
        request: Request,
        principal: Principal,
        filters: dict[str, Any],
        page: int = 1,
        error: str | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        with sessions(request)() as session:
            total, rows = claims.list_claims(
                session,
                _levels(principal),
                speaker=filters.get("speaker") or None,
                stance=filters.get("stance") or None,
                document_id=filters.get("document"),
                incident_id=filters.get("incident"),
                limit=PAGE_SIZE,
                offset=(page - 1) * PAGE_SIZE,
            )

        def page_href(number: int) -> str:
            return "/claims?" + urlencode({k: v for k, v in {**filters, "page": number}.items() if v})

        return render(
            request,
            "claims.html",
            status_code=status_code,
            section="claims",
            total=total,
            claims=[ClaimRow.model_validate(r) for r in rows],
            filters=filters,
            stances=claims.STANCES,
            page=page,
            pages=max(1, -(-total // PAGE_SIZE)),
            page_href=page_href,
            error=error,
            can_edit=authorize(principal, Action.INCIDENT_EDIT).allowed,
        )

    @app.api_route("/claims", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False)
    def claims_list(
        request: Request,
        principal: Anyone,
        speaker: Annotated[str, Query(max_length=200)] = "",
        stance: Annotated[str, Query(max_length=20)] = "",
        document: Annotated[int | None, Query(ge=1)] = None,
        incident: Annotated[int | None, Query(ge=1)] = None,
        page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    ) -> HTMLResponse:
        filters = {"speaker": speaker, "stance": stance, "document": document, "incident": incident}
        return list_page(request, principal, filters, page)

    def claim_page(
        request: Request,
        principal: Principal,
        claim_id: int,
        reason: str,
        error: str | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        readable_claim(request, principal, claim_id, reason)
        with sessions(request)() as session:
            try:
                view = claims.dossier(session, claim_id, _levels(principal))
            except NotFound as exc:
                raise HTTPException(404) from exc
            rows = history_rows(session, "claim", claim_id)
        return render(
            request,
            "claim.html",
            status_code=status_code,
            section="claims",
            claim=ClaimDossier.model_validate({**view, "note": DOSSIER_NOTE}),
            history=rows,
            note=DOSSIER_NOTE,
            relations=claims.RELATIONS,
            reason=reason,
            error=error,
            can_edit=authorize(principal, Action.INCIDENT_EDIT).allowed,
        )

    @app.api_route(
        "/claims/{claim_id}", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False
    )
    def claim(request: Request, principal: Anyone, claim_id: int, reason: ReasonQuery = "") -> HTMLResponse:
        return claim_page(request, principal, claim_id, reason)

    @app.post("/claims/{claim_id}/links", include_in_schema=False)
    def claim_link(
        request: Request,
        principal: Editor,
        claim_id: int,
        incident_id: Annotated[str, Form(max_length=20)] = "",
        relation: Annotated[str, Form(max_length=20)] = "",
        unlink: Annotated[str, Form(max_length=5)] = "",
        note: Annotated[str, Form(max_length=4000)] = "",
        version: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
        reason: Annotated[str, Form(max_length=500)] = "",
        csrf: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        check_csrf(request, csrf)
        levels = _levels(principal)
        try:
            if not incident_id.strip().isdigit():
                raise RegistryError("give the number of the incident")
            with deciding(sessions(request)) as session:
                if unlink:
                    claims.unlink(session, claim_id, int(incident_id), principal.username, note=note,
                                  levels=levels, expected_version=version)  # fmt: skip
                else:
                    claims.link(session, claim_id, int(incident_id), relation, principal.username,
                                note=note, levels=levels, expected_version=version)  # fmt: skip
        except RegistryError as exc:
            with sessions(request)() as session:
                if claims.claim_level(session, claim_id) not in levels:
                    raise HTTPException(404) from exc
            return claim_page(request, principal, claim_id, reason, str(exc), http_status(exc))
        request.app.state.workspace.sign_checkpoint()
        return RedirectResponse(with_reason(f"/claims/{claim_id}", reason), status_code=303)

    @app.post("/claims/{claim_id}/restore", include_in_schema=False)
    def claim_restore(
        request: Request,
        principal: Editor,
        claim_id: int,
        change_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
        version: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
        reason: Annotated[str, Form(max_length=500)] = "",
        csrf: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        """Put the claim back as it was before one of its changes: fields and links (a new change)."""
        check_csrf(request, csrf)
        levels = _levels(principal)
        try:
            with deciding(sessions(request)) as session:
                if claims.claim_level(session, claim_id) not in levels:
                    raise HTTPException(404)
                change = restore(session, change_id, principal.username, expected_version=version,
                                 subject_type="claim", subject_id=claim_id)  # fmt: skip
                # The version put back may link incidents this editor may not see: refused whole.
                linked = [link["id"] for link in (change.after or {}).get("incidents", [])]
                hidden = [i for i in linked if _incident_level(session, i) not in levels]
                if hidden:
                    raise RegistryError("that version links incidents above your level: ask who may see them")
        except RegistryError as exc:
            return claim_page(request, principal, claim_id, reason, str(exc), http_status(exc))
        request.app.state.workspace.sign_checkpoint()
        return RedirectResponse(with_reason(f"/claims/{claim_id}", reason), status_code=303)

    @app.post("/claims", include_in_schema=False)
    def claim_add(
        request: Request,
        principal: Editor,
        speaker: Annotated[str, Form(max_length=300)] = "",
        affiliation: Annotated[str, Form(max_length=300)] = "",
        stance: Annotated[str, Form(max_length=20)] = "other",
        quote: Annotated[str, Form(max_length=20000)] = "",
        stated_on: Annotated[str, Form(max_length=10)] = "",
        document_id: Annotated[str, Form(max_length=20)] = "",
        csrf: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        check_csrf(request, csrf)
        try:
            try:
                when = dt.date.fromisoformat(stated_on) if stated_on.strip() else None
            except ValueError:
                raise RegistryError("dates are written YYYY-MM-DD") from None
            if document_id.strip() and not document_id.strip().isdigit():
                raise RegistryError("give the number of the document")
            with deciding(sessions(request)) as session:
                made = claims.create_claim(
                    session,
                    principal.username,
                    speaker=speaker,
                    quote=quote,
                    stance=stance,
                    affiliation=affiliation,
                    stated_on=when,
                    document_id=int(document_id) if document_id.strip() else None,
                    levels=_levels(principal),
                )
                new_id = made.id
        except RegistryError as exc:
            return list_page(request, principal, {}, error=str(exc), status_code=http_status(exc))
        request.app.state.workspace.sign_checkpoint()
        return RedirectResponse(f"/claims/{new_id}", status_code=303)

    # Claims: API -------------------------------------------------------------------------------

    @app.get("/api/claims", response_model=ClaimPage, responses=API_ERRORS, tags=["claims"])
    def api_claims(
        request: Request,
        principal: Anyone,
        speaker: Annotated[
            str | None, Query(max_length=200, description="Part of the speaker or party")
        ] = None,
        stance: Annotated[Stance | None, Query()] = None,
        document_id: Annotated[int | None, Query(ge=1)] = None,
        incident_id: Annotated[int | None, Query(ge=1, description="Claims linked to this event")] = None,
        review_status: Annotated[str | None, Query(max_length=16)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    ) -> ClaimPage:
        """Claims the caller may see, newest statement first, with how many incidents bear on each."""
        with sessions(request)() as session:
            total, rows = claims.list_claims(
                session,
                _levels(principal),
                speaker=speaker,
                stance=stance,
                document_id=document_id,
                incident_id=incident_id,
                review_status=review_status,
                limit=limit,
                offset=offset,
            )
        return ClaimPage(
            total=total, limit=limit, offset=offset, claims=[ClaimRow.model_validate(r) for r in rows]
        )

    @app.get("/api/claims/{claim_id}", response_model=ClaimDossier, responses=API_ERRORS, tags=["claims"])
    def api_claim(
        request: Request, principal: Anyone, claim_id: int, reason: ReasonQuery = ""
    ) -> ClaimDossier:
        """A claim and the evidence on each side: the incidents that contradict it and support it."""
        readable_claim(request, principal, claim_id, reason)
        with sessions(request)() as session:
            try:
                view = claims.dossier(session, claim_id, _levels(principal))
            except NotFound as exc:
                raise HTTPException(404, detail=str(exc)) from exc
        return ClaimDossier.model_validate({**view, "note": DOSSIER_NOTE})

    @app.post(
        "/api/claims/{claim_id}/links", response_model=LinkResult, responses=API_ERRORS, tags=["claims"]
    )
    def api_claim_link(
        request: Request, principal: Editor, claim_id: int, body: Annotated[LinkRequest, Body()]
    ) -> LinkResult:
        """Link the claim to an incident that contradicts or supports it, or unlink it (kept in history)."""
        levels = _levels(principal)
        try:
            with deciding(sessions(request)) as session:
                if body.unlink:
                    change = claims.unlink(
                        session,
                        claim_id,
                        body.incident_id,
                        principal.username,
                        note=body.note,
                        levels=levels,
                        expected_version=body.version,
                    )
                else:
                    if body.relation is None:
                        raise RegistryError("say whether the incident contradicts or supports the claim")
                    change = claims.link(
                        session,
                        claim_id,
                        body.incident_id,
                        body.relation,
                        principal.username,
                        note=body.note,
                        levels=levels,
                        expected_version=body.version,
                    )
                change_id = change.id
                version_now = claims.get_claim(session, claim_id).version
        except RegistryError as exc:
            raise HTTPException(http_status(exc), detail=str(exc)) from exc
        request.app.state.workspace.sign_checkpoint()
        return LinkResult(
            claim_id=claim_id,
            incident_id=body.incident_id,
            relation=None if body.unlink else body.relation,
            change_id=change_id,
            version=version_now,
        )

    @app.post("/api/claims", response_model=ClaimRow, responses=API_ERRORS, tags=["claims"], status_code=201)
    def api_claim_add(request: Request, principal: Editor, body: Annotated[NewClaim, Body()]) -> ClaimRow:
        """Enter a claim by hand (accepted as entered; the change is kept with your name)."""
        try:
            with deciding(sessions(request)) as session:
                made = claims.create_claim(
                    session,
                    principal.username,
                    **body.model_dump(exclude={"note"}),
                    note=body.note,
                    levels=_levels(principal),
                )
                row = ClaimRow(
                    id=made.id,
                    speaker=made.speaker,
                    affiliation=made.affiliation,
                    stance=made.stance,
                    quote=made.quote,
                    stated_on=made.stated_on,
                    document_id=made.document_id,
                    review_status=made.review_status,
                    confidentiality=made.confidentiality,
                    version=made.version,
                    contradicting=0,
                    supporting=0,
                )
        except RegistryError as exc:
            # A document named in the body that is missing or hidden is a value refused, not a path.
            raise HTTPException(
                400 if isinstance(exc, NotFound) else http_status(exc), detail=str(exc)
            ) from exc
        request.app.state.workspace.sign_checkpoint()
        return row

    # Legal qualification ---------------------------------------------------------------------

    def legal_page(
        request: Request,
        principal: Principal,
        act_id: int,
        reason: str,
        error: str | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        readable_act(request, principal, act_id, reason)
        levels = _levels(principal)
        with sessions(request)() as session:
            sheet = legal.checklist(session, act_id)
            act = session.get(Act, act_id)
            assert act is not None  # checked by readable_act
            about = act_view(session, act, levels)
            hrefs = {
                ref: evidence_href(session, ref)
                for p in sheet["provisions"]
                for e in p["elements"]
                for ref in e["evidence"]
            }
        return render(
            request,
            "act_legal.html",
            status_code=status_code,
            section="incidents",
            act=about,
            sheet=sheet,
            notice=LEGAL_NOTICE,
            hrefs=hrefs,
            findings=legal.FINDINGS,
            reason=reason,
            error=error,
            can_assess=authorize(principal, Action.LEGAL_ASSESS).allowed,
        )

    @app.api_route(
        "/acts/{act_id}/legal", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False
    )
    def act_legal(request: Request, principal: Reader, act_id: int, reason: ReasonQuery = "") -> HTMLResponse:
        return legal_page(request, principal, act_id, reason)

    @app.post("/acts/{act_id}/legal", include_in_schema=False)
    def act_assess(
        request: Request,
        principal: Lawyer,
        act_id: int,
        provision: Annotated[str, Form(max_length=40)] = "",
        element: Annotated[str, Form(max_length=40)] = "",
        finding: Annotated[str, Form(max_length=30)] = "",
        notes: Annotated[str, Form(max_length=20000)] = "",
        evidence: Annotated[str, Form(max_length=4000)] = "",
        reason: Annotated[str, Form(max_length=500)] = "",
        csrf: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        check_csrf(request, csrf)
        readable_act(request, principal, act_id, reason)
        try:
            with deciding(sessions(request)) as session:
                legal.assess(
                    session,
                    act_id,
                    provision,
                    element,
                    finding,
                    principal.username,
                    notes=notes,
                    evidence=evidence_refs(evidence),
                )
        except RegistryError as exc:
            return legal_page(request, principal, act_id, reason, str(exc), http_status(exc))
        request.app.state.workspace.sign_checkpoint()
        anchor = f"#{provision}-{element}".replace(".", "-")
        return RedirectResponse(with_reason(f"/acts/{act_id}/legal", reason) + anchor, status_code=303)

    @app.get("/api/acts/{act_id}/legal", response_model=LegalChecklist, responses=API_ERRORS, tags=["legal"])
    def api_act_legal(
        request: Request, principal: Reader, act_id: int, reason: ReasonQuery = ""
    ) -> LegalChecklist:
        """The provisions to examine for an act, each element with the finding recorded so far.
        Nothing is asserted automatically: an element no person has assessed is "not_examined"."""
        readable_act(request, principal, act_id, reason)
        with sessions(request)() as session:
            try:
                return LegalChecklist.model_validate(legal.checklist(session, act_id))
            except NotFound as exc:
                raise HTTPException(404, detail=str(exc)) from exc

    @app.post("/api/acts/{act_id}/legal", response_model=ElementFinding, responses=API_ERRORS, tags=["legal"])
    def api_act_assess(
        request: Request,
        principal: Lawyer,
        act_id: int,
        body: Annotated[Assessment, Body()],
        reason: ReasonQuery = "",
    ) -> ElementFinding:
        """Record a finding on one element, with notes and evidence links; the caller is the assessor."""
        readable_act(request, principal, act_id, reason)
        try:
            with deciding(sessions(request)) as session:
                legal.assess(
                    session,
                    act_id,
                    body.provision,
                    body.element,
                    body.finding,
                    principal.username,
                    notes=body.notes,
                    evidence=body.evidence,
                )
        except RegistryError as exc:
            raise HTTPException(http_status(exc), detail=str(exc)) from exc
        request.app.state.workspace.sign_checkpoint()
        with sessions(request)() as session:
            sheet = legal.checklist(session, act_id)
        found = next(
            e
            for p in sheet["provisions"]
            if p["code"] == body.provision
            for e in p["elements"]
            if e["code"] == body.element
        )
        return ElementFinding.model_validate(found)
