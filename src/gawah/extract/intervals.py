"""Overlap tests on character spans in O(log n), so that long documents stay linear."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


class SpanIndex:
    """A fixed set of spans [start, end) answering "does [s, e) overlap any of them?"."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        self._max_end: list[int] = []
        running = -1
        for _, e in ordered:
            running = max(running, e)
            self._max_end.append(running)

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self._starts, end)  # spans starting before `end`
        return i > 0 and self._max_end[i - 1] > start


def keep_non_overlapping(items: list[T], span: Callable[[T], tuple[int, int]],
                         rank: Callable[[T], tuple[int, ...]]) -> list[T]:
    """Items in order of ``rank`` (smallest first), each kept unless it overlaps one kept before;
    returned in text order."""
    kept_starts: list[int] = []
    kept_ends: list[int] = []
    kept: list[T] = []
    for item in sorted(items, key=rank):
        s, e = span(item)
        i = bisect.bisect_left(kept_starts, s)
        if i > 0 and kept_ends[i - 1] > s:
            continue
        if i < len(kept_starts) and kept_starts[i] < e:
            continue
        kept_starts.insert(i, s)
        kept_ends.insert(i, e)
        kept.insert(i, item)
    return kept
