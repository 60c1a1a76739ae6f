"""`gawah evidence similar ITEM`: items whose pictures or footage look like this one's, found by the
perceptual hashes kept at intake (tool_metadata["perceptual"]), closest first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from gawah.cli.common import (
    FormatOption,
    OutputFormat,
    WorkspaceOption,
    console,
    fail,
    open_workspace,
    print_json,
)
from gawah.store.models import EvidenceItem
from gawah.vault.phash import DEFAULT_MAX_DISTANCE, PERCEPTUAL_KEY, PerceptualHashes, closest_pair, similar


@dataclass(frozen=True)
class SimilarItem:
    """An evidence item that looks like the target: `matched` of the target's `compared` hashes have
    a partner within the distance; the closest pair of frames and their times say where."""

    item_id: int
    filename: str
    media_type: str
    distance: int
    matched: int
    compared: int
    target_time_s: float | None
    their_time_s: float | None
    relation: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.item_id,
            "filename": self.filename,
            "media_type": self.media_type,
            "distance": self.distance,
            "matched": self.matched,
            "compared": self.compared,
            "target_time_s": self.target_time_s,
            "their_time_s": self.their_time_s,
            "relation": self.relation,
        }


def perceptual_of(item: EvidenceItem) -> PerceptualHashes | None:
    data = (item.tool_metadata or {}).get(PERCEPTUAL_KEY)
    if not isinstance(data, dict):
        return None
    hashes = PerceptualHashes.from_dict(data)
    return hashes if hashes.frames else None


def _relation(target: EvidenceItem, other: EvidenceItem) -> str:
    if other.derived_from_id == target.id:
        return f"working copy of #{target.id}"
    if target.derived_from_id == other.id:
        return f"original of #{target.id}"
    return ""


def similar_items(
    session: Session, target: EvidenceItem, max_distance: int = DEFAULT_MAX_DISTANCE
) -> list[SimilarItem]:
    """Every other item with a picture or frame within `max_distance` bits of one of the target's."""
    mine = perceptual_of(target)
    if mine is None:
        return []
    others: dict[int, tuple[EvidenceItem, PerceptualHashes]] = {}
    for other in session.scalars(select(EvidenceItem).where(EvidenceItem.id != target.id)):
        theirs = perceptual_of(other)
        if theirs is not None:
            others[other.id] = (other, theirs)
    found = []
    for match in similar(mine.phashes(), {k: v[1].phashes() for k, v in others.items()}, max_distance):
        other, theirs = others[match.key]
        pair = closest_pair(mine, theirs)
        found.append(
            SimilarItem(
                item_id=other.id,
                filename=other.original_filename,
                media_type=other.media_type,
                distance=match.distance,
                matched=match.matched,
                compared=match.compared,
                target_time_s=pair[0].time_s if pair else None,
                their_time_s=pair[1].time_s if pair else None,
                relation=_relation(target, other),
            )
        )
    return found


def similar_command(
    item_ref: Annotated[str, typer.Argument(metavar="ITEM", help="Evidence item id or SHA-256 prefix.")],
    max_distance: Annotated[
        int, typer.Option("--max-distance", min=0, max=64, help="Largest Hamming distance (bits of 64).")
    ] = DEFAULT_MAX_DISTANCE,
    workspace: WorkspaceOption = None,
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """Items that show the same picture or footage (re-encoded, resized, cropped, re-posted)."""
    from gawah.cli.evidence import _item  # one way to resolve ITEM; imported late (evidence imports us)

    with open_workspace(workspace) as ws, ws.sessions() as session:
        target = _item(session, item_ref)
        if perceptual_of(target) is None:
            fail(
                f"evidence item #{target.id} has no perceptual hashes (not an image or video, or unreadable)"
            )
        rows = similar_items(session, target, max_distance)
        target_id = target.id
    if output is OutputFormat.JSON:
        print_json({"item": target_id, "max_distance": max_distance, "similar": [r.as_dict() for r in rows]})
        return
    table = Table(title=f"{len(rows)} item(s) similar to #{target_id} (at most {max_distance} bits apart)")
    for column in ("id", "file", "type", "frames matched", "closest", "at (this / theirs)", "relation"):
        table.add_column(column)
    for r in rows:
        times = (
            ""
            if r.target_time_s is None and r.their_time_s is None
            else (f"{_seconds(r.target_time_s)} / {_seconds(r.their_time_s)}")
        )
        table.add_row(
            str(r.item_id),
            r.filename,
            r.media_type,
            f"{r.matched}/{r.compared}",
            str(r.distance),
            times,
            r.relation,
        )
    console.print(table)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"
