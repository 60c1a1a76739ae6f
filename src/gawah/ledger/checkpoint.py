"""Signed checkpoints (signed tree heads) in the C2SP signed-note format, Ed25519-signed.

A checkpoint states that the log named ``origin`` holds ``tree_size`` entries whose Merkle root
is ``root_hash``; the workspace key signs it. Parsing and checking are shared with the
standalone ``verifier.py``; this module adds signing and takes ``cryptography`` key objects.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from gawah.ledger.keys import raw_public_key
from gawah.ledger.merkle import MerkleLog
from gawah.ledger.verifier import (
    SIGNATURE_DASH,
    Checkpoint,
    NoteSignature,
    SignedNote,
    VerificationError,
    VerifierKey,
    ed25519_key_id,
    parse_checkpoint_text,
    parse_signed_note,
    verify_note_signature,
)

__all__ = [
    "Checkpoint",
    "NoteSignature",
    "SignedCheckpoint",
    "VerificationError",
    "checkpoint_of",
    "cosign",
    "parse_signed_checkpoint",
    "sign_checkpoint",
    "verifier_key",
    "verify_checkpoint",
]


@dataclass(frozen=True)
class SignedCheckpoint:
    """A parsed signed checkpoint: its content, its signatures, and the exact text."""

    checkpoint: Checkpoint
    note: SignedNote
    text: str

    @property
    def signatures(self) -> tuple[NoteSignature, ...]:
        """The signature lines, in order."""
        return self.note.signatures


def checkpoint_of(log: MerkleLog, origin: str, size: int | None = None) -> Checkpoint:
    """The checkpoint of ``log`` at ``size`` entries (default: all)."""
    n = log.size if size is None else size
    return Checkpoint(origin=origin, tree_size=n, root_hash=log.root(n))


def _signature_line(text: str, private_key: Ed25519PrivateKey, key_name: str) -> str:
    key_id = ed25519_key_id(key_name, raw_public_key(private_key.public_key()))
    signature = private_key.sign(text.encode("utf-8"))
    return f"{SIGNATURE_DASH}{key_name} {base64.b64encode(key_id + signature).decode('ascii')}\n"


def sign_checkpoint(checkpoint: Checkpoint, private_key: Ed25519PrivateKey, key_name: str) -> str:
    """The signed note text of ``checkpoint``, signed by ``private_key`` under ``key_name``."""
    text = checkpoint.note_text()
    signed = text + "\n" + _signature_line(text, private_key, key_name)
    parse_signed_note(signed)  # rejects a bad key name before anyone stores the note
    return signed


def cosign(signed_text: str, private_key: Ed25519PrivateKey, key_name: str) -> str:
    """Add another key's signature (e.g. a witness's) to a signed checkpoint."""
    note = parse_signed_note(signed_text)
    parse_checkpoint_text(note.text)
    signed = signed_text + _signature_line(note.text, private_key, key_name)
    parse_signed_note(signed)
    return signed


def parse_signed_checkpoint(signed_text: str) -> SignedCheckpoint:
    """Parse a signed checkpoint without checking signatures; raise VerificationError if malformed."""
    note = parse_signed_note(signed_text)
    return SignedCheckpoint(parse_checkpoint_text(note.text), note, signed_text)


def verifier_key(public_key: Ed25519PublicKey, key_name: str) -> VerifierKey:
    """The key as the standalone verifier takes it."""
    return VerifierKey(public_key=raw_public_key(public_key), key_name=key_name)


def verify_checkpoint(
    signed_text: str, public_key: Ed25519PublicKey, key_name: str, *, origin: str | None = None
) -> Checkpoint:
    """Check the signature by ``key_name``/``public_key`` and return the checkpoint.

    Raises VerificationError when the text is malformed, carries no signature by that key,
    the signature fails, or (when ``origin`` is given) the checkpoint is from another log.
    """
    parsed = parse_signed_checkpoint(signed_text)
    verify_note_signature(parsed.note, verifier_key(public_key, key_name))
    if origin is not None and parsed.checkpoint.origin != origin:
        raise VerificationError(f"checkpoint is from log {parsed.checkpoint.origin!r}, not {origin!r}")
    return parsed.checkpoint
