"""The published and computed MSE cases of shared/eval/mse_cases.json, loaded for the tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gawah.analysis.captures import CaptureTable, capture_table

REPO = Path(__file__).resolve().parents[2]


def cases_path() -> Path:
    for candidate in (REPO.parent / "shared", REPO / "shared"):
        path = candidate / "eval" / "mse_cases.json"
        if path.is_file():
            return path
    raise FileNotFoundError("shared/eval/mse_cases.json not found beside the repository")


def load_cases() -> dict[str, dict[str, Any]]:
    data = json.loads(cases_path().read_text(encoding="utf-8"))
    return {case["id"]: case for case in data["cases"]}


def table_of(case: dict[str, Any]) -> CaptureTable:
    return capture_table(case["counts"], case["lists"])


def terms_of(label: str, k: int) -> list[tuple[int, ...]]:
    """'independence', 'all_two_way' or 'main+01+12' as interaction terms."""
    if label == "independence":
        return []
    if label == "all_two_way":
        return [(i, j) for i in range(k) for j in range(i + 1, k)]
    return [tuple(int(ch) for ch in part) for part in label.split("+")[1:]]
