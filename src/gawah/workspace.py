"""Create and open workspaces: settings, database, evidence folder, signing keys."""

from __future__ import annotations

import uuid
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import tomli_w

from gawah.config import (
    DATABASE_FILE,
    EVIDENCE_DIR,
    KEYS_DIR,
    SETTINGS_FILE,
    Settings,
    WorkspaceError,
    load_settings,
)
from gawah.ledger.keys import generate_keypair, load_private_key
from gawah.store.engine import (
    DatabaseError,
    check_connection,
    make_engine,
    safe_url,
    session_factory,
    transaction,
)
from gawah.store.migrate import SCHEMA_HEAD, stored_revision, upgrade
from gawah.vault.blobstore import BlobStore, LocalBlobStore

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from gawah.store.models import Checkpoint


def init_workspace(root: Path, *, name: str | None = None, database_url: str | None = None) -> Settings:
    """Create a workspace in `root` (created if missing). Refuses a folder that already is one."""
    root = root.expanduser().resolve()
    if (root / SETTINGS_FILE).exists():
        raise WorkspaceError(f"{root} is already a Gawah workspace ({SETTINGS_FILE} exists)")
    if root.exists() and not root.is_dir():
        raise WorkspaceError(f"{root} exists and is not a folder")
    root.mkdir(parents=True, exist_ok=True)
    (root / EVIDENCE_DIR).mkdir(exist_ok=True)
    keys = root / KEYS_DIR
    keys.mkdir(mode=0o700, exist_ok=True)
    generate_keypair(keys)

    document: dict[str, object] = {
        "workspace": {
            "name": name or root.name,
            "id": str(uuid.uuid4()),
            "default_locale": "en",
        },
        "database": {"url": database_url} if database_url else {"file": DATABASE_FILE},
        "storage": {"backend": "local", "evidence_dir": EVIDENCE_DIR},
    }
    (root / SETTINGS_FILE).write_text(
        "# Gawah workspace settings. database.url may name a PostgreSQL server instead of the SQLite file,\n"
        '# e.g. url = "postgresql+psycopg://gawah@localhost/gawah".\n' + tomli_w.dumps(document),
        encoding="utf-8",
    )
    settings = load_settings(root)
    upgrade(settings.database_url)
    return settings


def open_blobstore(settings: Settings) -> BlobStore:
    """The evidence store the settings name: the workspace folder, or an S3-compatible bucket."""
    if settings.storage_backend == "s3":
        from gawah.vault.s3 import S3BlobStore

        options = settings.storage_options
        return S3BlobStore(
            options["bucket"],
            endpoint_url=options.get("endpoint_url"),
            prefix=options.get("prefix", "evidence/"),
            region_name=options.get("region"),
        )
    return LocalBlobStore(settings.evidence_dir)


class Workspace:
    """An open workspace: its settings, database sessions and evidence store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        self.blobs = open_blobstore(settings)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions on the workspace's database (made on first use: commands that only read through
        the engine, such as `gawah stats`, start without the ORM)."""
        return session_factory(self.engine)

    @classmethod
    def open(cls, root: Path, *, check_schema: bool = True) -> Workspace:
        """Open the workspace in `root`; WorkspaceError or DatabaseError say clearly what is wrong."""
        settings = load_settings(root)
        workspace = cls(settings)
        try:
            check_connection(workspace.engine)
            if check_schema:
                current, head = stored_revision(workspace.engine), SCHEMA_HEAD
                if current != head:
                    raise DatabaseError(
                        f"database {safe_url(settings.database_url)} is at schema revision "
                        f"{current or '(empty)'}, not {head}: run `gawah db upgrade --workspace {root}`"
                    )
        except BaseException:
            workspace.close()
            raise
        return workspace

    def sign_checkpoint(self) -> Checkpoint | None:
        """Sign the ledger's current tree head with the workspace key (None when nothing is new).

        When timestamp authorities are configured, the new checkpoint (and any still waiting)
        is then sent to them briefly; offline, the requests stay queued and nothing fails.
        """
        from gawah.ledger.journal import sign_current

        key = load_private_key(self.settings.signing_key_path)
        with transaction(self.sessions) as session:
            checkpoint = sign_current(session, self.settings.log_origin, key)
        if checkpoint is not None:
            self.stamp_checkpoints()
        return checkpoint

    def stamp_checkpoints(self) -> None:
        """Queue and try to send timestamp requests for signed checkpoints; never raises."""
        from gawah.ledger.timestamp import stamp_quietly

        stamp_quietly(self.sessions, self.settings)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
