"""Capture histories: how many people each combination of lists recorded.

Multiple systems estimation starts from a table with one row per inclusion pattern (1 = the
person is on that list) and the number of people with that pattern. The all-zero pattern, the
people no list recorded, is what the estimate is about, so it never appears as data.

This module reads and checks such tables. Every problem that makes an estimate impossible is
raised as :class:`EstimationRefused` with a sentence saying what is wrong, so that the command
line and the web interface can show it as it is.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# Level of intervals unless asked otherwise.
DEFAULT_LEVEL = 0.95

COUNT_COLUMN = "count"
MIN_LISTS = 2
# 2^20 cells is already beyond what a log-linear design or a reader of the output can use.
MAX_LISTS = 20


class EstimationRefused(ValueError):
    """The data cannot support an estimate; the message says why in plain words."""


Pattern = tuple[int, ...]


@dataclass(frozen=True)
class CaptureTable:
    """Counts of people by inclusion pattern over named lists.

    ``counts`` holds only the observed patterns (at least one list), each a tuple of 0/1 in the
    order of ``lists``; patterns that are absent have count 0.
    """

    lists: tuple[str, ...]
    counts: Mapping[Pattern, int]

    @property
    def n_lists(self) -> int:
        return len(self.lists)

    @property
    def observed_total(self) -> int:
        return sum(self.counts.values())

    def count(self, pattern: Pattern) -> int:
        return self.counts.get(pattern, 0)

    def list_totals(self) -> dict[str, int]:
        """How many people each list recorded (its marginal total)."""
        totals = dict.fromkeys(self.lists, 0)
        for pattern, n in self.counts.items():
            for name, bit in zip(self.lists, pattern, strict=True):
                if bit:
                    totals[name] += n
        return totals

    def observable_patterns(self) -> list[Pattern]:
        """All 2^k - 1 patterns with at least one list, in binary order of the list bits."""
        k = self.n_lists
        patterns = []
        for code in range(1, 2**k):
            patterns.append(tuple((code >> (k - 1 - j)) & 1 for j in range(k)))
        return patterns

    def pattern_key(self, pattern: Pattern) -> str:
        return "".join(str(b) for b in pattern)

    def as_dict(self) -> dict[str, object]:
        return {
            "lists": list(self.lists),
            "counts": {self.pattern_key(p): n for p, n in sorted(self.counts.items(), reverse=True)},
            "observed_total": self.observed_total,
        }


def _as_count(value: object, where: str) -> int:
    """A non-negative whole number, or a refusal naming where the bad value was."""
    if isinstance(value, bool):
        raise EstimationRefused(f"{where}: count must be a whole number, got {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise EstimationRefused(f"{where}: count must be a whole number, got {value!r}")
        number = int(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            number = int(text)
        except ValueError:
            try:
                as_float = float(text)
            except ValueError:
                raise EstimationRefused(f"{where}: count must be a whole number, got {value!r}") from None
            if not math.isfinite(as_float) or as_float != int(as_float):
                raise EstimationRefused(f"{where}: count must be a whole number, got {value!r}") from None
            number = int(as_float)
    else:
        raise EstimationRefused(f"{where}: count must be a whole number, got {value!r}")
    if number < 0:
        raise EstimationRefused(f"{where}: count must not be negative, got {number}")
    return number


def _as_bit(value: object, where: str) -> int:
    text = str(value).strip()
    if text in {"0", "1"}:
        return int(text)
    if text in {"0.0", "1.0"}:
        return int(float(text))
    raise EstimationRefused(f"{where}: list columns hold 0 or 1, got {value!r}")


def _normalise_pattern(key: str | Sequence[int] | Sequence[str], k: int | None, where: str) -> Pattern:
    if isinstance(key, str):
        text = key.strip()
        bits = tuple(_as_bit(ch, where) for ch in text)
    else:
        bits = tuple(_as_bit(b, where) for b in key)
    if not bits:
        raise EstimationRefused(f"{where}: empty inclusion pattern")
    if k is not None and len(bits) != k:
        raise EstimationRefused(f"{where}: pattern {key!r} has {len(bits)} lists, expected {k}")
    return bits


def capture_table(
    counts: Mapping[str, object] | Mapping[Pattern, object] | Iterable[tuple[object, object]],
    lists: Sequence[str] | None = None,
) -> CaptureTable:
    """Build a checked :class:`CaptureTable` from ``{pattern: count}``.

    A pattern is a string of 0/1 (``"101"``) or a tuple of 0/1, one position per list. Without
    ``lists`` the lists are called L1, L2, ... Repeated patterns are added together. Raises
    :class:`EstimationRefused` for anything an estimate cannot be built from.
    """
    items = list(counts.items()) if isinstance(counts, Mapping) else list(counts)
    k = len(lists) if lists is not None else None
    table: dict[Pattern, int] = {}
    for key, raw in items:
        where = f"pattern {key!r}"
        pattern = _normalise_pattern(key, k, where)  # type: ignore[arg-type]
        if k is None:
            k = len(pattern)
        n = _as_count(raw, where)
        if not any(pattern):
            if n:
                raise EstimationRefused(
                    f"{where}: the all-zero pattern (on no list) cannot be observed; it is what the "
                    "estimate is about, so remove that row"
                )
            continue
        if n:
            table[pattern] = table.get(pattern, 0) + n
    if k is None:
        raise EstimationRefused("the table is empty: no inclusion patterns were given")
    names = tuple(lists) if lists is not None else tuple(f"L{j + 1}" for j in range(k))
    return check_table(CaptureTable(lists=names, counts=table))


def check_table(table: CaptureTable) -> CaptureTable:
    """Refuse tables from which no estimate of the unrecorded can exist, whatever the method."""
    k = table.n_lists
    if k < MIN_LISTS:
        raise EstimationRefused(
            f"at least {MIN_LISTS} lists are needed to estimate the unrecorded; the table has {k}"
        )
    if k > MAX_LISTS:
        raise EstimationRefused(f"at most {MAX_LISTS} lists are supported; the table has {k}")
    if len(set(table.lists)) != k:
        raise EstimationRefused(f"list names must be distinct: {', '.join(table.lists)}")
    if table.observed_total == 0:
        raise EstimationRefused("the table records nobody: every count is zero")
    totals = table.list_totals()
    empty = [name for name, n in totals.items() if n == 0]
    if empty:
        raise EstimationRefused(
            f"list {', '.join(empty)} recorded nobody; drop it: an empty list says nothing about "
            "who was missed"
        )
    if all(sum(p) == 1 for p in table.counts):
        raise EstimationRefused(
            "no person is on more than one list: without overlap between lists there is no "
            "information about how many were missed by all of them"
        )
    n = table.observed_total
    complete = [name for name, m in totals.items() if m == n]
    if complete:
        raise EstimationRefused(
            f"list {complete[0]} holds every recorded person, so no other list shows anyone it "
            "missed; the lists are not independent samples (one may have been compiled from the "
            "other) and no estimate of the unrecorded can be made"
        )
    return table


def read_capture_csv(source: str | Path | io.TextIOBase) -> CaptureTable:
    """Read a capture-history CSV: one 0/1 column per list and a ``count`` column.

    ``source`` is a path or an open text stream. Every problem (missing column, bad value,
    degenerate table) raises :class:`EstimationRefused` naming the row.
    """
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise EstimationRefused("no such file") from None
        except IsADirectoryError:
            raise EstimationRefused("is a folder, not a CSV file") from None
        except UnicodeDecodeError:
            raise EstimationRefused("not UTF-8 text") from None
        stream: io.TextIOBase = io.StringIO(text)
    else:
        stream = source
    reader = csv.reader(stream)
    header: list[str] | None = None
    for row in reader:
        if row and any(cell.strip() for cell in row):
            header = [cell.strip() for cell in row]
            break
    if header is None:
        raise EstimationRefused("the file is empty: expected a header with list columns and 'count'")
    lowered = [h.lower() for h in header]
    if COUNT_COLUMN not in lowered:
        raise EstimationRefused(
            f"no '{COUNT_COLUMN}' column; the header is {', '.join(header)} "
            "(expected one 0/1 column per list and a 'count' column)"
        )
    if lowered.count(COUNT_COLUMN) > 1:
        raise EstimationRefused(f"more than one '{COUNT_COLUMN}' column")
    if any(not h for h in header):
        raise EstimationRefused("a column has no name in the header")
    count_at = lowered.index(COUNT_COLUMN)
    lists = [h for i, h in enumerate(header) if i != count_at]
    if len(lists) < MIN_LISTS:
        raise EstimationRefused(
            f"at least {MIN_LISTS} list columns are needed besides '{COUNT_COLUMN}'; found {len(lists)}"
        )
    items: list[tuple[Pattern, object]] = []
    for line_no, row in enumerate(reader, start=2):
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise EstimationRefused(f"row {line_no}: {len(row)} fields, the header has {len(header)}")
        where = f"row {line_no}"
        bits = tuple(
            _as_bit(cell, f"{where}, column {header[i]}") for i, cell in enumerate(row) if i != count_at
        )
        items.append((bits, _as_count(row[count_at], where)))
    if not items:
        raise EstimationRefused("the file has a header but no rows")
    return capture_table(items, lists=lists)
