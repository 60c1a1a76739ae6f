"""The append-only Merkle log of RFC 9162 (SHA-256): tree hashes and proof generation.

``MerkleLog`` keeps every leaf hash and the hash of every complete ("perfect") subtree, level
by level, in flat byte arrays of 32-byte slots: about 64 bytes per entry. Appending costs one
leaf hash plus, on average, one node hash; the root of any past size, an inclusion proof and a
consistency proof each cost O(log n) lookups and at most O(log n) hashes (O(log² n) for a
consistency proof), whatever the number of entries.

The checking side (``verify_inclusion``, ``verify_consistency``) lives in ``verifier.py``, the
standard-library-only module that court bundles carry; it is re-exported here so that there is
one copy of each algorithm.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from gawah.ledger.verifier import (
    EMPTY_ROOT,
    HASH_SIZE,
    LEAF_PREFIX,
    NODE_PREFIX,
    VerificationError,
    leaf_hash,
    node_hash,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "LeafChange",
    "MerkleLog",
    "VerificationError",
    "compare_leaf_hashes",
    "leaf_hash",
    "node_hash",
    "root_from_inclusion_proof",
    "verify_consistency",
    "verify_inclusion",
]

STATE_MAGIC = b"GAWAH-MERKLE-LOG/1\n"


def _check_leaf_hash(value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, not {len(value)}")


def _parent_level(level: bytes) -> bytearray:
    """Hashes of the complete pairs of one level: the next level up (odd last node waits)."""
    sha256 = hashlib.sha256
    prefix = NODE_PREFIX
    pairs = len(level) // (2 * HASH_SIZE)
    step = 2 * HASH_SIZE
    return bytearray(
        b"".join([sha256(prefix + level[i : i + step]).digest() for i in range(0, pairs * step, step)])
    )


class MerkleLog:
    """An append-only RFC 9162 Merkle tree over leaf hashes, held in memory.

    ``levels[k]`` holds, in order, the hashes of the complete subtrees of 2**k leaves; level 0
    is the leaf hashes. Every hash the tree of any size up to ``size`` needs is either stored
    there or computed from a few stored ones.
    """

    __slots__ = ("_levels",)

    def __init__(self) -> None:
        self._levels: list[bytearray] = [bytearray()]

    # -- building -----------------------------------------------------------------------------

    @classmethod
    def from_leaf_hashes(cls, leaf_hashes: Iterable[bytes]) -> MerkleLog:
        """Rebuild a log from its leaf hashes in order, as loaded from storage."""
        hashes = list(leaf_hashes)
        for value in hashes:
            _check_leaf_hash(value)
        return cls._from_level0(b"".join(hashes))

    @classmethod
    def from_entries(cls, entries: Iterable[bytes]) -> MerkleLog:
        """Build a log by hashing each entry as a leaf."""
        sha256 = hashlib.sha256
        return cls._from_level0(b"".join([sha256(LEAF_PREFIX + e).digest() for e in entries]))

    @classmethod
    def _from_level0(cls, level0: bytes) -> MerkleLog:
        log = cls()
        levels = [bytearray(level0)]
        current: bytes = level0
        while len(current) >= 2 * HASH_SIZE:
            parent = _parent_level(current)
            levels.append(parent)
            current = bytes(parent)
        log._levels = levels
        return log

    def append(self, entry: bytes) -> int:
        """Append an entry (hashed as a leaf); return its 0-based index."""
        return self.append_leaf_hash(leaf_hash(entry))

    def append_leaf_hash(self, value: bytes) -> int:
        """Append an already computed leaf hash; return its 0-based index."""
        _check_leaf_hash(value)
        levels = self._levels
        index = len(levels[0]) // HASH_SIZE
        levels[0] += value
        # Each trailing 1-bit of the index closes one complete subtree: hash it one level up.
        position, k = index, 0
        while position & 1:
            level = levels[k]
            parent = hashlib.sha256(NODE_PREFIX + level[-2 * HASH_SIZE :]).digest()
            k += 1
            position >>= 1
            if k == len(levels):
                levels.append(bytearray())
            levels[k] += parent
        return index

    def extend(self, entries: Iterable[bytes]) -> range:
        """Append a batch of entries; return the range of their indexes."""
        start = self.size
        for entry in entries:
            self.append_leaf_hash(hashlib.sha256(LEAF_PREFIX + entry).digest())
        return range(start, self.size)

    # -- reading ------------------------------------------------------------------------------

    @property
    def size(self) -> int:
        """Number of leaves."""
        return len(self._levels[0]) // HASH_SIZE

    def __len__(self) -> int:
        return self.size

    def leaf_hash(self, index: int) -> bytes:
        """The leaf hash at ``index``."""
        if not 0 <= index < self.size:
            raise IndexError(f"leaf {index} is outside a log of size {self.size}")
        return self._node(0, index)

    def leaf_hashes(self) -> list[bytes]:
        """All leaf hashes in order."""
        level0 = bytes(self._levels[0])
        return [level0[i : i + HASH_SIZE] for i in range(0, len(level0), HASH_SIZE)]

    def _node(self, level: int, index: int) -> bytes:
        start = index * HASH_SIZE
        return bytes(self._levels[level][start : start + HASH_SIZE])

    def _range_hash(self, start: int, end: int) -> bytes:
        """MTH of leaves [start, end); ``start`` must be aligned to the largest power of two
        not above ``end - start``, as every range in RFC 9162's recursion is."""
        chunks: list[bytes] = []
        position, length = start, end - start
        for k in range(length.bit_length() - 1, -1, -1):
            if length >> k & 1:
                chunks.append(self._node(k, position >> k))
                position += 1 << k
        result = chunks[-1]
        for chunk in reversed(chunks[:-1]):
            result = node_hash(chunk, result)
        return result

    def _check_size(self, size: int | None) -> int:
        if size is None:
            return self.size
        if not 0 <= size <= self.size:
            raise ValueError(f"tree size {size} is outside 0..{self.size}")
        return size

    def root(self, size: int | None = None) -> bytes:
        """Root hash of the tree of the first ``size`` leaves (default: all of them)."""
        n = self._check_size(size)
        return EMPTY_ROOT if n == 0 else self._range_hash(0, n)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 audit path (bottom-up) for leaf ``index`` in the tree of ``size`` leaves."""
        n = self._check_size(size)
        if not 0 <= index < n:
            raise ValueError(f"leaf {index} is outside a tree of size {n}")
        path: list[bytes] = []
        # Below level `inner` the paths to the leaf and to the last leaf differ; above it the
        # leaf's path runs along the tree's right border.
        inner = (index ^ (n - 1)).bit_length()
        for k in range(inner):
            sibling = (index >> k) ^ 1
            if k == inner - 1:
                # The right sibling holding the last leaf may be an incomplete subtree.
                path.append(self._range_hash(sibling << k, n))
            else:
                path.append(self._node(k, sibling))
        for k in range(inner, (n - 1).bit_length()):
            if index >> k & 1:
                path.append(self._node(k, (index >> k) ^ 1))
        return path

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """RFC 9162 consistency proof (bottom-up) that the tree of ``size2`` extends ``size1``."""
        n = self._check_size(size2)
        if not 0 < size1 <= n:
            raise ValueError(f"a consistency proof needs 0 < size1 <= size2, got {size1}, {n}")
        # RFC 6962 §2.1.2 SUBPROOF, unrolled: walk down from the root, noting the hash of the
        # subtree not taken at each step; the deepest node comes first in the proof.
        nodes: list[bytes] = []
        m, lo, hi, whole = size1, 0, n, True
        while m != hi - lo:
            k = 1 << ((hi - lo - 1).bit_length() - 1)
            if m <= k:
                nodes.append(self._range_hash(lo + k, hi))
                hi = lo + k
            else:
                nodes.append(self._node((k).bit_length() - 1, lo // k))
                m -= k
                lo += k
                whole = False
        if not whole:
            nodes.append(self._range_hash(lo, hi))
        nodes.reverse()
        return nodes

    # -- state --------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The whole tree state: a header, the size, then every level's hashes."""
        size = self.size
        return b"".join([STATE_MAGIC, size.to_bytes(8, "big"), *(bytes(level) for level in self._levels)])

    @classmethod
    def from_bytes(cls, data: bytes, *, recompute: bool = True) -> MerkleLog:
        """Load a state written by ``to_bytes``.

        With ``recompute`` (the default) the inner nodes are rebuilt from the leaf hashes and
        must equal the stored ones; without it they are trusted, which loads faster.
        """
        header = len(STATE_MAGIC) + 8
        if not data.startswith(STATE_MAGIC) or len(data) < header:
            raise VerificationError("not a Merkle log state")
        size = int.from_bytes(data[len(STATE_MAGIC) : header], "big")
        levels: list[bytearray] = []
        position, count = header, size
        while True:
            end = position + count * HASH_SIZE
            levels.append(bytearray(data[position:end]))
            position = end
            if count < 2:
                break
            count //= 2
        if position != len(data) or len(levels[0]) != size * HASH_SIZE:
            raise VerificationError("Merkle log state has the wrong length for its size")
        if recompute:
            rebuilt = cls._from_level0(bytes(levels[0]))
            for k, (stored, computed) in enumerate(zip(levels, rebuilt._levels, strict=True)):
                if stored != computed:
                    raise VerificationError(f"Merkle log state: level {k} does not match its leaves")
            return rebuilt
        log = cls()
        log._levels = levels
        return log


