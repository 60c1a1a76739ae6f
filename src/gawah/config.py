"""Settings of a workspace: read from its `gawah.toml`, overridden by `GAWAH_*` environment variables."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

SETTINGS_FILE = "gawah.toml"
DATABASE_FILE = "gawah.sqlite3"
EVIDENCE_DIR = "evidence"
KEYS_DIR = "keys"
WORKSPACE_ENV = "GAWAH_WORKSPACE"
DATABASE_URL_ENV = "GAWAH_DATABASE_URL"


class WorkspaceError(Exception):
    """The folder is not a usable workspace; the message says which folder and why."""


@dataclass(frozen=True)
class TimestampAuthority:
    """An RFC 3161 timestamp authority: its URL, and the root (PEM) its tokens must chain to."""

    url: str
    # None: the root the authority sends is stored and reported as not pinned.
    trust_anchor: Path | None = None


@dataclass(frozen=True)
class TimestampSettings:
    """The ``[timestamp]`` table: authorities that countersign each signed checkpoint.

    ``authorities`` lists URLs (two independent ones where possible); ``trust_anchors`` maps a
    URL to a PEM file of the root it chains to (relative to the workspace); ``timeout`` bounds
    each request of ``gawah timestamp run`` and ``auto_timeout`` the attempt made right after a
    checkpoint is signed, so that an ingest never waits long when offline.
    """

    authorities: tuple[TimestampAuthority, ...] = ()
    timeout: float = 10.0
    auto_timeout: float = 3.0


@dataclass(frozen=True)
class ReplicaSettings:
    """One ``[[replicas]]`` entry: an independent copy of every original, in a folder (another disk,
    a mounted drive) or in an S3-compatible bucket (``bucket``, ``endpoint_url``, ``prefix``,
    ``region``, as for the primary store; credentials come from the usual AWS variables)."""

    name: str
    backend: str  # "local" or "s3"
    path: Path | None = None
    options: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        if self.backend == "s3":
            return f"s3://{self.options['bucket']}/{self.options.get('prefix', 'evidence/')}"
        return str(self.path)


@dataclass(frozen=True)
class Settings:
    """Everything a command needs to know about the workspace it works in."""

    root: Path
    name: str
    workspace_id: str
    database_url: str
    evidence_dir: Path
    keys_dir: Path
    default_locale: str = "en"
    # "local" (the evidence folder) or "s3" (an S3-compatible object store: bucket, endpoint_url, prefix).
    storage_backend: str = "local"
    storage_options: dict[str, str] = field(default_factory=dict)
    timestamp: TimestampSettings = field(default_factory=TimestampSettings)
    replicas: tuple[ReplicaSettings, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def signing_key_path(self) -> Path:
        return self.keys_dir / "ed25519.key"

    @property
    def public_key_path(self) -> Path:
        return self.keys_dir / "ed25519.pub"

    @property
    def log_origin(self) -> str:
        """The name of this workspace's ledger in its checkpoints (and of the key that signs them)."""
        return f"gawah.local/{self.workspace_id}"


def resolve_workspace_dir(explicit: Path | None) -> Path:
    """`--workspace` if given, else `GAWAH_WORKSPACE`, else the current folder."""
    if explicit is not None:
        return explicit.expanduser().resolve()
    env = os.environ.get(WORKSPACE_ENV)
    if env:
        return Path(env).expanduser().resolve()
    return Path.cwd().resolve()


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def load_settings(root: Path) -> Settings:
    """Read `root/gawah.toml`; raise WorkspaceError naming the folder when it is not a workspace."""
    settings_path = root / SETTINGS_FILE
    if not root.is_dir():
        raise WorkspaceError(f"{root}: no such folder. Create a workspace with `gawah init {root}`.")
    if not settings_path.is_file():
        raise WorkspaceError(
            f"{root} is not a Gawah workspace (no {SETTINGS_FILE}). "
            f"Create one with `gawah init {root}` or pass --workspace DIR."
        )
    try:
        data = tomllib.loads(settings_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"{settings_path}: not valid TOML: {exc}") from exc

    workspace = data.get("workspace", {})
    database = data.get("database", {})
    storage = data.get("storage", {})
    if not isinstance(workspace, dict) or not isinstance(database, dict) or not isinstance(storage, dict):
        raise WorkspaceError(f"{settings_path}: [workspace], [database] and [storage] must be tables")

    url = os.environ.get(DATABASE_URL_ENV) or database.get("url") or sqlite_url(root / DATABASE_FILE)
    if not isinstance(url, str):
        raise WorkspaceError(f"{settings_path}: database.url must be a string")
    evidence = Path(str(storage.get("evidence_dir", EVIDENCE_DIR)))
    backend = str(storage.get("backend", "local"))
    if backend not in {"local", "s3"}:
        raise WorkspaceError(f"{settings_path}: storage.backend must be 'local' or 's3', not {backend!r}")
    if backend == "s3" and not storage.get("bucket"):
        raise WorkspaceError(f"{settings_path}: storage.backend = 's3' needs storage.bucket")
    return Settings(
        root=root,
        name=str(workspace.get("name", root.name)),
        workspace_id=str(workspace.get("id", root.name)),
        database_url=url,
        evidence_dir=evidence if evidence.is_absolute() else root / evidence,
        keys_dir=root / KEYS_DIR,
        default_locale=str(workspace.get("default_locale", "en")),
        storage_backend=backend,
        storage_options={
            k: str(v) for k, v in storage.items() if k in {"bucket", "endpoint_url", "prefix", "region"}
        },
        timestamp=_timestamp_settings(data.get("timestamp", {}), root, settings_path),
        replicas=_replica_settings(data.get("replicas", []), root, settings_path),
        extra={
            k: v
            for k, v in data.items()
            if k not in {"workspace", "database", "storage", "timestamp", "replicas"}
        },
    )


