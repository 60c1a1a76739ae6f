from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from gawah.config import WorkspaceError, load_settings, resolve_workspace_dir
from gawah.store.engine import DatabaseError
from gawah.workspace import Workspace, init_workspace


def test_init_creates_settings_database_evidence_and_keys(tmp_path: Path) -> None:
    settings = init_workspace(tmp_path / "case-files", name="Panjshir documentation")
    root = tmp_path / "case-files"
    data = tomllib.loads((root / "gawah.toml").read_text())
    assert data["workspace"]["name"] == "Panjshir documentation"
    assert (root / "gawah.sqlite3").stat().st_size > 0
    assert (root / "evidence").is_dir()
    private = (root / "keys" / "ed25519.key").read_text()
    public = (root / "keys" / "ed25519.pub").read_text()
    assert "PRIVATE KEY" in private and "PUBLIC KEY" in public
    assert (root / "keys").stat().st_mode & 0o077 == 0
    assert settings.database_url.endswith("gawah.sqlite3")
    with Workspace.open(root) as ws:
        assert ws.settings.name == "Panjshir documentation"


def test_init_refuses_an_existing_workspace(tmp_path: Path) -> None:
    init_workspace(tmp_path / "ws")
    with pytest.raises(WorkspaceError, match="already a Gawah workspace"):
        init_workspace(tmp_path / "ws")


def test_a_folder_that_is_not_a_workspace_is_named(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match=str(tmp_path)) as info:
        load_settings(tmp_path)
    assert "gawah init" in str(info.value)


def test_broken_settings_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "gawah.toml").write_text("[database\nurl = ")
    with pytest.raises(WorkspaceError, match="not valid TOML"):
        load_settings(tmp_path)


def test_unreachable_postgresql_is_a_clear_error(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody:secret@127.0.0.1:1/gawah"
    with pytest.raises(DatabaseError) as info:
        init_workspace(tmp_path / "ws", database_url=url)
    message = str(info.value)
    assert "unreachable" in message and "127.0.0.1:1" in message
    assert "secret" not in message


def test_workspace_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GAWAH_WORKSPACE", raising=False)
    assert resolve_workspace_dir(None) == tmp_path.resolve()
    monkeypatch.setenv("GAWAH_WORKSPACE", str(tmp_path / "env"))
    assert resolve_workspace_dir(None) == (tmp_path / "env").resolve()
    assert resolve_workspace_dir(tmp_path / "flag") == (tmp_path / "flag").resolve()


def test_opening_an_unmigrated_database_says_to_upgrade(tmp_path: Path) -> None:
    settings = init_workspace(tmp_path / "ws")
    from gawah.store.migrate import downgrade

    downgrade(settings.database_url, "base")
    with pytest.raises(DatabaseError, match="gawah db upgrade"):
        Workspace.open(settings.root)
