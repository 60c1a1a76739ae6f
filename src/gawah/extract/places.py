"""Places named in a text, resolved with the packaged gazetteer (data/gazetteer.json).

Provinces and districts are matched in English and Arabic script with their spelling variants;
districts and villages are resolved to their province. Villages are only read where the text
says they are villages ("the village of X", "قریه X"), since village names are often words.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from rapidfuzz import fuzz

from gawah.extract.intervals import SpanIndex, keep_non_overlapping
from gawah.extract.normalize import ARABIC_SCRIPT, NormalizedText, normalize_text, normalize_with_map

_MAX_NGRAM = 4
# District names that are ordinary words in English reports, or too short to trust alone.
_EN_STOP = frozenset({"centre", "center", "dara", "bak", "tani", "chak", "khas", "shamal", "spera",
                      "kohistan", "markaz", "city", "district", "kot", "jaji", "zone", "nahia"})
# Words that may make up a place name: capitalised, with the joining words of Afghan names.
_CAPITALISED_RUN = re.compile(
    r"[A-Z][A-Za-z'’]*(?:-[A-Za-z][A-Za-z'’]*)*(?:[ \t-]{1,2}(?:(?:e|i|o|wa|ul|al|de)[ \t-]{1,2})?"
    r"[A-Z][A-Za-z'’]*(?:-[A-Za-z][A-Za-z'’]*)*)*")
_LATIN_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z][A-Za-z'’]*)*")
_AR_TOKEN = re.compile(r"[\u0600-\u06FF]+")
_PASHTO_KEY = str.maketrans({"ڼ": "ن", "ړ": "ر", "ډ": "د", "ټ": "ت", "ښ": "ش", "ږ": "ژ", "ځ": "ز",
                             "څ": "س", "ۍ": "ی", "ې": "ی", "ګ": "گ"})


_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def ascii_key(name: str) -> str:
    """Lower-case ASCII key of a romanised name: accents dropped, punctuation to spaces."""
    if name.isascii():
        return _NON_ALNUM.sub(" ", name.lower()).strip()
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@lru_cache(maxsize=65536)
def skeleton(key: str) -> str:
    """Consonants of an ASCII key: "jaghori" and "jaghuri" both give "jghr"."""
    consonants = re.sub(r"[aeiouyw\s]", "", key)
    return re.sub(r"(?<=[bcdfgjklmnpqrstvxz])h", "", consonants)


_KEY_FOLD = {**{ord(k): v for k, v in {"\u06ab": "\u06af", "\u06d0": "\u06cc", "\u06cd": "\u06cc",
                                        "\u0626": "\u06cc"}.items()}, **_PASHTO_KEY}


def arabic_key(name: str) -> str:
    return normalize_text(name, for_key=True).translate(_PASHTO_KEY).replace(" ", "")


@dataclass(frozen=True)
class GazetteerEntry:
    kind: str  # "province" | "district" | "village"
    name: str  # canonical English name
    pcode: str | None
    province: str  # province pcode
    district: str | None  # district pcode


@dataclass(frozen=True)
class PlaceMention:
    start: int
    end: int
    text: str
    entry: GazetteerEntry


class Gazetteer:
    """Provinces, districts and villages of Afghanistan with their spellings, indexed for lookup."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.provinces: dict[str, dict[str, Any]] = {p["pcode"]: p for p in data["provinces"]}
        self.districts: dict[str, dict[str, Any]] = {d["pcode"]: d for d in data["districts"]}
        self.latin: dict[str, list[GazetteerEntry]] = {}
        self.arabic: dict[str, list[GazetteerEntry]] = {}
        self.arabic_stems: dict[str, list[GazetteerEntry]] = {}
        self.villages_latin: dict[str, list[GazetteerEntry]] = {}
        self.villages_arabic: dict[str, list[GazetteerEntry]] = {}
        for p in data["provinces"]:
            entry = GazetteerEntry("province", p["name"], p["pcode"], p["pcode"], None)
            for n in p["names"]:
                self._add(n, entry, self.latin, self.arabic)
        for d in data["districts"]:
            entry = GazetteerEntry("district", d["name"], d["pcode"], d["province"], d["pcode"])
            for n in d["names"]:
                self._add(n, entry, self.latin, self.arabic)
        for name, prov, dist, others in data["villages"]:
            entry = GazetteerEntry("village", name, None, prov, dist)
            for n in [name, *others]:
                self._add(n, entry, self.villages_latin, self.villages_arabic)
        for key, entries in self.arabic.items():
            self.arabic_stems.setdefault(_stem(key), []).extend(entries)
        # Consonant skeletons of English names, for spellings the sources do not list
        # ("Jaghori" for "Jaghuri", "Nangarhar"/"Nangrahar" aside): vowels vary most.
        self.latin_skeletons: dict[str, list[tuple[str, GazetteerEntry]]] = {}
        for key, entries in self.latin.items():
            sk = skeleton(key)
            if len(sk) >= 3 and len(key) >= 6:
                for entry in entries:
                    self.latin_skeletons.setdefault(sk, []).append((key, entry))
        # First words of English names: n-grams starting with any other word are not looked up.
        self.latin_first_words = frozenset(k.split()[0] for k in self.latin if k)
        self.latin_first_skeletons = frozenset(skeleton(k.split()[0]) for k in self.latin if k)
        # Word-by-word beginnings of English names, and letter-by-letter beginnings of
        # Arabic-script keys (which have no spaces): how far a run of words may grow.
        self.latin_prefixes = frozenset(" ".join(k.split()[:j]) for k in self.latin
                                        for j in range(1, len(k.split())))
        self.arabic_prefixes = frozenset(k[:j] for k in self.arabic for j in range(2, len(k)))

    @staticmethod
    def _add(name: str, entry: GazetteerEntry, latin: dict[str, list[GazetteerEntry]],
             arabic: dict[str, list[GazetteerEntry]]) -> None:
        if ARABIC_SCRIPT.search(name):
            key, index = arabic_key(name), arabic
        else:
            key, index = ascii_key(name), latin
        if key and entry not in index.setdefault(key, []):
            index[key].append(entry)

    def province_name(self, pcode: str) -> str:
        return str(self.provinces[pcode]["name"])

    def district_name(self, pcode: str | None) -> str | None:
        return None if pcode is None else str(self.districts[pcode]["name"])


