"""The standalone verifier: proof files, bundles (folder and zip), tampering, and running it
with nothing but the standard library."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import gawah.ledger.verifier as verifier_module
from gawah.ledger.checkpoint import checkpoint_of, sign_checkpoint
from gawah.ledger.keys import PUBLIC_KEY_FILE
from gawah.ledger.merkle import MerkleLog
from gawah.ledger.proofs import (
    ProvedEntry,
    ProvedFile,
    consistency_proof_document,
    dump_proof_document,
    inclusion_proofs_document,
)
from gawah.ledger.verifier import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_SIGNATURE_UNCHECKED,
    EXIT_USAGE,
    VerificationError,
    main,
    write_canonical_zip,
)

ORIGIN = "gawah.example/ws-herat-documentation"
VERIFIER_SOURCE = Path(verifier_module.__file__)

# Invented evidence: bytes standing in for a photo and a witness statement.
PHOTO = bytes(range(256)) * 3
STATEMENT = b"Witness W-017 (invented) describes the events of 3 Hamal 1403.\n"


def _entry(seq: int, kind: str, **fields: str) -> bytes:
    return json.dumps({"seq": seq, "kind": kind, **fields}, sort_keys=True, separators=(",", ":")).encode()


def _build(private_key: Ed25519PrivateKey, folder: Path, key_dir: Path) -> tuple[MerkleLog, str]:
    """A bundle folder: two files, their ledger entries' proofs, the key and the verifier."""
    photo_hash = hashlib.sha256(PHOTO).hexdigest()
    statement_hash = hashlib.sha256(STATEMENT).hexdigest()
    entries = [_entry(i, "custody_event", note=f"accessed item {i}") for i in range(40)]
    entries[7] = _entry(7, "evidence_item", sha256=photo_hash)
    entries[23] = _entry(23, "evidence_item", sha256=statement_hash)
    log = MerkleLog.from_entries(entries)
    signed = sign_checkpoint(checkpoint_of(log, ORIGIN), private_key, ORIGIN)
    (folder / "files").mkdir(parents=True)
    (folder / "files" / "photo.bin").write_bytes(PHOTO)
    (folder / "files" / "statement.txt").write_bytes(STATEMENT)
    document = inclusion_proofs_document(
        log,
        signed,
        [
            ProvedEntry(7, entries[7], (ProvedFile("files/photo.bin", photo_hash),)),
            ProvedEntry(23, entries[23], (ProvedFile("files/statement.txt", statement_hash),)),
            ProvedEntry(30),
        ],
    )
    (folder / "proofs.json").write_text(dump_proof_document(document), encoding="utf-8")
    shutil.copy(key_dir / PUBLIC_KEY_FILE, folder / PUBLIC_KEY_FILE)
    shutil.copy(VERIFIER_SOURCE, folder / "verifier.py")
    return log, signed


@pytest.fixture
def bundle(tmp_path: Path, private_key: Ed25519PrivateKey, key_dir: Path) -> Path:
    folder = tmp_path / "bundle"
    _build(private_key, folder, key_dir)
    return folder


def _run(*args: str | Path) -> tuple[int, str]:
    lines: list[str] = []
    status = main([str(a) for a in args], out=lines.append)
    return status, "\n".join(lines)


def test_valid_bundle_folder_verifies(bundle: Path) -> None:
    status, output = _run(bundle)
    assert status == EXIT_OK, output
    assert "3 proof(s) checked: all proofs verify" in output
    assert "file files/photo.bin matches" in output
    assert "key taken from the bundle" in output


def test_valid_bundle_zip_verifies_and_single_file_too(bundle: Path, key_dir: Path, tmp_path: Path) -> None:
    archive = _zip(bundle, tmp_path / "bundle.zip")
    status, output = _run(archive)
    assert status == EXIT_OK, output
    status, output = _run("--key", key_dir / PUBLIC_KEY_FILE, bundle / "proofs.json")
    assert status == EXIT_OK, output


def test_key_given_as_c2sp_string(bundle: Path, public_key: object) -> None:
    from gawah.ledger.checkpoint import verifier_key

    vkey = verifier_key(public_key, ORIGIN).c2sp_vkey()  # type: ignore[arg-type]
    status, output = _run("--key", vkey, bundle)
    assert status == EXIT_OK, output


