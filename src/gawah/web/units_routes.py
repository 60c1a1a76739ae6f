"""Units, command relations and bulk edits: pages and JSON API.

/units lists perpetrator units the reader may see; /units/{id} shows a unit's chain of command up
and down, its relations and the incidents that name it; /incidents/{id}/responsibility lists who,
by the relations recorded, stood over an incident's perpetrators at its time (a basis for
analysis, never a finding). POST /incidents/bulk is the bulk form of the incidents list: one
change to the incidents ticked, all or nothing, each incident's version checked.

A unit or incident above the reader's level is "not found"; a confidential one is read with a
reason, kept in the audit trail. Changing one needs the right to see it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from gawah.registry import command
from gawah.registry.bulk import MAX_BATCH, BulkChange, bulk_edit
from gawah.registry.changes import NotFound, RegistryError, deciding
from gawah.security.policy import Action, Principal, authorize, visible_levels
from gawah.store.models import Incident, Person, Unit
from gawah.store.vocab import PERPETRATORS, Confidentiality
from gawah.web.auth import check_csrf, check_read, check_visible, record_resource, requires
from gawah.web.labels import LABELS, N_
from gawah.web.registry_routes import http_status

Render = Callable[..., HTMLResponse]
# Reads are filtered by confidentiality level in every route (visible_levels and `readable`).
Reader = Annotated[Principal, Depends(requires(Action.DOCUMENT_READ))]
Editor = Annotated[Principal, Depends(requires(Action.INCIDENT_EDIT))]
Reason = Annotated[str, Query(max_length=500, description="Why you read this confidential record (audited).")]
PAGE_SIZE = 100

UNIT_LABELS: dict[str, dict[str, str]] = {
    "command_relation": {
        "commands": N_("commands"),
        "subordinate_of": N_("is subordinate to"),
        "gave_orders": N_("gave orders to"),
        "failed_to_prevent_or_punish": N_("failed to prevent or punish the acts of"),
    },
    "responsibility_basis": {
        "perpetrator": N_("Named as perpetrator"),
        "commands": N_("Had command over"),
        "gave_orders": N_("Gave orders to"),
        "failed_to_prevent_or_punish": N_("Failed to prevent or punish"),
    },
    "party_type": {"unit": N_("Unit"), "person": N_("Person")},
}
for _kind, _names in UNIT_LABELS.items():
    LABELS.setdefault(_kind, {}).update(_names)
RECORDS: dict[str, type[Unit] | type[Incident] | type[Person]] = {
    "unit": Unit,
    "incident": Incident,
    "person": Person,
}
# The relation kinds offered in the form, in the order a person reads them.
RELATION_CHOICES = ("commands", "subordinate_of", "gave_orders", "failed_to_prevent_or_punish")


class UnitBody(BaseModel):
    name: str = Field(max_length=300)
    perpetrator: str = Field(
        "", max_length=40, description="taliban, foreign_military, armed_group or unknown"
    )
    province: str = Field("", max_length=120)
    notes: str = Field("", max_length=20000)
    confidentiality: str = Field(Confidentiality.RESTRICTED.value, max_length=16)


class RelationBody(BaseModel):
    subject: str = Field(max_length=40, description="unit:ID or person:ID")
    relation: str = Field(
        max_length=40, description="commands, subordinate_of, gave_orders, failed_to_prevent_or_punish"
    )
    object: str = Field(max_length=40, description="unit:ID or person:ID")
    incident_id: int | None = None
    document_id: int | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    notes: str = Field("", max_length=20000)
    confidentiality: str = Field(Confidentiality.RESTRICTED.value, max_length=16)


class AssignBody(BaseModel):
    unit_id: int
    act_ids: list[int] | None = Field(None, description="the acts (default: every act not rejected)")
    document_id: int | None = None
    note: str = Field("", max_length=4000)
    version: int | None = Field(None, description="the incident version the decision was made on")


class BulkBody(BaseModel):
    ids: list[int] = Field(max_length=MAX_BATCH, description="the incidents to change")
    versions: dict[int, int] = Field(
        default_factory=dict, description="incident → the version you looked at; a stale one refuses all"
    )
    status: str | None = Field(None, max_length=20)
    standard_of_proof: str | None = Field(None, max_length=40)
    confidentiality: str | None = Field(None, max_length=16)
    unit_id: int | None = None
    note: str = Field("", max_length=4000)


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        raise command.CommandError(f"dates are written YYYY-MM-DD, not {value!r}") from None


def _int(value: str, what: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit():
        raise command.CommandError(f"{what} is a number, not {value!r}")
    return int(value)


def parse_ticked(values: list[str]) -> tuple[list[int], dict[int, int]]:
    """The bulk form's ticked boxes, each "id:version", as ids and the versions seen."""
    ids: list[int] = []
    versions: dict[int, int] = {}
    for value in values:
        incident, _, version = value.partition(":")
        if not incident.isdigit() or (version and not version.isdigit()):
            raise command.CommandError(f"not an incident: {value!r}")
        ids.append(int(incident))
        if version:
            versions[int(incident)] = int(version)
    return ids, versions


