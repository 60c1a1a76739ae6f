"""Court bundles: what `gawah bundle export` writes and records, and that `gawah bundle verify` and
the bundled stand-alone verifier catch a change to any byte of a bundle."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from gawah.cli.bundle import register
from gawah.ingest.pipeline import Ingestor
from gawah.ledger.bundle import (
    HEAD,
    INDEX,
    MANIFEST,
    PROOFS,
    BundleError,
    check_bundle,
    export_bundle,
    member_name,
)
from gawah.ledger.keys import generate_keypair
from gawah.ledger.verifier import load_verifier_key, write_canonical_zip
from gawah.store.engine import transaction
from gawah.store.models import Checkpoint, CustodyEvent, Document, EvidenceItem, Incident, IncidentSource
from gawah.verification import verify_workspace
from gawah.workspace import Workspace, init_workspace

ACTOR = "Analyst Roya Sadat"  # invented


def _ingest(ws: Workspace, folder: Path) -> None:
    Ingestor(ws.sessions, ws.blobs, actor="field-team").ingest([folder])
    assert ws.sign_checkpoint() is not None


def _items(ws: Workspace) -> list[EvidenceItem]:
    with ws.sessions() as s:
        return list(s.scalars(select(EvidenceItem).order_by(EvidenceItem.id)))


def _exports(ws: Workspace) -> list[CustodyEvent]:
    with ws.sessions() as s:
        return list(s.scalars(select(CustodyEvent).where(CustodyEvent.event == "exported")))


@pytest.fixture
def filled(workspace: Workspace, fixtures_dir: Path) -> Workspace:
    _ingest(workspace, fixtures_dir / "reports")
    return workspace


# ---------------------------------------------------------------------------------------------
# Export on SQLite and PostgreSQL


def test_export_writes_a_bundle_that_verifies_and_records_the_export(
    filled: Workspace, tmp_path: Path
) -> None:
    first, second = _items(filled)[:2]
    with filled.sessions() as s:
        entries_before = max(c.tree_size for c in s.scalars(select(Checkpoint)))
    out = tmp_path / "case-001.zip"
    result = export_bundle(
        filled, out, [str(first.id), second.sha256[:12]], actor=ACTOR, notes="for the court"
    )

    check = check_bundle(out)
    assert check.ok, check.lines
    assert result.items == 2 and result.tree_size == entries_before + 2
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        index = json.loads(archive.read(INDEX))
        manifest = archive.read(MANIFEST).decode("utf-8")
        proofs = json.loads(archive.read(PROOFS))
        metadata = json.loads(archive.read(f"items/{first.sha256}/metadata.json"))
        custody = json.loads(archive.read(f"items/{first.sha256}/custody.json"))
        original = archive.read(f"files/{first.sha256}/{member_name(first.original_filename)}")
    assert names[: len(HEAD)] == list(HEAD)
    assert original == filled.blobs.path(first.sha256).read_bytes()
    assert [i["sha256"] for i in index["items"]] == [first.sha256, second.sha256]
    assert index["timestamps"]["tokens"] == []
    # What tools read and what the collector says are kept apart.
    assert set(metadata) >= {"read_by_tools", "collector_statement", "acquisition", "ledger_entry"}
    assert metadata["ledger_entry"]["entry"]["sha256"] == first.sha256
    assert [e["event"] for e in custody["events"]] and all("ledger_entry" in e for e in custody["events"])
    # The manifest names every item's hash, the key fingerprint and how to verify.
    assert first.sha256 in manifest and second.sha256 in manifest
    assert (
        result.key_fingerprint in manifest
        and "python verifier.py --key public_key.pem case-001.zip" in manifest
    )
    # Each proof carries its entry; the checkpoint covers the export entries.
    assert proofs["tree_size"] == result.tree_size and all("entry" in p for p in proofs["proofs"])

    exports = _exports(filled)
    assert len(exports) == 2 and {e.actor for e in exports} == {ACTOR}
    manifest_sha = __import__("hashlib").sha256(manifest.encode("utf-8")).hexdigest()
    for event in exports:
        assert (
            "case-001.zip" in event.notes and manifest_sha in event.notes and "for the court" in event.notes
        )
        assert event.tool is not None and event.tool.startswith("gawah ")
    report = verify_workspace(filled)
    assert report.ok, report.problems
    assert report.checkpoints_checked == 2

    # A second bundle of the same item carries the first export in its custody history.
    again = tmp_path / "case-002.zip"
    export_bundle(filled, again, [first.sha256[:8]], actor=ACTOR)
    assert check_bundle(again).ok
    with zipfile.ZipFile(again) as archive:
        history = json.loads(archive.read(f"items/{first.sha256}/custody.json"))["events"]
    assert history[-1]["event"] == "exported" and "case-001.zip" in history[-1]["notes"]


def test_export_of_an_incident_takes_the_evidence_of_its_documents(filled: Workspace, tmp_path: Path) -> None:
    items = _items(filled)
    with transaction(filled.sessions) as s:
        incident = Incident(title="Night raid, invented for the test")
        s.add(incident)
        s.flush()
        for item in items[1:3]:
            document = s.scalars(select(Document).where(Document.evidence_item_id == item.id)).one()
            s.add(IncidentSource(incident_id=incident.id, document_id=document.id))
        incident_id = incident.id
    out = tmp_path / "incident.zip"
    result = export_bundle(filled, out, incident_id=incident_id, actor=ACTOR)
    assert result.items == 2
    with zipfile.ZipFile(out) as archive:
        index = json.loads(archive.read(INDEX))
    assert [i["sha256"] for i in index["items"]] == [i.sha256 for i in items[1:3]]
    assert check_bundle(out).ok
    with pytest.raises(BundleError, match="no incident has id 999"):
        export_bundle(filled, tmp_path / "none.zip", incident_id=999, actor=ACTOR)


def test_export_refuses_a_changed_file_and_records_nothing(filled: Workspace, tmp_path: Path) -> None:
    item = _items(filled)[0]
    path = filled.blobs.path(item.sha256)
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[0] ^= 0x20
    path.write_bytes(bytes(data))
    out = tmp_path / "b.zip"
    with pytest.raises(BundleError, match="has changed"):
        export_bundle(filled, out, [str(item.id)], actor=ACTOR)
    assert not out.exists() and not list(tmp_path.glob(".*.partial"))
    assert _exports(filled) == []


def test_export_refuses_unknown_items_and_existing_files(filled: Workspace, tmp_path: Path) -> None:
    for ref, message in (("424242", "no evidence item has id"), ("deadbeefdead", "no evidence item matches")):
        with pytest.raises(BundleError, match=message):
            export_bundle(filled, tmp_path / "x.zip", [ref], actor=ACTOR)
    with pytest.raises(BundleError, match="name at least one"):
        export_bundle(filled, tmp_path / "x.zip", [], actor=ACTOR)
    (tmp_path / "exists.zip").write_bytes(b"")
    with pytest.raises(BundleError, match="never overwritten"):
        export_bundle(filled, tmp_path / "exists.zip", ["1"], actor=ACTOR)
    assert _exports(filled) == []


def test_cli_export_and_verify(filled: Workspace, tmp_path: Path) -> None:
    app = typer.Typer()
    app.command("noop")(lambda: None)  # a second command keeps `bundle` a sub-command
    register(app)
    runner = CliRunner()
    root = str(filled.settings.root)
    out = tmp_path / "cli.zip"
    done = runner.invoke(app, ["bundle", "export", "1", "--out", str(out), "--actor", ACTOR, "-w", root])
    assert done.exit_code == 0, done.output
    assert "recorded 1 'exported' custody event" in done.output

    key = str(filled.settings.public_key_path)
    checked = runner.invoke(app, ["bundle", "verify", str(out), "--key", key])
    assert checked.exit_code == 0, checked.output
    assert "the bundle verifies" in checked.output and "FAIL" not in checked.output

    other = tmp_path / "other-key"
    generate_keypair(other)
    wrong = runner.invoke(app, ["bundle", "verify", str(out), "--key", str(other / "ed25519.pub")])
    assert wrong.exit_code == 1 and "no signature by the given key" in wrong.output

    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered = tmp_path / "tampered.zip"
    tampered.write_bytes(bytes(data))
    failed = runner.invoke(app, ["bundle", "verify", str(tampered), "--key", key])
    assert failed.exit_code == 1 and "FAIL" in failed.output


# ---------------------------------------------------------------------------------------------
# Any changed byte is detected (one small bundle on SQLite: the bytes do not depend on the database)


@pytest.fixture(scope="module")
def small_bundle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """A one-item bundle (a short witness note with a Dari file name) and the workspace's key."""
    root = tmp_path_factory.mktemp("small")
    source = root / "in"
    source.mkdir()
    (source / "گزارش شاهد.txt").write_text(
        "Witness W-17 saw the checkpoint closed at dawn.\n", encoding="utf-8"
    )
    settings = init_workspace(root / "ws", name="small")
    with Workspace.open(settings.root) as ws:
        _ingest(ws, source)
        out = root / "small.zip"
        export_bundle(ws, out, ["1"], actor=ACTOR)
    yield out, settings.public_key_path


