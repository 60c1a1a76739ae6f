"""MerkleLog against a naive RFC 9162 reference, its state, and tampering of every kind."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gawah.ledger.merkle import (
    EMPTY_ROOT,
    MerkleLog,
    VerificationError,
    compare_leaf_hashes,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH straight from RFC 9162 §2.1.1, recursive, over leaf hashes."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


def reference_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 §2.1.1."""
    if len(leaves) <= 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m < k:
        return [*reference_path(m, leaves[:k]), reference_root(leaves[k:])]
    return [*reference_path(m - k, leaves[k:]), reference_root(leaves[:k])]


def reference_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) of RFC 6962 §2.1.2."""
    n = len(leaves)
    if m == n:
        return [] if whole else [reference_root(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*reference_subproof(m, leaves[:k], whole), reference_root(leaves[k:])]
    return [*reference_subproof(m - k, leaves[k:], False), reference_root(leaves[:k])]


def entries(n: int, tag: str = "entry") -> list[bytes]:
    # Entries carry their sequence number, as ledger entries do, so leaf hashes are unique.
    return [f'{{"seq":{i},"{tag}":"custody event {i}"}}'.encode() for i in range(n)]


@pytest.mark.parametrize("n", [*range(0, 40), 63, 64, 65, 127, 128, 129, 255, 256, 257])
def test_log_matches_reference(n: int) -> None:
    data = entries(n)
    leaves = [leaf_hash(e) for e in data]
    grown = MerkleLog()
    for i, e in enumerate(data):
        assert grown.append(e) == i
    built = MerkleLog.from_leaf_hashes(leaves)
    assert grown.to_bytes() == built.to_bytes() == MerkleLog.from_entries(data).to_bytes()
    assert built.root() == reference_root(leaves)
    for m in range(n + 1):
        assert built.root(m) == reference_root(leaves[:m])
    for i in range(n):
        assert built.inclusion_proof(i) == reference_path(i, leaves)
        assert built.leaf_hash(i) == leaves[i]
    for m in range(1, n + 1):
        assert built.consistency_proof(m) == reference_subproof(m, leaves, True)


def test_proofs_at_past_sizes_equal_proofs_of_smaller_log() -> None:
    data = entries(300)
    full = MerkleLog.from_entries(data)
    for size in (1, 2, 3, 5, 17, 128, 129, 200, 299):
        small = MerkleLog.from_entries(data[:size])
        assert full.root(size) == small.root()
        for i in (0, size // 2, size - 1):
            assert full.inclusion_proof(i, size) == small.inclusion_proof(i)
        for m in (1, size // 3 or 1, size):
            assert full.consistency_proof(m, size) == small.consistency_proof(m)


def test_extend_returns_indexes_and_batches_equal_single_appends() -> None:
    log = MerkleLog()
    assert log.extend(entries(5)) == range(0, 5)
    assert log.extend(entries(3, "more")) == range(5, 8)
    single = MerkleLog()
    for e in entries(5) + entries(3, "more"):
        single.append(e)
    assert log.root() == single.root()
    assert len(log) == 8


def test_bad_arguments_are_refused() -> None:
    log = MerkleLog.from_entries(entries(4))
    with pytest.raises(ValueError):
        log.append_leaf_hash(b"short")
    with pytest.raises(ValueError):
        MerkleLog.from_leaf_hashes([b"\x00" * 31])
    with pytest.raises(ValueError):
        log.root(5)
    with pytest.raises(ValueError):
        log.inclusion_proof(4)
    with pytest.raises(ValueError):
        log.inclusion_proof(2, 2)
    with pytest.raises(ValueError):
        log.consistency_proof(0)
    with pytest.raises(ValueError):
        log.consistency_proof(3, 2)
    with pytest.raises(IndexError):
        log.leaf_hash(-1)


def test_state_round_trip_and_tampered_state() -> None:
    log = MerkleLog.from_entries(entries(37))
    state = log.to_bytes()
    assert MerkleLog.from_bytes(state).root() == log.root()
    assert MerkleLog.from_bytes(state, recompute=False).inclusion_proof(3) == log.inclusion_proof(3)
    assert MerkleLog.from_bytes(MerkleLog().to_bytes()).root() == EMPTY_ROOT
    flipped = bytearray(state)
    flipped[-1] ^= 1  # an inner node, not a leaf
    with pytest.raises(VerificationError, match="level"):
        MerkleLog.from_bytes(bytes(flipped))
    with pytest.raises(VerificationError, match="length"):
        MerkleLog.from_bytes(state[:-1])
    with pytest.raises(VerificationError, match="not a Merkle log"):
        MerkleLog.from_bytes(b"something else" + state)


# -- tampering -----------------------------------------------------------------------------------


def _tampered(kind: str, data: list[bytes]) -> list[bytes]:
    changed = list(data)
    if kind == "changed byte":
        row = bytearray(changed[10])
        row[5] ^= 0x01
        changed[10] = bytes(row)
    elif kind == "edited":
        changed[10] = changed[10].replace(b"custody event", b"custody-event")
    elif kind == "deleted":
        del changed[10]
    elif kind == "inserted":
        changed.insert(10, b'{"seq":10,"entry":"forged"}')
    elif kind == "reordered":
        changed[10], changed[11] = changed[11], changed[10]
    elif kind == "appended then truncated":
        changed = changed[:-1]
    return changed


TAMPERING = ["changed byte", "edited", "deleted", "inserted", "reordered", "appended then truncated"]


@pytest.mark.parametrize("kind", TAMPERING)
def test_tampering_is_detected_by_root_and_proofs(kind: str) -> None:
    data = entries(40)
    trusted = MerkleLog.from_entries(data)
    signed_size, signed_root = trusted.size, trusted.root()
    rebuilt = MerkleLog.from_entries(_tampered(kind, data))
    # The rebuilt log no longer reproduces the signed root ...
    assert rebuilt.size != signed_size or rebuilt.root() != signed_root
    # ... the row now stored at position 10 has no valid inclusion proof under the signed root ...
    tampered = _tampered(kind, data)
    if len(tampered) > 10 and tampered[10] != data[10]:
        proof = rebuilt.inclusion_proof(10, min(signed_size, rebuilt.size))
        with pytest.raises(VerificationError):
            verify_inclusion(10, signed_size, leaf_hash(tampered[10]), proof, signed_root)
    # ... while the original row's proof from the trusted log does not match the rebuilt root ...
    with pytest.raises(VerificationError):
        verify_inclusion(10, rebuilt.size, leaf_hash(data[10]), trusted.inclusion_proof(10), rebuilt.root())
    # ... and the rebuilt log, grown past the signed size, cannot prove it extends it.
    rebuilt.extend(entries(5, "later"))
    if rebuilt.size >= signed_size:
        proof = rebuilt.consistency_proof(signed_size)
        with pytest.raises(VerificationError):
            verify_consistency(signed_size, rebuilt.size, proof, signed_root, rebuilt.root())


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("edited", [("edited", 10, 10)]),
        ("changed byte", [("edited", 10, 10)]),
        ("deleted", [("deleted", 10, None)]),
        ("inserted", [("inserted", None, 10)]),
        ("appended then truncated", [("deleted", 39, None)]),
    ],
)
def test_compare_leaf_hashes_names_the_change(
    kind: str, expected: list[tuple[str, int | None, int | None]]
) -> None:
    data = entries(40)
    recorded = [leaf_hash(e) for e in data]
    current = [leaf_hash(e) for e in _tampered(kind, data)]
    found = [(c.kind, c.recorded_index, c.current_index) for c in compare_leaf_hashes(recorded, current)]
    assert found == expected


def test_compare_leaf_hashes_reordering_and_no_change() -> None:
    recorded = [leaf_hash(e) for e in entries(40)]
    assert compare_leaf_hashes(recorded, recorded) == []
    moved = list(recorded)
    moved.insert(30, moved.pop(5))  # one entry moved later
    changes = compare_leaf_hashes(recorded, moved)
    assert [(c.kind, c.recorded_index, c.current_index) for c in changes] == [("reordered", 5, 30)]
    swapped = _tampered("reordered", entries(40))
    changes = compare_leaf_hashes(recorded, [leaf_hash(e) for e in swapped])
    assert len(changes) == 1 and changes[0].kind == "reordered"


# -- properties ----------------------------------------------------------------------------------


@st.composite
def log_and_sizes(draw: st.DrawFn) -> tuple[MerkleLog, int, int, int]:
    n = draw(st.integers(min_value=1, max_value=600))
    size2 = draw(st.integers(min_value=1, max_value=n))
    size1 = draw(st.integers(min_value=1, max_value=size2))
    index = draw(st.integers(min_value=0, max_value=size2 - 1))
    log = MerkleLog.from_leaf_hashes(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(n))
    return log, size1, size2, index


def _perturb(proof: list[bytes], position: int, bit: int) -> list[bytes]:
    changed = list(proof)
    node = bytearray(changed[position % len(changed)])
    node[bit // 8 % 32] ^= 1 << (bit % 8)
    changed[position % len(changed)] = bytes(node)
    return changed


@settings(max_examples=300, deadline=None)
@given(log_and_sizes(), st.integers(min_value=0), st.integers(min_value=0, max_value=255))
def test_every_inclusion_proof_verifies_and_a_perturbed_one_does_not(
    case: tuple[MerkleLog, int, int, int], position: int, bit: int
) -> None:
    log, _, size, index = case
    proof, root, leaf = log.inclusion_proof(index, size), log.root(size), log.leaf_hash(index)
    verify_inclusion(index, size, leaf, proof, root)
    if proof:
        with pytest.raises(VerificationError):
            verify_inclusion(index, size, leaf, _perturb(proof, position, bit), root)
        with pytest.raises(VerificationError):
            verify_inclusion(index, size, leaf, proof[:-1], root)
    with pytest.raises(VerificationError):
        verify_inclusion(index, size, leaf, [*proof, root], root)
    with pytest.raises(VerificationError):
        verify_inclusion(index, size, leaf_hash(b"another entry"), proof, root)
    if size > 1:
        with pytest.raises(VerificationError):
            verify_inclusion((index + 1) % size, size, leaf, proof, root)


@settings(max_examples=300, deadline=None)
@given(log_and_sizes(), st.integers(min_value=0), st.integers(min_value=0, max_value=255))
def test_every_consistency_proof_verifies_and_a_perturbed_one_does_not(
    case: tuple[MerkleLog, int, int, int], position: int, bit: int
) -> None:
    log, size1, size2, _ = case
    proof, root1, root2 = log.consistency_proof(size1, size2), log.root(size1), log.root(size2)
    verify_consistency(size1, size2, proof, root1, root2)
    if proof:
        with pytest.raises(VerificationError):
            verify_consistency(size1, size2, _perturb(proof, position, bit), root1, root2)
        with pytest.raises(VerificationError):
            verify_consistency(size1, size2, proof[:-1], root1, root2)
    if size1 < size2:
        with pytest.raises(VerificationError):
            verify_consistency(size1, size2, proof, root2, root1)
        with pytest.raises(VerificationError):
            verify_consistency(size1, size2, proof, root1, node_hash(root2, root2))
