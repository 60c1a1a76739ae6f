"""Offline verifier for Gawah ledger proofs: one file, Python's standard library only.

This module is copied verbatim into every court bundle, so that anyone can check, with nothing
but Python 3.8 or later, that the entries of a bundle are part of Gawah's append-only ledger as
of a signed checkpoint. Hashes and Merkle proofs need only ``hashlib``; the Ed25519 signature on
the checkpoint is checked when the ``cryptography`` package is installed, and otherwise the
verifier says plainly that it was not checked.

Usage::

    python verifier.py [--key PUBLIC_KEY] [--allow-unlisted] BUNDLE_DIR_OR_ZIP_OR_PROOF_FILE...

``--key`` is the workspace's Ed25519 public key: a PEM file (SubjectPublicKeyInfo), or a C2SP
verifier key string ``name+keyid+base64key``. Without it, the verifier uses the single ``*.pub``
or ``public_key.pem`` file found with the proofs and says so; a key that travels inside the
bundle proves nothing by itself, so compare its fingerprint (printed) with one published apart
from the bundle.

A folder or zip is checked as a whole: each ``*.json`` file whose ``format`` is one of those
below is verified, and every other file must be listed in some proof (so that its SHA-256 is
checked and a signed ledger entry names it); only the public key files and ``verifier.py`` are
exempt. A file nothing vouches for is a failure (``--allow-unlisted`` makes it a note). A
single proof file given by name is checked on its own. A zip must also be laid out as
``write_canonical_zip`` (below) writes it, since hashes of members do not cover zip headers.

Exit status: 0 everything checked and valid; 1 something does not verify (each failure is
named on standard output); 2 usage error (no proof found, no key); 3 every hash and proof is
valid but the signature could not be checked because ``cryptography`` is not installed.

Hashing (RFC 9162 §2.1, SHA-256): a leaf is SHA-256(0x00 || entry), an inner node is
SHA-256(0x01 || left || right), and a tree of n > 1 leaves splits at the largest power of two
smaller than n. Inclusion and consistency proofs are checked with the algorithms of RFC 9162
§2.1.3.2 and §2.1.4.2.

Checkpoints are C2SP signed notes (c2sp.org/tlog-checkpoint, c2sp.org/signed-note)::

    <origin>
    <tree size, decimal>
    <root hash, base64>
    [extension lines]

    — <key name> <base64(4-byte key ID || 64-byte Ed25519 signature)>

The signature covers the note text (the lines before the blank line, each ending in a
newline). The key ID is the first 4 bytes of SHA-256(key name || 0x0A || 0x01 || public key).

Proof files (JSON, UTF-8). Hashes are lowercase hex; ``entry`` is base64.

Inclusion proofs, many entries against one checkpoint::

    {
      "format": "gawah-inclusion-proofs/1",
      "tree_size": 1000,                      (must equal the checkpoint's size)
      "checkpoint": "<signed checkpoint text>",
      "proofs": [
        {
          "leaf_index": 5,                    (0-based position of the entry in the log)
          "leaf_hash": "<hex>",               (SHA-256(0x00 || entry))
          "audit_path": ["<hex>", ...],       (RFC 9162 inclusion proof, bottom-up)
          "entry": "<base64>",                (optional: the entry bytes themselves)
          "files": [                          (optional; needs "entry")
            {"path": "files/report.pdf", "sha256": "<hex>"}
          ]
        }
      ]
    }

For each proof the verifier checks that ``entry`` (when given) hashes to ``leaf_hash``, that
``audit_path`` leads from ``leaf_hash`` at ``leaf_index`` to the checkpoint's root, and for each
listed file that its bytes hash to ``sha256`` and that this hex digest appears in the entry:
the ledger entry names the file by its hash, so the signed root commits to the file's bytes.
File paths are relative to the folder holding the proof file and may not leave it. Fields
other than those shown are refused, so that no byte of a proof file goes unchecked.

Consistency proof, showing that a later checkpoint extends an earlier one (nothing removed or
rewritten in between)::

    {
      "format": "gawah-consistency-proof/1",
      "old_checkpoint": "<signed checkpoint text>",
      "new_checkpoint": "<signed checkpoint text>",
      "proof": ["<hex>", ...]                 (RFC 9162 consistency proof, bottom-up)
    }
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import struct
import sys
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

INCLUSION_FORMAT = "gawah-inclusion-proofs/1"
CONSISTENCY_FORMAT = "gawah-consistency-proof/1"

ED25519_SIGNATURE_TYPE = b"\x01"
ED25519_PUBLIC_KEY_SIZE = 32
ED25519_SIGNATURE_SIZE = 64
# DER header of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the raw key is the 32 bytes after it.
ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")
SIGNATURE_DASH = "\u2014 "
# C2SP signed-note: verifiers must accept at least 16 signatures; a bound stops abuse.
MAX_SIGNATURES = 64

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_SIGNATURE_UNCHECKED = 3


class VerificationError(ValueError):
    """A hash, proof, checkpoint or signature does not verify, or its input is malformed."""


class SignatureNotChecked(RuntimeError):
    """The signature could not be checked: the ``cryptography`` package is not installed."""


# ---------------------------------------------------------------------------------------------
# RFC 9162 hashing and proof verification


def leaf_hash(entry: bytes) -> bytes:
    """RFC 9162 leaf hash: SHA-256(0x00 || entry)."""
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 inner-node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise VerificationError(f"{what} is {len(value)} bytes long, not {HASH_SIZE}")


def root_from_inclusion_proof(
    leaf_index: int, tree_size: int, leaf: bytes, audit_path: Sequence[bytes]
) -> bytes:
    """The root that ``audit_path`` leads to from ``leaf`` (a leaf hash), per RFC 9162 §2.1.3.2."""
    if tree_size < 1 or not 0 <= leaf_index < tree_size:
        raise VerificationError(f"leaf index {leaf_index} is outside a tree of size {tree_size}")
    _check_hash(leaf, "leaf hash")
    fn, sn, r = leaf_index, tree_size - 1, leaf
    for i, p in enumerate(audit_path):
        _check_hash(p, f"audit path node {i}")
        if sn == 0:
            raise VerificationError(f"audit path is too long ({len(audit_path)} nodes)")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError(f"audit path is too short ({len(audit_path)} nodes)")
    return r


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf: bytes, audit_path: Sequence[bytes], root: bytes
) -> None:
    """Raise VerificationError unless ``leaf`` is at ``leaf_index`` in the tree with ``root``."""
    _check_hash(root, "root hash")
    computed = root_from_inclusion_proof(leaf_index, tree_size, leaf, audit_path)
    if computed != root:
        raise VerificationError(
            f"inclusion proof for leaf {leaf_index} leads to root {computed.hex()}, not {root.hex()}"
        )


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """Raise VerificationError unless the tree (size2, root2) extends (size1, root1).

    Edge cases follow transparency-dev/merkle: equal sizes need an empty proof and equal
    roots (for size 0, the empty-tree root); a proof from size 0 is refused as meaningless.
    """
    if size1 < 0 or size2 < size1:
        raise VerificationError(f"tree size {size2} is smaller than the earlier size {size1}")
    if size1 == size2:
        if proof:
            raise VerificationError("trees of equal size need an empty consistency proof")
        if root1 != root2:
            raise VerificationError(f"trees of size {size1} have different roots")
        if size1 == 0 and root1 != EMPTY_ROOT:
            raise VerificationError("the root of an empty tree must be SHA-256 of nothing")
        return
    if size1 == 0:
        raise VerificationError("a consistency proof from an empty tree is meaningless")
    if not proof:
        raise VerificationError("consistency proof is empty")
    _check_hash(root1, "first root hash")
    _check_hash(root2, "second root hash")
    for i, c in enumerate(proof):
        _check_hash(c, f"consistency proof node {i}")
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        # The old tree is a complete subtree of the new one: its root is the first node.
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationError(f"consistency proof is too long ({len(proof)} nodes)")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError(f"consistency proof is too short ({len(proof)} nodes)")
    if fr != root1:
        raise VerificationError(f"consistency proof does not lead to the root of size {size1}")
    if sr != root2:
        raise VerificationError(f"consistency proof does not lead to the root of size {size2}")


# ---------------------------------------------------------------------------------------------
# C2SP signed notes and checkpoints


@dataclass(frozen=True)
class NoteSignature:
    """One signature line of a signed note."""

    key_name: str
    key_id: bytes
    signature: bytes


@dataclass(frozen=True)
class SignedNote:
    """A C2SP signed note: the signed text (ending in a newline) and its signature lines."""

    text: str
    signatures: tuple[NoteSignature, ...]


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head's content: which log, how many entries, and the Merkle root."""

    origin: str
    tree_size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def note_text(self) -> str:
        """The checkpoint as C2SP note text, the exact bytes a signature covers."""
        check_checkpoint_fields(self)
        lines = [self.origin, str(self.tree_size), base64.b64encode(self.root_hash).decode("ascii")]
        return "\n".join([*lines, *self.extensions]) + "\n"


