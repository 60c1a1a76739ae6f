"""`gawah extract FILE --format json|table` without a workspace."""

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from gawah.cli.extract import register

ROOT = Path(__file__).resolve().parents[2]


def app() -> typer.Typer:
    application = typer.Typer()
    register(application)

    @application.command()
    def version() -> None:  # a second command keeps "extract" a subcommand
        typer.echo("0")

    return application


def test_json_output(tmp_path: Path) -> None:
    report = tmp_path / "note.txt"
    report.write_text("Incident note, published 2 December 2022\n\nAt least 7 civilians were killed in "
                      "Spin Boldak district, Kandahar province, on 14 November 2022.\n", encoding="utf-8")
    result = CliRunner().invoke(app(), ["extract", str(report), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["document"]["published"] == "2022-12-02"
    assert len(data["document"]["sha256"]) == 64
    inc = data["incidents"][0]
    assert (inc["violation"], inc["count"]["value"], inc["date"]["start"]) == ("killing", 7, "2022-11-14")
    assert inc["places"][0]["province"] == "Kandahar"


def test_table_output(tmp_path: Path) -> None:
    report = tmp_path / "note.md"
    report.write_text("# Note\n\nThree journalists were detained in Herat on 3 May 2023.\n", encoding="utf-8")
    result = CliRunner().invoke(app(), ["extract", str(report)])
    assert result.exit_code == 0, result.output
    assert "arbitra" in result.output  # the column may be cut to the terminal width


def test_missing_and_broken_files(tmp_path: Path) -> None:
    result = CliRunner().invoke(app(), ["extract", str(tmp_path / "nothing.txt")])
    assert result.exit_code == 2
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = CliRunner().invoke(app(), ["extract", str(empty), "--format", "json"])
    assert result.exit_code == 2
    assert "error" in result.output