def _member_spans(data: bytes) -> dict[str, tuple[int, int]]:
    """Where each member's bytes lie in the zip (start, end)."""
    spans = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            start = info.header_offset + 30 + len(info.orig_filename.encode("utf-8"))
            spans[info.orig_filename] = (start, start + info.file_size)
    return spans


def _every_byte() -> bool:
    return os.environ.get("GAWAH_TEST_EVERY_BYTE") == "1"


def _sampled_offsets(data: bytes) -> list[int]:
    """Every byte of the zip's headers, names, directory and end records; every 7th byte of the
    proofs, index, metadata, custody and key; every 41st byte of the verifier, manifest and
    original, and the first and last byte of each member. GAWAH_TEST_EVERY_BYTE=1 flips every
    byte of the bundle instead."""
    if _every_byte():
        return list(range(len(data)))
    offsets: set[int] = set()
    spans = _member_spans(data)
    inside = [False] * len(data)
    for name, (start, end) in spans.items():
        large = name in ("verifier.py", MANIFEST) or name.startswith("files/")
        offsets.update(range(start, end, 41 if large else 7))
        offsets.update((start, end - 1))
        inside[start:end] = [True] * (end - start)
    offsets.update(i for i, covered in enumerate(inside) if not covered)
    return sorted(offsets)