def _replica_settings(entries: object, root: Path, settings_path: Path) -> tuple[ReplicaSettings, ...]:
    """Read ``[[replicas]]``: each has a ``name`` and either ``path`` (a folder) or
    ``backend = "s3"`` with ``bucket`` (and optionally ``endpoint_url``, ``prefix``, ``region``)."""
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise WorkspaceError(f"{settings_path}: [[replicas]] must be a list of tables")
    replicas: list[ReplicaSettings] = []
    for number, entry in enumerate(entries, start=1):
        name = str(entry.get("name") or f"replica-{number}")
        backend = str(entry.get("backend", "s3" if entry.get("bucket") else "local"))
        if backend == "s3":
            if not entry.get("bucket"):
                raise WorkspaceError(f"{settings_path}: replica {name!r} (s3) needs a bucket")
            options = {
                k: str(v) for k, v in entry.items() if k in {"bucket", "endpoint_url", "prefix", "region"}
            }
            replicas.append(ReplicaSettings(name, "s3", None, options))
        elif backend == "local":
            if not entry.get("path"):
                raise WorkspaceError(f"{settings_path}: replica {name!r} needs a path (a folder) or a bucket")
            path = Path(str(entry["path"])).expanduser()
            replicas.append(ReplicaSettings(name, "local", path if path.is_absolute() else root / path))
        else:
            raise WorkspaceError(f"{settings_path}: replica {name!r}: backend must be 'local' or 's3'")
    names = [r.name for r in replicas]
    if len(set(names)) != len(names):
        raise WorkspaceError(f"{settings_path}: two replicas have the same name")
    return tuple(replicas)


def _timestamp_settings(table: object, root: Path, settings_path: Path) -> TimestampSettings:
    """Read ``[timestamp]``: ``authorities = [URL, ...]``, ``[timestamp.trust_anchors]`` URL = PEM path."""
    if not isinstance(table, dict):
        raise WorkspaceError(f"{settings_path}: [timestamp] must be a table")
    urls = table.get("authorities", [])
    anchors = table.get("trust_anchors", {})
    if not isinstance(urls, list) or not all(isinstance(u, str) and u for u in urls):
        raise WorkspaceError(f"{settings_path}: timestamp.authorities must be a list of URLs")
    if len(set(urls)) != len(urls):
        raise WorkspaceError(f"{settings_path}: timestamp.authorities names an authority twice")
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise WorkspaceError(f"{settings_path}: timestamp authority {url!r} is not an http(s) URL")
    if not isinstance(anchors, dict) or not all(isinstance(v, str) for v in anchors.values()):
        raise WorkspaceError(f"{settings_path}: [timestamp.trust_anchors] must map URLs to PEM file paths")
    unknown = sorted(set(anchors) - set(urls))
    if unknown:
        raise WorkspaceError(f"{settings_path}: trust anchor given for unlisted authority {unknown[0]!r}")
    timeouts = {}
    for name, default in (("timeout", 10.0), ("auto_timeout", 3.0)):
        value = table.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise WorkspaceError(f"{settings_path}: timestamp.{name} must be a positive number of seconds")
        timeouts[name] = float(value)

    def anchor_path(url: str) -> Path | None:
        if url not in anchors:
            return None
        path = Path(anchors[url]).expanduser()
        return path if path.is_absolute() else root / path

    return TimestampSettings(
        authorities=tuple(TimestampAuthority(url, anchor_path(url)) for url in urls),
        timeout=timeouts["timeout"],
        auto_timeout=timeouts["auto_timeout"],
    )
