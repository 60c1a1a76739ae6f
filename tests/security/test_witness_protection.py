"""Witness protection, as a property: whatever the records and their confidentiality, no public
output shows a protected identity, the real name behind a pseudonym, or a contact detail.

Hypothesis generates persons (some protected witnesses under pseudonyms, whose real names are in
their notes), incidents with acts and involvements, documents and the spans quoted from them,
claims and missing-person cases, each with a random confidentiality. Then every public output is
made: the exports (Gawah CSV and JSON, ACLED, HURIDOCS) as `gawah export` makes them by default and
with `--identities`, the public report's HTML, the family's case page, and every page and API
answer that an anonymous visitor and a viewer can reach (with every record's id, and a search for
every secret). None of the secrets may occur in any of them.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from gawah.analysis import snapshot
from gawah.analysis.selection import Selection
from gawah.ingest.pipeline import Ingestor
from gawah.registry.cases import CaseInput, open_case
from gawah.report import exports, render
from gawah.report.records import Disclosure, incident_records
from gawah.store.engine import transaction
from gawah.store.models import (
    Act,
    Claim,
    Document,
    Incident,
    IncidentSource,
    Involvement,
    Person,
    Place,
    Span,
)
from gawah.store.vocab import Confidentiality, Role
from gawah.web.app import create_app
from gawah.workspace import Workspace, init_workspace
from tests.web.conftest import signed_in_client

LEVELS = [c.value for c in Confidentiality]
PUBLIC = Confidentiality.PUBLIC.value
# Secrets are made of letters that no page's own words put together, so a hit is a leak.
LATIN = "bcdfghjkmnpqrstvwxz"
ARABIC = "بپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"

latin_names = st.text(alphabet=LATIN, min_size=7, max_size=7).map(lambda s: "Q" + s)
arabic_names = st.text(alphabet=ARABIC, min_size=6, max_size=6)
levels = st.sampled_from(LEVELS)
phones = st.integers(min_value=0, max_value=9_999_999).map(lambda n: f"+93 79 {n:07d}")


@dataclass(frozen=True)
class PersonSpec:
    name: str
    father: str
    native: str
    real_name: str
    level: str
    pseudonym: bool


@dataclass(frozen=True)
class CaseSpec:
    person: int
    reporter: str
    contact: str
    last_seen_by: str


@dataclass(frozen=True)
class IncidentSpec:
    level: str
    act_levels: tuple[str, ...]
    document_level: str
    witness_word: str  # a word of the testimony, quoted as the act's span
    claim_level: str
    claim_word: str


@dataclass(frozen=True)
class InvolvementSpec:
    person: int
    incident: int
    role: str
    level: str


@dataclass
class Registry:
    persons: list[PersonSpec]
    incidents: list[IncidentSpec]
    involvements: list[InvolvementSpec]
    cases: list[CaseSpec]
    secrets: set[str] = field(default_factory=set)


@st.composite
def registries(draw: st.DrawFn) -> Registry:
    n_persons = draw(st.integers(1, 4))
    n_incidents = draw(st.integers(1, 3))
    words = draw(st.lists(latin_names, min_size=4 * n_persons + 2 * n_incidents + 3, unique=True))
    natives = draw(st.lists(arabic_names, min_size=n_persons, max_size=n_persons, unique=True))
    persons = []
    for i in range(n_persons):
        pseudonym = draw(st.booleans())
        persons.append(
            PersonSpec(
                name=words[4 * i],
                father=words[4 * i + 1],
                native=natives[i],
                real_name=words[4 * i + 2],
                level=draw(levels),
                pseudonym=pseudonym,
            )
        )
    base = 4 * n_persons
    incidents = [
        IncidentSpec(
            level=draw(levels),
            act_levels=tuple(draw(st.lists(levels, min_size=1, max_size=2))),
            document_level=draw(levels),
            witness_word=words[base + 2 * k],
            claim_level=draw(levels),
            claim_word=words[base + 2 * k + 1],
        )
        for k in range(n_incidents)
    ]
    involvements = draw(
        st.lists(
            st.builds(
                InvolvementSpec,
                person=st.integers(0, n_persons - 1),
                incident=st.integers(0, n_incidents - 1),
                role=st.sampled_from(["victim", "witness", "perpetrator", "source"]),
                level=levels,
            ),
            max_size=5,
        )
    )
    case_persons = draw(st.lists(st.integers(0, n_persons - 1), max_size=2, unique=True))
    cases = [
        CaseSpec(person=p, reporter=words[4 * p + 3], contact=draw(phones), last_seen_by=words[-1 - j])
        for j, p in enumerate(case_persons)
    ]
    registry = Registry(persons, incidents, involvements, cases)
    registry.secrets = _secrets(registry)
    return registry


def _secrets(registry: Registry) -> set[str]:
    """What no public output may show."""
    secrets: set[str] = set()
    for person in registry.persons:
        secrets.add(person.real_name)  # kept in the notes: never public
        if person.level != PUBLIC:
            secrets |= {person.name, person.father, person.native}
        elif person.pseudonym:
            # A pseudonym may be shown in place of the witness; what names the witness may not.
            secrets |= {person.father, person.native}
    for incident in registry.incidents:
        if incident.document_level != PUBLIC:
            secrets.add(incident.witness_word)
        # A claim quotes its document: the quote is public when either of them is.
        if incident.document_level != PUBLIC and incident.claim_level != PUBLIC:
            secrets.add(incident.claim_word)
    for case in registry.cases:
        secrets |= {case.reporter, case.contact, case.last_seen_by}
    return secrets


@dataclass
class Ids:
    documents: list[int] = field(default_factory=list)
    incidents: list[int] = field(default_factory=list)
    acts: list[int] = field(default_factory=list)
    persons: list[int] = field(default_factory=list)
    claims: list[int] = field(default_factory=list)
    cases: list[int] = field(default_factory=list)
    evidence: list[int] = field(default_factory=list)
    family: list[tuple[str, str]] = field(default_factory=list)


def _build(ws: Workspace, registry: Registry, folder: Path) -> Ids:
    ids = Ids()
    paths = []
    for k, planned in enumerate(registry.incidents):
        path = folder / f"report-{k}.txt"
        path.write_text(
            f"Statement number {k}.\nThe witness {planned.witness_word} saw the detention in Kabul.\n"
            f"The spokesman {planned.claim_word} denied it.\n",
            encoding="utf-8",
        )
        paths.append(path)
    outcomes = Ingestor(ws.sessions, ws.blobs, actor="tester", ocr_enabled=False).ingest(paths)
    assert all(o.document_id for o in outcomes), [o.as_dict() for o in outcomes]
    with transaction(ws.sessions) as session:
        place = Place(name="Kabul", kind="province", province="Kabul")
        persons = [
            Person(
                name=p.name,
                father_name=p.father,
                name_native=p.native,
                is_pseudonym=p.pseudonym,
                notes=f"real name {p.real_name}; reach through the family",
                confidentiality=p.level,
                review_status="accepted",
            )
            for p in registry.persons
        ]
        session.add_all([place, *persons])
        session.flush()
        incidents = []
        for spec, outcome in zip(registry.incidents, outcomes, strict=True):
            document = session.get(Document, outcome.document_id)
            assert document is not None
            document.confidentiality = spec.document_level
            document.title = f"Statement of {spec.witness_word}"
            incident = Incident(
                title="Detention in Kabul",
                start_date=None,
                confidentiality=spec.level,
                review_status="accepted",
            )
            incident.places.append(place)
            incident.sources.append(IncidentSource(document_id=document.id))
            for level in spec.act_levels:
                incident.acts.append(
                    Act(violation="arbitrary_detention", confidentiality=level, review_status="accepted")
                )
            claim = Claim(
                document_id=document.id,
                speaker="Invented Spokesman",
                stance="denial",
                quote=f"The spokesman {spec.claim_word} denied it.",
                confidentiality=spec.claim_level,
                review_status="accepted",
            )
            session.add_all([incident, claim])
            session.flush()
            start = document.text.index(spec.witness_word)
            for act in incident.acts:
                session.add(
                    Span(
                        document_id=document.id,
                        start=start,
                        end=start + len(spec.witness_word),
                        quote=spec.witness_word,
                        target_type="act",
                        target_id=act.id,
                    )
                )
            incidents.append(incident)
            ids.documents.append(document.id)
            ids.evidence.append(document.evidence_item_id)
            ids.claims.append(claim.id)
        for inv in registry.involvements:
            act = incidents[inv.incident].acts[0]
            session.add(
                Involvement(
                    person_id=persons[inv.person].id, act_id=act.id, role=inv.role, confidentiality=inv.level
                )
            )
        ids.incidents = [i.id for i in incidents]
        ids.acts = [a.id for i in incidents for a in i.acts]
        ids.persons = [p.id for p in persons]
        for case in registry.cases:
            opened = open_case(
                session,
                persons[case.person].id,
                CaseInput(
                    reporter_name=case.reporter,
                    reporter_contact=case.contact,
                    last_seen_by=case.last_seen_by,
                    circumstances=f"{case.last_seen_by} saw the arrest",
                ),
                "tester",
            )
            ids.cases.append(opened.case_id)
            ids.family.append((opened.reference, opened.code))
    return ids


def _exports(ws: Workspace) -> Iterator[tuple[str, str]]:
    """The exports as `gawah export` writes them by default, and with --identities."""
    with ws.sessions() as session:
        for identities in (False, True):
            disclosure = Disclosure.up_to(PUBLIC, identities=identities)
            con = snapshot.for_workspace(ws.engine, ws.settings.root, cached=False)
            try:
                ids = [int(r[0]) for r in con.execute("SELECT id FROM incidents ORDER BY id").fetchall()]
            finally:
                con.close()
            records = incident_records(session, ids, disclosure)
            for name, writer in (
                ("json", exports.to_json),
                ("csv", exports.to_csv),
                ("acled", exports.to_acled_csv),
                ("huridocs", exports.to_huridocs_json),
            ):
                yield f"export {name} identities={identities}", writer(records)


def _report(ws: Workspace) -> str:
    con = snapshot.for_workspace(ws.engine, ws.settings.root, cached=False)
    try:
        with ws.sessions() as session:
            data = render.build(
                con,
                session,
                Selection(levels=(PUBLIC,)),
                language="en",
                workspace_name="test",
                disclosure=Disclosure.up_to(PUBLIC),
                with_charts=False,
            )
    finally:
        con.close()
    return render.to_html(data)


PARAMETERS = {
    "document_id": "documents",
    "incident_id": "incidents",
    "act_id": "acts",
    "person_id": "persons",
    "claim_id": "claims",
    "case_id": "cases",
    "item_id": "evidence",
}


def _urls(ws: Workspace, ids: Ids, secrets: set[str]) -> list[str]:
    """Every GET route with every id of its kind, and searches for every secret."""
    urls: list[str] = []
    for route in create_app(ws).routes:
        if not isinstance(route, APIRoute) or "GET" not in (route.methods or ()):
            continue
        names = re.findall(r"\{([a-z_]+)\}", route.path)
        if not names:
            urls.append(route.path)
            continue
        (name,) = names[:1]
        values = getattr(ids, PARAMETERS[name]) if name in PARAMETERS else [1]
        urls.extend(route.path.replace("{" + name + "}", str(v)) for v in values)
    for secret in sorted(secrets):
        urls += [f"/search?q={secret}", f"/api/search?q={secret}"]
    return urls


def _family_pages(client: TestClient, ids: Ids) -> Iterator[tuple[str, str]]:
    for reference, code in ids.family:
        form = client.get("/family/case")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        response = client.post(
            "/family/case", data={"reference": reference, "code": code, "csrf": token[1] if token else ""}
        )
        assert reference in response.text, response.text[:300]
        yield f"family case {reference}", response.text


def _leaks(outputs: Iterator[tuple[str, str]], secrets: set[str]) -> list[tuple[str, str]]:
    found = []
    for where, text in outputs:
        lowered = text.lower()
        found += [(where, s) for s in secrets if s.lower() in lowered]
    return found


def _shown_names(registry: Registry) -> set[str]:
    shown = set()
    for inv in registry.involvements:
        person = registry.persons[inv.person]
        incident = registry.incidents[inv.incident]
        if (
            person.level == PUBLIC
            and not person.pseudonym
            and inv.level == PUBLIC
            and incident.level == PUBLIC
            and incident.act_levels[0] == PUBLIC
        ):
            shown.add(person.name)
    return shown


def _explicit() -> Registry:
    """Everything public but a protected witness, named in a public act beside a public victim."""
    registry = Registry(
        persons=[
            PersonSpec("Qvictimnm", "Qvfathernm", "حمیدالله", "Qvrealnm", PUBLIC, False),
            PersonSpec("Qwitnessk", "Qwfathernm", "گلالی", "Qwrealnm", "confidential", True),
        ],
        incidents=[IncidentSpec(PUBLIC, (PUBLIC,), PUBLIC, "Qwordpub", PUBLIC, "Qclaimwd")],
        involvements=[InvolvementSpec(0, 0, "victim", PUBLIC), InvolvementSpec(1, 0, "witness", PUBLIC)],
        cases=[CaseSpec(1, "Qreporter", "+93 79 1234567", "Qlastseen")],
    )
    registry.secrets = _secrets(registry)
    assert _shown_names(registry) == {"Qvictimnm"}
    return registry


@settings(
    max_examples=int(os.environ.get("GAWAH_PROPERTY_EXAMPLES", "6")),
    deadline=None,
    # Each example is a workspace and a few hundred requests: shrinking would take many minutes,
    # and the failure message names the output and the secret already.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(registry=registries())
@example(registry=_explicit())
def test_no_public_output_shows_a_protected_identity_or_a_contact(registry: Registry) -> None:
    with tempfile.TemporaryDirectory(prefix="gawah-witness-") as tmp:
        folder = Path(tmp)
        settings_ = init_workspace(folder / "ws", name="witness-protection")
        incoming = folder / "incoming"
        incoming.mkdir()
        with Workspace.open(settings_.root) as ws:
            ids = _build(ws, registry, incoming)
            outputs: list[tuple[str, str]] = list(_exports(ws))
            outputs.append(("report html", _report(ws)))
            anonymous = TestClient(create_app(ws), base_url="https://testserver")
            viewer = signed_in_client(ws, Role.VIEWER)
            outputs += list(_family_pages(anonymous, ids))
            for who, client in (("anonymous", anonymous), ("viewer", viewer)):
                for url in _urls(ws, ids, registry.secrets):
                    response = client.get(url, follow_redirects=False)
                    assert response.status_code < 500, (who, url, response.text[:300])
                    text = response.text
                    if "q=" in url:
                        # A search page repeats what was asked: the searcher's own words are no leak.
                        text = text.replace(url.split("q=", 1)[1], "")
                    outputs.append((f"{who} GET {url} ({response.status_code})", text))
            anonymous.close()
            viewer.close()
        leaks = _leaks(iter(outputs), registry.secrets)
        assert leaks == [], (leaks[:10], registry)
        # And the outputs are not empty by accident: a public person in a public role is named
        # in the export made with --identities.
        named = dict(outputs)["export json identities=True"]
        for name in _shown_names(registry):
            assert name in named, (name, registry)


def test_the_property_sees_a_leak_when_there_is_one() -> None:
    """The search itself is checked: a secret in an output is found, case aside."""
    assert _leaks(iter([("page", "<p>QBCDFGHJ</p>")]), {"Qbcdfghj"}) == [("page", "Qbcdfghj")]


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
