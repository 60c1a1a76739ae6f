"""The workspace's Ed25519 key pair, kept as PEM files, which signs ledger checkpoints.

``keys/ed25519.key`` holds the private key (PKCS#8, unencrypted for now, readable by the owner
only) and ``keys/ed25519.pub`` the public key (SubjectPublicKeyInfo), which travels with every
court bundle so that a court can check the checkpoint signatures.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PRIVATE_KEY_FILE = "ed25519.key"
PUBLIC_KEY_FILE = "ed25519.pub"


def _write_new(path: Path, data: bytes, mode: int) -> None:
    # O_EXCL: a workspace key is never silently replaced, since checkpoints signed by the old
    # key could no longer be checked against the key on file.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def generate_keypair(directory: Path) -> None:
    """Create ``directory`` (if needed) and write a new key pair into it.

    Raises FileExistsError if either key file already exists.
    """
    directory.mkdir(parents=True, exist_ok=True)
    private_path, public_path = directory / PRIVATE_KEY_FILE, directory / PUBLIC_KEY_FILE
    for path in (private_path, public_path):
        if path.exists():
            raise FileExistsError(f"{path} already exists; a workspace key is never replaced")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _write_new(private_path, private_pem, 0o600)
    _write_new(public_path, public_pem, 0o644)


def load_private_key(path: Path | str) -> Ed25519PrivateKey:
    """Read an unencrypted PKCS#8 PEM Ed25519 private key."""
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def load_public_key(path: Path | str) -> Ed25519PublicKey:
    """Read a PEM SubjectPublicKeyInfo Ed25519 public key."""
    key = serialization.load_pem_public_key(Path(path).read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} does not hold an Ed25519 public key")
    return key


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of an Ed25519 public key (RFC 8032 encoding)."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
