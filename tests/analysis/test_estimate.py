"""The front door (methods, auto, JSON) and the `gawah estimate` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from gawah.analysis.captures import EstimationRefused, capture_table
from gawah.analysis.estimate import chapman, estimate_population, lincoln_petersen
from gawah.cli.estimate import register

from .cases import load_cases, table_of

CASES = load_cases()


def two_list_kosovo():  # type: ignore[no-untyped-def]
    counts: dict[tuple[int, int], int] = {}
    for key, n in CASES["kosovo_1999_4lists"]["counts"].items():
        pattern = (int(key[0]), int(key[1]))
        if any(pattern):
            counts[pattern] = counts.get(pattern, 0) + n
    return capture_table(counts, lists=["EXH", "ABA"])


def test_chapman_matches_the_computed_two_list_case() -> None:
    ref = CASES["kosovo_1999_4lists"]["computed_two_list_EXH_ABA"]
    result = chapman(two_list_kosovo())
    assert result.estimate == pytest.approx(ref["chapman"], abs=2e-3)
    assert result.model["lincoln_petersen"] == pytest.approx(ref["lincoln_petersen"], abs=2e-3)
    assert (result.model["n1"], result.model["n2"], result.model["both"]) == (ref["n1"], ref["n2"], ref["m"])
    low, high = result.interval
    assert high is not None
    assert result.observed_total < low < result.estimate < high


def test_chapman_refuses_lists_that_share_nobody_and_more_than_two_lists() -> None:
    with pytest.raises(EstimationRefused, match="infinite"):
        lincoln_petersen(10, 12, 0)
    with pytest.raises(EstimationRefused, match="exactly two lists"):
        chapman(table_of(CASES["spina_bifida_madigan_york_3lists"]))


def test_auto_picks_chapman_for_two_lists_and_lcmcr_beside_loglinear_for_more() -> None:
    assert estimate_population(two_list_kosovo()).method == "auto:chapman"
    result = estimate_population(table_of(CASES["spina_bifida_madigan_york_3lists"]), seed=2)
    assert result.method == "auto:lcmcr"
    assert result.model["loglinear_selected"]["model"] == "main + L1:L2"
    assert result.candidates[0]["model"] == "main + L1:L2"


def test_unknown_method_and_bad_level_are_refused() -> None:
    table = two_list_kosovo()
    with pytest.raises(EstimationRefused, match="unknown method"):
        estimate_population(table, "magic")
    with pytest.raises(EstimationRefused, match="level"):
        estimate_population(table, "chapman", level=1.5)


def test_json_has_estimate_interval_model_and_candidates() -> None:
    out = estimate_population(table_of(CASES["kosovo_1999_4lists"]), "loglinear").as_dict()
    assert out["observed_total"] == 4400
    assert out["estimate"] == pytest.approx(out["observed_total"] + out["unobserved_estimate"], abs=1e-2)
    assert set(out["interval"]) == {"lower", "upper", "level", "method"}
    assert out["interval"]["level"] == 0.95
    assert out["model"]["terms"]
    assert len(out["candidates"]) > 1
    json.dumps(out)


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command("noop")
    def noop() -> None:  # a second command keeps typer from collapsing the group
        """Nothing."""

    return app


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_cli_prints_json(cli: typer.Typer, tmp_path: Path) -> None:
    case = CASES["spina_bifida_madigan_york_3lists"]
    rows = ["L1,L2,L3,count"] + [",".join(key) + f",{n}" for key, n in case["counts"].items()]
    csv_path = write(tmp_path / "captures.csv", "\n".join(rows) + "\n")
    result = CliRunner().invoke(cli, ["estimate", str(csv_path), "--method", "loglinear"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["method"] == "loglinear"
    assert out["observed_total"] == 626
    assert out["model"]["model"] == "main + L1:L2"
    assert out["estimate"] == pytest.approx(730.929, abs=2e-3)


def test_cli_lcmcr_with_seed_is_reproducible(cli: typer.Typer, tmp_path: Path) -> None:
    case = CASES["spina_bifida_madigan_york_3lists"]
    rows = ["L1,L2,L3,count"] + [",".join(key) + f",{n}" for key, n in case["counts"].items()]
    csv_path = write(tmp_path / "captures.csv", "\n".join(rows) + "\n")
    args = [
        "estimate",
        str(csv_path),
        "--method",
        "lcmcr",
        "--seed",
        "4",
        "--burn-in",
        "1000",
        "--samples",
        "100",
    ]
    first = CliRunner().invoke(cli, args)
    second = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["estimate"] == json.loads(second.stdout)["estimate"]
    assert json.loads(first.stdout)["model"]["seed"] == 4


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("A,B,count\n1,0,5\n0,1,4\n", "no person is on more than one list"),
        ("A,B,C\n1,0,1\n", "no 'count' column"),
        ("A,count\n1,5\n", "at least 2 list columns"),
        ("A,B,count\n1,1,-1\n", "negative"),
    ],
)
def test_cli_refuses_with_the_file_and_the_reason(
    cli: typer.Typer, tmp_path: Path, text: str, reason: str
) -> None:
    csv_path = write(tmp_path / "bad.csv", text)
    result = CliRunner().invoke(cli, ["estimate", str(csv_path)])
    assert result.exit_code != 0
    assert "bad.csv" in result.output
    assert reason in result.output


def test_cli_refuses_a_missing_file(cli: typer.Typer, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["estimate", str(tmp_path / "nowhere.csv")])
    assert result.exit_code != 0
    assert "nowhere.csv" in result.output
    assert "no such file" in result.output


def test_a_short_run_that_mixes_badly_is_extended_once_and_says_so() -> None:
    from gawah.analysis.estimate import lcmcr
    from gawah.analysis.lcmcr import LcmcrSettings

    table = table_of(CASES["spina_bifida_madigan_york_3lists"])
    short = LcmcrSettings(burn_in=100, samples=20, thinning=1, seed=3)
    told: list[str] = []
    result = lcmcr(table, short, extend=True, on_extend=told.append)
    first = result.model["extended_after"]
    # 20 draws a chain cannot give 200 effective draws: run again, 3x the burn-in, 2x the draws.
    assert first["burn_in"] == 100 and first["samples"] == 20
    assert result.model["burn_in"] == 300 and result.model["samples"] == 40
    assert len(told) == 1 and "running again" in told[0]
    plain = lcmcr(table, short)
    assert "extended_after" not in plain.model and plain.model["samples"] == 20


def test_cli_extends_unless_told_not_to(cli: typer.Typer, tmp_path: Path) -> None:
    case = CASES["spina_bifida_madigan_york_3lists"]
    rows = ["L1,L2,L3,count"] + [",".join(key) + f",{n}" for key, n in case["counts"].items()]
    csv_path = write(tmp_path / "captures.csv", "\n".join(rows) + "\n")
    args = ["estimate", str(csv_path), "--method", "lcmcr", "--burn-in", "100", "--samples", "20", "--thinning", "1"]
    extended = CliRunner().invoke(cli, args)
    assert extended.exit_code == 0, extended.output
    assert json.loads(extended.stdout)["model"]["extended_after"]["samples"] == 20
    assert "running again" in extended.stderr
    kept = CliRunner().invoke(cli, [*args, "--no-extend"])
    assert "extended_after" not in json.loads(kept.stdout)["model"]
