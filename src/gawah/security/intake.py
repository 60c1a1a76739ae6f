"""The intake key: what families send through the public form is sealed to it as it arrives.

Each workspace has one X25519 key pair for intake. The public half lies in the workspace's key
folder (`keys/intake-public.json`), so the web server seals a family's report without holding any
secret; the private half (`keys/intake-key.json`) is sealed either under a key that scrypt derives
from an intake passphrase (plain workspaces) or under the workspace data key (encrypted ones,
where unlocking the workspace also opens the intake). A copy of the database, or of the whole
folder, tells nothing of who reported without that passphrase or the data key.

A sealed submission is `version byte || ephemeral X25519 public key (32) || nonce (12) || AES-GCM
ciphertext and tag`. The AES-256 key is HKDF-SHA256 of the X25519 shared secret, salted with both
public keys; the associated data names the case (its reference), so a submission copied onto
another case does not open.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gawah.security.crypto import (
    SCRYPT_N,
    CryptoError,
    KdfParameters,
    WrongPassphrase,
    new_kdf_parameters,
    seal,
    unseal,
)

PUBLIC_FILE = "intake-public.json"
PRIVATE_FILE = "intake-key.json"
INTAKE_PASSPHRASE_ENV = "GAWAH_INTAKE_PASSPHRASE"
SUBMISSION_VERSION = 1
_KEY_BYTES = 32
_NONCE_BYTES = 12
_HKDF_INFO = b"gawah intake submission v1"
PASSPHRASE, DATA_KEY = "passphrase", "data-key"


class IntakeNotReady(CryptoError):
    """The workspace has no intake key yet, and none can be made without a passphrase."""


class IntakeLocked(CryptoError):
    """The intake's private key cannot be opened with what was given (no passphrase, no data key)."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _raw_public(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _raw_private(key: X25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def _wrap_context(public: bytes) -> bytes:
    # The private key's seal names its public key: a key file swapped with another one fails.
    return b"gawah intake key v1:" + public


def has_intake_key(keys_dir: Path) -> bool:
    return (keys_dir / PUBLIC_FILE).is_file() and (keys_dir / PRIVATE_FILE).is_file()


