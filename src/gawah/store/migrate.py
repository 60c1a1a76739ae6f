"""Run the Alembic migrations of the package against a database URL."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from gawah.store.engine import DatabaseError, check_connection, make_engine, safe_url

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic itself is imported only to migrate or to list revisions: opening a workspace reads the
# revision with one query and compares it with SCHEMA_HEAD (tests/foundation/test_migrations.py
# checks that SCHEMA_HEAD is the head of the migration scripts), which saves every command about
# 0.1 s of start-up.
SCHEMA_HEAD = "0013_claim_versions"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser treats % as interpolation; URLs may contain escaped characters.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _check(url: str) -> None:
    engine = make_engine(url)
    try:
        check_connection(engine)
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    _check(url)
    try:
        command.upgrade(alembic_config(url), revision)
    except OperationalError as exc:
        raise DatabaseError(f"migrating {safe_url(url)} failed: {exc.orig}") from exc


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    _check(url)
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    """The head of the migration scripts (read from them; SCHEMA_HEAD is its recorded copy)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def all_revisions() -> list[str]:
    """Every revision from the first to the head, in order."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def current_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        check_connection(engine)
        return stored_revision(engine)
    finally:
        engine.dispose()


def stored_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database), read from Alembic's table."""
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except (OperationalError, ProgrammingError):
        return None  # no alembic_version table: nothing was ever migrated
    if len(rows) > 1:
        raise DatabaseError(f"database {safe_url(str(engine.url))} has several schema heads: {rows}")
    return str(rows[0]) if rows else None
