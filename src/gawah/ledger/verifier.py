"""Offline verifier for Gawah ledger proofs: one file, Python's standard library only.

This module is copied verbatim into every court bundle, so that anyone can check, with nothing
but Python 3.8 or later, that the entries of a bundle are part of Gawah's append-only ledger as
of a signed checkpoint. Hashes and Merkle proofs need only ``hashlib``; the Ed25519 signature on
the checkpoint is checked when the ``cryptography`` package is installed, and otherwise the
verifier says plainly that it was not checked.

Usage::

    python verifier.py [--key PUBLIC_KEY] [--tsa-anchor ROOT.pem] [--allow-unlisted] \
        BUNDLE_DIR_OR_ZIP_OR_PROOF_FILE...

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
valid but a signature or timestamp could not be checked because ``cryptography`` is not
installed.

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

Timestamp, an RFC 3161 token from a timestamp authority over a signed checkpoint::

    {
      "format": "gawah-timestamp/1",
      "authority": "<URL of the authority>",
      "checkpoint": "<signed checkpoint text>",  (the token stamps SHA-256 of this text)
      "nonce": "<decimal>",                    (the nonce of the request)
      "response": "<base64 DER TimeStampResp>",
      "certificates": ["<base64 DER>", ...]    (the signer's chain, its trust anchor last)
    }

Without ``cryptography`` only the status, the stamped hash and the nonce are checked and the
verifier says "timestamp not checked". With it, the CMS signature, the signer's critical
id-kp-timeStamping key usage, and the chain to the trust anchor with every certificate valid
at the token's genTime (not now) are checked as well. The anchor is ``--tsa-anchor`` when
given, else the last certificate of the file, whose fingerprint is printed to be compared with
the authority's published root. In a folder or zip, each stamped checkpoint must be the
checkpoint of the inclusion proofs or be extended by it through a consistency proof.
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
# RFC 3161 timestamp tokens over checkpoints
#
# A token from a timestamp authority (TSA) says that the SHA-256 of a signed checkpoint note
# existed at the token's genTime, so every entry under that checkpoint existed by then. The
# token is parsed here with a small DER reader (standard library); its CMS signature and its
# certificates need ``cryptography`` and are checked as of genTime, not now, since a TSA
# certificate that expired after it signed still vouches for what it signed while valid.

OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
OID_TST_INFO = "1.2.840.113549.1.9.16.1.4"
OID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
OID_SIGNING_CERTIFICATE = "1.2.840.113549.1.9.16.2.12"
OID_SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47"
OID_TIME_STAMPING = "1.3.6.1.5.5.7.3.8"
DIGEST_OIDS = {
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}
# Signature algorithms of a SignerInfo: the key type, and the digest it fixes (None: the
# SignerInfo's digestAlgorithm decides).
SIGNATURE_OIDS = {
    "1.2.840.113549.1.1.1": ("rsa", None),
    "1.2.840.113549.1.1.11": ("rsa", "sha256"),
    "1.2.840.113549.1.1.12": ("rsa", "sha384"),
    "1.2.840.113549.1.1.13": ("rsa", "sha512"),
    "1.2.840.10045.4.3.2": ("ecdsa", "sha256"),
    "1.2.840.10045.4.3.3": ("ecdsa", "sha384"),
    "1.2.840.10045.4.3.4": ("ecdsa", "sha512"),
    "1.3.101.112": ("ed25519", None),
}
PKI_STATUS_GRANTED = (0, 1)  # granted, grantedWithMods
TIMESTAMP_FORMAT = "gawah-timestamp/1"
# A chain longer than this is refused rather than followed.
MAX_CHAIN = 8


@dataclass(frozen=True)
class _Der:
    """One DER element: its tag byte, its content, and its whole encoding."""

    tag: int
    content: bytes
    encoded: bytes

    def children(self) -> list[_Der]:
        return _der_sequence(self.content)


def _der_element(data: bytes, pos: int) -> tuple[_Der, int]:
    if pos + 2 > len(data):
        raise VerificationError("DER: truncated element")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise VerificationError("DER: high tag numbers are not used by timestamp tokens")
    length = data[pos + 1]
    head = 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or pos + 2 + count > len(data):
            raise VerificationError("DER: bad length (indefinite or too long)")
        length = int.from_bytes(data[pos + 2 : pos + 2 + count], "big")
        if length < 0x80 or data[pos + 2] == 0:
            raise VerificationError("DER: length not in its shortest form")
        head += count
    end = pos + head + length
    if end > len(data):
        raise VerificationError("DER: element runs past the end of its container")
    return _Der(tag, data[pos + head : end], data[pos:end]), end


def _der_one(data: bytes, what: str) -> _Der:
    element, end = _der_element(data, 0)
    if end != len(data):
        raise VerificationError(f"{what}: trailing bytes after the DER element")
    return element


def _der_sequence(data: bytes) -> list[_Der]:
    items, pos = [], 0
    while pos < len(data):
        element, pos = _der_element(data, pos)
        items.append(element)
    return items


def _der_expect(element: _Der, tag: int, what: str) -> _Der:
    if element.tag != tag:
        raise VerificationError(f"{what}: expected DER tag 0x{tag:02x}, found 0x{element.tag:02x}")
    return element


def _der_oid(element: _Der) -> str:
    _der_expect(element, 0x06, "object identifier")
    value, parts = 0, []
    for byte in element.content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    if not parts:
        raise VerificationError("empty object identifier")
    first = min(parts[0] // 40, 2)
    return ".".join(str(p) for p in [first, parts[0] - 40 * first, *parts[1:]])


def _der_int(element: _Der) -> int:
    _der_expect(element, 0x02, "integer")
    return int.from_bytes(element.content, "big", signed=True)


def _der_time(element: _Der) -> Any:
    import datetime as _dt

    _der_expect(element, 0x18, "genTime")
    text = element.content.decode("ascii")
    if not text.endswith("Z") or len(text) < 15:
        raise VerificationError(f"genTime {text!r} is not a UTC GeneralizedTime")
    moment = _dt.datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(
        tzinfo=_dt.timezone.utc  # noqa: UP017 (datetime.UTC needs Python 3.11; bundles run on 3.8)
    )
    fraction = text[14:-1]
    if fraction:
        if not fraction.startswith(".") or not fraction[1:].isdigit():
            raise VerificationError(f"genTime {text!r} has a malformed fraction")
        moment = moment.replace(microsecond=int(fraction[1:7].ljust(6, "0")))
    return moment


@dataclass(frozen=True)
class TimestampToken:
    """What a TimeStampResp says, read without checking its signature."""

    status: int
    gen_time: Any  # datetime.datetime, UTC
    policy: str
    serial_number: int
    nonce: int | None
    imprint_algorithm: str
    imprint: bytes
    # For the signature check:
    tst_info: bytes
    certificates: tuple[bytes, ...]
    signer_issuer: bytes | None  # DER Name, or None when the signer is named by key identifier
    signer_serial: int | None
    signer_key_id: bytes | None
    digest_algorithm: str
    signed_attributes: bytes  # re-tagged as a SET, the bytes the signature covers
    attributes: dict[str, list[_Der]]
    signature_algorithm: str
    signature: bytes


def parse_timestamp_response(der: bytes) -> TimestampToken:
    """Read a DER TimeStampResp (RFC 3161 §2.4.2); raise VerificationError if malformed or refused."""
    try:
        return _parse_timestamp_response(der)
    except (IndexError, ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, VerificationError):
            raise
        raise VerificationError(f"timestamp response is malformed: {exc}") from exc


def _parse_timestamp_response(der: bytes) -> TimestampToken:
    response = _der_expect(_der_one(der, "timestamp response"), 0x30, "TimeStampResp").children()
    status_info = _der_expect(response[0], 0x30, "PKIStatusInfo").children()
    status = _der_int(status_info[0])
    if status not in PKI_STATUS_GRANTED:
        raise VerificationError(f"the authority refused the request (PKIStatus {status})")
    if len(response) != 2:
        raise VerificationError("timestamp response carries no token")
    content_info = _der_expect(response[1], 0x30, "ContentInfo").children()
    if _der_oid(content_info[0]) != OID_SIGNED_DATA:
        raise VerificationError("timestamp token is not CMS SignedData")
    signed = _der_one(_der_expect(content_info[1], 0xA0, "content").content, "SignedData")
    fields = _der_expect(signed, 0x30, "SignedData").children()
    encap = _der_expect(fields[2], 0x30, "encapContentInfo").children()
    if _der_oid(encap[0]) != OID_TST_INFO:
        raise VerificationError("timestamp token does not hold a TSTInfo")
    tst_octets = _der_expect(
        _der_one(_der_expect(encap[1], 0xA0, "eContent").content, "eContent"), 0x04, "eContent"
    )
    certificates: tuple[bytes, ...] = ()
    rest = fields[3:]
    if rest and rest[0].tag == 0xA0:
        certificates = tuple(c.encoded for c in rest[0].children() if c.tag == 0x30)
        rest = rest[1:]
    if rest and rest[0].tag == 0xA1:
        rest = rest[1:]
    signer_infos = _der_expect(rest[0], 0x31, "signerInfos").children()
    if len(signer_infos) != 1:
        raise VerificationError(f"timestamp token has {len(signer_infos)} signers, not one")
    signer = _der_expect(signer_infos[0], 0x30, "SignerInfo").children()
    issuer = serial = key_id = None
    if signer[1].tag == 0x30:
        issuer_and_serial = signer[1].children()
        issuer, serial = issuer_and_serial[0].encoded, _der_int(issuer_and_serial[1])
    elif signer[1].tag == 0x80:
        key_id = signer[1].content
    else:
        raise VerificationError("SignerInfo names its signer in an unknown way")
    digest_oid = _der_oid(_der_expect(signer[2], 0x30, "digestAlgorithm").children()[0])
    if digest_oid not in DIGEST_OIDS:
        raise VerificationError(f"unsupported digest algorithm {digest_oid}")
    attrs = _der_expect(signer[3], 0xA0, "signedAttrs (required by RFC 3161)")
    attributes: dict[str, list[_Der]] = {}
    for attribute in attrs.children():
        oid_element, values = _der_expect(attribute, 0x30, "Attribute").children()
        attributes[_der_oid(oid_element)] = _der_expect(values, 0x31, "attribute values").children()
    signature_oid = _der_oid(_der_expect(signer[4], 0x30, "signatureAlgorithm").children()[0])
    signature = _der_expect(signer[5], 0x04, "signature").content

    info = _der_expect(_der_one(tst_octets.content, "TSTInfo"), 0x30, "TSTInfo").children()
    imprint = info[2].children()
    nonce = None
    for extra in info[5:]:
        if extra.tag == 0x02:
            nonce = _der_int(extra)
    imprint_oid = _der_oid(_der_expect(imprint[0], 0x30, "hashAlgorithm").children()[0])
    return TimestampToken(
        status=status,
        gen_time=_der_time(info[4]),
        policy=_der_oid(info[1]),
        serial_number=_der_int(info[3]),
        nonce=nonce,
        imprint_algorithm=DIGEST_OIDS.get(imprint_oid, imprint_oid),
        imprint=_der_expect(imprint[1], 0x04, "hashedMessage").content,
        tst_info=tst_octets.content,
        certificates=certificates,
        signer_issuer=issuer,
        signer_serial=serial,
        signer_key_id=key_id,
        digest_algorithm=DIGEST_OIDS[digest_oid],
        signed_attributes=b"\x31" + attrs.encoded[1:],
        attributes=attributes,
        signature_algorithm=signature_oid,
        signature=signature,
    )


def timestamp_imprint(signed_checkpoint: str) -> bytes:
    """What a timestamp over a checkpoint stamps: SHA-256 of the signed note's UTF-8 text."""
    return hashlib.sha256(signed_checkpoint.encode("utf-8")).digest()