def _write(path: Path, document: dict[str, object], mode: int) -> None:
    partial = path.with_suffix(".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(document, out, indent=2)
    os.replace(partial, path)


def create_intake_key(
    keys_dir: Path, *, passphrase: str | None = None, data_key: bytes | None = None, n: int = SCRYPT_N
) -> bytes:
    """Make the workspace's intake key pair; returns the raw public key.

    The private key is sealed under `data_key` when given (an encrypted workspace), else under
    a key derived from `passphrase`. Refuses when the workspace already has an intake key.
    """
    if has_intake_key(keys_dir):
        raise CryptoError(f"{keys_dir / PUBLIC_FILE} exists: this workspace already has an intake key")
    if (passphrase is None) == (data_key is None):
        raise CryptoError("an intake key is sealed under a passphrase or under the data key (one of them)")
    if passphrase is not None and not passphrase:
        raise CryptoError("an empty passphrase protects nothing")
    private = X25519PrivateKey.generate()
    public = _raw_public(private.public_key())
    document: dict[str, object] = {
        "format": "gawah-intake-key",
        "version": 1,
        "algorithm": "X25519",
        "public": _b64(public),
        "cipher": "AES-256-GCM",
    }
    if data_key is not None:
        document["protection"] = DATA_KEY
        wrapped = seal(data_key, _raw_private(private), _wrap_context(public))
    else:
        params = new_kdf_parameters(n)
        document["protection"] = PASSPHRASE
        document["kdf"] = {
            "name": "scrypt",
            "salt": _b64(params.salt),
            "n": params.n,
            "r": params.r,
            "p": params.p,
        }
        wrapped = seal(params.derive(passphrase or ""), _raw_private(private), _wrap_context(public))
    document["wrapped"] = _b64(wrapped)
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    _write(keys_dir / PRIVATE_FILE, document, 0o600)
    _write(
        keys_dir / PUBLIC_FILE,
        {"format": "gawah-intake-public", "version": 1, "algorithm": "X25519", "public": _b64(public)},
        0o644,
    )
    return public


def _read(path: Path, expected: str) -> dict[str, object]:
    if not path.is_file():
        raise IntakeNotReady(f"{path} is missing: make the intake key with `gawah cases intake-key`")
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or document.get("format") != expected:
        raise CryptoError(f"{path} is not a Gawah intake key file")
    return document


def load_public_key(keys_dir: Path) -> bytes:
    """The raw X25519 public key that submissions are sealed to."""
    public = _unb64(str(_read(keys_dir / PUBLIC_FILE, "gawah-intake-public")["public"]))
    if len(public) != _KEY_BYTES:
        raise CryptoError("the intake public key is not an X25519 key")
    return public


def protection(keys_dir: Path) -> str:
    """How the private key is sealed: 'passphrase' or 'data-key'."""
    return str(_read(keys_dir / PRIVATE_FILE, "gawah-intake-key").get("protection"))


@dataclass(frozen=True)
class IntakeOpener:
    """The opened private key: it reads sealed submissions (kept in memory only)."""

    private: X25519PrivateKey

    def open(self, sealed: bytes, context: bytes) -> bytes:
        return open_submission(self.private, sealed, context)


def open_intake_key(
    keys_dir: Path, *, passphrase: str | None = None, data_key: bytes | None = None
) -> IntakeOpener:
    """Unseal the intake's private key; WrongPassphrase when the passphrase is not the one."""
    document = _read(keys_dir / PRIVATE_FILE, "gawah-intake-key")
    public = _unb64(str(document["public"]))
    wrapped = _unb64(str(document["wrapped"]))
    if document.get("protection") == DATA_KEY:
        if data_key is None:
            raise IntakeLocked("the intake key is sealed under the data key: unlock the workspace")
        try:
            raw = unseal(data_key, wrapped, _wrap_context(public))
        except CryptoError:
            raise CryptoError("the data key does not open this intake key") from None
    else:
        kdf = document.get("kdf")
        if not isinstance(kdf, dict):
            raise CryptoError("the intake key file has no key derivation parameters")
        if not passphrase:
            raise IntakeLocked(f"the intake key needs its passphrase ({INTAKE_PASSPHRASE_ENV}, else asked)")
        params = KdfParameters(_unb64(str(kdf["salt"])), int(kdf["n"]), int(kdf["r"]), int(kdf["p"]))
        try:
            raw = unseal(params.derive(passphrase), wrapped, _wrap_context(public))
        except CryptoError:
            raise WrongPassphrase("the passphrase does not open the intake key") from None
    private = X25519PrivateKey.from_private_bytes(raw)
    if _raw_public(private.public_key()) != load_public_key(keys_dir):
        raise CryptoError("the intake public key does not belong to its private key: the key files differ")
    return IntakeOpener(private)


def _derive(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=_KEY_BYTES, salt=ephemeral + recipient, info=_HKDF_INFO
    ).derive(shared)


def seal_submission(public: bytes, plaintext: bytes, context: bytes) -> bytes:
    """Seal `plaintext` so that only the intake's private key opens it, bound to `context`."""
    recipient = X25519PublicKey.from_public_bytes(public)
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = _raw_public(ephemeral.public_key())
    key = _derive(ephemeral.exchange(recipient), ephemeral_public, public)
    nonce = os.urandom(_NONCE_BYTES)
    body = AESGCM(key).encrypt(nonce, plaintext, context)
    return bytes([SUBMISSION_VERSION]) + ephemeral_public + nonce + body


def open_submission(private: X25519PrivateKey, sealed: bytes, context: bytes) -> bytes:
    """The plaintext of `seal_submission`; CryptoError when it was altered, moved or sealed to another key."""
    head = 1 + _KEY_BYTES + _NONCE_BYTES
    if len(sealed) < head + 16 or sealed[0] != SUBMISSION_VERSION:
        raise CryptoError("not a sealed submission of a known version")
    ephemeral_public = sealed[1 : 1 + _KEY_BYTES]
    nonce, body = sealed[1 + _KEY_BYTES : head], sealed[head:]
    recipient = _raw_public(private.public_key())
    shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    key = _derive(shared, ephemeral_public, recipient)
    try:
        return AESGCM(key).decrypt(nonce, body, context)
    except InvalidTag:
        raise CryptoError(
            "the submission was altered, moved to another case, or sealed to another key"
        ) from None


def intake_public_key(keys_dir: Path, data_key: bytes | None) -> bytes:
    """The public key to seal a submission to, made on first need in an encrypted workspace.

    A plain workspace has no secret to seal a new private key under, so there the key is made
    beforehand with a passphrase (`gawah cases intake-key`); until then IntakeNotReady.
    """
    if has_intake_key(keys_dir):
        return load_public_key(keys_dir)
    if data_key is None:
        raise IntakeNotReady("this workspace has no intake key yet: run `gawah cases intake-key`")
    try:
        return create_intake_key(keys_dir, data_key=data_key)
    except CryptoError:
        # Two first submissions at once: the other one made the key; use it.
        if has_intake_key(keys_dir):
            return load_public_key(keys_dir)
        raise
