"""Legal qualification: the checklist names provisions to examine and asserts nothing by itself."""

from __future__ import annotations

import json

import pytest

from gawah.registry import legal
from gawah.registry.changes import RegistryError, deciding, history
from gawah.store.vocab import VIOLATIONS
from gawah.workspace import Workspace
from tests.registry.conftest import Reports
from tests.registry.test_cli import _run


def test_every_violation_has_provisions_that_exist() -> None:
    vocab = legal.vocabulary()
    assert set(vocab["by_violation"]) == set(VIOLATIONS)
    for codes in vocab["by_violation"].values():
        assert codes and all(c in vocab["provisions"] for c in codes)
    for p in vocab["provisions"].values():
        assert p["context"] in vocab["contexts"] and p["elements"]


def test_checklist_starts_unexamined_and_keeps_the_lawyers_findings(
    workspace: Workspace, reports: Reports
) -> None:
    with workspace.sessions() as s:
        sheet = legal.checklist(s, reports.ngo_act)
    assert "Nothing on this checklist is asserted automatically" in sheet["notice"]
    assert [p["article"] for p in sheet["provisions"]] == ["7(1)(e)", "8(2)(c)(iv)", "7(1)(h)"]
    assert {e["finding"] for p in sheet["provisions"] for e in p["elements"]} == {"not_examined"}
    with deciding(workspace.sessions) as s:
        legal.assess(
            s,
            reports.ngo_act,
            "rs_7_1_e",
            "deprived",
            "satisfied",
            "lawyer-c",
            notes="held 40 days",
            evidence=["span:1"],
        )
        with pytest.raises(RegistryError, match="not among the provisions"):
            legal.assess(s, reports.ngo_act, "gc_2_a", "killed", "satisfied", "lawyer-c")
    with workspace.sessions() as s:
        first = legal.checklist(s, reports.ngo_act)["provisions"][0]
        deprived = next(e for e in first["elements"] if e["code"] == "deprived")
        assert (deprived["finding"], deprived["notes"], deprived["evidence"], deprived["assessed_by"]) == (
            "satisfied",
            "held 40 days",
            ["span:1"],
            "lawyer-c",
        )
        assert history(s, "assessment", 1)[0].actor == "lawyer-c"
    sheet = json.loads(_run(workspace, "legal", "checklist", str(reports.ngo_act)))
    assert sheet["provisions"][0]["code"] == "rs_7_1_e"
