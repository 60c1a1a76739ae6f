"""Normalisation of Arabic-script text (Dari, Pashto) for matching and search.

Two forms are offered:

* :func:`normalize_text` folds letter variants and digits and returns a plain string, for keys,
  look-ups and full-text search.
* :func:`normalize_with_map` does the same and also returns, for each character of the result,
  the offset in the original text it came from, so that a match in the normalised text can be
  reported as a span of the original.

Pashto letters (ټ ډ ړ ږ ښ ګ ڼ ې ۍ ځ څ) survive: they carry meaning and tell Pashto from Dari.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF]")
"""Any letter or sign of the Arabic block: a text in Dari or Pashto, or with a name in them."""

# Persian (U+06F0..) and Arabic-Indic (U+0660..) digits to ASCII.
_DIGITS = {**{0x06F0 + i: str(i) for i in range(10)}, **{0x0660 + i: str(i) for i in range(10)}}

# Letter variants written interchangeably in Afghan text. We fold towards the Persian letters
# (ی ک ه) because Dari and Pashto keyboards produce those.
_LETTERS = {
    "\u064a": "\u06cc",  # Arabic yeh ي -> Farsi yeh ی
    "\u0649": "\u06cc",  # alef maksura ى -> ی
    "\u06d2": "\u06cc",  # yeh barree ے -> ی
    "\u0643": "\u06a9",  # Arabic kaf ك -> keheh ک
    "\u0629": "\u0647",  # teh marbuta ة -> heh ه
    "\u06c0": "\u0647",  # heh with yeh above ۀ -> ه
    "\u06c1": "\u0647",  # heh goal ہ -> ه
    "\u06d5": "\u0647",  # ae ە -> ه
    "\u0623": "\u0627",  # alef with hamza above أ -> ا
    "\u0625": "\u0627",  # alef with hamza below إ -> ا
    "\u0622": "\u0627",  # alef madda آ -> ا
    "\u0671": "\u0627",  # alef wasla ٱ -> ا
    "\u0624": "\u0648",  # waw with hamza ؤ -> و
    "\u066b": ".",  # Arabic decimal separator
    "\u066c": ",",  # Arabic thousands separator
    "\u060c": ",",  # Arabic comma
    "\u061b": ";",  # Arabic semicolon
    "\u061f": "?",  # Arabic question mark
}

# Characters dropped entirely: ZWNJ/ZWJ and direction marks, tatweel, BOM, soft hyphen.
_DROP = {"\u200c", "\u200d", "\u200e", "\u200f", "\u0640", "\ufeff", "\u00ad", "\u202a", "\u202b",
         "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}

# Extra fold for match keys only: gaf variants and the Pashto yeh forms.
_KEY_LETTERS = {"\u06ab": "\u06af", "\u06d0": "\u06cc", "\u06cd": "\u06cc", "\u0626": "\u06cc"}
_KEY_TABLE = {ord(k): v for k, v in _KEY_LETTERS.items()}


# Harakat, tanwin, shadda, superscript alef and Quranic marks, and the Latin combining accents
# (so that decomposed "é" folds like the precomposed letter's base).
_MARK_RANGES = ((0x0300, 0x0370), (0x0610, 0x061B), (0x064B, 0x0660), (0x0670, 0x0671), (0x06D6, 0x06EE),
                (0x08D3, 0x0900), (0xFE20, 0xFE30))
_MARKS = [chr(c) for lo, hi in _MARK_RANGES for c in range(lo, hi) if unicodedata.category(chr(c)) == "Mn"]
_TABLE: dict[int, str | None] = {ord(ch): None for ch in (*_DROP, *_MARKS)}
_TABLE.update(_DIGITS)
_TABLE.update({ord(k): v for k, v in _LETTERS.items()})
_FOLDABLE = re.compile("[" + "".join(re.escape(chr(c)) for c in _TABLE) + "]")


def _fold_char(ch: str) -> str:
    """The normalised form of one character: '' when dropped, else one or more characters."""
    folded = _TABLE.get(ord(ch), ch)
    return folded or ""


def normalize_digits(text: str) -> str:
    """Replace Persian and Arabic-Indic digits by ASCII digits; nothing else changes."""
    return text.translate(_DIGITS)


def normalize_text(text: str, *, for_key: bool = False) -> str:
    """Fold Arabic-script variants, drop ZWNJ, tatweel and diacritics, and make digits ASCII.

    With ``for_key`` the result is also lower-cased, gaf/yeh variants are folded further and
    runs of whitespace become one space: use it for dictionary keys, not for display.
    """
    out = text.translate(_TABLE)
    if for_key:
        out = out.translate(_KEY_TABLE).lower()
        out = " ".join(out.split())
    return out


@dataclass(frozen=True)
class NormalizedText:
    """Normalised text and, for each of its characters, the offset in the original."""

    text: str
    offsets: Sequence[int]
    original_length: int

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span [start, end) of the normalised text to a span of the original text."""
        if not self.offsets:
            return (0, 0)
        if start >= len(self.offsets):
            return (self.original_length, self.original_length)
        orig_start = self.offsets[start]
        orig_end = self.offsets[end - 1] + 1 if end > start else orig_start
        return (orig_start, orig_end)


@lru_cache(maxsize=16)
def normalize_with_map(text: str) -> NormalizedText:
    """Normalise like :func:`normalize_text` and keep a map back to original offsets.

    Every character of the result comes from exactly one character of the original, so a span
    found in the result maps back with :meth:`NormalizedText.to_original`. Recent results are
    cached: extraction normalises the same article for dates, places, counts and names.
    """
    if not _FOLDABLE.search(text):
        return NormalizedText(text, range(len(text)), len(text))
    pieces: list[str] = []
    offsets: list[int] = []
    pos = 0
    for m in _FOLDABLE.finditer(text):
        s = m.start()
        if s > pos:
            pieces.append(text[pos:s])
            offsets.extend(range(pos, s))
        folded = _fold_char(text[s])
        pieces.append(folded)
        offsets.extend([s] * len(folded))
        pos = s + 1
    if pos < len(text):
        pieces.append(text[pos:])
        offsets.extend(range(pos, len(text)))
    return NormalizedText("".join(pieces), tuple(offsets), len(text))
