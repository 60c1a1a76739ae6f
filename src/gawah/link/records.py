"""Person records for linkage: reading a CSV list strictly, and the comparison features of each record.

A list received from another organisation is read whole before anything is written: a missing
`id` column, a bad encoding, a duplicate id, an empty name or an unreadable number stops the
import with the line it is on (:class:`RecordError`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import jdatetime

from gawah.extract.normalize import normalize_digits
from gawah.link.names import (
    latin_form,
    native_form,
    skeleton,
    skeleton_tokens,
    split_son_of,
)

# The columns of the contract. `birth_date`, `id_number` (tazkira or other identity document)
# and `village` are optional extras that sharpen matching when a list has them.
NAME_COLUMNS = ("name", "father_name", "grandfather_name", "name_native")
KNOWN_COLUMNS = (
    "id", *NAME_COLUMNS, "sex", "birth_year", "age", "province", "district", "occupation", "date",
    "birth_date", "id_number", "village",
)

# Solar Hijri years (1300-1450 SH = 1921-2072) are written in Afghan lists; Gregorian years are
# told apart by range.
_SOLAR_YEARS = range(1300, 1451)
_GREGORIAN_YEARS = range(1880, 2101)

_SEX = {
    "m": "m", "male": "m", "man": "m", "boy": "m", "مرد": "m", "ذکور": "m", "نارینه": "m", "نر": "m",
    "پسر": "m", "f": "f", "female": "f", "woman": "f", "girl": "f", "زن": "f", "اناث": "f",
    "ښځه": "f", "ښحه": "f", "دختر": "f", "نجلۍ": "f",
}
_SEX_UNKNOWN = frozenset({"", "u", "unknown", "?", "-", "na", "n/a", "نامعلوم"})

# Occupations grouped as lists describe them, in English, Dari and Pashto; others are matched by
# their spelling.
_OCCUPATION_GROUPS: dict[str, tuple[str, ...]] = {
    "police": ("police", "policeman", "police officer", "anp", "alp", "polis", "پولیس", "پولیس ملی",
               "پولیس محلی", "ساتنمن"),
    "army": ("army", "soldier", "ana", "military", "officer", "اردو", "اردوی ملی", "عسکر", "سرباز",
             "پوځ", "پوځی"),
    "intelligence": ("nds", "intelligence", "امنیت ملی", "استخبارات"),
    "official": ("official", "government employee", "civil servant", "employee", "کارمند",
                 "مامور", "مأمور", "کارکوونکی"),
    "teacher": ("teacher", "معلم", "ښوونکی", "استاد"),
    "journalist": ("journalist", "reporter", "خبرنگار", "ژورنالیست"),
    "farmer": ("farmer", "دهقان", "بزگر", "کروندګر", "کروندگر"),
    "student": ("student", "شاگرد", "محصل", "زده کوونکی"),
    "judge": ("judge", "prosecutor", "قاضی", "څارنوال", "سارنوال"),
    "shopkeeper": ("shopkeeper", "دکاندار", "دوکاندار", "هټیوال"),
}
_OCCUPATION = {v: k for k, vs in _OCCUPATION_GROUPS.items() for v in vs}


class RecordError(ValueError):
    """A list that cannot be imported; the message names the line."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


@dataclass(frozen=True)
class PersonRecord:
    """One row of a list of persons, as given (strings, stripped; None when empty)."""

    id: str
    name: str | None = None
    father_name: str | None = None
    grandfather_name: str | None = None
    name_native: str | None = None
    sex: str | None = None
    birth_year: int | None = None
    age: float | None = None
    province: str | None = None
    district: str | None = None
    occupation: str | None = None
    date: str | None = None
    birth_date: str | None = None
    id_number: str | None = None
    village: str | None = None
    line: int | None = None


RECORD_FIELDS = tuple(f.name for f in fields(PersonRecord) if f.name != "line")


@dataclass(frozen=True)
class RecordList:
    """Records read from one list, with the columns that list actually has."""

    records: tuple[PersonRecord, ...]
    columns: frozenset[str]
    # Columns outside the linkage contract that the caller asked to keep, one mapping per record.
    kept: tuple[Mapping[str, str | None], ...] = ()


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise RecordError(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the list as UTF-8 and try again", line
        ) from exc


def _year_of(text: str) -> int | None:
    match = re.search(r"\d{4}", normalize_digits(text))
    return int(match.group()) if match else None


def gregorian_year(year: int) -> int | None:
    """A birth or event year as Gregorian: Solar Hijri years (1300-1450) are converted."""
    if year in _SOLAR_YEARS:
        # Mid-year convention: most of a Solar Hijri year (from 1 Hamal, ~21 March) falls in year+621.
        return int(jdatetime.date(year, 7, 1).togregorian().year)
    if year in _GREGORIAN_YEARS:
        return year
    return None


