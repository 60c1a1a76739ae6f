"""Witness statements: who took one, when, where, in what language, through which interpreter, and
what the witness agreed to (requirement COL-13 in ../shared/research/evidence.md).

The statement itself is an evidence item (the recording or the transcript, preserved by hash);
this record describes how it was taken. Consent is required: a statement is recorded only with
the witness's consent to documentation, and with how that consent was recorded. Consent withdrawn
later, in whole or for one use, is a registry change on the statement in the ledger (who, when,
how), so that the record of what was first agreed stays as it was.

`blocked_uses` is what a caller asks before using a statement: an export for a court asks
"courts", anything made public asks "publication".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gawah.ledger.journal import append, record_registry_change, statement_entry
from gawah.store.models import EvidenceItem, Person, RegistryChange, WitnessStatement, utcnow
from gawah.store.vocab import Confidentiality

# The uses a witness may agree to, from the narrowest.
USES = ("documentation", "courts", "publication")
WITHDRAW = "withdraw_consent"
SUBJECT = "witness_statement"


class StatementError(ValueError):
    """A statement or a withdrawal that cannot be recorded as given."""


@dataclass(frozen=True)
class Withdrawal:
    uses: list[str]
    by: str
    at: dt.datetime
    how: str


@dataclass(frozen=True)
class StatementView:
    """A statement as a page or an export needs it: consent as agreed, and as it stands now."""

    id: int
    evidence_item_id: int
    witness_id: int | None
    witness_is_pseudonym: bool | None
    taken_by: str
    taken_at: dt.datetime
    taken_place: str | None
    language: str
    interpreter: str | None
    interpreter_languages: list[str]
    consent_given: list[str]
    consent_recorded_how: str
    withdrawals: list[Withdrawal]
    recorded_by: str
    notes: str
    confidentiality: str

    @property
    def consent_now(self) -> list[str]:
        withdrawn = {u for w in self.withdrawals for u in w.uses}
        return [u for u in USES if u in self.consent_given and u not in withdrawn]

    @property
    def withdrawn(self) -> list[str]:
        return [u for u in USES if u in self.consent_given and u not in self.consent_now]

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "evidence_item_id": self.evidence_item_id,
            "witness_id": self.witness_id,
            "taken_by": self.taken_by,
            "taken_at": self.taken_at.isoformat(),
            "taken_place": self.taken_place,
            "language": self.language,
            "interpreter": self.interpreter,
            "interpreter_languages": self.interpreter_languages,
            "consent_given": self.consent_given,
            "consent_recorded_how": self.consent_recorded_how,
            "consent_now": self.consent_now,
            "withdrawals": [
                {"uses": w.uses, "by": w.by, "at": w.at.isoformat(), "how": w.how} for w in self.withdrawals
            ],
            "recorded_by": self.recorded_by,
            "confidentiality": self.confidentiality,
        }


def parse_uses(text: str | Sequence[str]) -> list[str]:
    """`documentation,courts` → the uses in their fixed order; an unknown one raises."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    wanted = {p.strip().lower() for p in parts if p.strip()}
    unknown = wanted - set(USES)
    if unknown:
        raise StatementError(f"unknown use {sorted(unknown)[0]!r}; the uses are {', '.join(USES)}")
    return [u for u in USES if u in wanted]


def record_statement(
    session: Session,
    item: EvidenceItem,
    *,
    taken_by: str,
    taken_at: dt.datetime,
    language: str,
    consent: Sequence[str],
    consent_recorded_how: str,
    recorded_by: str,
    witness: Person | None = None,
    taken_place: str | None = None,
    interpreter: str | None = None,
    interpreter_languages: Sequence[str] = (),
    notes: str = "",
    confidentiality: str = Confidentiality.CONFIDENTIAL.value,
) -> WitnessStatement:
    """Describe the statement held in `item`, with its ledger entry, in the caller's transaction."""
    uses = parse_uses(consent)
    if "documentation" not in uses:
        raise StatementError("a statement is recorded only with the witness's consent to documentation")
    if not consent_recorded_how.strip():
        raise StatementError("say how consent was recorded (a signed form, on the recording, …)")
    for name, value in (("taken_by", taken_by), ("recorded_by", recorded_by), ("language", language)):
        if not value.strip():
            raise StatementError(f"{name} is required")
    if confidentiality not in {c.value for c in Confidentiality}:
        raise StatementError(f"unknown confidentiality {confidentiality!r}")
    if interpreter_languages and not (interpreter or "").strip():
        raise StatementError("interpreter languages were given without the interpreter")
    row = WitnessStatement(
        evidence_item_id=item.id,
        witness_id=witness.id if witness is not None else None,
        taken_by=taken_by.strip(),
        taken_at=taken_at,
        taken_place=(taken_place or "").strip() or None,
        language=language.strip().lower(),
        interpreter=(interpreter or "").strip() or None,
        interpreter_languages=[x.strip().lower() for x in interpreter_languages if x.strip()],
        consent=uses,
        consent_recorded_how=consent_recorded_how.strip(),
        recorded_by=recorded_by.strip(),
        notes=notes,
        confidentiality=confidentiality,
    )
    session.add(row)
    session.flush()
    append(session, SUBJECT, SUBJECT, row.id, statement_entry(row, item.sha256))
    return row