@dataclass(frozen=True)
class LeafChange:
    """One difference between the leaves a log recorded and those recomputed from storage."""

    kind: Literal["edited", "deleted", "inserted", "reordered"]
    recorded_index: int | None
    current_index: int | None
    leaf_hash: bytes


def compare_leaf_hashes(recorded: Sequence[bytes], current: Sequence[bytes]) -> list[LeafChange]:
    """Name what changed between a trusted sequence of leaf hashes and a recomputed one.

    ``recorded`` is what the log committed to (e.g. rebuilt from a trusted dump); ``current``
    is what the stored entries hash to now. A position whose recorded and current hashes both
    vanished from the other side is an edit; other vanished hashes are deletions or
    insertions; hashes present on both sides but out of their recorded order are reorderings
    (the fewest moved entries that explain the new order). Leaf hashes are assumed unique,
    which holds when entries carry their own sequence number.
    """
    recorded_at = {h: i for i, h in enumerate(recorded)}
    current_at = {h: i for i, h in enumerate(current)}
    changes: list[LeafChange] = []
    edited_recorded: set[int] = set()
    edited_current: set[int] = set()
    for i in range(min(len(recorded), len(current))):
        if recorded[i] not in current_at and current[i] not in recorded_at:
            changes.append(LeafChange("edited", i, i, current[i]))
            edited_recorded.add(i)
            edited_current.add(i)
    for i, h in enumerate(recorded):
        if h not in current_at and i not in edited_recorded:
            changes.append(LeafChange("deleted", i, None, h))
    for i, h in enumerate(current):
        if h not in recorded_at and i not in edited_current:
            changes.append(LeafChange("inserted", None, i, h))
    common = [(recorded_at[h], j, h) for j, h in enumerate(current) if h in recorded_at]
    kept = _longest_increasing(common)
    for position, (i, j, h) in enumerate(common):
        if position not in kept:
            changes.append(LeafChange("reordered", i, j, h))
    changes.sort(key=lambda c: (c.current_index if c.current_index is not None else c.recorded_index) or 0)
    return changes


def _longest_increasing(items: Sequence[tuple[int, int, bytes]]) -> set[int]:
    """Positions of one longest subsequence whose recorded indexes increase (patience sort)."""
    tails: list[int] = []
    tail_positions: list[int] = []
    previous = [-1] * len(items)
    for position, (recorded_index, _, _) in enumerate(items):
        slot = bisect.bisect_left(tails, recorded_index)
        if slot == len(tails):
            tails.append(recorded_index)
            tail_positions.append(position)
        else:
            tails[slot] = recorded_index
            tail_positions[slot] = position
        previous[position] = tail_positions[slot - 1] if slot else -1
    kept: set[int] = set()
    position = tail_positions[-1] if tail_positions else -1
    while position >= 0:
        kept.add(position)
        position = previous[position]
    return kept
