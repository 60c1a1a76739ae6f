"""Registry pages and API: the review queue, incidents, same-event proposals, status, history.

Routes are thin: they read through `gawah.registry` and decide through it, with the signed-in
person as the actor. Every form is a plain POST (no script) with its CSRF token; the incident's
`version` travels with each form so that a stale page is refused, not applied.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import Body, Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from gawah.registry import review, same_event
from gawah.registry.changes import ConflictError, NotFound, RegistryError, deciding, diff, history, restore
from gawah.registry.corroboration import STANDARDS_OF_PROOF, TRANSITIONS, set_status
from gawah.registry.incidents import incident_view, list_incidents, statistics
from gawah.security.policy import Action, Principal, visible_levels
from gawah.store.models import Document, Incident
from gawah.web.auth import ReasonQuery, check_csrf, check_read, check_visible, record_resource, requires
from gawah.web.highlight import Mark, segment
from gawah.web.labels import LABELS, N_

Render = Callable[..., HTMLResponse]
# Reading is filtered by confidentiality level in every route (visible_levels, check_read).
Reader = Annotated[Principal, Depends(requires(Action.DOCUMENT_READ))]
Reviewer = Annotated[Principal, Depends(requires(Action.INCIDENT_REVIEW))]
Editor = Annotated[Principal, Depends(requires(Action.INCIDENT_EDIT))]
FactKind = Literal["act", "claim", "person"]
Decision = Literal["accept", "reject", "edit", "split", "attach"]
# Names of the registry's codes, added to the interface's labels (translated like the others).
REGISTRY_LABELS: dict[str, dict[str, str]] = {
    "incident_status": {
        "reported": N_("Reported"),
        "corroborated": N_("Corroborated"),
        "verified": N_("Verified"),
        "disputed": N_("Disputed"),
        "retracted": N_("Retracted"),
    },
    "standard_of_proof": {
        "reasonable_basis": N_("Reasonable basis to believe"),
        "reasonable_grounds": N_("Reasonable grounds to believe"),
        "substantial_grounds": N_("Substantial grounds to believe"),
        "beyond_reasonable_doubt": N_("Beyond reasonable doubt"),
    },
    "same_event_reason": {
        "same_violation": N_("Same violation"),
        "same_district": N_("Same district"),
        "same_province": N_("Same province"),
        "different_province": N_("Different provinces"),
        "dates_overlap": N_("Dates overlap"),
        "dates_far_apart": N_("Dates far apart (days)"),
        "same_count": N_("Same number"),
        "close_counts": N_("Close numbers"),
        "different_counts": N_("Very different numbers"),
        "similar_wording": N_("Similar wording (percent alike)"),
    },
}
for _kind, _names in REGISTRY_LABELS.items():
    LABELS.setdefault(_kind, {}).update(_names)
# Characters of text shown around a quote in the review queue.
CONTEXT = 400


def http_status(exc: RegistryError) -> int:
    """The HTTP status of a registry refusal: 409 conflict, 404 not found, else 400."""
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, NotFound):
        return 404
    return 400


def _excerpt(session: Session, item: review.QueueItem) -> dict[str, Any] | None:
    """The stretch of the document around the fact's quotes, cut so the quotes can be marked."""
    if item.document_id is None:
        return None
    doc = session.get(Document, item.document_id)
    if doc is None:
        return None
    spans = [s for s in item.spans if s.document_id == doc.id]
    if spans:
        start = max(0, min(s.start for s in spans) - CONTEXT)
        end = min(len(doc.text), max(s.end for s in spans) + CONTEXT)
    else:
        start, end = 0, min(len(doc.text), 2 * CONTEXT)
    marks = [Mark(s.id, s.start - start, s.end - start, f"{item.kind}-{item.id}") for s in spans]
    return {
        "language": doc.language if doc.language != "und" else None,
        "cut_before": start > 0,
        "cut_after": end < len(doc.text),
        "paragraphs": segment(doc.text[start:end], marks),
    }


