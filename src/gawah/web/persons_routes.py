"""Persons, missing-person cases, proposed matches, and the families' own pages.

Staff pages (/persons, /cases, /matches) need an account; a person or case above the reader's
level is "not found", and a confidential one is read only with a reason, kept in the audit trail.

The families' pages need no account: /family/report takes a relative's report of a missing
person (stored confidential, entered for review, answered with a case reference and a secret
code); /family/case shows, for a reference and its code, the case's status and dates and nothing
else. A family's report is sealed to the workspace's intake key before it is stored (the server
needs no secret for that) and compared with the registry after the answer is sent. Staff read
the sealed part on the case page when the server can open the intake key: in an encrypted
workspace (the data key opens it), or when the server was started with GAWAH_INTAKE_PASSPHRASE.
Both forms carry a token that must match a cookie set with the form (no session exists),
refuse posts from another site, and are rate limited per address; the request size limit of the
app applies. Nothing a family sends is logged.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import os
import secrets
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import BackgroundTasks, Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from gawah.registry import cases, lists, matching
from gawah.registry.changes import NotFound, RegistryError, deciding
from gawah.registry.persons import FORMER_SERVICES, SEXES, PersonInput, list_persons, person_view
from gawah.security.crypto import CryptoError
from gawah.security.encrypted import engine_key
from gawah.security.intake import (
    INTAKE_PASSPHRASE_ENV,
    IntakeNotReady,
    IntakeOpener,
    has_intake_key,
    intake_public_key,
    open_intake_key,
)
from gawah.security.policy import Action, Principal, Resource, authorize, visible_levels
from gawah.store.models import Case, Person, PersonMatch
from gawah.web.auth import (
    ReasonNeeded,
    check_csrf,
    check_read,
    client_address,
    public,
    requires,
    secure_cookies,
)
from gawah.web.labels import LABELS, N_

log = logging.getLogger(__name__)

Render = Callable[..., HTMLResponse]
Reader = Annotated[Principal, Depends(requires(Action.DOCUMENT_READ_RESTRICTED))]
Reviewer = Annotated[Principal, Depends(requires(Action.INCIDENT_REVIEW))]
Editor = Annotated[Principal, Depends(requires(Action.INCIDENT_EDIT))]
Anyone = Annotated[Principal, Depends(public())]
FAMILY_CSRF_COOKIE = "gawah_family_csrf"
PAGE_SIZE = 50

PERSON_LABELS: dict[str, dict[str, str]] = {
    "case_status": {
        "missing": N_("Missing"),
        "detained": N_("Detained"),
        "released": N_("Released"),
        "found_dead": N_("Found dead"),
        "found_alive": N_("Found alive"),
        "closed": N_("Closed"),
    },
    "sex": {"male": N_("Male"), "female": N_("Female"), "unknown": N_("Unknown")},
    "former_service": {
        "police": N_("Police"),
        "army": N_("Army"),
        "intelligence": N_("Intelligence service"),
        "official": N_("Government official"),
        "judiciary": N_("Judiciary"),
        "other": N_("Other service"),
        "none": N_("None"),
    },
    # The fields and levels of agreement that gawah.link gives as the reasons for a match.
    "match_field": {
        "name": N_("name"),
        "father_name": N_("father's name"),
        "grandfather_name": N_("grandfather's name"),
        "sex": N_("sex"),
        "birth": N_("birth year"),
        "province": N_("province"),
        "district": N_("district"),
        "village": N_("village"),
        "occupation": N_("occupation"),
        "id_number": N_("identity document number"),
    },
    "match_level": {
        "same spelling": N_("same spelling"),
        "same name, spelled differently (or in another script)": N_(
            "same name, spelled differently (or in another script)"
        ),
        "same name in the other script": N_("same name in the other script"),
        "very similar spelling": N_("very similar spelling"),
        "similar sound": N_("similar sound"),
        "shares a distinctive part of the name": N_("shares a distinctive part of the name"),
        "different": N_("different"),
        "missing on one side": N_("missing on one side"),
        "same name": N_("same name"),
        "same": N_("same"),
        "similar spelling": N_("similar spelling"),
        "same date of birth": N_("same date of birth"),
        "date of birth one typo apart": N_("date of birth one typo apart"),
        "same birth year": N_("same birth year"),
        "birth years 1 apart": N_("birth years 1 apart"),
        "birth years 2-3 apart": N_("birth years 2-3 apart"),
        "birth years 4-6 apart": N_("birth years 4-6 apart"),
        "birth years far apart": N_("birth years far apart"),
        "same number": N_("same number"),
        "number one typo apart": N_("number one typo apart"),
    },
    "match_status": {
        "proposed": N_("Proposed"),
        "accepted": N_("Same person"),
        "rejected": N_("Not the same"),
    },
}
for _kind, _names in PERSON_LABELS.items():
    LABELS.setdefault(_kind, {}).update(_names)


def _int(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() else None


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        raise RegistryError("dates are written YYYY-MM-DD") from None


def same_origin(request: Request) -> bool:
    """A form post from this site: its Origin (or Referer) names this host, when the browser sends one."""
    here = f"{request.url.scheme}://{request.url.netloc}"
    origin = request.headers.get("origin")
    if origin:
        return origin == here
    referer = request.headers.get("referer")
    return referer is None or referer == here or referer.startswith(here + "/")


def drain_queue(factory: Any) -> None:
    """Compare the persons waiting in the matching queue (run after a response is sent)."""
    try:
        matching.match_queued(factory)
    except Exception as exc:  # the queue keeps them; `gawah persons match` runs it again
        log.warning("matching the queue failed: %s", type(exc).__name__)


def register(app: FastAPI, render: Render) -> None:
    """Add the persons, cases, matches and family pages to the app."""

    def sessions(request: Request) -> Any:
        return request.app.state.workspace.sessions

    def readable(
        request: Request,
        principal: Principal,
        kind: str,
        record_id: int,
        level: str | None,
        reason: str,
        action: str | None = None,
    ) -> HTMLResponse | None:
        """None when the caller may read the record now; the reason form when one is needed.
        A record that is missing or above the caller's level is a 404 either way."""
        if level is None:
            raise HTTPException(404)
        resource = Resource(kind, record_id, level)
        try:
            check_read(request, principal, resource, reason)
        except ReasonNeeded:
            # A change asked for by a form: its reason form leads back to the record's page.
            return render(
                request, "reason.html", status_code=403, resource=resource, action=action or request.url.path
            )
        return None

    def intake_opener(request: Request) -> IntakeOpener | None:
        """The intake key, opened once per server: by the data key, or by the passphrase given
        to the server in its environment; None when neither opens it (the page says so)."""
        state = request.app.state
        cached = getattr(state, "intake_opener", None)
        if cached is not None:
            return cached if isinstance(cached, IntakeOpener) else None
        ws = state.workspace
        if not has_intake_key(ws.settings.keys_dir):
            return None
        try:
            opener: IntakeOpener | bool = open_intake_key(
                ws.settings.keys_dir,
                data_key=engine_key(ws.engine.dialect),
                passphrase=os.environ.get(INTAKE_PASSPHRASE_ENV),
            )
        except CryptoError as exc:
            log.warning("the intake key stays closed: %s", type(exc).__name__)
            opener = False
        # A failure is remembered too: a wrong passphrase is not re-derived on every page.
        state.intake_opener = opener
        return opener if isinstance(opener, IntakeOpener) else None

    def match_in_background(request: Request, background: BackgroundTasks, person_ids: list[int]) -> None:
        with deciding(sessions(request)) as session:
            matching.enqueue(session, person_ids)
        background.add_task(drain_queue, sessions(request))

    def level_of(session: Session, model: type[Person] | type[Case], record_id: int) -> str | None:
        row = session.get(Person, record_id) if model is Person else session.get(Case, record_id)
        return row.confidentiality if row is not None else None

    # Staff pages ---------------------------------------------------------------------------

    @app.api_route("/persons", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False)
    def persons(
        request: Request,
        principal: Reader,
        q: Annotated[str, Query(max_length=200)] = "",
        page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    ) -> HTMLResponse:
        with sessions(request)() as session:
            listing = list_persons(
                session, visible_levels(principal), query=q, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
            )
        return render(
            request,
            "persons.html",
            section="persons",
            listing=listing,
            q=q,
            page=page,
            pages=max(1, -(-listing.total // PAGE_SIZE)),
        )

    def person_page(
        request: Request, principal: Principal, person_id: int, reason: str, error: str | None = None
    ) -> HTMLResponse:
        with sessions(request)() as session:
            asked = readable(
                request, principal, "person", person_id, level_of(session, Person, person_id), reason
            )
            if asked is not None:
                return asked
            view = person_view(session, person_id)
            levels = visible_levels(principal)
            matches = matching.list_matches(session, levels, status=None, person_id=person_id)
            linked = matching.same_person(session, person_id)
            proposed = {
                (m.other if m.person.id == person_id else m.person).id
                for m in matches.matches
                if m.status == matching.PROPOSED
            }
            on_lists = lists.appearances(session, [person_id, *linked], levels)
            maybe_lists = lists.appearances(session, proposed, levels)
        return render(
            request,
            "persons_detail.html",
            section="persons",
            view=view,
            matches=matches,
            linked=linked,
            lists=on_lists,
            maybe_lists=maybe_lists,
            reason=reason,
            error=error,
            can_edit=authorize(principal, Action.INCIDENT_EDIT).allowed,
        )

    @app.api_route(
        "/persons/{person_id}", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False
    )
    def person(
        request: Request,
        principal: Reader,
        person_id: int,
        reason: Annotated[str, Query(max_length=500)] = "",
    ) -> HTMLResponse:
        return person_page(request, principal, person_id, reason)

    @app.post("/persons/{person_id}/match", include_in_schema=False)
    def person_match(  # compared at once, with the records blocked with it only
        request: Request,
        principal: Editor,
        person_id: int,
        csrf: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        check_csrf(request, csrf)
        with deciding(sessions(request)) as session:
            if session.get(Person, person_id) is None:
                raise HTTPException(404)
            matching.propose_matches(session, [person_id])
        return RedirectResponse("/matches", status_code=303)

    @app.api_route("/cases", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False)
    def case_list(
        request: Request,
        principal: Reader,
        status: Annotated[str, Query(max_length=16)] = "",
        page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    ) -> HTMLResponse:
        with sessions(request)() as session:
            rows, total = cases.list_cases(
                session,
                visible_levels(principal),
                status=status or None,
                limit=PAGE_SIZE,
                offset=(page - 1) * PAGE_SIZE,
            )
        return render(
            request,
            "cases.html",
            section="cases",
            rows=rows,
            total=total,
            status=status,
            statuses=cases.CASE_STATUSES,
            page=page,
        )

    def case_page(
        request: Request,
        principal: Principal,
        case_id: int,
        reason: str,
        error: str | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        with sessions(request)() as session:
            asked = readable(request, principal, "case", case_id, level_of(session, Case, case_id), reason)
            if asked is not None:
                return asked
            try:
                view = cases.case_view(session, case_id, intake_opener(request))
            except CryptoError:
                # The sealed part does not open here (moved or altered): the rest still shows.
                log.warning("case %s: its sealed submission does not open", case_id)
                view = cases.case_view(session, case_id)
            ids = [view.person_id, *matching.same_person(session, view.person_id)] if view.person_id else []
            on_lists = lists.appearances(session, ids, visible_levels(principal))
        return render(
            request,
            "cases_detail.html",
            status_code=status_code,
            section="cases",
            case=view,
            lists=on_lists,
            statuses=cases.CASE_STATUSES,
            reason=reason,
            error=error,
            can_edit=authorize(principal, Action.INCIDENT_EDIT).allowed,
        )

    @app.api_route(
        "/cases/{case_id}", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False
    )
    def case(
        request: Request, principal: Reader, case_id: int, reason: Annotated[str, Query(max_length=500)] = ""
    ) -> HTMLResponse:
        return case_page(request, principal, case_id, reason)

    @app.post("/cases/{case_id}/status", include_in_schema=False)
    def case_status(
        request: Request,
        principal: Editor,
        case_id: int,
        status: Annotated[str, Form(max_length=16)] = "",
        source: Annotated[str, Form(max_length=5000)] = "",
        note: Annotated[str, Form(max_length=5000)] = "",
        reason: Annotated[str, Form(max_length=500)] = "",
        csrf: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        check_csrf(request, csrf)
        with sessions(request)() as session:
            level = level_of(session, Case, case_id)
        # Changing a case is reading it: the same level and reason are needed.
        asked = readable(request, principal, "case", case_id, level, reason, action=f"/cases/{case_id}")
        if asked is not None:
            return asked
        try:
            with deciding(sessions(request)) as session:
                cases.set_status(session, case_id, status, source=source, actor=principal.username, note=note)
        except NotFound:
            raise HTTPException(404) from None
        except RegistryError as exc:
            return case_page(request, principal, case_id, reason, error=str(exc), status_code=400)
        request.app.state.workspace.sign_checkpoint()
        return RedirectResponse(f"/cases/{case_id}?{urlencode({'reason': reason})}", status_code=303)

    def matches_page(
        request: Request, principal: Principal, error: str | None = None, status_code: int = 200
    ) -> HTMLResponse:
        with sessions(request)() as session:
            listing = matching.list_matches(session, visible_levels(principal))
        return render(
            request,
            "persons_matches.html",
            status_code=status_code,
            section="matches",
            listing=listing,
            error=error,
        )

    @app.api_route("/matches", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False)
    def matches(request: Request, principal: Reviewer) -> HTMLResponse:
        return matches_page(request, principal)

    @app.post("/matches/{match_id}", include_in_schema=False)
    def match_decide(
        request: Request,
        principal: Reviewer,
        match_id: int,
        decision: Annotated[str, Form(max_length=16)] = "",
        note: Annotated[str, Form(max_length=4000)] = "",
        csrf: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        check_csrf(request, csrf)
        levels = set(visible_levels(principal))
        try:
            with deciding(sessions(request)) as session:
                pair = session.get(PersonMatch, match_id)
                people = [session.get(Person, i) for i in (pair.person_id, pair.other_id)] if pair else []
                # A pair the reviewer may not see is "not found": someone who can see it decides it.
                if not pair or any(p is None or p.confidentiality not in levels for p in people):
                    raise HTTPException(404)
                matching.decide_match(session, match_id, decision, principal.username, note)
        except NotFound:
            raise HTTPException(404) from None
        except RegistryError as exc:
            return matches_page(request, principal, str(exc), 400)
        request.app.state.workspace.sign_checkpoint()
        return RedirectResponse("/matches", status_code=303)

    # The families' pages -------------------------------------------------------------------

    def family_form(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
        token = secrets.token_urlsafe(24)
        response = render(
            request,
            template,
            status_code=status_code,
            section="family",
            family_csrf=token,
            sexes=SEXES,
            services=FORMER_SERVICES,
            kinds=cases.CASE_KINDS,
            **context,
        )
        response.set_cookie(
            FAMILY_CSRF_COOKIE,
            token,
            max_age=3600,
            path="/family",
            httponly=True,
            samesite="strict",
            secure=secure_cookies(request),
        )
        return response

    def family_post_ok(request: Request, csrf: str) -> bool:
        expected = request.cookies.get(FAMILY_CSRF_COOKIE, "")
        return bool(expected) and hmac.compare_digest(expected, csrf) and same_origin(request)

    @app.get("/family/report", response_class=HTMLResponse, include_in_schema=False)
    def family_report_form(request: Request, _: Anyone) -> Response:
        return family_form(request, "family_report.html", form={})

    @app.post("/family/report", response_class=HTMLResponse, include_in_schema=False)
    def family_report(
        request: Request,
        _: Anyone,
        background: BackgroundTasks,
        name: Annotated[str, Form(max_length=300)] = "",
        name_native: Annotated[str, Form(max_length=300)] = "",
        father_name: Annotated[str, Form(max_length=300)] = "",
        grandfather_name: Annotated[str, Form(max_length=300)] = "",
        tribe: Annotated[str, Form(max_length=200)] = "",
        sex: Annotated[str, Form(max_length=8)] = "",
        age: Annotated[str, Form(max_length=4)] = "",
        home_province: Annotated[str, Form(max_length=120)] = "",
        home_district: Annotated[str, Form(max_length=120)] = "",
        occupation: Annotated[str, Form(max_length=200)] = "",
        former_service: Annotated[str, Form(max_length=40)] = "",
        kind: Annotated[str, Form(max_length=16)] = "missing",
        last_seen_on: Annotated[str, Form(max_length=10)] = "",
        last_seen_place: Annotated[str, Form(max_length=300)] = "",
        last_seen_by: Annotated[str, Form(max_length=300)] = "",
        circumstances: Annotated[str, Form(max_length=5000)] = "",
        reporter_name: Annotated[str, Form(max_length=300)] = "",
        reporter_relationship: Annotated[str, Form(max_length=80)] = "",
        reporter_contact: Annotated[str, Form(max_length=300)] = "",
        csrf: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        form = {
            "name": name,
            "name_native": name_native,
            "father_name": father_name,
            "grandfather_name": grandfather_name,
            "tribe": tribe,
            "sex": sex,
            "age": age,
            "home_province": home_province,
            "home_district": home_district,
            "occupation": occupation,
            "former_service": former_service,
            "kind": kind,
            "last_seen_on": last_seen_on,
            "last_seen_place": last_seen_place,
            "last_seen_by": last_seen_by,
            "circumstances": circumstances,
            "reporter_name": reporter_name,
            "reporter_relationship": reporter_relationship,
            "reporter_contact": reporter_contact,
        }
        if not family_post_ok(request, csrf):
            return family_form(request, "family_report.html", 400, form=form, problem="expired")
        address = client_address(request)
        try:
            person = PersonInput(
                name=name,
                name_native=name_native,
                father_name=father_name,
                grandfather_name=grandfather_name,
                tribe=tribe,
                sex=sex,
                age=_int(age),
                home_province=home_province,
                home_district=home_district,
                occupation=occupation,
                former_service=former_service,
            )
            data = cases.CaseInput(
                kind=kind,
                last_seen_on=_date(last_seen_on),
                last_seen_place=last_seen_place,
                last_seen_by=last_seen_by,
                circumstances=circumstances,
                reporter_name=reporter_name,
                reporter_contact=reporter_contact,
                reporter_relationship=reporter_relationship,
            )
            ws = request.app.state.workspace
            public_key = intake_public_key(ws.settings.keys_dir, engine_key(ws.engine.dialect))
            with deciding(sessions(request)) as session:
                opened = cases.report_missing(session, person, data, address, intake_public=public_key)
        except IntakeNotReady:
            log.warning("a family report was refused: the workspace has no intake key yet")
            return family_form(request, "family_report.html", 503, form=form, problem="closed")
        except cases.TooManyReports:
            return family_form(request, "family_report.html", 429, form=form, problem="limit")
        except RegistryError as exc:
            return family_form(
                request, "family_report.html", 400, form=form, problem="invalid", error=str(exc)
            )
        # Compared with the registry after the answer is sent: the family does not wait for it.
        match_in_background(request, background, [opened.person_id])
        request.app.state.workspace.sign_checkpoint()
        response = render(
            request, "family_received.html", section="family", reference=opened.reference, code=opened.code
        )
        response.delete_cookie(FAMILY_CSRF_COOKIE, path="/family")
        return response

    @app.get("/family/case", response_class=HTMLResponse, include_in_schema=False)
    def family_case_form(request: Request, _: Anyone) -> Response:
        return family_form(request, "family_case.html", view=None)

    @app.post("/family/case", response_class=HTMLResponse, include_in_schema=False)
    def family_case(
        request: Request,
        _: Anyone,
        reference: Annotated[str, Form(max_length=40)] = "",
        code: Annotated[str, Form(max_length=40)] = "",
        csrf: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        if not family_post_ok(request, csrf):
            return family_form(
                request, "family_case.html", 400, view=None, problem="expired", reference=reference
            )
        with sessions(request).begin() as session:
            view, limit = cases.family_lookup(session, reference, code, client_address(request))
        if limit.blocked:
            return family_form(
                request,
                "family_case.html",
                429,
                view=None,
                problem="blocked",
                retry_minutes=max(1, limit.retry_after_s // 60),
                reference=reference,
            )
        if view is None:
            return family_form(
                request, "family_case.html", 404, view=None, problem="unknown", reference=reference
            )
        return family_form(request, "family_case.html", view=view, reference=reference)
