"""Reading and checking capture tables: every table without an estimate is refused with a reason."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from gawah.analysis.captures import EstimationRefused, capture_table, read_capture_csv


def read(text: str):  # type: ignore[no-untyped-def]
    return read_capture_csv(io.StringIO(text))


def test_reads_csv_with_lists_and_count() -> None:
    table = read("A,B,C,count\n1,0,0,10\n0,1,0,7\n1,1,0,3\n0,0,1,5\n1,0,1,2\n")
    assert table.lists == ("A", "B", "C")
    assert table.observed_total == 27
    assert table.count((1, 1, 0)) == 3
    assert table.count((0, 1, 1)) == 0
    assert table.list_totals() == {"A": 15, "B": 10, "C": 7}


def test_count_column_may_be_anywhere_and_repeated_patterns_add_up() -> None:
    table = read("count,A,B\n4,1,1\n10,1,0\n2,1,1\n6,0,1\n")
    assert table.lists == ("A", "B")
    assert table.count((1, 1)) == 6


def test_all_zero_row_with_zero_count_is_ignored() -> None:
    table = read("A,B,count\n0,0,0\n1,1,4\n1,0,3\n0,1,2\n")
    assert table.observed_total == 9


def test_mapping_with_string_or_tuple_patterns() -> None:
    by_string = capture_table({"11": 4, "10": 3, "01": 2})
    by_tuple = capture_table({(1, 1): 4, (1, 0): 3, (0, 1): 2}, lists=["X", "Y"])
    assert by_string.counts == by_tuple.counts
    assert by_string.lists == ("L1", "L2")
    assert by_tuple.lists == ("X", "Y")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("A,B,count\n", "no rows"),
        ("A,B,C\n1,0,1\n", "no 'count' column"),
        ("A,count\n1,5\n", "at least 2 list columns"),
        ("A,B,count\n1,1,-3\n1,0,2\n0,1,2\n", "must not be negative"),
        ("A,B,count\n1,1,2.5\n1,0,2\n0,1,2\n", "whole number"),
        ("A,B,count\n1,1,many\n", "whole number"),
        ("A,B,count\n1,2,3\n", "0 or 1"),
        ("A,B,count\n1,1\n", "fields"),
        ("A,B,count\n0,0,5\n1,1,2\n", "all-zero pattern"),
        ("A,B,count\n1,1,0\n1,0,0\n", "records nobody"),
        ("A,B,C,count\n1,0,0,5\n0,1,0,4\n1,1,0,2\n", "list C recorded nobody"),
        ("A,B,C,count\n1,0,0,5\n0,1,0,4\n0,0,1,3\n", "no person is on more than one list"),
        ("A,B,count\n1,1,5\n1,0,4\n", "holds every recorded person"),
        ("A,A,count\n1,1,5\n1,0,4\n0,1,3\n", "distinct"),
    ],
)
def test_refuses_tables_without_an_estimate(text: str, reason: str) -> None:
    with pytest.raises(EstimationRefused, match=reason):
        read(text)


def test_refuses_missing_file(tmp_path: Path) -> None:
    with pytest.raises(EstimationRefused, match="no such file"):
        read_capture_csv(tmp_path / "absent.csv")


def test_refuses_one_list_mapping() -> None:
    with pytest.raises(EstimationRefused, match="at least 2 lists"):
        capture_table({"1": 40})


def test_refuses_patterns_of_different_lengths() -> None:
    with pytest.raises(EstimationRefused, match="expected 2"):
        capture_table({"11": 4, "101": 3}, lists=["A", "B"])
