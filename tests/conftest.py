"""Shared fixtures: workspaces on SQLite and (when a server is given) PostgreSQL, and paths to test data.

PostgreSQL: set GAWAH_TEST_POSTGRES_URL to a server URL whose user may create databases
(e.g. postgresql+psycopg://gawah:gawah@127.0.0.1:5432/postgres); each test gets a fresh database.
In CI (CI=true) the PostgreSQL runs are required, never skipped.
"""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from gawah.workspace import Workspace, init_workspace

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
POSTGRES_ENV = "GAWAH_TEST_POSTGRES_URL"


def _shared_dir() -> Path:
    for candidate in (REPO.parent / "shared", REPO / "shared"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"shared/ folder not found beside {REPO}")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    try:
        return _shared_dir()
    except FileNotFoundError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def corpus_dir(shared_dir: Path) -> Path:
    return shared_dir / "corpus"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def demo_texts_dir() -> Path:
    return REPO / "demo" / "reports"


@pytest.fixture(scope="session")
def postgres_server_url() -> str | None:
    url = os.environ.get(POSTGRES_ENV)
    if not url and os.environ.get("CI"):
        pytest.fail(f"CI must test PostgreSQL: set {POSTGRES_ENV}")
    return url


@pytest.fixture
def postgres_url(postgres_server_url: str | None) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    if not postgres_server_url:
        pytest.skip(f"no PostgreSQL server ({POSTGRES_ENV} not set)")
    name = f"gawah_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        except DBAPIError as exc:
            # A throw-away database left behind is harmless; a teardown error would hide the result.
            warnings.warn(f"could not drop test database {name}: {exc.orig}", stacklevel=1)
        finally:
            admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """None means the workspace's own SQLite file; otherwise a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def workspace(tmp_path: Path, database_url: str | None) -> Iterator[Workspace]:
    settings = init_workspace(tmp_path / "ws", name="test", database_url=database_url)
    ws = Workspace.open(settings.root)
    try:
        yield ws
    finally:
        ws.close()