def check_token_fields(token: TimestampToken, imprint: bytes, nonce: int | None) -> None:
    """The checks that need no cryptography: the hash stamped and the nonce asked for."""
    if token.imprint_algorithm != "sha256":
        raise VerificationError(f"the token stamps a {token.imprint_algorithm} hash, not SHA-256")
    if token.imprint != imprint:
        raise VerificationError("the token stamps another hash than the checkpoint's (imprint differs)")
    if nonce is not None and token.nonce != nonce:
        raise VerificationError(f"the token's nonce {token.nonce} is not the request's {nonce}")


@dataclass(frozen=True)
class TimestampVerdict:
    """A token that verified: when, under which policy, by whom, and the root it chains to."""

    gen_time: Any  # datetime.datetime, UTC
    policy: str
    serial_number: int
    signer: str
    chain: tuple[bytes, ...]  # DER certificates, the signer first and the trust anchor last
    anchor_fingerprint: str  # SHA-256 of the trust anchor's DER


def verify_timestamp_response(
    der: bytes,
    *,
    imprint: bytes,
    nonce: int | None,
    certificates: Sequence[bytes] = (),
    anchors: Sequence[bytes] = (),
) -> TimestampVerdict:
    """Verify a TimeStampResp over ``imprint`` offline, as of its genTime.

    Checks: status granted; SHA-256 imprint equal to ``imprint``; the nonce (when given); the
    CMS signature over the signed attributes, whose content type is TSTInfo and whose message
    digest is the TSTInfo's; the ESS signing-certificate attribute names the signer; the signer
    certificate has the critical extended key usage id-kp-timeStamping and nothing else; a chain
    from it through ``certificates`` and the token's own certificates to one of ``anchors``
    (DER), each certificate signed by the next and valid at genTime. Without ``anchors`` the
    last of ``certificates`` is the anchor (the caller must say that it was not pinned).

    Raises VerificationError, or SignatureNotChecked when ``cryptography`` is missing.
    """
    token = parse_timestamp_response(der)
    check_token_fields(token, imprint, nonce)
    try:
        import cryptography  # noqa: F401
    except ImportError as exc:
        raise SignatureNotChecked("timestamp not checked: cryptography not installed") from exc
    pool = list(certificates) + [c for c in token.certificates if c not in certificates]
    trusted = list(anchors) if anchors else list(certificates[-1:])
    if not trusted:
        raise VerificationError("no trust anchor for the timestamp authority")
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.x509 import InvalidVersion

    try:
        return _verify_token_crypto(token, pool, trusted)
    except VerificationError:
        raise
    except (ValueError, TypeError, IndexError, InvalidVersion, UnsupportedAlgorithm) as exc:
        # A certificate or key that cryptography cannot read (malformed extension, odd key).
        raise VerificationError(f"the token or a certificate is malformed: {exc}") from exc