def withdraw_consent(
    session: Session, statement: WitnessStatement, uses: Sequence[str], actor: str, how: str
) -> RegistryChange:
    """Record that the witness withdrew consent to `uses` (a ledgered registry change).

    Withdrawing documentation withdraws every use: nothing may be done with the statement."""
    wanted = parse_uses(uses)
    if not wanted:
        raise StatementError("name the uses the witness withdrew consent to")
    if not actor.strip() or not how.strip():
        raise StatementError("say who recorded the withdrawal and how the witness made it")
    if "documentation" in wanted:
        wanted = list(USES)
    before = view_of(session, statement).consent_now
    after = [u for u in before if u not in wanted]
    change = RegistryChange(
        subject_type=SUBJECT,
        subject_id=statement.id,
        action=WITHDRAW,
        actor=actor.strip(),
        at=utcnow(),
        before={"consent": before},
        after={"consent": after, "withdrawn": wanted},
        note=how.strip(),
    )
    record_registry_change(session, change)
    return change


def _withdrawals(session: Session, statement_ids: Sequence[int]) -> dict[int, list[Withdrawal]]:
    found: dict[int, list[Withdrawal]] = {}
    if not statement_ids:
        return found
    for change in session.scalars(
        select(RegistryChange)
        .where(
            RegistryChange.subject_type == SUBJECT,
            RegistryChange.subject_id.in_(list(statement_ids)),
            RegistryChange.action == WITHDRAW,
        )
        .order_by(RegistryChange.id)
    ):
        uses = (change.after or {}).get("withdrawn", [])
        found.setdefault(change.subject_id, []).append(
            Withdrawal([str(u) for u in uses], change.actor, change.at, change.note)
        )
    return found


def _view(
    statement: WitnessStatement, withdrawals: list[Withdrawal], pseudonym: bool | None
) -> StatementView:
    return StatementView(
        id=statement.id,
        evidence_item_id=statement.evidence_item_id,
        witness_id=statement.witness_id,
        witness_is_pseudonym=pseudonym,
        taken_by=statement.taken_by,
        taken_at=statement.taken_at,
        taken_place=statement.taken_place,
        language=statement.language,
        interpreter=statement.interpreter,
        interpreter_languages=list(statement.interpreter_languages or []),
        consent_given=[u for u in USES if u in (statement.consent or [])],
        consent_recorded_how=statement.consent_recorded_how,
        withdrawals=withdrawals,
        recorded_by=statement.recorded_by,
        notes=statement.notes,
        confidentiality=statement.confidentiality,
    )


def view_of(session: Session, statement: WitnessStatement) -> StatementView:
    pseudonym = session.scalar(select(Person.is_pseudonym).where(Person.id == statement.witness_id))
    return _view(statement, _withdrawals(session, [statement.id]).get(statement.id, []), pseudonym)


def statements_of(session: Session, item_id: int, levels: Sequence[str] | None = None) -> list[StatementView]:
    """The statements an item holds, oldest first; only those at `levels` when given."""
    query = select(WitnessStatement).where(WitnessStatement.evidence_item_id == item_id)
    if levels is not None:
        query = query.where(WitnessStatement.confidentiality.in_(list(levels)))
    rows = session.scalars(query.order_by(WitnessStatement.id)).all()
    withdrawals = _withdrawals(session, [r.id for r in rows])
    witnesses = [r.witness_id for r in rows if r.witness_id is not None]
    pseudonyms = {
        person_id: pseudonym
        for person_id, pseudonym in session.execute(
            select(Person.id, Person.is_pseudonym).where(Person.id.in_(witnesses))
        )
    }
    return [_view(r, withdrawals.get(r.id, []), pseudonyms.get(r.witness_id or 0)) for r in rows]


def blocked_uses(session: Session, item_ids: Sequence[int], use: str) -> dict[int, str]:
    """Items among `item_ids` that hold a statement whose witness has not (or no longer) agreed to
    `use`, each with the reason; an empty answer means the use may go ahead."""
    if use not in USES:
        raise StatementError(f"unknown use {use!r}; the uses are {', '.join(USES)}")
    blocked: dict[int, str] = {}
    rows = session.scalars(
        select(WitnessStatement).where(WitnessStatement.evidence_item_id.in_(list(item_ids)))
    ).all()
    withdrawals = _withdrawals(session, [r.id for r in rows])
    for row in rows:
        view = _view(row, withdrawals.get(row.id, []), None)
        if use in view.consent_now:
            continue
        why = "withdrawn" if use in view.withdrawn else "never given"
        blocked[row.evidence_item_id] = f"statement #{row.id}: consent to {use} {why}"
    return blocked