def _stem(key: str) -> str:
    # Pashto oblique and plural endings (خوګیاڼو / خوګیاڼي) and Dari ezafe.
    return key[:-1] if len(key) > 4 and key[-1] in "ویهه" else key


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    raw = resources.files("gawah.extract").joinpath("data/gazetteer.json").read_text(encoding="utf-8")
    return Gazetteer(json.loads(raw))


_EZAFE_KEY = re.compile(r"(?<=\w) (?:i|o|y|e) (?=\w)")
_CAPITALISED_AFTER = re.compile(r"[ \t]+[A-Z][a-z]")
_LOCATED_BEFORE = re.compile(r"\b(?:in|at|near|outside|from)\s+$")
_EN_PROVINCE_AFTER = re.compile(r"^\s+(?:province|Province|provinces)\b")
_EN_DISTRICT_AFTER = re.compile(r"^\s+(?:district|District|districts|Districts|valley)\b")
_EN_DISTRICT_BEFORE = re.compile(r"(?:district|District|districts) of\s+$")
_EN_PROVINCE_BEFORE = re.compile(r"(?:province|Province) of\s+$")
_EN_VILLAGE = re.compile(
    r"\b(?:[Vv]illages?|[Hh]amlets?|[Aa]rea|[Nn]eighbou?rhood) of\s+"
    r"((?:[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})"
    r"(?:\s*,\s*[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})*(?:,?\s+and\s+[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})?)"
    r"|\b((?:[A-Z][\w'’-]+\s+){1,2})[Vv]illage\b")
