"""Run the Alembic migrations of the package against a database URL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import OperationalError

from gawah.store.engine import DatabaseError, check_connection, make_engine, safe_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
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
    _check(url)
    try:
        command.upgrade(alembic_config(url), revision)
    except OperationalError as exc:
        raise DatabaseError(f"migrating {safe_url(url)} failed: {exc.orig}") from exc


def downgrade(url: str, revision: str) -> None:
    _check(url)
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def all_revisions() -> list[str]:
    """Every revision from the first to the head, in order."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def current_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        check_connection(engine)
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