def _check_key_name(name: str) -> None:
    if not name or "+" in name or any(ch.isspace() for ch in name):
        raise VerificationError(f"key name {name!r} is empty or contains a space or '+'")


def _strict_b64decode(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise VerificationError(f"{what} is not valid base64: {text!r}") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        # Refuse alternative encodings of the same bytes, so one checkpoint has one text.
        raise VerificationError(f"{what} is not canonical base64: {text!r}")
    return raw


def check_checkpoint_fields(checkpoint: Checkpoint) -> None:
    """Raise VerificationError if the checkpoint cannot be written as C2SP note text."""
    for line in (checkpoint.origin, *checkpoint.extensions):
        if not line or "\n" in line or any(ord(ch) < 0x20 for ch in line):
            raise VerificationError(f"checkpoint line {line!r} is empty or holds a control character")
    if checkpoint.tree_size < 0:
        raise VerificationError(f"tree size {checkpoint.tree_size} is negative")
    _check_hash(checkpoint.root_hash, "checkpoint root hash")


def parse_signed_note(data: str) -> SignedNote:
    """Split a C2SP signed note into its text and signatures; reject anything malformed."""
    if any(ord(ch) < 0x20 and ch != "\n" for ch in data):
        raise VerificationError("signed note contains a control character other than newline")
    if not data.endswith("\n"):
        raise VerificationError("signed note does not end with a newline")
    split = data.rfind("\n\n")
    if split < 0:
        raise VerificationError("signed note has no blank line before its signatures")
    text, signature_block = data[: split + 1], data[split + 2 :]
    signature_lines = signature_block[:-1].split("\n") if signature_block else []
    if not signature_lines:
        raise VerificationError("signed note has no signature lines")
    if len(signature_lines) > MAX_SIGNATURES:
        raise VerificationError(f"signed note has more than {MAX_SIGNATURES} signatures")
    signatures = []
    for line in signature_lines:
        if not line.startswith(SIGNATURE_DASH):
            raise VerificationError(f"signature line does not start with an em dash: {line!r}")
        parts = line[len(SIGNATURE_DASH) :].split(" ")
        if len(parts) != 2:
            raise VerificationError(f"signature line is not '— <name> <signature>': {line!r}")
        name, encoded = parts
        _check_key_name(name)
        raw = _strict_b64decode(encoded, "signature")
        if len(raw) < 5:
            raise VerificationError(f"signature of {name!r} is too short")
        signatures.append(NoteSignature(key_name=name, key_id=raw[:4], signature=raw[4:]))
    return SignedNote(text=text, signatures=tuple(signatures))


def parse_checkpoint_text(text: str) -> Checkpoint:
    """Parse C2SP checkpoint note text (origin, size, root, extensions)."""
    if not text.endswith("\n"):
        raise VerificationError("checkpoint text does not end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise VerificationError("checkpoint has fewer than three lines (origin, size, root)")
    origin, size_text, root_text, *extensions = lines
    if not size_text.isascii() or not size_text.isdigit() or (size_text != "0" and size_text[0] == "0"):
        raise VerificationError(f"checkpoint tree size is not a decimal number: {size_text!r}")
    root = _strict_b64decode(root_text, "checkpoint root hash")
    checkpoint = Checkpoint(origin, int(size_text), root, tuple(extensions))
    check_checkpoint_fields(checkpoint)
    return checkpoint


def ed25519_key_id(key_name: str, public_key: bytes) -> bytes:
    """C2SP key ID of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    if len(public_key) != ED25519_PUBLIC_KEY_SIZE:
        raise VerificationError(f"an Ed25519 public key is 32 bytes, not {len(public_key)}")
    material = key_name.encode("utf-8") + b"\n" + ED25519_SIGNATURE_TYPE + public_key
    return hashlib.sha256(material).digest()[:4]


def ed25519_public_key_from_pem(pem: bytes | str) -> bytes:
    """The raw 32-byte key from a PEM ``PUBLIC KEY`` (SubjectPublicKeyInfo) holding Ed25519."""
    text = pem.decode("ascii", "replace") if isinstance(pem, bytes) else pem
    begin, end = "-----BEGIN PUBLIC KEY-----", "-----END PUBLIC KEY-----"
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        raise VerificationError("no PEM 'PUBLIC KEY' block found")
    body = "".join(text[start + len(begin) : stop].split())
    try:
        der = base64.b64decode(body, validate=True)
    except binascii.Error as exc:
        raise VerificationError("PEM public key is not valid base64") from exc
    if len(der) != len(ED25519_SPKI_PREFIX) + ED25519_PUBLIC_KEY_SIZE or not der.startswith(
        ED25519_SPKI_PREFIX
    ):
        raise VerificationError("PEM public key is not an Ed25519 key")
    return der[len(ED25519_SPKI_PREFIX) :]


@dataclass(frozen=True)
class VerifierKey:
    """An Ed25519 public key, with the key name it signs under when that is known."""

    public_key: bytes
    key_name: str | None = None

    def fingerprint(self) -> str:
        """SHA-256 of the raw public key, to compare with a fingerprint published elsewhere."""
        return hashlib.sha256(self.public_key).hexdigest()

    def c2sp_vkey(self) -> str:
        """The C2SP verifier key string ``name+keyid+base64(0x01 || key)`` (name required)."""
        if self.key_name is None:
            raise VerificationError("a C2SP verifier key needs a key name")
        key_id = ed25519_key_id(self.key_name, self.public_key)
        encoded = base64.b64encode(ED25519_SIGNATURE_TYPE + self.public_key).decode("ascii")
        return f"{self.key_name}+{key_id.hex()}+{encoded}"


def parse_vkey(vkey: str) -> VerifierKey:
    """Parse a C2SP verifier key ``name+keyid(hex)+base64(0x01 || 32-byte key)``."""
    # The base64 key may itself contain '+', so split off the name and ID only.
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3:
        raise VerificationError("verifier key is not 'name+keyid+key'")
    name, key_id_hex, encoded = parts
    _check_key_name(name)
    raw = _strict_b64decode(encoded, "verifier key")
    if len(raw) != 1 + ED25519_PUBLIC_KEY_SIZE or raw[:1] != ED25519_SIGNATURE_TYPE:
        raise VerificationError("verifier key is not an Ed25519 key")
    key = VerifierKey(public_key=raw[1:], key_name=name)
    if ed25519_key_id(name, key.public_key).hex() != key_id_hex.lower():
        raise VerificationError("verifier key's key ID does not match its name and key")
    return key


def load_verifier_key(data: bytes | str) -> VerifierKey:
    """A key from PEM text or a C2SP verifier key string."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    if "-----BEGIN" in text:
        return VerifierKey(public_key=ed25519_public_key_from_pem(text))
    return parse_vkey(text)


def _ed25519_verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError as exc:
        raise SignatureNotChecked("signature not checked: cryptography not installed") from exc
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except InvalidSignature:
        return False
    return True


def verify_note_signature(note: SignedNote, key: VerifierKey) -> NoteSignature:
    """Check the note's signature by ``key``; return the signature line that verified.

    Signature lines from other keys are ignored, as C2SP requires. Raises VerificationError
    when no line is from this key or a line from it fails, and SignatureNotChecked when the
    key's line is present but ``cryptography`` is missing.
    """
    if len(key.public_key) != ED25519_PUBLIC_KEY_SIZE:
        raise VerificationError("an Ed25519 public key is 32 bytes")
    mine = [
        s
        for s in note.signatures
        if (key.key_name is None or s.key_name == key.key_name)
        and s.key_id == ed25519_key_id(s.key_name, key.public_key)
    ]
    if not mine:
        raise VerificationError("the note carries no signature by the given key")
    message = note.text.encode("utf-8")
    for line in mine:
        if len(line.signature) != ED25519_SIGNATURE_SIZE or not _ed25519_verify(
            key.public_key, line.signature, message
        ):
            raise VerificationError(f"signature by {line.key_name!r} does not verify")
    return mine[0]


def open_checkpoint(signed_text: str, key: VerifierKey) -> tuple[Checkpoint, bool]:
    """Parse a signed checkpoint and check its signature by ``key``.

    Returns the checkpoint and whether the signature was checked (False only when
    ``cryptography`` is missing). Raises VerificationError for anything invalid.
    """
    note = parse_signed_note(signed_text)
    checkpoint = parse_checkpoint_text(note.text)
    try:
        verify_note_signature(note, key)
    except SignatureNotChecked:
        return checkpoint, False
    return checkpoint, True


# ---------------------------------------------------------------------------------------------
# Proof files and the command line


def _hex_hash(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise VerificationError(f"{what} is not a hex string")
    try:
        raw = bytes.fromhex(value)
    except ValueError as exc:
        raise VerificationError(f"{what} is not hex: {value!r}") from exc
    _check_hash(raw, what)
    return raw


def _int_field(obj: dict[str, Any], name: str) -> int:
    value = obj.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise VerificationError(f"field {name!r} is missing or not a non-negative integer")
    return value


def _hash_list(obj: dict[str, Any], name: str) -> list[bytes]:
    value = obj.get(name)
    if not isinstance(value, list):
        raise VerificationError(f"field {name!r} is missing or not a list")
    return [_hex_hash(v, f"{name}[{i}]") for i, v in enumerate(value)]


def _only_fields(obj: dict[str, Any], allowed: set[str], what: str) -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise VerificationError(f"{what} has unknown field(s) {', '.join(map(repr, unknown))}")


def _safe_relative(base: PurePosixPath, path: Any) -> str:
    if not isinstance(path, str) or not path:
        raise VerificationError("file path is missing")
    rel = PurePosixPath(path)
    if rel.is_absolute() or ".." in rel.parts or "\\" in path:
        raise VerificationError(f"file path {path!r} leaves the bundle")
    return str(base / rel) if str(base) != "." else str(rel)


class _Source:
    """Files of a bundle: a folder, a zip archive or one proof file, by POSIX-style names."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.archive = zipfile.ZipFile(root) if root.is_file() and zipfile.is_zipfile(root) else None
        self.single = root.is_file() and self.archive is None
        self.folder = root.parent if self.single else root

    def names(self) -> list[str]:
        if self.archive is not None:
            return [n for n in self.archive.namelist() if not n.endswith("/")]
        if self.single:
            return [self.root.name]
        return sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file())

    def key_names(self) -> list[str]:
        def is_key(name: str) -> bool:
            base = PurePosixPath(name).name
            return base.endswith((".pub", ".vkey")) or base == "public_key.pem"

        if self.single:
            # Only next to the proof file: a single file may sit in a large folder.
            return sorted(p.name for p in self.folder.iterdir() if p.is_file() and is_key(p.name))
        return sorted(n for n in self.names() if is_key(n))

    def read(self, name: str) -> bytes:
        if self.archive is not None:
            return self.archive.read(name)
        return (self.folder / name).read_bytes()

    def sha256(self, name: str) -> bytes:
        digest = hashlib.sha256()
        try:
            handle = self.archive.open(name) if self.archive is not None else (self.folder / name).open("rb")
        except (KeyError, OSError) as exc:
            raise VerificationError(f"file {name!r} is missing") from exc
        with handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        return digest.digest()


# ---------------------------------------------------------------------------------------------
# Canonical zip bundles
#
# Hashes vouch for the members of a zip, not for its headers (times, attributes, comments). So
# a bundle zip must be laid out exactly as ``write_canonical_zip`` writes it: members stored
# uncompressed, back to back from offset 0, fixed time (1980-01-01) and attributes, UTF-8
# names, no comments, ZIP64 fields only where sizes demand them. Every header byte is then a
# function of the member names and contents, and any change to any byte of the zip is found.

_ZIP32_MAX = 0xFFFFFFFF
_ZIP_VERSION = 20
_ZIP64_VERSION = 45
_ZIP_FLAGS = 0x0800  # names are UTF-8
_ZIP_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01
_ZIP_UNIX_FILE = 0o100644 << 16
_LOCAL_SIG, _CENTRAL_SIG, _END_SIG = 0x04034B50, 0x02014B50, 0x06054B50
_END64_SIG, _LOCATOR64_SIG = 0x06064B50, 0x07064B50


def _zip64(size: int, offset: int) -> bool:
    return size >= _ZIP32_MAX or offset >= _ZIP32_MAX


def _local_header(name: bytes, crc: int, size: int, offset: int) -> bytes:
    wide = _zip64(size, offset)
    extra = struct.pack("<HHQQ", 1, 16, size, size) if wide else b""
    small = _ZIP32_MAX if wide else size
    version = _ZIP64_VERSION if wide else _ZIP_VERSION
    fixed = struct.pack(
        "<IHHHHHIIIHH", _LOCAL_SIG, version, _ZIP_FLAGS, 0, 0, _ZIP_DOS_DATE, crc, small, small,
        len(name), len(extra),
    )  # fmt: skip
    return fixed + name + extra


def _central_record(name: bytes, crc: int, size: int, offset: int) -> bytes:
    wide = _zip64(size, offset)
    extra = struct.pack("<HHQQQ", 1, 24, size, size, offset) if wide else b""
    version = _ZIP64_VERSION if wide else _ZIP_VERSION
    small, small_offset = (_ZIP32_MAX, _ZIP32_MAX) if wide else (size, offset)
    fixed = struct.pack(
        "<IHHHHHHIIIHHHHHII", _CENTRAL_SIG, (3 << 8) | version, version, _ZIP_FLAGS, 0, 0,
        _ZIP_DOS_DATE, crc, small, small, len(name), len(extra), 0, 0, 0, _ZIP_UNIX_FILE,
        small_offset,
    )  # fmt: skip
    return fixed + name + extra


def _end_records(count: int, directory_size: int, directory_offset: int) -> bytes:
    wide = count >= 0xFFFF or directory_size >= _ZIP32_MAX or directory_offset >= _ZIP32_MAX
    if not wide:
        return struct.pack("<IHHHHIIH", _END_SIG, 0, 0, count, count, directory_size, directory_offset, 0)
    end64_offset = directory_offset + directory_size
    end64 = struct.pack(
        "<IQHHIIQQQQ", _END64_SIG, 44, (3 << 8) | _ZIP64_VERSION, _ZIP64_VERSION, 0, 0, count,
        count, directory_size, directory_offset,
    )  # fmt: skip
    locator = struct.pack("<IIQI", _LOCATOR64_SIG, 0, end64_offset, 1)
    end = struct.pack("<IHHHHIIH", _END_SIG, 0, 0, 0xFFFF, 0xFFFF, _ZIP32_MAX, _ZIP32_MAX, 0)
    return end64 + locator + end


def write_canonical_zip(target: BinaryIO, members: Sequence[tuple[str, Path | bytes]]) -> None:
    """Write ``members`` (name, file path or bytes) as a canonical bundle zip to ``target``.

    Files are streamed in 1 MiB chunks; ``target`` must be seekable (the CRC of each member is
    written into its header after the member's bytes).
    """
    if len({name for name, _ in members}) != len(members):
        raise ValueError("two zip members have the same name")
    records: list[bytes] = []
    position = 0
    for name, content in members:
        if not name or name.startswith("/") or ".." in PurePosixPath(name).parts or "\\" in name:
            raise ValueError(f"zip member name {name!r} is not a safe relative path")
        encoded = name.encode("utf-8")
        size = len(content) if isinstance(content, bytes) else content.stat().st_size
        header = _local_header(encoded, 0, size, position)
        target.write(header)
        crc, written = 0, 0
        for chunk in _chunks(content):
            crc = zlib.crc32(chunk, crc)
            written += len(chunk)
            target.write(chunk)
        if written != size:
            raise ValueError(f"{name} changed size while it was being written")
        end = target.tell()
        target.seek(position + 14)
        target.write(struct.pack("<I", crc))
        target.seek(end)
        records.append(_central_record(encoded, crc, size, position))
        position += len(header) + size
    directory = b"".join(records)
    target.write(directory)
    target.write(_end_records(len(records), len(directory), position))


def _chunks(content: Path | bytes) -> Iterator[bytes]:
    if isinstance(content, bytes):
        yield content
        return
    with content.open("rb") as handle:
        chunk = handle.read(1 << 20)
        while chunk:
            yield chunk
            chunk = handle.read(1 << 20)


def check_canonical_zip(archive: zipfile.ZipFile, total_size: int) -> list[str]:
    """Every way ``archive`` departs from the canonical layout (empty when it is canonical)."""
    handle = archive.fp
    if handle is None:
        return ["the zip is closed"]
    problems: list[str] = []
    position = 0
    records: list[bytes] = []
    for info in archive.infolist():
        name = info.orig_filename.encode("utf-8")
        size, crc = info.file_size, info.CRC
        expected_local = _local_header(name, crc, size, position)
        handle.seek(position)
        if info.header_offset != position or handle.read(len(expected_local)) != expected_local:
            problems.append(f"{info.orig_filename}: its local header is not the canonical one")
        if info.compress_size != size or info.compress_type != zipfile.ZIP_STORED:
            problems.append(f"{info.orig_filename}: the member is compressed")
        records.append(_central_record(name, crc, size, position))
        position += len(expected_local) + size
    directory = b"".join(records)
    expected_tail = directory + _end_records(len(records), len(directory), position)
    handle.seek(position)
    if position + len(expected_tail) != total_size or handle.read(len(expected_tail)) != expected_tail:
        problems.append("the zip's central directory is not the canonical one (headers changed?)")
    return problems


@dataclass
class Report:
    """What a verification run found: lines to print and how it ends."""

    lines: list[str]
    failures: int = 0
    unchecked_signatures: int = 0
    proofs: int = 0
    covered: set[str] = field(default_factory=set)

    def ok(self, text: str) -> None:
        self.lines.append(f"OK    {text}")

    def fail(self, text: str) -> None:
        self.failures += 1
        self.lines.append(f"FAIL  {text}")

    def exit_status(self) -> int:
        if self.failures:
            return EXIT_INVALID
        if self.proofs == 0:
            return EXIT_USAGE
        return EXIT_SIGNATURE_UNCHECKED if self.unchecked_signatures else EXIT_OK


def _checkpoint_from(
    doc: dict[str, Any], field: str, key: VerifierKey, report: Report, where: str
) -> Checkpoint:
    text = doc.get(field)
    if not isinstance(text, str):
        raise VerificationError(f"field {field!r} is missing or not text")
    checkpoint, checked = open_checkpoint(text, key)
    label = f"{where}: checkpoint {checkpoint.origin} size {checkpoint.tree_size}"
    if checked:
        report.ok(f"{label}: signature valid")
    else:
        report.unchecked_signatures += 1
        report.lines.append(f"WARN  {label}: signature not checked: cryptography not installed")
    return checkpoint


def _verify_inclusion_file(
    doc: dict[str, Any], key: VerifierKey, source: _Source, name: str, report: Report
) -> None:
    _only_fields(doc, {"format", "tree_size", "checkpoint", "proofs"}, "inclusion proof file")
    checkpoint = _checkpoint_from(doc, "checkpoint", key, report, name)
    if _int_field(doc, "tree_size") != checkpoint.tree_size:
        raise VerificationError("tree_size differs from the checkpoint's tree size")
    proofs = doc.get("proofs")
    if not isinstance(proofs, list) or not proofs:
        raise VerificationError("field 'proofs' is missing or empty")
    base = PurePosixPath(name).parent
    for i, proof in enumerate(proofs):
        report.proofs += 1
        label = f"{name}: proof {i}"
        try:
            if not isinstance(proof, dict):
                raise VerificationError("proof is not an object")
            _only_fields(proof, {"leaf_index", "leaf_hash", "audit_path", "entry", "files"}, "proof")
            _verify_one_inclusion(proof, checkpoint, source, base, label, report)
        except VerificationError as exc:
            report.fail(f"{label}: {exc}")


def _verify_one_inclusion(
    proof: dict[str, Any],
    checkpoint: Checkpoint,
    source: _Source,
    base: PurePosixPath,
    label: str,
    report: Report,
) -> None:
    index = _int_field(proof, "leaf_index")
    leaf = _hex_hash(proof.get("leaf_hash"), "leaf_hash")
    path = _hash_list(proof, "audit_path")
    entry: bytes | None = None
    if "entry" in proof:
        if not isinstance(proof["entry"], str):
            raise VerificationError("entry is not base64 text")
        entry = _strict_b64decode(proof["entry"], "entry")
        if leaf_hash(entry) != leaf:
            raise VerificationError("entry does not hash to leaf_hash (the entry was changed)")
    verify_inclusion(index, checkpoint.tree_size, leaf, path, checkpoint.root_hash)
    report.ok(f"{label}: entry {index} is in the log of size {checkpoint.tree_size}")
    files = proof.get("files", [])
    if not isinstance(files, list):
        raise VerificationError("field 'files' is not a list")
    if files and entry is None:
        raise VerificationError("files are listed but the entry that names them is absent")
    for item in files:
        if not isinstance(item, dict):
            raise VerificationError("a 'files' item is not an object")
        _only_fields(item, {"path", "sha256"}, "files item")
        expected = _hex_hash(item.get("sha256"), "file sha256")
        file_name = _safe_relative(base, item.get("path"))
        report.covered.add(file_name)
        try:
            actual = source.sha256(file_name)
        except VerificationError as exc:
            report.fail(f"{label}: {exc}")
            continue
        if actual != expected:
            report.fail(f"{label}: file {file_name} has SHA-256 {actual.hex()}, not {expected.hex()}")
        elif entry is not None and expected.hex().encode("ascii") not in entry:
            report.fail(f"{label}: the ledger entry does not name file {file_name} by its hash")
        else:
            report.ok(f"{label}: file {file_name} matches SHA-256 {actual.hex()}")


def _verify_consistency_file(doc: dict[str, Any], key: VerifierKey, name: str, report: Report) -> None:
    _only_fields(doc, {"format", "old_checkpoint", "new_checkpoint", "proof"}, "consistency proof file")
    old = _checkpoint_from(doc, "old_checkpoint", key, report, name)
    new = _checkpoint_from(doc, "new_checkpoint", key, report, name)
    if old.origin != new.origin:
        raise VerificationError(f"checkpoints come from different logs: {old.origin!r}, {new.origin!r}")
    report.proofs += 1
    verify_consistency(old.tree_size, new.tree_size, _hash_list(doc, "proof"), old.root_hash, new.root_hash)
    report.ok(f"{name}: the log of size {new.tree_size} extends the log of size {old.tree_size}")


def verify_source(
    root: Path, key: VerifierKey | None, report: Report, *, allow_unlisted: bool = False
) -> None:
    """Verify every proof file in a folder, zip or single file; add what was found to ``report``.

    In a folder or zip, every file must be a proof file or be listed in a proof (its hash
    checked and named by a ledger entry); the public key files and ``verifier.py`` are exempt.
    Any other file is a failure, or only a note with ``allow_unlisted``.
    """
    source = _Source(root)
    report.covered = set()  # names are relative to this source only
    names = source.names()
    label = (lambda n: f"{root.name}:{n}") if source.archive is not None else (lambda n: n)
    duplicates = sorted(n for n, count in Counter(names).items() if count > 1)
    for name in duplicates:
        report.fail(f"{label(name)}: the zip holds more than one member with this name")
    if source.archive is not None:
        for problem in check_canonical_zip(source.archive, root.stat().st_size):
            report.fail(f"{root.name}: {problem}")
    if key is None:
        key = _key_from_bundle(source, root, report)
        if key is None:
            return
    proof_files: set[str] = set()
    for name in names:
        if not name.endswith(".json") and not source.single:
            continue
        try:
            doc = json.loads(source.read(name).decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            what = "neither a zip nor a JSON proof file" if source.single else "not valid JSON"
            report.fail(f"{label(name)}: {what} (changed or damaged?)")
            continue
        fmt = doc.get("format") if isinstance(doc, dict) else None
        try:
            if fmt == INCLUSION_FORMAT:
                proof_files.add(name)
                _verify_inclusion_file(doc, key, source, name, report)
            elif fmt == CONSISTENCY_FORMAT:
                proof_files.add(name)
                _verify_consistency_file(doc, key, name, report)
            elif source.single or (isinstance(fmt, str) and fmt.startswith("gawah-")):
                report.fail(f"{label(name)}: unknown proof format {fmt!r}")
        except VerificationError as exc:
            report.fail(f"{label(name)}: {exc}")
    if source.single:
        return
    exempt = set(source.key_names()) | {n for n in names if PurePosixPath(n).name == "verifier.py"}
    for name in sorted(exempt - report.covered):
        # Reading the member also checks its zip CRC; the hash lets a reader compare the copy
        # with one published apart from the bundle.
        report.lines.append(
            f"NOTE  {label(name)}: not listed in any proof; SHA-256 {source.sha256(name).hex()}"
        )
    for name in sorted(set(names) - proof_files - report.covered - exempt):
        if allow_unlisted:
            report.lines.append(f"NOTE  {label(name)}: not listed in any proof")
        else:
            report.fail(f"{label(name)}: not listed in any proof, so nothing vouches for its bytes")


def _key_from_bundle(source: _Source, root: Path, report: Report) -> VerifierKey | None:
    names = source.key_names()
    if len(names) != 1:
        found = "none" if not names else ", ".join(names)
        report.fail(f"{root}: give --key; the bundle holds no single public key file (found: {found})")
        return None
    try:
        key = load_verifier_key(source.read(names[0]))
    except VerificationError as exc:
        report.fail(f"{root}: public key {names[0]}: {exc}")
        return None
    report.lines.append(
        f"NOTE  key taken from the bundle ({names[0]}); its SHA-256 fingerprint is "
        f"{key.fingerprint()}: compare it with the one the workspace published"
    )
    return key


def main(argv: Sequence[str] | None = None, out: Callable[[str], None] = print) -> int:
    """Command line entry point; returns the exit status described in the module docstring."""
    parser = argparse.ArgumentParser(
        prog="verifier.py", description="Check Gawah ledger proofs against signed checkpoints."
    )
    parser.add_argument("paths", nargs="+", type=Path, help="bundle folders, zip files or proof files")
    parser.add_argument("--key", help="Ed25519 public key: PEM file, or C2SP 'name+id+key' string")
    parser.add_argument(
        "--allow-unlisted",
        action="store_true",
        help="only note files of a folder or zip that no proof lists, instead of failing",
    )
    args = parser.parse_args(argv)
    report = Report(lines=[])
    key: VerifierKey | None = None
    if args.key is not None:
        try:
            key_path = Path(args.key)
            key = load_verifier_key(key_path.read_bytes() if key_path.is_file() else args.key)
        except VerificationError as exc:
            out(f"FAIL  --key: {exc}")
            return EXIT_USAGE
        out(f"NOTE  public key SHA-256 fingerprint {key.fingerprint()}")
    for path in args.paths:
        if not path.exists():
            report.fail(f"{path}: no such file or folder")
            continue
        try:
            verify_source(path, key, report, allow_unlisted=args.allow_unlisted)
        except (
            zipfile.BadZipFile,
            zlib.error,
            struct.error,
            EOFError,
            OSError,
            KeyError,
            ValueError,
            RuntimeError,
        ) as exc:
            # A damaged zip can fail anywhere inside zipfile; each way is a failed check.
            report.fail(f"{path}: damaged or unreadable: {exc!r}")
    for line in report.lines:
        out(line)
    status = report.exit_status()
    summary = {
        EXIT_OK: "all proofs verify",
        EXIT_INVALID: f"{report.failures} check(s) failed",
        EXIT_USAGE: "no proofs were found",
        EXIT_SIGNATURE_UNCHECKED: (
            "hashes and proofs verify; signature not checked: cryptography not installed"
        ),
    }[status]
    out(f"{report.proofs} proof(s) checked: {summary}")
    return status


if __name__ == "__main__":
    sys.exit(main())