_AR_PROVINCE_BEFORE = re.compile(r"(?:ولایت|ولايت|ولسوالی|ولسوالۍ|ولایات|شهر|ښار)\s*$")
_AR_DISTRICT_BEFORE = re.compile(r"(?:ولسوالی|ولسوالۍ|ولسوالي)(?:های)?\s*$")
_AR_DISTRICT_AFTER = re.compile(r"^\s*(?:ولسوالی|ولسوالۍ|ولسوالي)")
_AR_PROVINCE_AFTER = re.compile(r"^\s*(?:ولایت|ولايت)")
_AR_VILLAGE = re.compile(
    r"(?:قریه|قریههای|قریهای|روستای|روستاهای)\s+([\u0600-\u06FF]+(?:\s+[\u0600-\u06FF]+)?)"
    r"|(?<![\w])د\s+([\u0600-\u06FF]+)\s+(?:کلي|کلی)(?![\w])")
# Words that follow "قریه" without naming it (verbs, pronouns, particles).
_AR_NOT_NAME = re.compile(
    r"^(?:و|در|به|از|را|که|این|آن|ما|خود|را|های|ها|یک|هر|دیگر|نزدیک|مجاور|\w+(?:ند|یم|است|شد|کرد))$")


def find_places(text: str, start: int = 0, end: int | None = None) -> list[PlaceMention]:
    """Provinces, districts and villages named in ``text[start:end]``, offsets into ``text``.

    Ambiguous district names are resolved by the provinces named in the same region; a name
    that is both a province and a district ("Khost") is a district when the text says so.
    """
    end = len(text) if end is None else end
    gaz = load_gazetteer()
    region = text[start:end]
    raw: list[tuple[int, int, str, list[GazetteerEntry], bool]] = []  # start, end, text, candidates, explicit

    for m, n in _latin_ngrams(region, gaz):
        key = ascii_key(n)
        # The ezafe of Dari names is written -e-, -i- or -o- ("Mazar-i-Sharif", "Pul-e-Khumri").
        cands = gaz.latin.get(key) or (gaz.latin.get(_EZAFE_KEY.sub(" e ", key)) if " " in key else None)
        variants = gaz.latin_skeletons.get(skeleton(key), []) if not cands and len(key) >= 6 else []
        if not cands and not variants:
            continue
        s, e = start + m[0], start + m[1]
        if cands and all(c.kind == "province" for c in cands):
            # Only a province goes by this name: no context can change that.
            raw.append((s, e, text[s:e], cands, True))
            continue
        after, before = text[e:e + 14], text[max(0, s - 16):s]
        district_ctx = bool(_EN_DISTRICT_AFTER.match(after) or _EN_DISTRICT_BEFORE.search(before)
                            or _list_followed_by_districts(text, e))
        if not cands:
            # A spelling variant: same consonants, same first letter, nearly the same letters;
            # only of one place, never a guess between several; a district only where the text
            # says it is one, or names it as where ("in Maimana"), since surnames such as
            # "Warsaji" come from place names. A variant next to another capitalised word is
            # part of a person's name ("Parwana Sadat").
            if _CAPITALISED_AFTER.match(text, e) and not _EN_PROVINCE_AFTER.match(after) \
                    and not _EN_DISTRICT_AFTER.match(after):
                continue
            located = bool(_LOCATED_BEFORE.search(before))
            sk_cands = [entry for known, entry in variants
                        if known[0] == key[0] and fuzz.ratio(known, key) >= 80
                        and (entry.kind == "province" or district_ctx
                             or (located and fuzz.ratio(known, key) >= 85))]
            if len({c.pcode for c in sk_cands}) == 1:
                cands = sk_cands[:1]
        if not cands:
            continue
        province_ctx = bool(_EN_PROVINCE_AFTER.match(after) or _EN_PROVINCE_BEFORE.search(before))
        provs = [c for c in cands if c.kind == "province"]
        dists = [c for c in cands if c.kind == "district"]
        if provs and (province_ctx or not district_ctx or not dists):
            raw.append((s, e, text[s:e], provs, True))
        elif dists:
            if not district_ctx and (key in _EN_STOP or len(key) < 4):
                continue
            # A district name that is unique and distinctly a place ("Pul-e-Khumri", "Jaghori")
            # stands without "district" or its province around it.
            distinct = len({d.pcode for d in dists}) == 1 and (
                re.search(r" (?:e|i|o) ", key) is not None or (" " not in key and len(key) >= 6))
            raw.append((s, e, text[s:e], dists, district_ctx or province_ctx or distinct))

    if ARABIC_SCRIPT.search(region):
        norm = normalize_with_map(region)
        for (ns, ne), n in _arabic_ngrams(norm.text, gaz.arabic_prefixes):
            # The text is normalised already: only the key folds remain.
            key = n.translate(_KEY_FOLD).replace(" ", "").lower()
            cands = gaz.arabic.get(key)
            if not cands and " " in n:
                continue
            before, after = norm.text[max(0, ns - 12):ns], norm.text[ne:ne + 12]
            district_ctx = bool(_AR_DISTRICT_BEFORE.search(before) or _AR_DISTRICT_AFTER.match(after))
            province_ctx = bool(_AR_PROVINCE_AFTER.match(after) or re.search(r"ولایت\s*$", before))
            if not cands and (district_ctx or province_ctx) and " " not in n:
                cands = gaz.arabic_stems.get(_stem(key))
            if not cands:
                continue
            s, e = _orig(norm, start, ns, ne)
            provs = [c for c in cands if c.kind == "province"]
            dists = [c for c in cands if c.kind == "district"]
            if provs and not district_ctx:
                raw.append((s, e, text[s:e], provs, True))
            elif dists and (district_ctx or len(key) >= 5):
                raw.append((s, e, text[s:e], dists, district_ctx))

    raw = _longest(raw)
    named_provinces = Counter(c[0].province for c in (r[3] for r in raw) if c and c[0].kind == "province")
    out: list[PlaceMention] = []
    for s, e, t, cands, explicit in raw:
        chosen = _choose(cands, named_provinces)
        if chosen is None:
            continue
        if chosen.kind == "district" and not explicit and chosen.province not in named_provinces:
            continue
        out.append(PlaceMention(s, e, t, chosen))
    out.extend(_villages(text, start, end, region, out))
    out.sort(key=lambda p: p.start)
    return out