def parse_date(text: str) -> date | None:
    """A date written YYYY-MM-DD or YYYYMMDD (Gregorian or Solar Hijri); None when unreadable."""
    digits = normalize_digits(text).strip()
    match = re.fullmatch(r"(\d{4})[-/.]?(\d{1,2})[-/.]?(\d{1,2})", digits)
    if not match:
        return None
    y, m, d = (int(g) for g in match.groups())
    try:
        if y in _SOLAR_YEARS:
            gregorian: date = jdatetime.date(y, m, d).togregorian()
            return gregorian
        return date(y, m, d)
    except ValueError:
        return None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None


def _parse_row(row: Mapping[str, str | None], line: int) -> PersonRecord:
    values = {k: _clean(row.get(k)) for k in KNOWN_COLUMNS}
    record_id = values["id"]
    if record_id is None:
        raise RecordError("empty id", line)
    if values["name"] is None and values["name_native"] is None:
        raise RecordError(f"record {record_id!r} has no name (neither name nor name_native)", line)
    birth_year: int | None = None
    if values["birth_year"] is not None:
        year = _year_of(values["birth_year"])
        birth_year = gregorian_year(year) if year is not None else None
        if birth_year is None:
            raise RecordError(f"birth_year {values['birth_year']!r} is not a year", line)
    age: float | None = None
    if values["age"] is not None:
        try:
            age = float(normalize_digits(values["age"]).replace("~", "").strip())
        except ValueError as exc:
            raise RecordError(f"age {values['age']!r} is not a number", line) from exc
        if not 0 <= age < 130:
            raise RecordError(f"age {values['age']!r} is out of range", line)
    sex: str | None = None
    if values["sex"] is not None:
        key = values["sex"].lower()
        if key in _SEX:
            sex = _SEX[key]
        elif key not in _SEX_UNKNOWN:
            raise RecordError(f"sex {values['sex']!r} is not one of m, f (or male, female, مرد, زن)", line)
    for column in ("date", "birth_date"):
        text = values[column]
        if text is not None and parse_date(text) is None and _year_of(text) is None:
            raise RecordError(f"{column} {text!r} is not a date (YYYY-MM-DD)", line)
    kwargs: dict[str, Any] = {k: values[k] for k in RECORD_FIELDS if k not in {"birth_year", "age", "sex"}}
    return PersonRecord(**kwargs, birth_year=birth_year, age=age, sex=sex, line=line)


def read_records(source: Path | bytes, *, keep: Collection[str] = ()) -> RecordList:
    """Read a CSV list of persons (UTF-8, header row with `id`), all or nothing.

    Columns named in `keep` (beyond the linkage contract) come back in `RecordList.kept`.

    Raises :class:`RecordError` naming the line for a missing `id` column, a list with no name
    column, bad encoding, a row with too many fields, a duplicate id, an empty name or an
    unreadable year, age, sex or date.
    """
    raw = source.read_bytes() if isinstance(source, Path) else source
    text = _decode(raw)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise RecordError("the file is empty: a header row with `id` is needed", 1) from None
    except csv.Error as exc:
        raise RecordError(f"unreadable CSV ({exc})", 1) from exc
    columns = [h.strip().lower().lstrip("\ufeff") for h in header]
    if "id" not in columns:
        raise RecordError(f"the header has no `id` column (found: {', '.join(columns) or 'nothing'})", 1)
    if not {"name", "name_native"} & set(columns):
        raise RecordError("the header needs a `name` or `name_native` column", 1)
    seen_columns = [c for c in columns if c]
    if len(set(seen_columns)) != len(seen_columns):
        raise RecordError("the header repeats a column name", 1)
    records: list[PersonRecord] = []
    kept: list[Mapping[str, str | None]] = []
    first_line: dict[str, int] = {}
    line = 1
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(columns):
                raise RecordError(f"{len(values)} fields but the header has {len(columns)}", line)
            row = dict(zip(columns, values, strict=False))
            record = _parse_row(row, line)
            if record.id in first_line:
                raise RecordError(f"duplicate id {record.id!r} (first on line {first_line[record.id]})", line)
            first_line[record.id] = line
            records.append(record)
            kept.append({k: _clean(row.get(k)) for k in keep})
    except csv.Error as exc:
        raise RecordError(f"unreadable CSV ({exc})", reader.line_num or line) from exc
    if not records:
        raise RecordError("the list has a header but no records", 2)
    return RecordList(tuple(records), frozenset(c for c in columns if c in KNOWN_COLUMNS), tuple(kept))


# --- comparison features -------------------------------------------------------------------------

FEATURE_COLUMNS = (
    "unique_id",
    "name_latin", "name_native", "name_key", "name_key_alt", "name_parts",
    "father_latin", "father_native", "father_key", "father_parts",
    "grandfather_key", "grandfather_latin",
    "sex", "birth_year", "birth_date",
    "province_key", "district_key", "village_key", "occupation_key", "id_number",
)