def test_wrong_key_fails(bundle: Path, tmp_path: Path) -> None:
    from gawah.ledger.keys import generate_keypair

    generate_keypair(tmp_path / "other")
    status, output = _run("--key", tmp_path / "other" / PUBLIC_KEY_FILE, bundle)
    assert status == EXIT_INVALID
    assert "no signature by the given key" in output


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("photo byte", "files/photo.bin has SHA-256"),
        ("photo deleted", "is missing"),
        ("extra file", "not listed in any proof"),
        ("leaf index", "inclusion proof"),
        ("audit path node", "inclusion proof"),
        ("entry edited", "does not hash to leaf_hash"),
        ("file swapped to another entry", "does not name file"),
        ("unknown field", "unknown field"),
        ("path escapes", "leaves the bundle"),
        ("checkpoint size", "does not verify"),
        ("tree size field", "tree_size differs"),
    ],
)
def test_tampered_bundle_fails_naming_the_problem(bundle: Path, change: str, message: str) -> None:
    proofs_path = bundle / "proofs.json"
    doc = json.loads(proofs_path.read_text(encoding="utf-8"))
    first = doc["proofs"][0]
    if change == "photo byte":
        data = bytearray((bundle / "files" / "photo.bin").read_bytes())
        data[100] ^= 0x04
        (bundle / "files" / "photo.bin").write_bytes(bytes(data))
    elif change == "photo deleted":
        (bundle / "files" / "photo.bin").unlink()
    elif change == "extra file":
        (bundle / "files" / "planted.txt").write_text("not from the ledger")
    elif change == "leaf index":
        first["leaf_index"] = 8
    elif change == "audit path node":
        first["audit_path"][2] = hashlib.sha256(b"forged").hexdigest()
    elif change == "entry edited":
        entry = base64.b64decode(first["entry"]).replace(b"evidence_item", b"evidence_itex")
        first["entry"] = base64.b64encode(entry).decode()
    elif change == "file swapped to another entry":
        doc["proofs"][1]["files"] = first["files"]
    elif change == "unknown field":
        first["comment"] = "added after export"
    elif change == "path escapes":
        first["files"][0]["path"] = "../photo.bin"
    elif change == "checkpoint size":
        lines = doc["checkpoint"].split("\n")
        lines[1] = "41"
        doc["checkpoint"] = "\n".join(lines)
        doc["tree_size"] = 41
    elif change == "tree size field":
        doc["tree_size"] = 39
    proofs_path.write_text(json.dumps(doc), encoding="utf-8")
    status, output = _run(bundle)
    assert status == EXIT_INVALID, output
    assert message in output, output


def test_every_byte_of_proofs_and_files_is_covered(bundle: Path) -> None:
    for relative in ("proofs.json", "files/photo.bin", "files/statement.txt"):
        path = bundle / relative
        original = path.read_bytes()
        step = 1 if len(original) < 1000 else 3
        for position in range(0, len(original), step):
            changed = bytearray(original)
            changed[position] ^= 0x01
            path.write_bytes(bytes(changed))
            status, _ = _run(bundle)
            assert status != EXIT_OK, f"{relative}: flipping byte {position} went unnoticed"
        path.write_bytes(original)
    assert _run(bundle)[0] == EXIT_OK


def test_damaged_zip_fails(bundle: Path, tmp_path: Path) -> None:
    archive = _zip(bundle, tmp_path / "bundle.zip")
    original = archive.read_bytes()
    # Every header byte, and a sample of member bytes (those are covered by hashes anyway).
    data_start = {info.header_offset + 30 + len(info.filename): info.file_size for info in _infos(archive)}
    positions = [
        p
        for p in range(len(original))
        if not any(start <= p < start + size for start, size in data_start.items()) or p % 97 == 0
    ]
    for position in positions:
        changed = bytearray(original)
        changed[position] ^= 0x10
        archive.write_bytes(bytes(changed))
        status, output = _run(archive)
        assert status != EXIT_OK, f"flipping zip byte {position} went unnoticed:\n{output}"


def _zip(bundle: Path, archive: Path) -> Path:
    members = [(p.relative_to(bundle).as_posix(), p) for p in sorted(bundle.rglob("*")) if p.is_file()]
    with archive.open("wb") as handle:
        write_canonical_zip(handle, members)
    return archive


def _infos(archive: Path) -> list[zipfile.ZipInfo]:
    with zipfile.ZipFile(archive) as zf:
        return zf.infolist()


def test_canonical_zip_is_readable_and_deterministic(bundle: Path, tmp_path: Path) -> None:
    first = _zip(bundle, tmp_path / "a.zip").read_bytes()
    assert _zip(bundle, tmp_path / "b.zip").read_bytes() == first
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        assert zf.testzip() is None
        assert zf.read("files/photo.bin") == PHOTO
        assert all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist())


def test_zip_written_by_other_tools_is_refused(bundle: Path, tmp_path: Path) -> None:
    archive = tmp_path / "plain.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(bundle.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(bundle).as_posix())
    status, output = _run(archive)
    assert status == EXIT_INVALID
    assert "not the canonical one" in output


def test_zip64_layout_round_trips_through_zipfile() -> None:
    # Sizes past 4 GiB cannot be written in a test; check the ZIP64 records on their own.
    from gawah.ledger import verifier

    local = verifier._local_header(b"big.bin", 0x1234, 5_000_000_000, 0)
    central = verifier._central_record(b"big.bin", 0x1234, 5_000_000_000, 0)
    assert local[4:6] == (45).to_bytes(2, "little") and local.endswith(
        (5_000_000_000).to_bytes(8, "little") * 2
    )
    assert central.endswith((5_000_000_000).to_bytes(8, "little") * 2 + (0).to_bytes(8, "little"))
    tail = verifier._end_records(70_000, 100, 5_000_000_000)
    assert tail[:4] == (0x06064B50).to_bytes(4, "little") and len(tail) == 56 + 20 + 22