def _hash(name: str) -> Any:
    from cryptography.hazmat.primitives import hashes

    algorithms: dict[str, Any] = {
        "sha1": hashes.SHA1,
        "sha256": hashes.SHA256,
        "sha384": hashes.SHA384,
        "sha512": hashes.SHA512,
    }
    return algorithms[name]()


def _verify_token_crypto(token: TimestampToken, pool: list[bytes], trusted: list[bytes]) -> TimestampVerdict:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID

    try:
        certs = [x509.load_der_x509_certificate(c) for c in pool]
        anchors = [x509.load_der_x509_certificate(c) for c in trusted]
    except ValueError as exc:
        raise VerificationError(f"a certificate is malformed: {exc}") from exc
    signer = _find_signer(token, certs)
    if signer is None:
        raise VerificationError("the signer's certificate is not in the token or the stored chain")

    # Signed attributes: what the signature covers must be this TSTInfo, signed by this cert.
    content_type = token.attributes.get(OID_CONTENT_TYPE)
    if not content_type or _der_oid(content_type[0]) != OID_TST_INFO:
        raise VerificationError("the signed content type is not TSTInfo")
    digest = token.attributes.get(OID_MESSAGE_DIGEST)
    expected_digest = hashlib.new(token.digest_algorithm, token.tst_info).digest()
    if not digest or _der_expect(digest[0], 0x04, "messageDigest").content != expected_digest:
        raise VerificationError("the signed message digest is not the TSTInfo's (the token was changed)")
    signer_der = signer.public_bytes(serialization.Encoding.DER)
    _check_ess_certificate(token, signer_der)

    kind, fixed_digest = SIGNATURE_OIDS.get(token.signature_algorithm, (None, None))
    if kind is None:
        raise VerificationError(f"unsupported signature algorithm {token.signature_algorithm}")
    key = signer.public_key()
    data = token.signed_attributes
    try:
        if kind == "rsa":
            from cryptography.hazmat.primitives.asymmetric import padding, rsa

            if not isinstance(key, rsa.RSAPublicKey):
                raise VerificationError("the signature algorithm is RSA but the certificate's key is not")
            key.verify(
                token.signature, data, padding.PKCS1v15(), _hash(fixed_digest or token.digest_algorithm)
            )
        elif kind == "ecdsa":
            from cryptography.hazmat.primitives.asymmetric import ec

            if not isinstance(key, ec.EllipticCurvePublicKey):
                raise VerificationError("the signature algorithm is ECDSA but the certificate's key is not")
            key.verify(token.signature, data, ec.ECDSA(_hash(fixed_digest or token.digest_algorithm)))
        else:
            from cryptography.hazmat.primitives.asymmetric import ed25519

            if not isinstance(key, ed25519.Ed25519PublicKey):
                raise VerificationError("the signature algorithm is Ed25519 but the certificate's key is not")
            key.verify(token.signature, data)
    except InvalidSignature as exc:
        raise VerificationError("the token's signature does not verify (the token was changed)") from exc

    try:
        eku = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound as exc:
        raise VerificationError("the signer certificate has no extended key usage (RFC 3161 §2.3)") from exc
    if not eku.critical or list(eku.value) != [ExtendedKeyUsageOID.TIME_STAMPING]:
        raise VerificationError(
            "the signer certificate's extended key usage is not a critical id-kp-timeStamping alone"
        )
    chain = _chain_at(signer, certs, anchors, token.gen_time)
    ders = tuple(c.public_bytes(serialization.Encoding.DER) for c in chain)
    return TimestampVerdict(
        gen_time=token.gen_time,
        policy=token.policy,
        serial_number=token.serial_number,
        signer=signer.subject.rfc4514_string(),
        chain=ders,
        anchor_fingerprint=hashlib.sha256(ders[-1]).hexdigest(),
    )