def _orig(norm: NormalizedText, base: int, ns: int, ne: int) -> tuple[int, int]:
    s, e = norm.to_original(ns, ne)
    return base + s, base + e


def _list_followed_by_districts(text: str, end: int) -> bool:
    """True for "Andarab" in "the Andarab and Khost districts of ..."."""
    return bool(re.match(r"^(?:\s*(?:,|and)\s+[A-Z][\w'’-]+(?:\s+[A-Za-z][\w'’-]+){0,2}){1,4}\s+districts\b",
                         text[end:end + 80]))


def _latin_ngrams(region: str, gaz: Gazetteer) -> list[tuple[tuple[int, int], str]]:
    """Runs of up to four words starting with a capital that may name a place: a run grows only
    while its words begin some name of the gazetteer."""
    out: list[tuple[tuple[int, int], str]] = []
    for run in _CAPITALISED_RUN.finditer(region):
        out.extend(_runs(region, run.start(), run.end(), gaz))
    return out


def _runs(region: str, start: int, end: int, gaz: Gazetteer) -> list[tuple[tuple[int, int], str]]:
    tokens = [(m.start(), m.end()) for m in _LATIN_TOKEN.finditer(region, start, end)]
    out: list[tuple[tuple[int, int], str]] = []
    for i, (s, e0) in enumerate(tokens):
        if not region[s].isupper():
            continue
        key = ascii_key(region[s:e0])
        first = key.split(" ", 1)[0]
        if not first or (first not in gaz.latin_first_words
                         and skeleton(first) not in gaz.latin_first_skeletons):
            continue
        out.append(((s, e0), region[s:e0]))
        for n in range(2, _MAX_NGRAM + 1):
            if i + n > len(tokens) or key not in gaz.latin_prefixes:
                break
            ps, pe = tokens[i + n - 2][1], tokens[i + n - 1][0]
            if pe - ps > 2 or region[ps:pe].strip(" -\t\n"):
                break
            e = tokens[i + n - 1][1]
            key = key + " " + ascii_key(region[pe:e])
            out.append(((s, e), region[s:e]))
    return out