def _check_bytes(path: Path, data: bytes, key_path: Path) -> bool:
    path.write_bytes(data)
    return check_bundle(path, load_verifier_key(key_path.read_bytes())).ok


def test_every_sampled_byte_flip_is_detected(small_bundle: tuple[Path, Path], tmp_path: Path) -> None:
    bundle, key_path = small_bundle
    data = bundle.read_bytes()
    assert _check_bytes(tmp_path / "intact.zip", data, key_path)
    offsets = _sampled_offsets(data)
    undetected = []
    probe = tmp_path / "probe.zip"
    for offset in offsets:
        changed = bytearray(data)
        changed[offset] ^= 0x01 if offset % 2 else 0x80
        if _check_bytes(probe, bytes(changed), key_path):
            undetected.append(offset)
    assert undetected == []


def _members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(name, archive.read(name)) for name in archive.namelist()]


def _rezip(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    write_canonical_zip(buffer, list(members))
    return buffer.getvalue()


def test_changed_content_is_detected_even_with_valid_zip_checksums(
    small_bundle: tuple[Path, Path], tmp_path: Path
) -> None:
    """A forger who rewrites the zip (new CRCs, canonical headers) is still caught by the hashes,
    the proofs and the signature: one changed byte in each member, at many places."""
    bundle, key_path = small_bundle
    members = _members(bundle.read_bytes())
    assert _check_bytes(tmp_path / "same.zip", _rezip(members), key_path)
    undetected = []
    probe = tmp_path / "probe.zip"
    for position, (name, content) in enumerate(members):
        step = 1 if _every_byte() else 37
        for offset in sorted({*range(0, len(content), step), len(content) - 1}):
            changed = bytearray(content)
            changed[offset] ^= 0x01
            forged = [*members[:position], (name, bytes(changed)), *members[position + 1 :]]
            if _check_bytes(probe, _rezip(forged), key_path):
                undetected.append((name, offset))
    assert undetected == []


def test_reformatted_reordered_added_or_removed_members_are_detected(
    small_bundle: tuple[Path, Path], tmp_path: Path
) -> None:
    bundle, key_path = small_bundle
    members = _members(bundle.read_bytes())
    names = [n for n, _ in members]
    proofs_at = names.index(PROOFS)
    reformatted = json.dumps(json.loads(members[proofs_at][1]), indent=1).encode("utf-8")
    forgeries = {
        "proofs reformatted": [*members[:proofs_at], (PROOFS, reformatted), *members[proofs_at + 1 :]],
        "members reordered": [members[1], members[0], *members[2:]],
        "a member removed": members[:-1],
        "a member added": [*members, ("files/extra.txt", b"planted\n")],
        "timestamp slot filled": [*members, ("timestamps/token.tsr", b"\x30\x03\x02\x01\x00")],
    }
    probe = tmp_path / "probe.zip"
    for what, forged in forgeries.items():
        assert not _check_bytes(probe, _rezip(forged), key_path), what


# ---------------------------------------------------------------------------------------------
# The bundled verifier alone, in a clean interpreter


def _run_verifier(folder: Path, *flags: str, target: str = "small.zip") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *flags, "verifier.py", "--key", "public_key.pem", target],
        cwd=folder,
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8"},
        timeout=120,
    )