def _find_signer(token: TimestampToken, certs: list[Any]) -> Any:
    from cryptography import x509

    for cert in certs:
        if token.signer_issuer is not None:
            if (
                cert.serial_number == token.signer_serial
                and cert.issuer.public_bytes() == token.signer_issuer
            ):
                return cert
        else:
            try:
                ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
            except x509.ExtensionNotFound:
                ski = x509.SubjectKeyIdentifier.from_public_key(cert.public_key()).digest
            if ski == token.signer_key_id:
                return cert
    return None


def _check_ess_certificate(token: TimestampToken, signer_der: bytes) -> None:
    """RFC 3161 §2.4.1 and RFC 5816: the signed attributes name the signer certificate by hash."""
    v2 = token.attributes.get(OID_SIGNING_CERTIFICATE_V2)
    v1 = token.attributes.get(OID_SIGNING_CERTIFICATE)
    if v2:
        first = v2[0].children()[0].children()[0].children()  # SigningCertificateV2.certs[0]
        algorithm = "sha256"
        if first[0].tag == 0x30:
            algorithm = DIGEST_OIDS.get(_der_oid(first[0].children()[0]), "")
            first = first[1:]
        if not algorithm:
            raise VerificationError("the signing-certificate attribute uses an unknown hash")
        cert_hash = _der_expect(first[0], 0x04, "certHash").content
        if cert_hash != hashlib.new(algorithm, signer_der).digest():
            raise VerificationError("the signing-certificate attribute names another certificate")
    elif v1:
        first = v1[0].children()[0].children()[0].children()
        if _der_expect(first[0], 0x04, "certHash").content != hashlib.sha1(signer_der).digest():
            raise VerificationError("the signing-certificate attribute names another certificate")
    else:
        raise VerificationError("the token has no signing-certificate attribute (RFC 3161 §2.4.1)")