def register(app: FastAPI, render: Render) -> None:
    """Add the units pages, the bulk form and their API to the app."""

    def sessions(request: Request) -> Any:
        return request.app.state.workspace.sessions

    def readable(request: Request, principal: Principal, kind: str, record_id: int, reason: str) -> None:
        """A record missing or above the caller's level is a 404 (its refusal audited); a confidential
        one without a reason raises ReasonNeeded, which the app answers with the reason form."""
        check_read(request, principal, record_resource(request, kind, RECORDS[kind], record_id), reason)

    def writable(request: Request, principal: Principal, kind: str, record_id: int) -> None:
        check_visible(principal, record_resource(request, kind, RECORDS[kind], record_id))

    def done(request: Request, target: str) -> Response:
        request.app.state.workspace.sign_checkpoint()
        return RedirectResponse(target, status_code=303)

    def units_page(
        request: Request, principal: Principal, q: str = "", error: str | None = None, status_code: int = 200
    ) -> HTMLResponse:
        with sessions(request)() as session:
            total, rows = command.list_units(session, visible_levels(principal), query=q, limit=PAGE_SIZE)
        return render(
            request,
            "units.html",
            status_code=status_code,
            section="units",
            total=total,
            units=rows,
            q=q,
            error=error,
            perpetrators=PERPETRATORS,
            levels=[c.value for c in Confidentiality],
            can_edit=authorize(principal, Action.INCIDENT_EDIT).allowed,
        )

    def unit_page(
        request: Request,
        principal: Principal,
        unit_id: int,
        reason: str = "",
        error: str | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        readable(request, principal, "unit", unit_id, reason)
        with sessions(request)() as session:
            try:
                view = command.unit_view(session, unit_id, visible_levels(principal))
            except NotFound as exc:
                raise HTTPException(404) from exc
        return render(
            request,
            "unit.html",
            status_code=status_code,
            section="units",
            unit=view,
            reason=reason,
            error=error,
            relations=RELATION_CHOICES,
            perpetrators=PERPETRATORS,
            levels=[c.value for c in Confidentiality],
            can_edit=authorize(principal, Action.INCIDENT_EDIT).allowed,
        )

    # Pages ---------------------------------------------------------------------------------

    @app.api_route("/units", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False)
    def units(
        request: Request, principal: Reader, q: Annotated[str, Query(max_length=200)] = ""
    ) -> HTMLResponse:
        return units_page(request, principal, q)

    @app.post("/units", include_in_schema=False)
    def units_add(
        request: Request,
        principal: Editor,
        name: Annotated[str, Form(max_length=300)] = "",
        perpetrator: Annotated[str, Form(max_length=40)] = "",
        province: Annotated[str, Form(max_length=120)] = "",
        notes: Annotated[str, Form(max_length=20000)] = "",
        confidentiality: Annotated[str, Form(max_length=16)] = Confidentiality.RESTRICTED.value,
        csrf: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        check_csrf(request, csrf)
        data = command.UnitInput(name, perpetrator, province, notes, confidentiality)
        try:
            with deciding(sessions(request)) as session:
                unit_id = command.create_unit(session, data, principal.username).id
        except RegistryError as exc:
            return units_page(request, principal, error=str(exc), status_code=http_status(exc))
        return done(request, f"/units/{unit_id}")

    @app.api_route(
        "/units/{unit_id}", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False
    )
    def unit(request: Request, principal: Reader, unit_id: int, reason: Reason = "") -> HTMLResponse:
        return unit_page(request, principal, unit_id, reason)

    @app.post("/units/{unit_id}/edit", include_in_schema=False)
    def unit_edit(
        request: Request,
        principal: Editor,
        unit_id: int,
        name: Annotated[str, Form(max_length=300)] = "",
        perpetrator: Annotated[str, Form(max_length=40)] = "",
        province: Annotated[str, Form(max_length=120)] = "",
        notes: Annotated[str, Form(max_length=20000)] = "",
        confidentiality: Annotated[str, Form(max_length=16)] = Confidentiality.RESTRICTED.value,
        note: Annotated[str, Form(max_length=4000)] = "",
        reason: Annotated[str, Form(max_length=500)] = "",
        csrf: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        check_csrf(request, csrf)
        writable(request, principal, "unit", unit_id)
        data = command.UnitInput(name, perpetrator, province, notes, confidentiality)
        try:
            with deciding(sessions(request)) as session:
                command.edit_unit(session, unit_id, data, principal.username, note=note)
        except RegistryError as exc:
            return unit_page(request, principal, unit_id, reason, str(exc), http_status(exc))
        return done(request, f"/units/{unit_id}" + (f"?{urlencode({'reason': reason})}" if reason else ""))

    @app.post("/units/{unit_id}/relations", include_in_schema=False)
    def unit_relate(
        request: Request,
        principal: Editor,
        unit_id: int,
        subject: Annotated[str, Form(max_length=40)] = "",
        relation: Annotated[str, Form(max_length=40)] = "",
        obj: Annotated[str, Form(alias="object", max_length=40)] = "",
        incident_id: Annotated[str, Form(max_length=20)] = "",
        document_id: Annotated[str, Form(max_length=20)] = "",
        start_date: Annotated[str, Form(max_length=10)] = "",
        end_date: Annotated[str, Form(max_length=10)] = "",
        notes: Annotated[str, Form(max_length=20000)] = "",
        reason: Annotated[str, Form(max_length=500)] = "",
        csrf: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        check_csrf(request, csrf)
        writable(request, principal, "unit", unit_id)
        try:
            with deciding(sessions(request)) as session:
                command.relate(
                    session,
                    command.parse_party(subject),
                    relation,
                    command.parse_party(obj),
                    principal.username,
                    incident_id=_int(incident_id, "the incident"),
                    document_id=_int(document_id, "the document"),
                    start_date=_date(start_date),
                    end_date=_date(end_date),
                    notes=notes,
                )
        except RegistryError as exc:
            return unit_page(request, principal, unit_id, reason, str(exc), http_status(exc))
        return done(request, f"/units/{unit_id}" + (f"?{urlencode({'reason': reason})}" if reason else ""))

    @app.post("/units/{unit_id}/relations/{relation_id}/remove", include_in_schema=False)
    def unit_unrelate(
        request: Request,
        principal: Editor,
        unit_id: int,
        relation_id: int,
        note: Annotated[str, Form(max_length=4000)] = "",
        reason: Annotated[str, Form(max_length=500)] = "",
        csrf: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        check_csrf(request, csrf)
        writable(request, principal, "unit", unit_id)
        try:
            with deciding(sessions(request)) as session:
                command.remove_relation(session, relation_id, principal.username, note=note)
        except RegistryError as exc:
            return unit_page(request, principal, unit_id, reason, str(exc), http_status(exc))
        return done(request, f"/units/{unit_id}" + (f"?{urlencode({'reason': reason})}" if reason else ""))

    @app.api_route(
        "/incidents/{incident_id}/responsibility",
        methods=["GET", "HEAD"],
        response_class=HTMLResponse,
        include_in_schema=False,
    )
    def responsibility(
        request: Request, principal: Reader, incident_id: int, reason: Reason = ""
    ) -> HTMLResponse:
        readable(request, principal, "incident", incident_id, reason)
        with sessions(request)() as session:
            view = command.incident_responsibility(session, incident_id, visible_levels(principal))
        return render(request, "responsibility.html", section="incidents", view=view)

    @app.post("/incidents/bulk", include_in_schema=False)
    def incidents_bulk(
        request: Request,
        principal: Editor,
        ids: Annotated[list[str] | None, Form(max_length=MAX_BATCH)] = None,
        status: Annotated[str, Form(max_length=20)] = "",
        standard_of_proof: Annotated[str, Form(max_length=40)] = "",
        confidentiality: Annotated[str, Form(max_length=16)] = "",
        unit_id: Annotated[str, Form(max_length=20)] = "",
        note: Annotated[str, Form(max_length=4000)] = "",
        csrf: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        check_csrf(request, csrf)
        try:
            chosen, versions = parse_ticked(ids or [])
            change = BulkChange(
                status=status or None,
                standard_of_proof=standard_of_proof or None,
                confidentiality=confidentiality or None,
                unit_id=_int(unit_id, "the unit"),
                note=note,
            )
            with deciding(sessions(request)) as session:
                result = bulk_edit(
                    session,
                    chosen,
                    change,
                    principal.username,
                    expected_versions=versions,
                    levels=visible_levels(principal),
                )
        except RegistryError as exc:
            return render(
                request, "bulk.html", status_code=http_status(exc), section="incidents", error=str(exc)
            )
        changed = sum(1 for r in result if r["changed"])
        return done(request, f"/incidents?{urlencode({'bulk_done': changed})}")

    # JSON API ------------------------------------------------------------------------------

    def api_error(exc: RegistryError) -> HTTPException:
        return HTTPException(http_status(exc), detail=str(exc))

    @app.get("/api/units", tags=["units"])
    def api_units(
        request: Request,
        principal: Reader,
        q: Annotated[str, Query(max_length=200, description="part of the name")] = "",
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    ) -> dict[str, Any]:
        """Perpetrator units the caller may see, by name, with how many incidents name each."""
        with sessions(request)() as session:
            total, rows = command.list_units(
                session, visible_levels(principal), query=q, limit=limit, offset=offset
            )
        return {"total": total, "limit": limit, "offset": offset, "units": rows}

    @app.get("/api/units/{unit_id}", tags=["units"])
    def api_unit(request: Request, principal: Reader, unit_id: int, reason: Reason = "") -> dict[str, Any]:
        """One unit: chain of command up and down, relations, and the incidents naming it."""
        readable(request, principal, "unit", unit_id, reason)
        with sessions(request)() as session:
            try:
                return command.unit_view(session, unit_id, visible_levels(principal))
            except RegistryError as exc:
                raise api_error(exc) from exc

    @app.post("/api/units", tags=["units"])
    def api_units_add(request: Request, principal: Editor, body: UnitBody) -> dict[str, Any]:
        """Add a unit; the signed-in person is kept as its author."""
        data = command.UnitInput(body.name, body.perpetrator, body.province, body.notes, body.confidentiality)
        try:
            with deciding(sessions(request)) as session:
                unit_id = command.create_unit(session, data, principal.username).id
        except RegistryError as exc:
            raise api_error(exc) from exc
        request.app.state.workspace.sign_checkpoint()
        return {"id": unit_id}

    @app.post("/api/relations", tags=["units"])
    def api_relate(request: Request, principal: Editor, body: RelationBody) -> dict[str, Any]:
        """Record "subject relation object" (person:7 commands unit:3); hierarchy cycles are refused."""
        try:
            subject, obj = command.parse_party(body.subject), command.parse_party(body.object)
            for party in (subject, obj):
                writable(request, principal, party.type, party.id)
            with deciding(sessions(request)) as session:
                row = command.relate(
                    session,
                    subject,
                    body.relation,
                    obj,
                    principal.username,
                    incident_id=body.incident_id,
                    document_id=body.document_id,
                    start_date=body.start_date,
                    end_date=body.end_date,
                    notes=body.notes,
                    confidentiality=body.confidentiality,
                )
                snapshot = command.relation_snapshot(row)
        except RegistryError as exc:
            raise api_error(exc) from exc
        request.app.state.workspace.sign_checkpoint()
        return snapshot

    @app.post("/api/incidents/{incident_id}/units", tags=["units"])
    def api_assign(request: Request, principal: Editor, incident_id: int, body: AssignBody) -> dict[str, Any]:
        """Name a unit as perpetrator of an incident's acts."""
        writable(request, principal, "incident", incident_id)
        writable(request, principal, "unit", body.unit_id)
        try:
            with deciding(sessions(request)) as session:
                added = command.assign_unit(
                    session,
                    incident_id,
                    body.unit_id,
                    principal.username,
                    act_ids=body.act_ids,
                    document_id=body.document_id,
                    note=body.note,
                    expected_version=body.version,
                )
        except RegistryError as exc:
            raise api_error(exc) from exc
        request.app.state.workspace.sign_checkpoint()
        return {"incident_id": incident_id, "unit_id": body.unit_id, "acts_added": added}

    @app.get("/api/incidents/{incident_id}/responsibility", tags=["units"])
    def api_responsibility(
        request: Request, principal: Reader, incident_id: int, reason: Reason = ""
    ) -> dict[str, Any]:
        """Who, by the relations recorded, stood over the incident's perpetrators at its time.

        A basis for command-responsibility analysis (Rome Statute art. 28), not a finding."""
        readable(request, principal, "incident", incident_id, reason)
        with sessions(request)() as session:
            return command.incident_responsibility(session, incident_id, visible_levels(principal))

    @app.post("/api/incidents/bulk", tags=["registry"])
    def api_bulk(request: Request, principal: Editor, body: BulkBody) -> dict[str, Any]:
        """One change to many incidents, all or nothing: a refused one (or a stale version) changes none."""
        change = BulkChange(
            status=body.status,
            standard_of_proof=body.standard_of_proof,
            confidentiality=body.confidentiality,
            unit_id=body.unit_id,
            note=body.note,
        )
        try:
            with deciding(sessions(request)) as session:
                result = bulk_edit(
                    session,
                    body.ids,
                    change,
                    principal.username,
                    expected_versions=body.versions,
                    levels=visible_levels(principal),
                )
        except RegistryError as exc:
            raise api_error(exc) from exc
        request.app.state.workspace.sign_checkpoint()
        return {"change": change.describe(), "incidents": result}
