"""Title and publication date of a report, guessed from the words near its top."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from gawah.extract.dates import find_dates

# Lines that web pages carry above the article and that are never a title.
_NOT_TITLE = re.compile(
    r"^(?:accessibility links|breaking news|skip to (?:main )?content|menu|home|search|share|"
    r"sign in|log in|subscribe|advertisement|print|email|close|main navigation|navigation|"
    r"support now|why this petition matters|related|latest|news|english|dari|pashto|فارسی|پښتو|"
    r"خانه|صفحه اصلی|کور|جستجو)\W*$",
    re.IGNORECASE)
_TOP_LINES = 25
_TOP_CHARS = 1500
# Words that announce a publication date on a dateline or byline.
_PUBLISHED_CUE = re.compile(
    r"(?:published|posted|updated|date|dated|released|issued|last modified|"
    r"تاریخ|نشر|منتشر|منتشره|خپور|خپره|نېټه|نیټه)\W*\s*$",
    re.IGNORECASE)
_CITY_BEFORE = re.compile(r"^\W*[A-Z\u0600-\u06FF][\w'’.\- \u0600-\u06FF]{1,30}[,،]\s*$")
_SEPARATOR_BEFORE = re.compile(r"[—–\-|,،]\s*\**\s*$")
_SEPARATOR_AFTER = re.compile(r"^\s*(?:[-–—:|/(]|\(|$)")


def _lines_with_offsets(text: str, limit: int) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    pos = 0
    for line in text[:_TOP_CHARS].split("\n"):
        if line.strip():
            out.append((pos, line))
        pos += len(line) + 1
        if len(out) >= limit:
            break
    return out


def guess_title(text: str) -> str | None:
    """The first line near the top that reads like a headline, or None.

    Navigation words, bare dates, and long sentence-like paragraphs are skipped.
    """
    first_short: str | None = None
    for _, raw in _lines_with_offsets(text, _TOP_LINES):
        stripped = raw.strip()
        # Editorial notes in brackets or block quotes are not the headline.
        if stripped.startswith(("[", ">", "(")):
            continue
        line = re.sub(r"^#+\s+", "", stripped).strip("*_ ")
        line = " ".join(line.split())
        if not line or _NOT_TITLE.match(line):
            continue
        if len(line) > 200 or len(line) < 4:
            continue
        words = line.split()
        # A banner in capitals ("HINDUKUSH RIGHTS MONITOR") or a label ("Field report summary")
        # is not the headline when a longer line follows.
        if line.isupper() or len(words) <= 3:
            first_short = first_short or line
            continue
        # A paragraph is not a title: long and ending with a full stop.
        if len(words) > 25 or (line.endswith((".", "۔", ")")) and len(words) > 12):
            continue
        dates = find_dates(line) if re.search(r"\d", line) else []
        if dates and dates[0].end - dates[0].start >= len(line) - 3:
            continue
        if not re.search(r"[^\W\d_]", line):
            continue
        return line
    return first_short


def guess_published(text: str) -> date | None:
    """Publication date from a dateline or byline near the top, in English, Dari or Pashto.

    A date counts when it stands on a short line of its own, opens a line followed by a
    separator ("June 8, 2023 - …"), or follows a cue such as "Published" or "تاریخ نشر".
    Dates inside running sentences (photo captions, events) are not publication dates.
    """
    top = text[:_TOP_CHARS]
    mentions = find_dates(top)
    for pos, raw in _lines_with_offsets(text, _TOP_LINES):
        line = raw.strip()
        base = pos + len(raw) - len(raw.lstrip())
        in_line = [replace(m, start=m.start - base, end=m.end - base) for m in mentions
                   if base <= m.start and m.end <= base + len(line)]
        for mention in in_line:
            if mention.precision != "day" or mention.kind == "period":
                continue
            before = line[:mention.start]
            after = line[mention.end:]
            rest = (before + after).strip(" -–—|:,.()[]")
            if _PUBLISHED_CUE.search(before):
                return mention.first
            if not before.strip(" *_") and _SEPARATOR_AFTER.match(after.lstrip("*_")):
                return mention.first
            # "Kabul, 12 May 2022 - ..." (a city before the date) or "Org — statement — 28 September
            # 2022" (the date closing a short byline).
            if _CITY_BEFORE.match(before) and _SEPARATOR_AFTER.match(after.lstrip("*_")):
                return mention.first
            if not after.strip(" *_.") and _SEPARATOR_BEFORE.search(before) and len(line.split()) <= 20:
                return mention.first
            if len(rest) <= 40 and not re.search(r"[.!?؟]\s*$", before.strip()) and len(rest.split()) <= 6:
                return mention.first
    return None
