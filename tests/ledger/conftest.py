"""Fixtures for the ledger tests: the shared RFC 6962 vectors and a workspace key pair."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from gawah.ledger.keys import (
    PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE,
    generate_keypair,
    load_private_key,
    load_public_key,
)

# The repository is /work/main and the shared folder its sibling ../shared.
REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("GAWAH_SHARED_DIR", REPO_ROOT.parent / "shared"))
VECTORS_PATH = SHARED / "eval" / "rfc6962_vectors.json"


def load_vectors() -> dict[str, Any]:
    """The RFC 6962 / 9162 vectors; fail loudly (never skip) when the file is missing."""
    if not VECTORS_PATH.is_file():
        pytest.fail(
            f"RFC 6962 test vectors not found at {VECTORS_PATH}; the ledger cannot be "
            "checked without them (set GAWAH_SHARED_DIR to the folder holding eval/)"
        )
    data: dict[str, Any] = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="session")
def vectors() -> dict[str, Any]:
    return load_vectors()


@pytest.fixture(scope="session")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("workspace") / "keys"
    generate_keypair(directory)
    return directory


@pytest.fixture(scope="session")
def private_key(key_dir: Path) -> Ed25519PrivateKey:
    return load_private_key(key_dir / PRIVATE_KEY_FILE)


@pytest.fixture(scope="session")
def public_key(key_dir: Path) -> Ed25519PublicKey:
    return load_public_key(key_dir / PUBLIC_KEY_FILE)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per probe, named after the probe file of transparency-dev/merkle."""
    for name, key in (("inclusion_probe", "inclusion_probes"), ("consistency_probe", "consistency_probes")):
        if name in metafunc.fixturenames:
            probes = load_vectors()[key]
            metafunc.parametrize(name, probes, ids=[str(p["file"]) for p in probes])