def _arabic_ngrams(text: str, prefixes: frozenset[str]) -> list[tuple[tuple[int, int], str]]:
    """Runs of up to three Arabic-script words; a run grows only while it begins some name."""
    tokens = [(m.start(), m.end()) for m in _AR_TOKEN.finditer(text)]
    out: list[tuple[tuple[int, int], str]] = []
    for i, (s, e0) in enumerate(tokens):
        out.append(((s, e0), text[s:e0]))
        key = text[s:e0].translate(_KEY_FOLD).lower()
        for n in range(2, 4):
            if i + n > len(tokens) or key not in prefixes:
                break
            ps, pe = tokens[i + n - 2][1], tokens[i + n - 1][0]
            if pe - ps > 2 or text[ps:pe].strip():
                break
            e = tokens[i + n - 1][1]
            key += text[pe:e].translate(_KEY_FOLD).lower()
            out.append(((s, e), text[s:e]))
    return out


def _longest(raw: list[tuple[int, int, str, list[GazetteerEntry], bool]]
             ) -> list[tuple[int, int, str, list[GazetteerEntry], bool]]:
    return keep_non_overlapping(raw, lambda r: (r[0], r[1]), lambda r: (-(r[1] - r[0]), r[0]))


def _choose(cands: list[GazetteerEntry], named: Counter[str]) -> GazetteerEntry | None:
    if len(cands) == 1:
        return cands[0]
    in_named = [c for c in cands if c.province in named]
    if len(in_named) >= 1:
        return max(in_named, key=lambda c: named[c.province])
    provinces = {c.province for c in cands}
    return cands[0] if len(provinces) == 1 else None


def _villages(text: str, start: int, end: int, region: str, found: list[PlaceMention]) -> list[PlaceMention]:
    gaz = load_gazetteer()
    named = Counter(p.entry.province for p in found)
    out: list[PlaceMention] = []
    taken = SpanIndex((p.start, p.end) for p in found)
    lower = region.lower()
    # Cheap substring tests first: most texts name no village at all.
    english = any(w in lower for w in ("village", "hamlet", "area of", "neighbourhood of", "neighborhood of"))
    for m in _EN_VILLAGE.finditer(region) if english else ():
        group = 1 if m.group(1) else 2
        names_text = m.group(group)
        base = start + m.start(group)
        for nm in re.finditer(r"[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2}", names_text):
            s, e = base + nm.start(), base + nm.end()
            if taken.overlaps(s, e):
                continue
            cands = gaz.villages_latin.get(ascii_key(nm.group(0)), [])
            out.append(_village_mention(text, s, e, cands, named))
    if any(w in region for w in ("قریه", "روستا", "کلي", "کلی", "كلي", "كلی", "قريه")):
        norm = normalize_with_map(region)
        for m in _AR_VILLAGE.finditer(norm.text):
            group = 1 if m.group(1) else 2
            words = m.group(group).split()
            if _AR_NOT_NAME.match(words[0]):
                continue
            cands = gaz.villages_arabic.get(arabic_key(" ".join(words)), [])
            ns, ne = m.start(group), m.end(group)
            if not cands and len(words) > 1:
                cands = gaz.villages_arabic.get(arabic_key(words[0]), [])
                ne = ns + len(words[0])
            elif not cands:
                ne = ns + len(words[0])
            s, e = _orig(norm, start, ns, ne)
            if taken.overlaps(s, e):
                continue
            out.append(_village_mention(text, s, e, cands, named))
    return [p for p in out if p is not None]


def _village_mention(text: str, s: int, e: int, cands: list[GazetteerEntry],
                     named: Counter[str]) -> PlaceMention:
    chosen = _choose(cands, named) if cands else None
    if chosen is None:
        # Not in the gazetteer: keep the text's spelling; the province comes from context.
        chosen = GazetteerEntry("village", text[s:e], None, "", None)
    return PlaceMention(s, e, text[s:e], chosen)
