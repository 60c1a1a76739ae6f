"""Proof files for court bundles, in the JSON formats that ``verifier.py`` reads.

The formats are documented in ``verifier.py``'s docstring; this module writes them from a
``MerkleLog`` and signed checkpoints, checking on the way that the log matches the checkpoint,
so a bundle never carries a proof that its own verifier would refuse.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gawah.ledger.merkle import MerkleLog
from gawah.ledger.verifier import (
    CONSISTENCY_FORMAT,
    INCLUSION_FORMAT,
    Checkpoint,
    VerificationError,
    leaf_hash,
    parse_checkpoint_text,
    parse_signed_note,
)

__all__ = [
    "ProvedEntry",
    "ProvedFile",
    "consistency_proof_document",
    "dump_proof_document",
    "inclusion_proofs_document",
]


@dataclass(frozen=True)
class ProvedFile:
    """A file of the bundle, by its path relative to the proof file, named by its SHA-256."""

    path: str
    sha256: str


@dataclass(frozen=True)
class ProvedEntry:
    """A ledger entry to prove: its index, and optionally its bytes and the files it names."""

    leaf_index: int
    entry: bytes | None = None
    files: tuple[ProvedFile, ...] = field(default_factory=tuple)


def _checkpoint_matching(log: MerkleLog, signed_checkpoint: str) -> Checkpoint:
    checkpoint = parse_checkpoint_text(parse_signed_note(signed_checkpoint).text)
    if checkpoint.tree_size > log.size or log.root(checkpoint.tree_size) != checkpoint.root_hash:
        raise VerificationError(
            f"the log does not match the checkpoint of size {checkpoint.tree_size}: "
            "it was changed after the checkpoint was signed"
        )
    return checkpoint


def inclusion_proofs_document(
    log: MerkleLog, signed_checkpoint: str, entries: Sequence[ProvedEntry]
) -> dict[str, Any]:
    """Inclusion proofs of ``entries`` against ``signed_checkpoint`` (format gawah-inclusion-proofs/1)."""
    checkpoint = _checkpoint_matching(log, signed_checkpoint)
    proofs: list[dict[str, Any]] = []
    for item in entries:
        if not 0 <= item.leaf_index < checkpoint.tree_size:
            raise ValueError(
                f"entry {item.leaf_index} is not in the checkpoint of size {checkpoint.tree_size}"
            )
        stored = log.leaf_hash(item.leaf_index)
        proof: dict[str, Any] = {
            "leaf_index": item.leaf_index,
            "leaf_hash": stored.hex(),
            "audit_path": [h.hex() for h in log.inclusion_proof(item.leaf_index, checkpoint.tree_size)],
        }
        if item.entry is not None:
            if leaf_hash(item.entry) != stored:
                raise VerificationError(f"entry {item.leaf_index} does not hash to the leaf the log holds")
            proof["entry"] = base64.b64encode(item.entry).decode("ascii")
        if item.files:
            if item.entry is None:
                raise ValueError("files can be listed only with the entry that names them")
            for f in item.files:
                if f.sha256.lower().encode("ascii") not in item.entry:
                    raise ValueError(f"entry {item.leaf_index} does not name file {f.path} by its hash")
            proof["files"] = [{"path": f.path, "sha256": f.sha256.lower()} for f in item.files]
        proofs.append(proof)
    return {
        "format": INCLUSION_FORMAT,
        "tree_size": checkpoint.tree_size,
        "checkpoint": signed_checkpoint,
        "proofs": proofs,
    }


def consistency_proof_document(log: MerkleLog, old_checkpoint: str, new_checkpoint: str) -> dict[str, Any]:
    """Proof that ``new_checkpoint`` extends ``old_checkpoint`` (format gawah-consistency-proof/1)."""
    old = _checkpoint_matching(log, old_checkpoint)
    new = _checkpoint_matching(log, new_checkpoint)
    if old.tree_size == 0 or old.tree_size > new.tree_size:
        raise ValueError(f"cannot prove size {new.tree_size} extends size {old.tree_size}")
    return {
        "format": CONSISTENCY_FORMAT,
        "old_checkpoint": old_checkpoint,
        "new_checkpoint": new_checkpoint,
        "proof": [h.hex() for h in log.consistency_proof(old.tree_size, new.tree_size)],
    }


def dump_proof_document(document: dict[str, Any]) -> str:
    """The JSON text of a proof document, stable from run to run."""
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
