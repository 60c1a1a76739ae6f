"""Legal qualification: for each act, the provisions to examine and their elements as a checklist.

The vocabulary (`data/provisions.json`) names candidate provisions per violation; a lawyer records
a finding per element with notes and evidence links. Nothing is asserted automatically: an element
without a person's assessment is "not examined", and no provision is ever marked as met by code.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gawah.registry.changes import NotFound, RegistryError, record
from gawah.store.models import Act, ElementAssessment, utcnow

FINDINGS = ("not_examined", "satisfied", "not_satisfied", "insufficient_information")
NOTICE = (
    "Nothing on this checklist is asserted automatically: the provisions are those the vocabulary "
    "lists for the violation, to be examined; every finding is a person's, with their notes."
)


@cache
def vocabulary() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("gawah.registry").joinpath("data/provisions.json").read_text(encoding="utf-8")
    )
    return data


def provisions_for(violation: str) -> list[str]:
    return list(vocabulary()["by_violation"].get(violation, []))


def _elements(code: str) -> list[tuple[str, str]]:
    vocab = vocabulary()
    provision = vocab["provisions"][code]
    context = vocab["contexts"][provision["context"]]
    return [(e["code"], e["text"]) for e in provision["elements"]] + [
        (f"context.{e['code']}", e["text"]) for e in context["elements"]
    ]


def checklist(session: Session, act_id: int) -> dict[str, Any]:
    """The act's provisions, each element with the lawyer's finding so far (or not examined)."""
    act = session.get(Act, act_id)
    if act is None:
        raise NotFound(f"no act {act_id}")
    found = {
        (a.provision, a.element): a
        for a in session.scalars(select(ElementAssessment).where(ElementAssessment.act_id == act_id))
    }
    vocab = vocabulary()
    provisions = []
    for code in provisions_for(act.violation):
        p = vocab["provisions"][code]
        elements = []
        for element, text in _elements(code):
            a = found.get((code, element))
            elements.append(
                {
                    "code": element,
                    "text": text,
                    "finding": a.finding if a else "not_examined",
                    "notes": a.notes if a else "",
                    "evidence": list(a.evidence) if a else [],
                    "assessed_by": a.assessed_by if a else None,
                    "assessed_at": a.assessed_at.isoformat() if a else None,
                }
            )
        provisions.append(
            {
                "code": code,
                "instrument": p["instrument"],
                "article": p["article"],
                "title": p["title"],
                "elements": elements,
            }
        )
    return {"act_id": act.id, "violation": act.violation, "notice": NOTICE, "provisions": provisions}


def assess(
    session: Session,
    act_id: int,
    provision: str,
    element: str,
    finding: str,
    actor: str,
    *,
    notes: str = "",
    evidence: list[str] | None = None,
) -> ElementAssessment:
    """Record a lawyer's finding on one element, with notes and evidence links (e.g. "span:12")."""
    act = session.get(Act, act_id)
    if act is None:
        raise NotFound(f"no act {act_id}")
    if provision not in provisions_for(act.violation):
        raise RegistryError(f"{provision!r} is not among the provisions listed for {act.violation}")
    if element not in dict(_elements(provision)):
        raise RegistryError(f"{provision} has no element {element!r}")
    if finding not in FINDINGS:
        raise RegistryError(f"a finding is one of {', '.join(FINDINGS)}")
    row = session.scalar(
        select(ElementAssessment).where(
            ElementAssessment.act_id == act_id,
            ElementAssessment.provision == provision,
            ElementAssessment.element == element,
        )
    )
    before = (
        None if row is None else {"finding": row.finding, "notes": row.notes, "evidence": list(row.evidence)}
    )
    if row is None:
        row = ElementAssessment(
            act_id=act_id,
            provision=provision,
            element=element,
            confidentiality=act.confidentiality,
            assessed_by=actor,
        )
        session.add(row)
    row.finding, row.notes, row.evidence = finding, notes, list(evidence or [])
    row.assessed_by, row.assessed_at = actor, utcnow()
    session.flush()
    after = {
        "finding": finding,
        "notes": notes,
        "evidence": list(evidence or []),
        "act_id": act_id,
        "provision": provision,
        "element": element,
    }
    record(session, "assessment", row.id, "assess_element", actor, before, after)
    return row