def test_usage_errors(tmp_path: Path, bundle: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / PUBLIC_KEY_FILE).write_bytes((bundle / PUBLIC_KEY_FILE).read_bytes())
    assert _run(empty)[0] == EXIT_USAGE
    (bundle / "second.pub").write_bytes((bundle / PUBLIC_KEY_FILE).read_bytes())
    status, output = _run(bundle)
    assert status == EXIT_INVALID and "give --key" in output
    assert _run("--key", "not a key", bundle)[0] == EXIT_USAGE
    assert _run(tmp_path / "nothing-here")[0] == EXIT_INVALID


def test_consistency_proof_file(private_key: Ed25519PrivateKey, key_dir: Path, tmp_path: Path) -> None:
    log = MerkleLog.from_entries(_entry(i, "custody_event") for i in range(25))
    old = sign_checkpoint(checkpoint_of(log, ORIGIN, 10), private_key, ORIGIN)
    new = sign_checkpoint(checkpoint_of(log, ORIGIN), private_key, ORIGIN)
    path = tmp_path / "consistency.json"
    path.write_text(dump_proof_document(consistency_proof_document(log, old, new)))
    key = key_dir / PUBLIC_KEY_FILE
    status, output = _run("--key", key, path)
    assert status == EXIT_OK, output
    assert "extends the log of size 10" in output
    # A log rewritten after size 10 was signed cannot prove that it extends it.
    rewritten = MerkleLog.from_entries(
        [_entry(i, "custody_event") for i in range(5)] + [_entry(i, "rewritten") for i in range(5, 25)]
    )
    with pytest.raises(VerificationError, match="does not match the checkpoint"):
        consistency_proof_document(rewritten, old, new)
    forged_new = sign_checkpoint(checkpoint_of(rewritten, ORIGIN), private_key, ORIGIN)
    doc = {
        "format": "gawah-consistency-proof/1",
        "old_checkpoint": old,
        "new_checkpoint": forged_new,
        "proof": [h.hex() for h in rewritten.consistency_proof(10)],
    }
    path.write_text(json.dumps(doc))
    status, output = _run("--key", key, path)
    assert status == EXIT_INVALID, output


def test_proof_writer_refuses_a_log_that_no_longer_matches(private_key: Ed25519PrivateKey) -> None:
    log = MerkleLog.from_entries(_entry(i, "custody_event") for i in range(8))
    signed = sign_checkpoint(checkpoint_of(log, ORIGIN), private_key, ORIGIN)
    other = MerkleLog.from_entries(_entry(i, "edited") for i in range(8))
    with pytest.raises(VerificationError):
        inclusion_proofs_document(other, signed, [ProvedEntry(1)])
    with pytest.raises(VerificationError):
        inclusion_proofs_document(log, signed, [ProvedEntry(1, b"not the entry")])
    with pytest.raises(ValueError):
        inclusion_proofs_document(log, signed, [ProvedEntry(8)])
    with pytest.raises(ValueError):
        inclusion_proofs_document(
            log, signed, [ProvedEntry(1, _entry(1, "custody_event"), (ProvedFile("x", "ab" * 32),))]
        )


# -- the copied file alone, in a fresh interpreter --------------------------------------------------

_BLOCKER = """
import importlib.abc, runpy, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {BLOCKED!r}:
            raise ImportError('blocked: ' + name)
        return None
sys.meta_path.insert(0, Block())
sys.argv = ['verifier.py'] + sys.argv[1:]
runpy.run_path('verifier.py', run_name='__main__')
"""


def _run_copied(bundle: Path, blocked: set[str]) -> subprocess.CompletedProcess[str]:
    code = _BLOCKER.replace("{BLOCKED!r}", repr(blocked))
    return subprocess.run(
        [sys.executable, "-I", "-c", code, "."], cwd=bundle, capture_output=True, text=True, timeout=60
    )


def test_copied_verifier_runs_without_gawah(bundle: Path) -> None:
    result = _run_copied(bundle, {"gawah"})
    assert result.returncode == EXIT_OK, result.stdout + result.stderr
    assert "all proofs verify" in result.stdout


def test_copied_verifier_without_cryptography_checks_proofs_and_says_so(bundle: Path) -> None:
    result = _run_copied(bundle, {"gawah", "cryptography"})
    assert result.returncode == EXIT_SIGNATURE_UNCHECKED, result.stdout + result.stderr
    assert "signature not checked: cryptography not installed" in result.stdout
    photo = bundle / "files" / "photo.bin"
    photo.write_bytes(photo.read_bytes()[:-1])
    result = _run_copied(bundle, {"gawah", "cryptography"})
    assert result.returncode == EXIT_INVALID, result.stdout


def test_verifier_imports_only_the_standard_library() -> None:
    import ast

    tree = ast.parse(VERIFIER_SOURCE.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported - {"cryptography"} <= set(sys.stdlib_module_names)


def test_verifier_grammar_runs_on_python_3_8() -> None:
    # Courts may have an old Python; the file must at least parse with the 3.8 grammar.
    import ast

    ast.parse(VERIFIER_SOURCE.read_text(encoding="utf-8"), feature_version=(3, 8))