def history_rows(session: Session, subject_type: str, subject_id: int) -> list[dict[str, Any]]:
    """A registry record's changes, newest first, each with its diff, for a record's page."""
    return [
        {
            "id": c.id,
            "action": c.action,
            "actor": c.actor,
            "at": c.at,
            "note": c.note,
            "diff": diff(c.before, c.after),
            "restorable": c.before is not None,
        }
        for c in reversed(history(session, subject_type, subject_id))
    ]


def _visible_proposals(
    session: Session, proposals: list[same_event.Proposal], levels: tuple[str, ...]
) -> list[same_event.Proposal]:
    """Same-event proposals whose two incidents the reader may both see."""
    ids = {p.incident_id for p in proposals} | {p.other_id for p in proposals}
    shown = set(
        session.scalars(select(Incident.id).where(Incident.id.in_(ids), Incident.confidentiality.in_(levels)))
    )
    return [p for p in proposals if p.incident_id in shown and p.other_id in shown]


def register(app: FastAPI, render: Render) -> None:
    """Add the registry's pages and API routes to the app."""

    def sessions(request: Request) -> Any:
        return request.app.state.workspace.sessions

    def readable_incident(request: Request, principal: Principal, incident_id: int, reason: str) -> None:
        """Reading an incident: hidden ones are 'not found', confidential ones need a reason (audited)."""
        check_read(request, principal, record_resource(request, "incident", Incident, incident_id), reason)

    def writable_incident(request: Request, principal: Principal, incident_id: int) -> None:
        """Changing an incident needs the right to see it; a hidden one is 'not found'."""
        check_visible(principal, record_resource(request, "incident", Incident, incident_id))

    def after_decision(request: Request, target: str) -> Response:
        request.app.state.workspace.sign_checkpoint()
        return RedirectResponse(target, status_code=303)

    def review_page(
        request: Request, principal: Principal, error: str | None = None, status_code: int = 200
    ) -> HTMLResponse:
        levels = visible_levels(principal)
        with sessions(request)() as session:
            items = review.queue(session, limit=20, levels=levels)
            excerpts = {(i.kind, i.id): _excerpt(session, i) for i in items}
            sizes = review.queue_size(session, levels=levels)
        return render(
            request,
            "review.html",
            status_code=status_code,
            section="review",
            items=items,
            excerpts=excerpts,
            sizes=sizes,
            error=error,
        )

    def incident_page(
        request: Request,
        principal: Principal,
        incident_id: int,
        error: str | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        levels = visible_levels(principal)
        with sessions(request)() as session:
            try:
                view = incident_view(session, incident_id, levels)
            except NotFound as exc:
                raise HTTPException(404) from exc
            proposals = _visible_proposals(
                session, same_event.propose(session, incident_id=incident_id), levels
            )
            rows = history_rows(session, "incident", incident_id)
        return render(
            request,
            "incident.html",
            status_code=status_code,
            section="incidents",
            incident=view,
            proposals=proposals,
            history=rows,
            transitions=sorted(TRANSITIONS[view["status"]]),
            standards=STANDARDS_OF_PROOF,
            error=error,
        )

    @app.api_route("/review", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False)
    def review_queue(request: Request, principal: Reader) -> HTMLResponse:
        return review_page(request, principal)

    @app.post("/review/{kind}/{fact_id}", include_in_schema=False)
    def review_decide(
        request: Request,
        principal: Reviewer,
        kind: FactKind,
        fact_id: int,
        decision: Annotated[str, Form()],
        note: Annotated[str, Form(max_length=4000)] = "",
        version: Annotated[int | None, Form()] = None,
        incident_id: Annotated[int | None, Form()] = None,
        csrf: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        check_csrf(request, csrf)
        try:
            with deciding(sessions(request)) as session:
                if decision == "accept":
                    review.accept(
                        session, kind, fact_id, principal.username, note=note, expected_version=version
                    )
                elif decision == "reject":
                    review.reject(
                        session, kind, fact_id, principal.username, note=note, expected_version=version
                    )
                elif decision == "attach" and kind == "act" and incident_id is not None:
                    review.attach(session, fact_id, incident_id, principal.username, note=note)
                else:
                    raise RegistryError(f"unknown decision {decision!r}")
        except RegistryError as exc:
            return review_page(request, principal, str(exc), http_status(exc))
        return after_decision(request, "/review")

    @app.post("/review/act/{act_id}/edit", include_in_schema=False)
    def review_edit(
        request: Request,
        principal: Reviewer,
        act_id: int,
        violation: Annotated[str, Form()],
        count_value: Annotated[str, Form(max_length=20)] = "",
        count_qualifier: Annotated[str, Form(max_length=20)] = "",
        perpetrator: Annotated[str, Form(max_length=40)] = "",
        victim_groups: Annotated[str, Form(max_length=1000)] = "",
        start_date: Annotated[str, Form(max_length=10)] = "",
        end_date: Annotated[str, Form(max_length=10)] = "",
        note: Annotated[str, Form(max_length=4000)] = "",
        version: Annotated[int | None, Form()] = None,
        csrf: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        check_csrf(request, csrf)
        fields = {
            "violation": violation,
            "count_value": count_value,
            "count_qualifier": count_qualifier,
            "perpetrator": perpetrator,
            "victim_groups": victim_groups,
            "start_date": start_date,
            "end_date": end_date,
        }
        try:
            with deciding(sessions(request)) as session:
                review.edit(session, act_id, fields, principal.username, note=note, expected_version=version)
        except RegistryError as exc:
            return review_page(request, principal, str(exc), http_status(exc))
        return after_decision(request, "/review")

    @app.api_route(
        "/incidents", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False
    )
    def incidents(
        request: Request,
        principal: Reader,
        status: Annotated[str | None, Query()] = None,
        violation: Annotated[str | None, Query()] = None,
        province: Annotated[str | None, Query()] = None,
    ) -> HTMLResponse:
        with sessions(request)() as session:
            total, rows = list_incidents(
                session,
                status=status or None,
                violation=violation or None,
                province=province or None,
                limit=200,
                levels=visible_levels(principal),
            )
            stats = statistics(session, levels=visible_levels(principal))
        return render(
            request, "incidents.html", section="incidents", total=total, incidents=rows, stats=stats
        )

    @app.api_route(
        "/incidents/{incident_id}",
        methods=["GET", "HEAD"],
        response_class=HTMLResponse,
        include_in_schema=False,
    )
    def incident(
        request: Request, principal: Reader, incident_id: int, reason: ReasonQuery = ""
    ) -> HTMLResponse:
        readable_incident(request, principal, incident_id, reason)
        return incident_page(request, principal, incident_id)

    @app.post("/incidents/{incident_id}/{what}", include_in_schema=False)
    def incident_decide(
        request: Request,
        principal: Editor,
        incident_id: int,
        what: str,
        status: Annotated[str, Form(max_length=20)] = "",
        standard_of_proof: Annotated[str, Form(max_length=40)] = "",
        other_id: Annotated[int | None, Form()] = None,
        change_id: Annotated[int | None, Form()] = None,
        note: Annotated[str, Form(max_length=4000)] = "",
        version: Annotated[int | None, Form()] = None,
        csrf: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        check_csrf(request, csrf)
        writable_incident(request, principal, incident_id)
        actor = principal.username
        target = f"/incidents/{incident_id}"
        try:
            with deciding(sessions(request)) as session:
                if what == "status":
                    set_status(
                        session,
                        incident_id,
                        status,
                        actor,
                        standard_of_proof=standard_of_proof or None,
                        note=note,
                        expected_version=version,
                    )
                elif what == "merge" and other_id is not None:
                    same_event.merge(session, incident_id, other_id, actor, note=note, keep_version=version)
                elif what == "refuse" and other_id is not None:
                    same_event.refuse(session, incident_id, other_id, actor, note=note)
                elif what == "unmerge":
                    same_event.undo_merge(session, incident_id, actor, note=note)
                elif what == "restore" and change_id is not None:
                    # Only this incident's own changes: its access is what the page checked.
                    restore(
                        session,
                        change_id,
                        actor,
                        expected_version=version,
                        subject_type="incident",
                        subject_id=incident_id,
                    )
                else:
                    raise HTTPException(404)
        except RegistryError as exc:
            return incident_page(request, principal, incident_id, str(exc), http_status(exc))
        return after_decision(request, target)

    # JSON API ------------------------------------------------------------------------------

    def api_error(exc: RegistryError) -> HTTPException:
        return HTTPException(http_status(exc), detail=str(exc))

    @app.get("/api/review", tags=["registry"])
    def api_review(
        request: Request,
        principal: Reader,
        kind: Annotated[FactKind | None, Query(description="act, claim or person")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    ) -> list[dict[str, Any]]:
        """Candidate facts waiting for a decision, each with its quoted spans."""
        with sessions(request)() as session:
            return [
                {
                    "kind": i.kind,
                    "id": i.id,
                    "incident_id": i.incident_id,
                    "incident_version": i.incident_version,
                    "version": i.version,
                    "document_id": i.document_id,
                    "fact": i.summary,
                    "quotes": [
                        {"span_id": s.id, "start": s.start, "end": s.end, "quote": s.quote} for s in i.spans
                    ],
                }
                for i in review.queue(session, kind=kind, limit=limit, levels=visible_levels(principal))
            ]

    @app.post("/api/review/{kind}/{fact_id}", tags=["registry"])
    def api_review_decide(
        request: Request,
        principal: Reviewer,
        kind: FactKind,
        fact_id: int,
        decision: Annotated[Decision, Body(description="accept, reject, edit, split or attach")],
        note: Annotated[str, Body()] = "",
        version: Annotated[int | None, Body(description="incident version the decision was made on")] = None,
        fields: Annotated[dict[str, Any] | None, Body(description="edit: the act's corrected fields")] = None,
        parts: Annotated[list[dict[str, Any]] | None, Body(description="split: the parts")] = None,
        incident_id: Annotated[int | None, Body(description="attach: the incident")] = None,
    ) -> dict[str, Any]:
        """Decide on one candidate fact; the signed-in person is the reviewer."""
        actor = principal.username
        result: dict[str, Any] = {"kind": kind, "id": fact_id, "decision": decision}
        try:
            with deciding(sessions(request)) as session:
                if decision == "accept":
                    review.accept(session, kind, fact_id, actor, note=note, expected_version=version)
                elif decision == "reject":
                    review.reject(session, kind, fact_id, actor, note=note, expected_version=version)
                elif decision == "edit" and kind == "act":
                    review.edit(session, fact_id, fields or {}, actor, note=note, expected_version=version)
                elif decision == "split" and kind == "act":
                    result["acts"] = review.split(
                        session, fact_id, parts or [], actor, note=note, expected_version=version
                    )
                elif decision == "attach" and kind == "act" and incident_id is not None:
                    review.attach(session, fact_id, incident_id, actor, note=note, expected_version=version)
                else:
                    raise RegistryError(f"unknown decision {decision!r} for a {kind}")
        except RegistryError as exc:
            raise api_error(exc) from exc
        request.app.state.workspace.sign_checkpoint()
        return result

    @app.get("/api/incidents", tags=["registry"])
    def api_incidents(
        request: Request,
        principal: Reader,
        status: Annotated[str | None, Query()] = None,
        violation: Annotated[str | None, Query()] = None,
        province: Annotated[str | None, Query()] = None,
        include_merged: Annotated[bool, Query()] = False,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        """Incidents, one per event, newest first."""
        with sessions(request)() as session:
            total, rows = list_incidents(
                session,
                status=status,
                violation=violation,
                province=province,
                include_merged=include_merged,
                limit=limit,
                offset=offset,
                levels=visible_levels(principal),
            )
        return {"total": total, "limit": limit, "offset": offset, "incidents": rows}

    @app.get("/api/incidents/{incident_id}", tags=["registry"])
    def api_incident(
        request: Request, principal: Reader, incident_id: int, reason: ReasonQuery = ""
    ) -> dict[str, Any]:
        """One incident: acts, victims, perpetrators, places, dates and every report of the event."""
        readable_incident(request, principal, incident_id, reason)
        with sessions(request)() as session:
            try:
                return incident_view(session, incident_id, visible_levels(principal))
            except RegistryError as exc:
                raise api_error(exc) from exc

    @app.get("/api/incidents/{incident_id}/history", tags=["registry"])
    def api_history(
        request: Request, principal: Reader, incident_id: int, reason: ReasonQuery = ""
    ) -> list[dict[str, Any]]:
        """Every change: who, when, what, and the diff."""
        readable_incident(request, principal, incident_id, reason)
        with sessions(request)() as session:
            return [
                {
                    "id": r["id"],
                    "action": r["action"],
                    "actor": r["actor"],
                    "at": r["at"].isoformat(),
                    "note": r["note"],
                    "diff": [{"field": d.path, "old": d.old, "new": d.new} for d in r["diff"]],
                }
                for r in history_rows(session, "incident", incident_id)
            ]

    @app.post("/api/incidents/{incident_id}/status", tags=["registry"])
    def api_status(
        request: Request,
        principal: Editor,
        incident_id: int,
        status: Annotated[str, Body()],
        standard_of_proof: Annotated[str | None, Body()] = None,
        note: Annotated[str, Body()] = "",
        version: Annotated[int | None, Body()] = None,
    ) -> dict[str, Any]:
        """Move the incident's status, naming the standard of proof."""
        writable_incident(request, principal, incident_id)
        try:
            with deciding(sessions(request)) as session:
                set_status(
                    session,
                    incident_id,
                    status,
                    principal.username,
                    standard_of_proof=standard_of_proof,
                    note=note,
                    expected_version=version,
                )
        except RegistryError as exc:
            raise api_error(exc) from exc
        request.app.state.workspace.sign_checkpoint()
        return {"id": incident_id, "status": status}

    @app.post("/api/incidents/{incident_id}/merge", tags=["registry"])
    def api_merge(
        request: Request,
        principal: Editor,
        incident_id: int,
        other_id: Annotated[int, Body(embed=True)],
        note: Annotated[str, Body()] = "",
    ) -> dict[str, Any]:
        """Confirm that `other_id` is the same event: it joins this incident, keeping every source."""
        writable_incident(request, principal, incident_id)
        writable_incident(request, principal, other_id)
        try:
            with deciding(sessions(request)) as session:
                same_event.merge(session, incident_id, other_id, principal.username, note=note)
        except RegistryError as exc:
            raise api_error(exc) from exc
        request.app.state.workspace.sign_checkpoint()
        return {"id": incident_id, "merged": other_id}

    @app.post("/api/incidents/{incident_id}/unmerge", tags=["registry"])
    def api_unmerge(request: Request, principal: Editor, incident_id: int) -> dict[str, Any]:
        """Undo the merge of this incident into another."""
        writable_incident(request, principal, incident_id)
        try:
            with deciding(sessions(request)) as session:
                same_event.undo_merge(session, incident_id, principal.username)
        except RegistryError as exc:
            raise api_error(exc) from exc
        request.app.state.workspace.sign_checkpoint()
        return {"id": incident_id, "merged_into_id": None}

    @app.get("/api/same-event", tags=["registry"])
    def api_same_event(
        request: Request, principal: Reader, incident_id: Annotated[int | None, Query(ge=1)] = None
    ) -> list[dict[str, Any]]:
        """Incidents from different documents that may be one event, with the reasons."""
        levels = visible_levels(principal)
        with sessions(request)() as session:
            proposals = _visible_proposals(
                session, same_event.propose(session, incident_id=incident_id), levels
            )
            return [
                {
                    "incident_id": p.incident_id,
                    "other_id": p.other_id,
                    "score": p.score,
                    "reasons": [r.as_dict() | {"text": same_event.explain(r)} for r in p.reasons],
                }
                for p in proposals
            ]

    @app.get("/api/statistics", tags=["registry"])
    def api_statistics(request: Request, principal: Reader) -> dict[str, Any]:
        """Incident counts and victim counts, apart; each event once (of the incidents you may see)."""
        with sessions(request)() as session:
            return statistics(session, levels=visible_levels(principal))