def test_the_bundled_verifier_needs_only_the_standard_library(
    small_bundle: tuple[Path, Path], tmp_path: Path
) -> None:
    bundle, _ = small_bundle
    folder = tmp_path / "court"
    folder.mkdir()
    (folder / "small.zip").write_bytes(bundle.read_bytes())
    with zipfile.ZipFile(bundle) as archive:
        for name in ("verifier.py", "public_key.pem"):
            (folder / name).write_bytes(archive.read(name))

    # -I: isolated (no user site, no PYTHON* variables, no current folder on the path).
    with_crypto = _run_verifier(folder, "-I")
    assert with_crypto.returncode == 0, with_crypto.stdout + with_crypto.stderr
    assert "signature valid" in with_crypto.stdout and "FAIL" not in with_crypto.stdout

    # -S as well: no site-packages at all, so neither cryptography nor gawah can be imported.
    probe = subprocess.run(
        [sys.executable, "-I", "-S", "-c", "import cryptography"], capture_output=True, text=True
    )
    assert probe.returncode != 0
    bare = _run_verifier(folder, "-I", "-S")
    assert bare.returncode == 3, bare.stdout + bare.stderr
    assert "signature not checked" in bare.stdout and "FAIL" not in bare.stdout
    assert "matches SHA-256" in bare.stdout

    extracted = folder / "extracted"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(extracted)
    as_folder = _run_verifier(extracted, "-I", target=".")
    assert as_folder.returncode == 0, as_folder.stdout + as_folder.stderr

    data = bytearray(bundle.read_bytes())
    with zipfile.ZipFile(bundle) as archive:
        info = archive.getinfo(PROOFS)
    data[info.header_offset + 30 + len(PROOFS) + 40] ^= 0x01
    (folder / "small.zip").write_bytes(bytes(data))
    for flags in (("-I",), ("-I", "-S")):
        tampered = _run_verifier(folder, *flags)
        assert tampered.returncode == 1 and "FAIL" in tampered.stdout, flags


def test_member_names_are_safe_and_never_read_as_proofs_or_keys() -> None:
    assert member_name("../../etc/passwd") == "passwd"
    assert member_name("C:\\cases\\report.pdf") == "report.pdf"
    assert member_name("") == "original"
    assert member_name("statement.json") == "statement.JSON"
    assert member_name("key.pub") == "key.PUB"
    assert member_name("verifier.py") == "verifier.PY"
    assert member_name("ویدیو\x00.mp4") == "ویدیو.mp4"
    long = member_name("x" * 400 + ".mp4")
    assert long.endswith(".mp4") and len(long.encode("utf-8")) <= 200


def test_proofs_carry_base64_entries_that_name_the_files(small_bundle: tuple[Path, Path]) -> None:
    bundle, _ = small_bundle
    with zipfile.ZipFile(bundle) as archive:
        proofs = json.loads(archive.read(PROOFS))
    exported = [
        p for p in proofs["proofs"] if json.loads(base64.b64decode(p["entry"])).get("event") == "exported"
    ]
    assert len(exported) == 1
    listed = {f["path"] for f in exported[0]["files"]}
    assert {MANIFEST, INDEX, "public_key.pem", "verifier.py"} <= listed


class _RemoteStore:
    """A store that, like S3, can only stream its objects (no local file path)."""

    def __init__(self, local: object) -> None:
        self._local = local

    def open(self, sha256: str) -> object:
        return self._local.open(sha256)  # type: ignore[attr-defined]


def test_export_from_a_store_without_local_files(filled: Workspace, tmp_path: Path) -> None:
    local = filled.blobs
    filled.blobs = _RemoteStore(local)  # type: ignore[assignment]
    try:
        (tmp_path / "court").mkdir()
        out = tmp_path / "court" / "remote.zip"
        export_bundle(filled, out, ["1", "2"], actor=ACTOR)
    finally:
        filled.blobs = local
    assert check_bundle(out).ok
    assert [p.name for p in out.parent.iterdir()] == ["remote.zip"]  # the staged copies are gone
    first = _items(filled)[0]
    with zipfile.ZipFile(out) as archive:
        original = archive.read(f"files/{first.sha256}/{member_name(first.original_filename)}")
    assert original == local.path(first.sha256).read_bytes()