@dataclass(frozen=True)
class NameFeatures:
    latin: str | None
    native: str | None
    key: str | None
    key_alt: str | None
    parts: tuple[str, ...]


@lru_cache(maxsize=200_000)
def name_features(latin_or_any: str | None, native: str | None = None) -> NameFeatures:
    """Comparison forms of one name written in Latin letters, Arabic script, or both."""
    latin_text = latin_or_any if latin_or_any and latin_form(latin_or_any) else None
    native_text = native if native else (latin_or_any if latin_or_any and not latin_text else None)
    latin = latin_form(latin_text) or None
    native_norm = native_form(native_text) or None
    key_native = skeleton(native_text) or None
    key_latin = skeleton(latin_text) or None
    # The Arabic-script spelling is the more regular of the two, so it leads when both are given.
    key = key_native or key_latin
    key_alt = key_latin or key_native
    parts: list[str] = []
    for text in (native_text, latin_text):
        for p in skeleton_tokens(text):
            if p not in parts:
                parts.append(p)
    return NameFeatures(latin, native_norm, key, key_alt, tuple(parts))


@lru_cache(maxsize=50_000)
def place_key(text: str | None) -> str | None:
    """A place name keyed so that Kandahar, Qandahar and کندهار agree."""
    if not text:
        return None
    return skeleton(text.replace("-", " ")) or None


@lru_cache(maxsize=10_000)
def occupation_key(text: str | None) -> str | None:
    """An occupation group (police, army, teacher, …) or, for others, a spelling key."""
    if not text:
        return None
    lowered = " ".join(text.lower().split())
    if lowered in _OCCUPATION:
        return _OCCUPATION[lowered]
    for phrase, group in _OCCUPATION.items():
        if phrase in lowered.split() or (len(phrase) > 4 and phrase in lowered):
            return group
    return skeleton(text) or None


def birth_year_of(record: PersonRecord) -> int | None:
    """The birth year given, or taken from the birth date, or from the age at the record's date."""
    if record.birth_year is not None:
        return record.birth_year
    if record.birth_date:
        born = parse_date(record.birth_date)
        if born is not None:
            return born.year
        year = _year_of(record.birth_date)
        return gregorian_year(year) if year is not None else None
    if record.age is not None and record.date:
        when = parse_date(record.date)
        year = when.year if when else _year_of(record.date)
        year = gregorian_year(year) if year is not None and when is None else year
        if year is not None:
            return round(year - record.age)
    return None


def features_of(record: PersonRecord) -> dict[str, Any]:
    """The comparison features of one record (one row of the linkage table)."""
    name, father = record.name, record.father_name
    if name and not father:
        split = split_son_of(name)
        name, father = split.name, split.father_name
    native = record.name_native
    if native and not father:
        split = split_son_of(native)
        native = split.name
        father = split.father_name
    person = name_features(name, native)
    dad = name_features(father)
    grandfather = name_features(record.grandfather_name)
    born = parse_date(record.birth_date) if record.birth_date else None
    id_number = re.sub(r"\D", "", normalize_digits(record.id_number)) if record.id_number else ""
    return {
        "unique_id": record.id,
        "name_latin": person.latin,
        "name_native": person.native,
        "name_key": person.key,
        "name_key_alt": person.key_alt,
        "name_parts": list(person.parts) or None,
        "father_latin": dad.latin,
        "father_native": dad.native,
        "father_key": dad.key,
        "father_parts": list(dad.parts) or None,
        "grandfather_key": grandfather.key,
        "grandfather_latin": grandfather.latin,
        "sex": record.sex,
        "birth_year": birth_year_of(record),
        "birth_date": born.isoformat() if born else None,
        "province_key": place_key(record.province),
        "district_key": place_key(record.district),
        "village_key": place_key(record.village),
        "occupation_key": occupation_key(record.occupation),
        "id_number": id_number or None,
    }


def feature_table(records: Iterable[PersonRecord]) -> dict[str, list[Any]]:
    """Features of many records, column by column (ready for a DataFrame)."""
    table: dict[str, list[Any]] = {c: [] for c in FEATURE_COLUMNS}
    for record in records:
        row = features_of(record)
        for column in FEATURE_COLUMNS:
            table[column].append(row[column])
    return table


def records_from_rows(rows: Sequence[Mapping[str, Any]]) -> tuple[PersonRecord, ...]:
    """Records from already-parsed rows (e.g. a DataFrame's records), values as strings or numbers."""
    out: list[PersonRecord] = []
    for i, row in enumerate(rows, start=2):
        text_row = {k: (None if v is None or v != v else str(v)) for k, v in row.items()}
        out.append(_parse_row(text_row, i))
    return tuple(out)
