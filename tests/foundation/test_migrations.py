"""Every migration runs up and down, one step at a time, on SQLite and PostgreSQL; models match them."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from gawah.config import sqlite_url
from gawah.store import migrate
from gawah.store.engine import make_engine
from gawah.store.models import CONFIDENTIAL_TABLES, Base

EXPECTED_TABLES = {
    "sources",
    "evidence_items",
    "documents",
    "incidents",
    "acts",
    "persons",
    "involvements",
    "places",
    "claims",
    "cases",
    "users",
    "spans",
    "incident_places",
    "incident_sources",
    "claim_incidents",
}


@pytest.fixture
def url(tmp_path: Path, database_url: str | None) -> str:
    return database_url or sqlite_url(tmp_path / "m.sqlite3")


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_each_revision_up_and_down(url: str) -> None:
    revisions = migrate.all_revisions()
    assert revisions and revisions[-1] == migrate.head_revision()
    for revision in revisions:
        migrate.upgrade(url, revision)
        assert migrate.current_revision(url) == revision
    assert _tables(url) >= EXPECTED_TABLES
    for previous in [*reversed(revisions[:-1]), "base"]:
        migrate.downgrade(url, previous)
    assert migrate.current_revision(url) is None
    assert _tables(url) == set()
    migrate.upgrade(url)  # and back up again from nothing
    assert _tables(url) >= EXPECTED_TABLES


def test_schema_head_is_the_head_of_the_scripts() -> None:
    # Workspace.open compares the database with SCHEMA_HEAD instead of asking Alembic: a new
    # migration must update it, or every workspace would be refused as out of date.
    assert migrate.head_revision() == migrate.SCHEMA_HEAD


def test_stored_revision_follows_upgrades_and_reads_empty_databases(url: str) -> None:
    engine = make_engine(url)
    try:
        assert migrate.stored_revision(engine) is None  # no alembic_version table yet
        first = migrate.all_revisions()[0]
        migrate.upgrade(url, first)
        assert migrate.stored_revision(engine) == first
        migrate.upgrade(url)
        assert migrate.stored_revision(engine) == migrate.SCHEMA_HEAD
    finally:
        engine.dispose()


def test_models_match_the_migrations(url: str) -> None:
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations differ: write a migration ({diff})"


def test_every_row_that_can_hold_personal_data_has_confidentiality() -> None:
    for model in CONFIDENTIAL_TABLES:
        assert "confidentiality" in model.__table__.columns, model.__name__
    persons = {c.name for c in Base.metadata.tables["persons"].columns}
    assert {"father_name", "grandfather_name", "tribe", "home_province", "is_pseudonym"} <= persons


def test_the_migration_history_has_one_head() -> None:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"two migrations branch from one parent: {heads}; re-point one down_revision"
