"""Reading a list strictly, and the features each record is compared on."""

from __future__ import annotations

import pytest

from gawah.link.records import (
    PersonRecord,
    RecordError,
    birth_year_of,
    features_of,
    gregorian_year,
    occupation_key,
    place_key,
    read_records,
)


def _csv(text: str) -> bytes:
    return text.encode("utf-8")


def test_reads_a_good_list_with_bom_and_arabic_script() -> None:
    data = "\ufeffid,name,father_name,name_native,sex,birth_year,province\n" \
           "1,Mohammad Zaman,Abdul Ghani,محمد زمان,m,1370,Kandahar\n2,Zabiullah,,,male,1985,\n"
    got = read_records(_csv(data))
    assert [r.id for r in got.records] == ["1", "2"]
    assert got.records[0].birth_year == 1991  # 1370 Solar Hijri
    assert got.records[1].sex == "m" and got.records[1].father_name is None
    assert "name_native" in got.columns


@pytest.mark.parametrize(("data", "line", "words"), [
    ("name,sex\nZaman,m\n", 1, "no `id` column"),
    ("id,sex\n1,m\n", 1, "`name` or `name_native`"),
    ("id,name\n1,Zaman\n2,Farid\n1,Karim\n", 4, "duplicate id '1' (first on line 2)"),
    ("id,name,name_native\n1,Zaman,\n2,,\n", 3, "has no name"),
    ("id,name,birth_year\n1,Zaman,nineteen\n", 2, "not a year"),
    ("id,name,age\n1,Zaman,old\n", 2, "not a number"),
    ("id,name,sex\n1,Zaman,x\n", 2, "sex 'x'"),
    ("id,name\n1,Zaman,extra\n", 2, "3 fields but the header has 2"),
    ("id,name\n", 2, "no records"),
    ("id,name\n,Zaman\n", 2, "empty id"),
])
def test_bad_lists_name_the_line(data: str, line: int, words: str) -> None:
    with pytest.raises(RecordError) as caught:
        read_records(_csv(data))
    assert caught.value.line == line
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"line {line}:")


def test_bad_encoding_names_the_line() -> None:
    data = b"id,name\n1,Zaman\n2," + "Zaman".encode("cp1256") + "\xe9".encode("latin-1") + b"\n"
    with pytest.raises(RecordError) as caught:
        read_records(data)
    assert caught.value.line == 3
    assert "UTF-8" in str(caught.value)


def test_quoted_multiline_field_reports_the_real_line() -> None:
    data = 'id,name\n1,"Zaman\nKhan"\n1,Farid\n'
    with pytest.raises(RecordError) as caught:
        read_records(_csv(data))
    assert caught.value.line == 4


def test_years() -> None:
    assert gregorian_year(1400) == 2021
    assert gregorian_year(1990) == 1990
    assert gregorian_year(12) is None


def test_birth_year_from_age_and_date() -> None:
    assert birth_year_of(PersonRecord(id="1", name="x", age=30, date="2022-05-01")) == 1992
    assert birth_year_of(PersonRecord(id="1", name="x", age=30, date="1401-02-10")) == 1992
    assert birth_year_of(PersonRecord(id="1", name="x", birth_date="19560409")) == 1956
    assert birth_year_of(PersonRecord(id="1", name="x", age=30)) is None


def test_places_and_occupations_compare_across_scripts() -> None:
    assert place_key("Kandahar") == place_key("Qandahar") == place_key("کندهار")
    assert occupation_key("پولیس") == occupation_key("Police officer") == "police"
    assert occupation_key(None) is None


def test_features_split_son_of_and_use_native_script() -> None:
    row = features_of(PersonRecord(id="7", name="Zaman s/o Abdul Ghani", name_native="زمان"))
    assert row["father_key"] == features_of(PersonRecord(id="8", name="x", father_name="عبدالغنی"))["father_key"]
    assert row["name_key"] == row["name_key_alt"]
    assert row["name_native"] == "زمان"
