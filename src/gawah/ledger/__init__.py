"""Gawah's tamper-evident ledger: an RFC 9162 Merkle log, signed checkpoints, proofs.

The package holds nothing but hashes and signed heads; entries are stored by their callers.
``verifier.py`` is standalone (standard library only) and is copied into court bundles.
"""

from gawah.ledger.checkpoint import (
    SignedCheckpoint,
    checkpoint_of,
    cosign,
    parse_signed_checkpoint,
    sign_checkpoint,
    verify_checkpoint,
)
from gawah.ledger.merkle import LeafChange, MerkleLog, compare_leaf_hashes
from gawah.ledger.proofs import (
    ProvedEntry,
    ProvedFile,
    consistency_proof_document,
    dump_proof_document,
    inclusion_proofs_document,
)
from gawah.ledger.verifier import (
    EMPTY_ROOT,
    Checkpoint,
    VerificationError,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
    write_canonical_zip,
)

__all__ = [
    "EMPTY_ROOT",
    "Checkpoint",
    "LeafChange",
    "MerkleLog",
    "ProvedEntry",
    "ProvedFile",
    "SignedCheckpoint",
    "VerificationError",
    "checkpoint_of",
    "compare_leaf_hashes",
    "consistency_proof_document",
    "cosign",
    "dump_proof_document",
    "inclusion_proofs_document",
    "leaf_hash",
    "node_hash",
    "parse_signed_checkpoint",
    "sign_checkpoint",
    "verify_checkpoint",
    "verify_consistency",
    "verify_inclusion",
    "write_canonical_zip",
]
