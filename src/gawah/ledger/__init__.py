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
from gawah.ledger.verifier import (
    EMPTY_ROOT,
    Checkpoint,
    VerificationError,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "EMPTY_ROOT",
    "Checkpoint",
    "LeafChange",
    "MerkleLog",
    "SignedCheckpoint",
    "VerificationError",
    "checkpoint_of",
    "compare_leaf_hashes",
    "cosign",
    "leaf_hash",
    "node_hash",
    "parse_signed_checkpoint",
    "sign_checkpoint",
    "verify_checkpoint",
    "verify_consistency",
    "verify_inclusion",
]
