"""Keys, C2SP signed checkpoints: signing, verifying, and rejecting anything malformed."""

from __future__ import annotations

import base64
import hashlib
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from gawah.ledger.checkpoint import (
    Checkpoint,
    checkpoint_of,
    cosign,
    parse_signed_checkpoint,
    sign_checkpoint,
    verifier_key,
    verify_checkpoint,
)
from gawah.ledger.keys import (
    PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE,
    generate_keypair,
    load_private_key,
    load_public_key,
    raw_public_key,
)
from gawah.ledger.merkle import MerkleLog
from gawah.ledger.verifier import (
    SignedNote,
    VerificationError,
    ed25519_key_id,
    ed25519_public_key_from_pem,
    parse_signed_note,
    parse_vkey,
    verify_note_signature,
)

ORIGIN = "gawah.example/ws-kabul-field-office"

# Known-answer test from golang.org/x/mod/sumdb/note (example_test.go, BSD licence): an
# independent implementation of signed notes with Ed25519.
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY_SEED = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_NOTE = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6K"
    "E6RyyBwJnAM=\n"
)


def test_go_sumdb_note_known_answer() -> None:
    key = parse_vkey(GO_VKEY)
    assert key.key_name == "PeterNeumann"
    note = parse_signed_note(GO_NOTE)
    assert note.signatures[0].key_id.hex() == "c74f20a3"
    assert verify_note_signature(note, key).key_name == "PeterNeumann"
    # Signing the same text with the same seed gives the same bytes (Ed25519 is deterministic).
    private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(GO_SKEY_SEED)[1:])
    assert raw_public_key(private.public_key()) == key.public_key
    assert key.c2sp_vkey() == GO_VKEY
    forged = GO_NOTE.replace("problem is", "problem was")
    with pytest.raises(VerificationError, match="does not verify"):
        verify_note_signature(parse_signed_note(forged), key)


