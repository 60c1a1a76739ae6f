"""Encryption at rest: one random data key per workspace, wrapped by a key derived from a passphrase.

The data key (256 random bits) encrypts confidential fields and files with AES-256-GCM. It never
lies on disk in the clear: `keys/data-key.json` holds it sealed under a key-encryption key that
scrypt (memory-hard, so a seized laptop's passphrase is slow to guess on a GPU) derives from the
passphrase. Changing the passphrase re-wraps the same data key, so nothing else is re-encrypted.

Every sealed value is `version byte || 96-bit random nonce || ciphertext and tag`, and its
associated data names where it belongs (table, column, kind of row): a ciphertext copied into
another column or row kind fails to open instead of being shown out of place.
"""

from __future__ import annotations

import base64
import io
import json
import os
import secrets
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

SEAL_VERSION = 1
NONCE_BYTES = 12
KEY_BYTES = 32
DATA_KEY_FILE = "data-key.json"
PASSPHRASE_ENV = "GAWAH_PASSPHRASE"
# scrypt cost: 2**17 × 8 × 128 bytes = 128 MiB of memory per guess (OWASP's suggested minimum).
SCRYPT_N = 2**17
SCRYPT_R = 8
SCRYPT_P = 1
WRAP_CONTEXT = b"gawah data key v1"


class CryptoError(Exception):
    """Something sealed could not be opened, or a key is missing."""


class WrongPassphrase(CryptoError):
    """The passphrase does not unwrap this workspace's data key."""


@dataclass(frozen=True)
class KdfParameters:
    salt: bytes
    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P

    def derive(self, passphrase: str) -> bytes:
        kdf = Scrypt(salt=self.salt, length=KEY_BYTES, n=self.n, r=self.r, p=self.p)
        return kdf.derive(passphrase.encode("utf-8"))


def seal(key: bytes, plaintext: bytes, associated: bytes) -> bytes:
    """Encrypt and authenticate `plaintext` bound to `associated` (which is not stored)."""
    nonce = os.urandom(NONCE_BYTES)
    return bytes([SEAL_VERSION]) + nonce + AESGCM(key).encrypt(nonce, plaintext, associated)


def unseal(key: bytes, sealed: bytes, associated: bytes) -> bytes:
    """The plaintext of `seal(key, plaintext, associated)`; CryptoError when anything differs."""
    if len(sealed) < 1 + NONCE_BYTES + 16 or sealed[0] != SEAL_VERSION:
        raise CryptoError("not a sealed value of a known version")
    nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, associated)
    except InvalidTag:
        raise CryptoError("the sealed value was altered, moved, or sealed under another key") from None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def wrap_data_key(data_key: bytes, passphrase: str, params: KdfParameters) -> dict[str, object]:
    """The JSON document that keeps `data_key` sealed under the passphrase."""
    kek = params.derive(passphrase)
    return {
        "format": "gawah-data-key",
        "version": 1,
        "kdf": {"name": "scrypt", "salt": _b64(params.salt), "n": params.n, "r": params.r, "p": params.p},
        "cipher": "AES-256-GCM",
        "wrapped": _b64(seal(kek, data_key, WRAP_CONTEXT)),
    }


def unwrap_data_key(document: dict[str, object], passphrase: str) -> bytes:
    """The data key inside a wrapped-key document; WrongPassphrase when the passphrase is not it."""
    kdf = document.get("kdf")
    if document.get("format") != "gawah-data-key" or not isinstance(kdf, dict):
        raise CryptoError("not a Gawah data key file")
    params = KdfParameters(_unb64(str(kdf["salt"])), int(kdf["n"]), int(kdf["r"]), int(kdf["p"]))
    try:
        return unseal(params.derive(passphrase), _unb64(str(document["wrapped"])), WRAP_CONTEXT)
    except CryptoError:
        raise WrongPassphrase("the passphrase does not open this workspace's data key") from None


def new_kdf_parameters(n: int = SCRYPT_N) -> KdfParameters:
    return KdfParameters(salt=secrets.token_bytes(16), n=n)