def _chain_at(signer: Any, certs: list[Any], anchors: list[Any], at: Any) -> list[Any]:
    """The chain from ``signer`` to an anchor, each certificate valid at ``at`` and signed by the next."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature

    chain = [signer]
    current = signer
    for _ in range(MAX_CHAIN):
        _valid_at(current, at)
        if current in anchors:
            return chain
        issuer = None
        for candidate in anchors + certs:
            if candidate.subject != current.issuer or candidate == current:
                continue
            try:
                current.verify_directly_issued_by(candidate)
            except (InvalidSignature, ValueError, TypeError):
                continue
            try:
                constraints = candidate.extensions.get_extension_for_class(x509.BasicConstraints).value
            except x509.ExtensionNotFound:
                continue
            if constraints.ca:
                issuer = candidate
                break
        if issuer is None:
            subject = current.subject.rfc4514_string()
            raise VerificationError(f"the chain from {subject!r} does not lead to the trust anchor")
        chain.append(issuer)
        current = issuer
    raise VerificationError("the certificate chain is too long")


def _valid_at(cert: Any, at: Any) -> None:
    before = getattr(cert, "not_valid_before_utc", None) or cert.not_valid_before.replace(tzinfo=at.tzinfo)
    after = getattr(cert, "not_valid_after_utc", None) or cert.not_valid_after.replace(tzinfo=at.tzinfo)
    if not before <= at <= after:
        raise VerificationError(
            f"certificate {cert.subject.rfc4514_string()!r} was not valid at the token's time "
            f"{at.isoformat()} (valid {before.isoformat()} to {after.isoformat()})"
        )


def certificates_from_pem(data: bytes | str) -> list[bytes]:
    """The DER certificates in PEM text, in order."""
    text = data.decode("ascii", "replace") if isinstance(data, bytes) else data
    begin, end = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
    found: list[bytes] = []
    pos = 0
    while True:
        start = text.find(begin, pos)
        if start < 0:
            return found
        stop = text.find(end, start)
        if stop < 0:
            raise VerificationError("PEM certificate block is not closed")
        try:
            found.append(base64.b64decode("".join(text[start + len(begin) : stop].split()), validate=True))
        except binascii.Error as exc:
            raise VerificationError("PEM certificate is not valid base64") from exc
        pos = stop + len(end)


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


def _verify_timestamp_file(
    doc: dict[str, Any], key: VerifierKey, name: str, report: Report, tsa_anchors: Sequence[bytes]
) -> str:
    """Check one timestamp file; return the signed checkpoint text it stamps."""
    _only_fields(
        doc, {"format", "authority", "checkpoint", "nonce", "response", "certificates"}, "timestamp file"
    )
    checkpoint = _checkpoint_from(doc, "checkpoint", key, report, name)
    text = doc["checkpoint"]
    authority, nonce_text = doc.get("authority"), doc.get("nonce")
    if not isinstance(authority, str) or not isinstance(nonce_text, str) or not nonce_text.isdigit():
        raise VerificationError("authority or nonce is missing (the nonce is decimal text)")
    response = doc.get("response")
    certificates = doc.get("certificates")
    if not isinstance(response, str) or not isinstance(certificates, list) or not certificates:
        raise VerificationError("response or certificates missing")
    der = _strict_b64decode(response, "response")
    chain = [_strict_b64decode(c, "certificate") if isinstance(c, str) else b"" for c in certificates]
    report.proofs += 1
    token = parse_timestamp_response(der)
    check_token_fields(token, timestamp_imprint(text), int(nonce_text))
    report.ok(
        f"{name}: token from {authority}: granted, stamps the SHA-256 of checkpoint size "
        f"{checkpoint.tree_size}, nonce matches"
    )
    try:
        verdict = verify_timestamp_response(
            der,
            imprint=timestamp_imprint(text),
            nonce=int(nonce_text),
            certificates=chain,
            anchors=tsa_anchors,
        )
    except SignatureNotChecked:
        report.unchecked_signatures += 1
        report.lines.append(
            f"WARN  {name}: timestamp not checked (signature and certificates): cryptography not installed"
        )
        return str(text)
    report.ok(
        f"{name}: signed by {verdict.signer!r} at {verdict.gen_time.isoformat()} (policy {verdict.policy}); "
        f"its {len(verdict.chain)} certificate(s) were valid then and lead to the trust anchor"
    )
    if not tsa_anchors:
        report.lines.append(
            f"NOTE  {name}: the authority's root was taken from the bundle; its SHA-256 fingerprint is "
            f"{verdict.anchor_fingerprint}: compare it with the one {authority} publishes "
            "(or give --tsa-anchor)"
        )
    return str(text)


def _link_timestamps(
    stamped: list[tuple[str, str]],
    heads: set[str],
    extensions: set[tuple[str, str]],
    label: Callable[[str], str],
    report: Report,
) -> None:
    """Each stamped checkpoint must be a checkpoint of the proofs, or one they are proved to extend."""
    for name, text in stamped:
        if text in heads:
            report.ok(f"{label(name)}: it stamps the checkpoint of the inclusion proofs")
        elif any(old == text and new in heads for old, new in extensions):
            report.ok(f"{label(name)}: the checkpoint of the inclusion proofs extends the one it stamps")
        else:
            report.fail(
                f"{label(name)}: the stamped checkpoint is not linked by a consistency proof to the "
                "checkpoint of the inclusion proofs"
            )


def verify_source(
    root: Path,
    key: VerifierKey | None,
    report: Report,
    *,
    allow_unlisted: bool = False,
    tsa_anchors: Sequence[bytes] = (),
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
    heads: set[str] = set()
    extensions: set[tuple[str, str]] = set()
    stamped: list[tuple[str, str]] = []
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
                heads.add(doc["checkpoint"])
            elif fmt == CONSISTENCY_FORMAT:
                proof_files.add(name)
                _verify_consistency_file(doc, key, name, report)
                extensions.add((doc["old_checkpoint"], doc["new_checkpoint"]))
            elif fmt == TIMESTAMP_FORMAT:
                proof_files.add(name)
                stamped.append((name, _verify_timestamp_file(doc, key, label(name), report, tsa_anchors)))
            elif source.single or (isinstance(fmt, str) and fmt.startswith("gawah-")):
                report.fail(f"{label(name)}: unknown proof format {fmt!r}")
        except VerificationError as exc:
            report.fail(f"{label(name)}: {exc}")
    if source.single:
        return
    _link_timestamps(stamped, heads, extensions, label, report)
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
    parser.add_argument(
        "--tsa-anchor",
        action="append",
        default=[],
        type=Path,
        help="a timestamp authority's root certificate (PEM) that tokens must chain to; repeatable",
    )
    args = parser.parse_args(argv)
    report = Report(lines=[])
    tsa_anchors: list[bytes] = []
    for anchor_path in args.tsa_anchor:
        try:
            tsa_anchors += certificates_from_pem(anchor_path.read_bytes())
        except (OSError, VerificationError) as exc:
            out(f"FAIL  --tsa-anchor {anchor_path}: {exc}")
            return EXIT_USAGE
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
            verify_source(path, key, report, allow_unlisted=args.allow_unlisted, tsa_anchors=tsa_anchors)
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
            "hashes and proofs verify; signatures and timestamps not checked: cryptography not installed"
        ),
    }[status]
    out(f"{report.proofs} proof(s) checked: {summary}")
    return status


if __name__ == "__main__":
    sys.exit(main())
