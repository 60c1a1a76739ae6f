"""The extraction contract, the reporting organisation, and the quality bar on shared/corpus."""

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from gawah.extract import extract_facts

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"

TEXT = ("Kabul, 3 March 2023 - The UN Assistance Mission in Afghanistan (UNAMA) said on Sunday that "
        "it had documented at least 218 extrajudicial killings of former officials since August 2021.\n\n"
        "In Herat, Taliban intelligence officers detained more than 30 men between 1 and 3 February 2023.\n")


def test_contract_shape() -> None:
    data = extract_facts(TEXT, sha256="ab" * 32).model_dump(mode="json")
    assert set(data) >= {"document", "incidents", "persons", "claims"}
    assert set(data["document"]) >= {"sha256", "title", "language", "published"}
    assert data["document"]["published"] == "2023-03-03"
    assert data["document"]["language"] == "en"
    inc = data["incidents"][0]
    assert set(inc) >= {"violation", "subtype", "count", "date", "places", "perpetrator", "victim_groups",
                        "reported_by", "spans"}
    assert inc["count"] == {"value": 218, "qualifier": "at_least", "unit": "acts",
                            "quote": "at least 218 extrajudicial killings"}
    assert inc["reported_by"] == "UNAMA"
    assert inc["victim_groups"] == ["former_officials"]
    detention = next(i for i in data["incidents"] if i["violation"] == "arbitrary_detention")
    assert detention["date"]["start"] == "2023-02-01" and detention["date"]["end"] == "2023-02-03"
    assert detention["places"][0] | {} == {"name": "Herat", "province": "Hirat", "district": None,
                                          "pcode": "AF32", "kind": "province"}
    assert detention["perpetrator"] == "taliban"
    json.dumps(data)  # serialisable as is


def test_every_quote_is_its_slice() -> None:
    result = extract_facts(TEXT)
    spans = [s for inc in result.incidents for s in inc.spans]
    spans += [s for p in result.persons for s in p.spans] + [s for c in result.claims for s in c.spans]
    assert spans
    for s in spans:
        assert TEXT[s.start:s.end] == s.quote


def test_arguments_override_guesses() -> None:
    result = extract_facts(TEXT, title="T", published=date(2023, 3, 5), language="fa", sha256="x")
    assert (result.document.title, result.document.published, result.document.language,
            result.document.sha256) == ("T", "2023-03-05", "fa", "x")


@pytest.mark.skipif(not (SHARED / "eval" / "seeds_gold.json").exists(), reason="needs ../shared/eval")
def test_quality_bar_on_shared_corpus(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "eval_extraction.py"), str(SHARED / "corpus"), str(tmp_path),
         str(SHARED / "eval" / "seeds_gold.json"), "--min", "0.85"],
        capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    for line in out.stdout.splitlines():
        if " F1=" in line:
            assert float(line.split("F1=")[1].split()[0]) >= 0.7, line


def test_dateline_city_is_not_an_incident_place() -> None:
    text = ("KABUL, Sept. 12 (Reuters) - Taliban fighters shot dead a former army commander in northern "
            "Baghlan province on Sunday, relatives said.")
    result = extract_facts(text)
    assert {p.province for inc in result.incidents for p in inc.places} == {"Baghlan"}


def test_national_figure_takes_no_province_by_default() -> None:
    text = ("In Panjshir, fighters detained 12 men in Dara district. Panjshir residents said the men were "
            "beaten.\n\nUNAMA has recorded at least 218 extrajudicial killings across Afghanistan.")
    result = extract_facts(text)
    killing = next(i for i in result.incidents if i.violation == "killing")
    assert killing.places == []
