"""Every vector and probe of ../shared/eval/rfc6962_vectors.json (transparency-dev/merkle)."""

from __future__ import annotations

from typing import Any

import pytest

from gawah.ledger.merkle import EMPTY_ROOT, MerkleLog, leaf_hash, node_hash
from gawah.ledger.verifier import VerificationError, verify_consistency, verify_inclusion


def _hashes(hexes: list[str]) -> list[bytes]:
    return [bytes.fromhex(h) for h in hexes]


def _log(vectors: dict[str, Any]) -> MerkleLog:
    return MerkleLog.from_entries(_hashes(vectors["leaves_hex"]))


def test_hasher_vectors(vectors: dict[str, Any]) -> None:
    for case in vectors["hasher_vectors"]:
        expected = bytes.fromhex(case["expected_hex"])
        if case["function"] == "empty_root":
            assert expected == EMPTY_ROOT
            assert MerkleLog().root() == expected
        elif case["function"] == "leaf_hash":
            assert leaf_hash(bytes.fromhex(case["input_hex"])) == expected
        else:
            assert case["function"] == "node_hash"
            assert node_hash(bytes.fromhex(case["left_hex"]), bytes.fromhex(case["right_hex"])) == expected


def test_roots_by_tree_size(vectors: dict[str, Any]) -> None:
    log = _log(vectors)
    roots = vectors["roots_by_tree_size"]
    assert len(roots) == 9
    for size, root in roots.items():
        assert log.root(int(size)).hex() == root
        # A log rebuilt at that size, and one grown entry by entry, agree.
        assert MerkleLog.from_entries(_hashes(vectors["leaves_hex"])[: int(size)]).root().hex() == root


def test_node_hashes_by_level(vectors: dict[str, Any]) -> None:
    log = _log(vectors)
    for level, hashes in enumerate(vectors["node_hashes_by_level"]):
        width = 1 << level
        for index, expected in enumerate(hashes):
            start = index * width
            assert (
                MerkleLog.from_leaf_hashes(log.leaf_hashes()[start : start + width]).root().hex() == expected
            )


@pytest.mark.parametrize("key", ["inclusion_proofs", "derived_inclusion_proofs"])
def test_inclusion_proofs_generated_and_verified(vectors: dict[str, Any], key: str) -> None:
    log = _log(vectors)
    cases = vectors[key]
    assert cases
    for case in cases:
        index, size = case["leaf_index"], case["tree_size"]
        assert [p.hex() for p in log.inclusion_proof(index, size)] == case["path_hex"]
        root = bytes.fromhex(case.get("root_hex", vectors["roots_by_tree_size"][str(size)]))
        verify_inclusion(index, size, log.leaf_hash(index), _hashes(case["path_hex"]), root)


@pytest.mark.parametrize("key", ["consistency_proofs", "derived_consistency_proofs"])
def test_consistency_proofs_generated_and_verified(vectors: dict[str, Any], key: str) -> None:
    log = _log(vectors)
    roots = vectors["roots_by_tree_size"]
    for case in vectors[key]:
        size1, size2 = case["size1"], case["size2"]
        assert [p.hex() for p in log.consistency_proof(size1, size2)] == case["path_hex"]
        root1 = bytes.fromhex(case.get("root1_hex", roots[str(size1)]))
        root2 = bytes.fromhex(case.get("root2_hex", roots[str(size2)]))
        verify_consistency(size1, size2, _hashes(case["path_hex"]), root1, root2)


def test_inclusion_probe(inclusion_probe: dict[str, Any]) -> None:
    probe = inclusion_probe

    def run() -> None:
        verify_inclusion(
            probe["leaf_index"],
            probe["tree_size"],
            bytes.fromhex(probe["leaf_hash_hex"]),
            _hashes(probe["path_hex"]),
            bytes.fromhex(probe["root_hex"]),
        )

    if probe["want_error"]:
        with pytest.raises(VerificationError):
            run()
    else:
        run()


def test_consistency_probe(consistency_probe: dict[str, Any]) -> None:
    probe = consistency_probe

    def run() -> None:
        verify_consistency(
            probe["size1"],
            probe["size2"],
            _hashes(probe["path_hex"]),
            bytes.fromhex(probe["root1_hex"]),
            bytes.fromhex(probe["root2_hex"]),
        )

    if probe["want_error"]:
        with pytest.raises(VerificationError):
            run()
    else:
        run()


def test_probe_counts(vectors: dict[str, Any]) -> None:
    # The file promises 98 + 98 probes; a truncated copy must not pass quietly.
    probes = vectors["inclusion_probes"] + vectors["consistency_probes"]
    assert len(vectors["inclusion_probes"]) == len(vectors["consistency_probes"]) == 98
    assert sum(p["want_error"] for p in probes) > 150
