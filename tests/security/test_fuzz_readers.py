"""The file readers on random and mutated bytes: a document or ReadError, never another exception."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gawah.ingest.readers import ReadError, read_path

REPO = Path(__file__).resolve().parents[2]
SEEDS = {
    ".txt": (REPO / "demo" / "reports").glob("*.txt"),
    ".html": (REPO / "tests" / "fixtures").rglob("*.html"),
    ".pdf": (REPO / "tests" / "fixtures").rglob("*.pdf"),
}
SEED_BYTES = {suffix: [p.read_bytes()[:20_000] for p in sorted(paths)][:3] for suffix, paths in SEEDS.items()}


def mutated(seed: bytes, edits: list[tuple[int, int]], cut: int) -> bytes:
    data = bytearray(seed[: max(1, cut)] if seed else b"x")
    for position, value in edits:
        data[position % len(data)] = value
    return bytes(data)


def read_bytes(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzzed{suffix}"
        path.write_bytes(data)
        with contextlib.suppress(ReadError):
            read_path(path)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=4000), suffix=st.sampled_from([".txt", ".html", ".pdf"]))
def test_random_bytes(data: bytes, suffix: str) -> None:
    read_bytes(data, suffix)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    suffix=st.sampled_from([s for s, seeds in SEED_BYTES.items() if seeds]),
    which=st.integers(min_value=0, max_value=2),
    edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=20),
    cut=st.integers(min_value=1, max_value=20_000),
)
def test_mutated_real_files(suffix: str, which: int, edits: list[tuple[int, int]], cut: int) -> None:
    seeds = SEED_BYTES[suffix]
    read_bytes(mutated(seeds[which % len(seeds)], edits, cut), suffix)
