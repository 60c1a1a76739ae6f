"""`gawah link dedupe`: find the persons that a list names more than once."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from gawah.cli.common import console, fail
from gawah.link import DEFAULT_REVIEW_FLOOR, DEFAULT_THRESHOLD

if TYPE_CHECKING:
    from gawah.link.pipeline import DedupeResult
from gawah.link.records import RecordError, read_records

link_app = typer.Typer(help="Record linkage: the same person across lists, scripts and spellings.",
                       no_args_is_help=True)


def _write_atomically(path: Path, text: str) -> None:
    """Write beside the target and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def clusters_csv(result: DedupeResult, order: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "cluster_id"])
    writer.writerows(result.cluster_rows(order))
    return buffer.getvalue()


def pairs_csv(result: DedupeResult) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id_l", "id_r", "match_probability", "match_weight", "same_cluster", "reasons"])
    for pair in result.pairs:
        same = result.clusters.get(pair.id_l) == result.clusters.get(pair.id_r)
        writer.writerow([pair.id_l, pair.id_r, f"{pair.match_probability:.6f}",
                         f"{pair.match_weight:.3f}", "yes" if same else "no", pair.explanation()])
    return buffer.getvalue()


@link_app.command("dedupe")
def dedupe_command(
    input_csv: Annotated[Path, typer.Argument(help="CSV with `id` and any of name, father_name, "
                                              "grandfather_name, name_native, sex, birth_year, age, "
                                              "province, district, occupation, date.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write id,cluster_id (one row per record).")],
    threshold: Annotated[float, typer.Option(
        "--threshold", min=0.01, max=1.0, help="Match probability at which two records are joined.")
    ] = DEFAULT_THRESHOLD,
    pairs: Annotated[Path | None, typer.Option(
        "--pairs", help="Also write the proposed pairs with their probability and reasons.")] = None,
    review_floor: Annotated[float, typer.Option(
        "--review-floor", min=0.01, max=1.0, help="Lowest probability of a pair written to --pairs.")
    ] = DEFAULT_REVIEW_FLOOR,
) -> None:
    """Cluster the records of one list into persons; nothing is written if the list is bad."""
    if not input_csv.is_file():
        fail(f"{input_csv}: no such file")
    try:
        records = read_records(input_csv)
    except RecordError as exc:
        fail(f"{input_csv}: {exc}; nothing written")
    order = [r.id for r in records.records]
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                  TimeElapsedColumn(), console=console, transient=True,
                  disable=len(order) < 1000) as progress:
        task = progress.add_task("Linking", total=1.0)

        def report(step: str, fraction: float) -> None:
            progress.update(task, completed=fraction, description=step.capitalize())

        from gawah.link.pipeline import dedupe  # Splink and DuckDB: only when linking

        result = dedupe(records.records, threshold=threshold, review_floor=review_floor, progress=report)
    _write_atomically(out, clusters_csv(result, order))
    if pairs is not None:
        _write_atomically(pairs, pairs_csv(result))
    persons = len(set(result.clusters.values()))
    console.print(f"{len(order)} records, {persons} persons, "
                  f"{sum(1 for p in result.pairs if p.match_probability >= threshold)} pairs at or above "
                  f"{threshold:g}; clusters written to {out}" + (f", pairs to {pairs}" if pairs else ""),
                  highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(link_app, name="link")