def test_generate_keypair_writes_pem_files_and_never_overwrites(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    generate_keypair(keys)
    private_pem = (keys / PRIVATE_KEY_FILE).read_bytes()
    assert private_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert (keys / PUBLIC_KEY_FILE).read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    assert stat.S_IMODE((keys / PRIVATE_KEY_FILE).stat().st_mode) == 0o600
    private, public = load_private_key(keys / PRIVATE_KEY_FILE), load_public_key(keys / PUBLIC_KEY_FILE)
    assert raw_public_key(private.public_key()) == raw_public_key(public)
    # The standard-library reader of the verifier finds the same raw key in the PEM.
    assert ed25519_public_key_from_pem((keys / PUBLIC_KEY_FILE).read_text()) == raw_public_key(public)
    with pytest.raises(FileExistsError):
        generate_keypair(keys)
    assert (keys / PRIVATE_KEY_FILE).read_bytes() == private_pem


def test_loading_a_non_ed25519_key_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    other = ec.generate_private_key(ec.SECP256R1())
    (tmp_path / "ec.key").write_bytes(
        other.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    (tmp_path / "ec.pub").write_bytes(
        other.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    with pytest.raises(ValueError, match="Ed25519"):
        load_private_key(tmp_path / "ec.key")
    with pytest.raises(ValueError, match="Ed25519"):
        load_public_key(tmp_path / "ec.pub")
    with pytest.raises(VerificationError, match="not an Ed25519"):
        ed25519_public_key_from_pem((tmp_path / "ec.pub").read_text())


def _signed(private_key: Ed25519PrivateKey, size: int = 11) -> tuple[MerkleLog, str]:
    log = MerkleLog.from_entries(f"entry {i}".encode() for i in range(size))
    return log, sign_checkpoint(checkpoint_of(log, ORIGIN), private_key, ORIGIN)


def test_signed_checkpoint_text_follows_c2sp(
    private_key: Ed25519PrivateKey, public_key: Ed25519PublicKey
) -> None:
    log, text = _signed(private_key)
    lines = text.split("\n")
    assert lines[0] == ORIGIN
    assert lines[1] == "11"
    assert base64.b64decode(lines[2]) == log.root()
    assert lines[3] == ""
    assert lines[4].startswith("— " + ORIGIN + " ")
    assert lines[5] == "" and len(lines) == 6
    blob = base64.b64decode(lines[4].split(" ")[2])
    expected_id = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + raw_public_key(public_key)).digest()[:4]
    assert blob[:4] == expected_id == ed25519_key_id(ORIGIN, raw_public_key(public_key))
    assert len(blob) == 4 + 64
    public_key.verify(blob[4:], (text[: text.index("\n\n") + 1]).encode())

    checkpoint = verify_checkpoint(text, public_key, ORIGIN, origin=ORIGIN)
    assert checkpoint == Checkpoint(ORIGIN, 11, log.root())
    parsed = parse_signed_checkpoint(text)
    assert parsed.checkpoint == checkpoint and parsed.text == text
    assert [s.key_name for s in parsed.signatures] == [ORIGIN]


def test_extension_lines_and_empty_tree(private_key: Ed25519PrivateKey, public_key: Ed25519PublicKey) -> None:
    checkpoint = Checkpoint(ORIGIN, 0, MerkleLog().root(), ("Timestamp: 1717171717",))
    text = sign_checkpoint(checkpoint, private_key, ORIGIN)
    assert text.split("\n")[1] == "0"
    assert verify_checkpoint(text, public_key, ORIGIN) == checkpoint


def test_wrong_key_and_wrong_name_are_refused(
    private_key: Ed25519PrivateKey, public_key: Ed25519PublicKey
) -> None:
    _, text = _signed(private_key)
    stranger = Ed25519PrivateKey.generate()
    with pytest.raises(VerificationError, match="no signature by the given key"):
        verify_checkpoint(text, stranger.public_key(), ORIGIN)
    with pytest.raises(VerificationError, match="no signature by the given key"):
        verify_checkpoint(text, public_key, "gawah.example/another-log")
    with pytest.raises(VerificationError, match="from log"):
        verify_checkpoint(text, public_key, ORIGIN, origin="gawah.example/another-log")
    # A signature line that claims our name and key ID but was made by another key.
    key_id = ed25519_key_id(ORIGIN, raw_public_key(public_key))
    body = text[: text.index("\n\n") + 1]
    fake = base64.b64encode(key_id + stranger.sign(body.encode())).decode()
    with pytest.raises(VerificationError, match="does not verify"):
        verify_checkpoint(f"{body}\n— {ORIGIN} {fake}\n", public_key, ORIGIN)


def test_unknown_signatures_are_ignored_and_cosignatures_verify(
    private_key: Ed25519PrivateKey, public_key: Ed25519PublicKey
) -> None:
    _, text = _signed(private_key)
    witness = Ed25519PrivateKey.generate()
    cosigned = cosign(text, witness, "witness.example/w1")
    assert verify_checkpoint(cosigned, public_key, ORIGIN).tree_size == 11
    assert verify_checkpoint(cosigned, witness.public_key(), "witness.example/w1").tree_size == 11
    assert len(parse_signed_checkpoint(cosigned).signatures) == 2


@pytest.mark.parametrize(
    "mutation",
    [
        "size changed",
        "root changed",
        "origin changed",
        "extension added",
        "signature byte flipped",
    ],
)
def test_changed_checkpoint_fails(
    mutation: str, private_key: Ed25519PrivateKey, public_key: Ed25519PublicKey
) -> None:
    log, text = _signed(private_key)
    lines = text.split("\n")
    if mutation == "size changed":
        lines[1] = "12"
    elif mutation == "root changed":
        lines[2] = base64.b64encode(log.root(10)).decode()
    elif mutation == "origin changed":
        lines[0] = ORIGIN + "x"
    elif mutation == "extension added":
        lines.insert(3, "Note: added later")
    else:
        dash, name, sig = lines[4].split(" ")
        raw = bytearray(base64.b64decode(sig))
        raw[-1] ^= 0x80
        lines[4] = f"{dash} {name} {base64.b64encode(bytes(raw)).decode()}"
    with pytest.raises(VerificationError):
        verify_checkpoint("\n".join(lines), public_key, ORIGIN)


def _malformed(text: str) -> dict[str, str]:
    body, sig = text.split("\n\n")
    origin, size, root = body.split("\n")
    signature_line = sig.rstrip("\n")
    return {
        "empty": "",
        "no trailing newline": text.rstrip("\n"),
        "no blank line": body + "\n" + sig,
        "no signatures": body + "\n\n",
        "hyphen instead of em dash": text.replace("—", "-"),
        "missing key name": text.replace("— " + ORIGIN + " ", "— "),
        "extra field on signature line": text.replace(signature_line, signature_line + " extra"),
        "signature not base64": text.replace(signature_line, signature_line[:-4] + "!!!!"),
        "signature too short": f"{body}\n\n— {ORIGIN} AAAA\n",
        "two lines only": f"{origin}\n{size}\n\n{sig}",
        "size with leading zero": f"{origin}\n0{size}\n{root}\n\n{sig}",
        "negative size": f"{origin}\n-{size}\n{root}\n\n{sig}",
        "size not decimal": f"{origin}\neleven\n{root}\n\n{sig}",
        "root not base64": f"{origin}\n{size}\n{root[:-2]}!=\n\n{sig}",
        "root too short": f"{origin}\n{size}\n{base64.b64encode(b'x' * 31).decode()}\n\n{sig}",
        "root without padding": f"{origin}\n{size}\n{root.rstrip('=')}\n\n{sig}",
        "empty origin": f"\n{size}\n{root}\n\n{sig}",
        "control character": text.replace(ORIGIN, ORIGIN + "\t", 1),
        "carriage returns": text.replace("\n", "\r\n"),
        "key name with plus": text.replace("— " + ORIGIN, "— a+b"),
    }


def test_malformed_checkpoints_are_rejected_with_a_reason(
    private_key: Ed25519PrivateKey, public_key: Ed25519PublicKey
) -> None:
    _, text = _signed(private_key)
    for label, bad in _malformed(text).items():
        with pytest.raises(VerificationError) as caught:
            verify_checkpoint(bad, public_key, ORIGIN)
        assert str(caught.value), label
        with pytest.raises(VerificationError):
            parse_signed_checkpoint(bad)


def test_signing_refuses_a_bad_key_name_or_checkpoint(private_key: Ed25519PrivateKey) -> None:
    log = MerkleLog.from_entries([b"a"])
    with pytest.raises(VerificationError):
        sign_checkpoint(checkpoint_of(log, ORIGIN), private_key, "has space")
    with pytest.raises(VerificationError):
        sign_checkpoint(Checkpoint("two\nlines", 1, log.root()), private_key, ORIGIN)
    with pytest.raises(VerificationError):
        sign_checkpoint(Checkpoint(ORIGIN, 1, b"short"), private_key, ORIGIN)


def test_verifier_key_string_round_trips(public_key: Ed25519PublicKey) -> None:
    key = verifier_key(public_key, ORIGIN)
    assert parse_vkey(key.c2sp_vkey()) == key
    name, _, encoded = key.c2sp_vkey().split("+", 2)
    with pytest.raises(VerificationError, match="key ID"):
        parse_vkey(f"{name}+00000000+{encoded}")
    note = SignedNote(text="x\n", signatures=())
    with pytest.raises(VerificationError):
        verify_note_signature(note, key)
