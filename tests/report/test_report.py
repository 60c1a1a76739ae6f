"""Reports: every figure links to its records, Dari and Pashto PDFs, an empty selection said plainly."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import typer
from pypdf import PdfReader
from typer.testing import CliRunner

from gawah.analysis import snapshot
from gawah.analysis.selection import Selection, make_selection
from gawah.cli import report as report_cli
from gawah.report import charts, render
from gawah.report.i18n import MESSAGES, ReportText
from gawah.report.records import Disclosure
from gawah.store.engine import transaction
from gawah.workspace import Workspace
from tests.analysis.stats_data import build_registry

TEMPLATE = Path(render.__file__).parent / "templates" / "report.html"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


@pytest.fixture
def registry(workspace: Workspace) -> dict[str, int]:
    with transaction(workspace.sessions) as session:
        return {k: v.id for k, v in build_registry(session).items()}


def _html(
    workspace: Workspace, selection: Selection, language: str = "en", **kw: object
) -> tuple[render.ReportData, str]:
    con = snapshot.in_memory(workspace.engine)
    with workspace.sessions() as session:
        data = render.build(
            con,
            session,
            selection,
            language=language,
            workspace_name="test",
            disclosure=kw.pop("disclosure", Disclosure()),
            today=dt.date(2024, 3, 20),
            **kw,
        )  # type: ignore[arg-type]
    return data, render.to_html(data)


def test_every_figure_links_to_its_records(workspace: Workspace, registry: dict[str, int]) -> None:
    data, html = _html(workspace, Selection(), with_charts=False)
    ids = set(re.findall(r'id="([^"]+)"', html))
    links = re.findall(r'href="#([^"]+)"', html)
    assert links and all(link in ids for link in links), set(links) - ids
    # Each table number links to a list of incidents, and each of those to its annex entry.
    assert 'href="#records-violation-killing"' in html
    killing = re.search(r'id="records-violation-killing"[^>]*>(.*?)</p>', html, re.S)
    assert killing is not None
    assert set(re.findall(r'href="#incident-(\d+)"', killing.group(1))) == {
        str(registry["a"]),
        str(registry["d"]),
    }
    # Public readership: the confidential incident is neither counted nor listed.
    assert data.stats.incidents == 4 and f'id="incident-{registry["e"]}"' not in html
    assert "Invented Monitoring Group" in html and "at least" in html
    assert "Summary" in html and "Methodology" in html and "Annex" in html


def test_dari_and_pashto_pdf(workspace: Workspace, registry: dict[str, int], tmp_path: Path) -> None:
    for language in ("fa", "ps"):
        _data, html = _html(workspace, Selection(), language)
        assert 'dir="rtl"' in html and MESSAGES["Summary"][language] in html
        assert html.count("data:image/png;base64,") == 6  # four charts and two maps
        pdf = render.to_pdf(html)
        path = tmp_path / f"report_{language}.pdf"
        path.write_bytes(pdf)
        reader = PdfReader(path)
        assert len(reader.pages) >= 3
        fonts = {
            str(f)
            for page in reader.pages
            for f in (page.get("/Resources", {}).get("/Font", {}) or {}).values()
        }
        assert fonts
        text = "".join(page.extract_text() for page in reader.pages)
        assert "Killings in Bazarak" in text


def test_empty_selection_says_so(workspace: Workspace, registry: dict[str, int]) -> None:
    data, html = _html(workspace, make_selection(violations=["pillage"]))
    assert data.empty
    assert "No confirmed incident matches this selection" in html
    assert "<img" not in html and "<table" not in html and 'id="annex"' not in html
    data, html = _html(workspace, make_selection(period="1999"), language="ps")
    assert (
        MESSAGES["No confirmed incident matches this selection: there is nothing to count, chart or map."][
            "ps"
        ]
        in html
    )


def test_report_command(workspace: Workspace, registry: dict[str, int], tmp_path: Path) -> None:
    app = typer.Typer()
    report_cli.register(app)
    # A second command, so that Typer keeps "report" as a subcommand name as in `gawah`.
    app.command("noop")(lambda: None)
    out = tmp_path / "reports" / "panjshir"
    result = CliRunner().invoke(
        app,
        [
            "report",
            "-w",
            str(workspace.settings.root),
            "--out",
            str(out),
            "--language",
            "fa",
            "--province",
            "Panjshir",
            "--no-charts",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["incidents"] == 2 and len(summary["written"]) == 2
    assert out.with_suffix(".pdf").read_bytes().startswith(b"%PDF")
    bad = CliRunner().invoke(
        app, ["report", "-w", str(workspace.settings.root), "--out", str(tmp_path / "r.docx")]
    )
    assert bad.exit_code == 2


def test_map_spec_keys_counts_by_pcode() -> None:
    from gawah.analysis.stats import GroupCount, VictimCount

    groups = [
        GroupCount("AF08", "AF08", 3, 3, VictimCount.of(3, 0, 0, 0)),
        GroupCount("unknown", "unknown", 1, 1, VictimCount.of(0, 0, 0, 1)),
    ]
    spec = charts.province_map(groups, ReportText("en"), "map")
    lookup = spec["layer"][1]["transform"][0]
    assert lookup["from"]["data"]["values"] == [{"pcode": "AF08", "incidents": 3}]
    assert len(spec["layer"][0]["data"]["values"]) == 34
    assert charts.to_png(spec).startswith(b"\x89PNG")


def test_catalogue_is_complete() -> None:
    for message, translations in MESSAGES.items():
        for language in ("fa", "ps"):
            assert translations.get(language, "").strip(), (language, message)
            assert set(PLACEHOLDER.findall(translations[language])) == set(PLACEHOLDER.findall(message))
    used = set(re.findall(r't\("([^"]+)"', TEMPLATE.read_text(encoding="utf-8")))
    used |= set(render.TITLES.values()) | set(render.HEADINGS.values())
    assert used - set(MESSAGES) == set()