def key_file(keys_dir: Path) -> Path:
    return keys_dir / DATA_KEY_FILE


def is_encrypted(keys_dir: Path) -> bool:
    return key_file(keys_dir).exists()


def _write_private(path: Path, document: dict[str, object]) -> None:
    # Written beside and renamed over, so a crash never leaves half a key file.
    partial = path.with_suffix(".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(document, out, indent=2)
    os.replace(partial, path)


def create_data_key(keys_dir: Path, passphrase: str, *, n: int = SCRYPT_N) -> bytes:
    """Make and wrap a new data key in `keys_dir`; refuses when one exists."""
    if not passphrase:
        raise CryptoError("an empty passphrase protects nothing")
    path = key_file(keys_dir)
    if path.exists():
        raise CryptoError(f"{path} exists: this workspace already has a data key")
    data_key = secrets.token_bytes(KEY_BYTES)
    _write_private(path, wrap_data_key(data_key, passphrase, new_kdf_parameters(n)))
    return data_key


def load_data_key(keys_dir: Path, passphrase: str) -> bytes:
    path = key_file(keys_dir)
    if not path.exists():
        raise CryptoError(f"{path} is missing: this workspace is not encrypted")
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise CryptoError(f"{path} is not a Gawah data key file")
    return unwrap_data_key(document, passphrase)


def change_passphrase(keys_dir: Path, old: str, new: str, *, n: int = SCRYPT_N) -> None:
    """Re-wrap the same data key under `new`; the old passphrase must open it first."""
    if not new:
        raise CryptoError("an empty passphrase protects nothing")
    data_key = load_data_key(keys_dir, old)
    _write_private(key_file(keys_dir), wrap_data_key(data_key, new, new_kdf_parameters(n)))


# Streams (evidence files, backups) are sealed in chunks, each framed as length (4 bytes), a
# last-chunk flag (1 byte) and the sealed chunk, whose associated data holds the stream's context,
# the chunk's index and the flag: chunks cannot be reordered, dropped, or cut off unnoticed.
STREAM_CHUNK = 1 << 20
_FRAME = struct.Struct(">I?")


def _chunk_context(context: bytes, index: int, last: bool) -> bytes:
    return context + struct.pack(">Q?", index, last)


def seal_stream(source: BinaryIO, out: BinaryIO, key: bytes, context: bytes) -> int:
    """Seal everything `source` yields into `out`; returns the number of plaintext bytes."""
    index, total = 0, 0
    chunk = source.read(STREAM_CHUNK)
    while True:
        following = source.read(STREAM_CHUNK)
        last = not following
        sealed = seal(key, chunk, _chunk_context(context, index, last))
        out.write(_FRAME.pack(len(sealed), last) + sealed)
        total += len(chunk)
        if last:
            return total
        chunk, index = following, index + 1


def open_chunks(source: BinaryIO, key: bytes, context: bytes) -> Iterator[bytes]:
    """The plaintext chunks of a sealed stream, each checked before it is given out."""
    index = 0
    while True:
        frame = source.read(_FRAME.size)
        if len(frame) != _FRAME.size:
            raise CryptoError("the sealed stream is cut short")
        length, last = _FRAME.unpack(frame)
        sealed = source.read(length)
        yield unseal(key, sealed, _chunk_context(context, index, last))
        if last:
            if source.read(1):
                raise CryptoError("the sealed stream has data after its last chunk")
            return
        index += 1


class OpenedStream(io.RawIOBase):
    """A readable file over a sealed stream, decrypting one chunk at a time (no plaintext on disk)."""

    def __init__(self, source: BinaryIO, key: bytes, context: bytes) -> None:
        super().__init__()
        self._source = source
        self._chunks = open_chunks(source, key, context)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
            if not self._buffer:
                return 0
        view = memoryview(target).cast("B")
        size = min(len(view), len(self._buffer))
        view[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size

    def close(self) -> None:
        self._source.close()
        super().close()
