"""C2PA content credentials read and validated offline, on files signed here with a test certificate.

Every signed asset is made in the test: c2pa-python's Builder signs with a certificate chain that
`cryptography` generates (an invented root and a leaf with the key usages C2PA asks for). Nothing is
downloaded. The signer is on no trust list, so a good signature reads as "unverified-signer" unless
the test hands its root over as a trust anchor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image
from sqlalchemy import select

from gawah.ingest.pipeline import Ingestor
from gawah.store.models import EvidenceItem
from gawah.vault import c2pa as credentials
from gawah.vault.c2pa import C2paFormatError, ValidationState, decode_cbor, find_c2pa
from gawah.vault.metadata import read_metadata
from gawah.workspace import Workspace
from tests.web.conftest import signed_in_client

c2pa = pytest.importorskip("c2pa")

DIGITAL_CAPTURE = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"


@dataclass(frozen=True)
class SigningKey:
    chain_pem: bytes  # leaf first, then the root
    key_pem: bytes
    root_pem: str
    algorithm: Any


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Invented Newsroom"),
        ]
    )


def _usage(*, signs_certificates: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not signs_certificates,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=signs_certificates,
        crl_sign=signs_certificates,
        encipher_only=False,
        decipher_only=False,
    )


def make_signer(kind: str) -> SigningKey:
    """An invented root CA and a leaf (ES256 or Ed25519) fit for C2PA: not self-signed, v3,
    digitalSignature key usage, an allowed extended key usage (emailProtection)."""
    now = dt.datetime.now(dt.UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = (
        x509.CertificateBuilder()
        .subject_name(_name("Invented Test Root"))
        .issuer_name(_name("Invented Test Root"))
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(signs_certificates=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    leaf_key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
    if kind == "es256":
        leaf_key, algorithm = ec.generate_private_key(ec.SECP256R1()), c2pa.C2paSigningAlg.ES256
    else:
        leaf_key, algorithm = ed25519.Ed25519PrivateKey.generate(), c2pa.C2paSigningAlg.ED25519
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("Invented Field Camera"))
        .issuer_name(root.subject)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(signs_certificates=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False
        )
        .sign(root_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return SigningKey(
        chain_pem=leaf.public_bytes(pem) + root.public_bytes(pem),
        key_pem=leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        root_pem=root.public_bytes(pem).decode(),
        algorithm=algorithm,
    )


@pytest.fixture(scope="module")
def es256() -> SigningKey:
    return make_signer("es256")


@pytest.fixture(scope="module")
def ed25519_signer() -> SigningKey:
    return make_signer("ed25519")


def _picture(media_type: str, colour: tuple[int, int, int] = (150, 40, 90)) -> bytes:
    buf = io.BytesIO()
    image = Image.new("RGB", (64, 48), colour)
    for x in range(0, 64, 8):  # some detail, so the JPEG scan is more than a flat block
        image.putpixel((x, x % 48), (255, 255, 255))
    image.save(buf, "JPEG" if media_type == "image/jpeg" else "PNG")
    return buf.getvalue()


def sign(
    target: Path,
    signer: SigningKey,
    media_type: str,
    *,
    manifest: dict[str, Any] | None = None,
    parent: tuple[bytes, str] | None = None,
    remote_url: str | None = None,
) -> Path:
    """Sign a fresh picture with c2pa-python's Builder and write it to `target`."""
    definition = manifest or {
        "claim_generator_info": [{"name": "Invented Camera App", "version": "1.0"}],
        "title": target.name,
        "format": media_type,
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {"actions": [{"action": "c2pa.created", "digitalSourceType": DIGITAL_CAPTURE}]},
            }
        ],
    }
    context = c2pa.Context.from_dict(
        {**credentials.OFFLINE_SETTINGS, "builder": {"thumbnail": {"enabled": False}}}
    )
    builder = c2pa.Builder(definition, context)
    if parent is not None:
        builder.add_ingredient(
            {"title": "IMG_0042.jpg", "relationship": "parentOf", "label": "parent-photo"},
            parent[1],
            io.BytesIO(parent[0]),
        )
    if remote_url is not None:
        builder.set_no_embed()
        builder.set_remote_url(remote_url)
    out = io.BytesIO()
    with c2pa.Signer.from_info(
        c2pa.C2paSignerInfo(signer.algorithm, signer.chain_pem, signer.key_pem, None)
    ) as key:
        builder.sign(key, media_type, io.BytesIO(_picture(media_type)), out)
    target.write_bytes(out.getvalue())
    return target


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _flip_scan_byte(path: Path) -> Path:
    """Change one byte of the JPEG's compressed pixels (after the start-of-scan header)."""
    data = bytearray(path.read_bytes())
    sos = data.index(b"\xff\xda")
    start = sos + 2 + int.from_bytes(data[sos + 2 : sos + 4], "big")
    offset = next(i for i in range(start + 4, len(data)) if data[i] < 0x80)
    data[offset] ^= 0x01
    edited = path.with_name("edited-" + path.name)
    edited.write_bytes(bytes(data))
    return edited


# ---------------------------------------------------------------- validation states


def test_signed_jpeg_reads_with_a_good_signature_and_an_unverified_signer(
    tmp_path: Path, es256: SigningKey
) -> None:
    path = sign(tmp_path / "IMG_0042.jpg", es256, "image/jpeg")
    info = find_c2pa(path, "image/jpeg")
    assert info is not None
    assert info.container == "jpeg-app11" and info.store_bytes > 1000
    assert info.manifest_count == 1 and info.active_manifest and info.active_manifest.startswith("urn:")
    assert info.claim_generator == "Invented Camera App 1.0"
    assert info.claim_title == "IMG_0042.jpg"
    assert "c2pa.actions.v2" in info.assertions
    assert info.signature_present and info.validated
    assert (info.signer, info.signer_issuer) == ("Invented Field Camera", "Invented Newsroom")
    assert info.signature_algorithm is not None and info.signature_algorithm.lower() == "es256"
    assert info.signed_at is None  # signed without a timestamp authority: no trusted time
    # Signature and hashes hold; the invented root is on no trust list Gawah holds.
    assert info.validation_state is ValidationState.UNVERIFIED_SIGNER
    assert [p.split(":")[0] for p in info.validation_problems] == ["signingCredential.untrusted"]
    assert info.validator is not None and info.validator.startswith("c2pa-python ")


def test_signer_chaining_to_a_given_trust_anchor_is_valid(tmp_path: Path, es256: SigningKey) -> None:
    path = sign(tmp_path / "IMG_0042.jpg", es256, "image/jpeg")
    info = find_c2pa(path, "image/jpeg", trust_anchors=es256.root_pem)
    assert info is not None
    assert info.validation_state is ValidationState.VALID
    assert info.validation_problems == []
    other_root = make_signer("es256").root_pem
    info = find_c2pa(path, "image/jpeg", trust_anchors=other_root)
    assert info is not None and info.validation_state is ValidationState.UNVERIFIED_SIGNER


def test_one_changed_pixel_byte_makes_the_credentials_invalid(tmp_path: Path, es256: SigningKey) -> None:
    path = sign(tmp_path / "IMG_0042.jpg", es256, "image/jpeg")
    edited = _flip_scan_byte(path)
    assert _sha256(edited) != _sha256(path)
    info = find_c2pa(edited, "image/jpeg", trust_anchors=es256.root_pem)
    assert info is not None
    assert info.validation_state is ValidationState.INVALID
    assert any(p.startswith("assertion.dataHash.mismatch") for p in info.validation_problems)
    # What the manifest claims is still reported: the summary does not hide the credentials.
    assert info.claim_generator == "Invented Camera App 1.0"


def test_signed_png_with_ed25519_and_a_parent_ingredient(
    tmp_path: Path, es256: SigningKey, ed25519_signer: SigningKey
) -> None:
    parent = sign(tmp_path / "IMG_0042.jpg", es256, "image/jpeg").read_bytes()
    manifest = {
        "claim_generator_info": [{"name": "Invented Editor", "version": "2.0"}],
        "title": "cropped.png",
        "format": "image/png",
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {"action": "c2pa.opened", "parameters": {"ingredientIds": ["parent-photo"]}},
                        {"action": "c2pa.cropped"},
                    ]
                },
            }
        ],
    }
    path = sign(
        tmp_path / "cropped.png",
        ed25519_signer,
        "image/png",
        manifest=manifest,
        parent=(parent, "image/jpeg"),
    )
    info = find_c2pa(path, "image/png")
    assert info is not None
    assert info.container == "png-cabx"
    assert info.manifest_count == 2  # the parent's manifest travels with its ingredient
    assert info.claim_generator == "Invented Editor 2.0"
    assert info.signature_algorithm is not None and info.signature_algorithm.lower() == "ed25519"
    assert info.validation_state is ValidationState.UNVERIFIED_SIGNER
    assert len(info.ingredients) == 1
    ingredient = info.ingredients[0]
    assert (ingredient["title"], ingredient["relationship"]) == ("IMG_0042.jpg", "parentOf")
    assert ingredient["format"] == "image/jpeg" and ingredient["active_manifest"].startswith("urn:")


def test_file_without_credentials_gives_none(tmp_path: Path) -> None:
    for media_type, name in (("image/jpeg", "plain.jpg"), ("image/png", "plain.png")):
        path = tmp_path / name
        path.write_bytes(_picture(media_type))
        assert find_c2pa(path, media_type) is None
    text = tmp_path / "notes.txt"
    text.write_text("no credentials here")
    assert find_c2pa(text, "text/plain") is None


# ---------------------------------------------------------------- never written, never online


def test_reading_never_changes_the_original(tmp_path: Path, es256: SigningKey) -> None:
    signed = sign(tmp_path / "IMG_0042.jpg", es256, "image/jpeg")
    for path in (signed, _flip_scan_byte(signed)):
        before = (_sha256(path), path.stat().st_size, path.stat().st_mtime_ns)
        os.chmod(path, 0o444)  # a read-only original reads as well as a writable one
        assert find_c2pa(path, "image/jpeg") is not None
        meta = read_metadata(path, "image/jpeg")
        assert meta.c2pa is not None
        assert (_sha256(path), path.stat().st_size, path.stat().st_mtime_ns) == before


def test_remote_manifest_is_reported_and_never_fetched(tmp_path: Path, es256: SigningKey) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/manifests/IMG_0042.c2pa"
        path = sign(tmp_path / "IMG_0042.jpg", es256, "image/jpeg", remote_url=url)
        info = find_c2pa(path, "image/jpeg")
        # Any connection attempt would be waiting in the listener's queue by now.
        listener.settimeout(0.3)
        with pytest.raises(TimeoutError):
            listener.accept()
    assert info is not None
    assert info.container == "remote" and info.remote_manifest_url == url
    assert info.validation_state is ValidationState.NOT_VALIDATED
    assert any("not fetched" in p for p in info.validation_problems)


# ---------------------------------------------------------------- fallback without the library


def test_without_the_library_the_store_is_summarised_not_validated(
    tmp_path: Path, es256: SigningKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = sign(tmp_path / "IMG_0042.jpg", es256, "image/jpeg")
    monkeypatch.setattr(credentials, "_LIBRARY", None)
    monkeypatch.setattr(credentials, "_LIBRARY_TRIED", True)
    info = find_c2pa(path, "image/jpeg")
    assert info is not None
    assert info.container == "jpeg-app11" and info.manifest_count == 1
    assert info.claim_generator == "Invented Camera App 1.0"  # from the CBOR claim, by cbor2
    assert "c2pa.actions.v2" in info.assertions and "c2pa.hash.data" in info.assertions
    assert info.signature_present
    assert not info.validated and info.validation_state is ValidationState.NOT_VALIDATED
    assert info.validator is None
    meta = read_metadata(path, "image/jpeg")
    assert meta.c2pa is not None and "c2pa" not in meta.readers
    assert meta.as_dict()["c2pa"]["validation_state"] == "not-validated"


def test_metadata_record_carries_the_validation(tmp_path: Path, es256: SigningKey) -> None:
    path = sign(tmp_path / "IMG_0042.jpg", es256, "image/jpeg")
    meta = read_metadata(path, "image/jpeg")
    record = json.loads(json.dumps(meta.as_dict()))
    assert record["c2pa"]["validation_state"] == "unverified-signer"
    assert record["c2pa"]["signer"] == "Invented Field Camera"
    assert record["readers"]["c2pa"].startswith("c2pa-python ")
    assert (record["width"], record["height"]) == (64, 48)


def test_claim_cbor_is_depth_limited() -> None:
    assert decode_cbor(bytes.fromhex("a1616101")) == {"a": 1}
    assert decode_cbor(bytes.fromhex("d82063616263")) == "abc"  # a URI tag keeps its text
    with pytest.raises(C2paFormatError):
        decode_cbor(b"\x81" * 200 + b"\x00")
    with pytest.raises(C2paFormatError):
        decode_cbor(b"\x5a\xff\xff\xff\xf0")  # a byte string longer than the data


# ---------------------------------------------------------------- shown on the evidence page


def test_evidence_page_states_the_validation(workspace: Workspace, tmp_path: Path, es256: SigningKey) -> None:
    signed = sign(tmp_path / "IMG_0042.jpg", es256, "image/jpeg")
    ids = []
    for path in (signed, _flip_scan_byte(signed)):
        outcome = Ingestor(workspace.sessions, workspace.blobs, actor="intake-desk").ingest_file(path)
        with workspace.sessions() as session:
            ids.append(session.scalar(select(EvidenceItem.id).where(EvidenceItem.sha256 == outcome.sha256)))
    with signed_in_client(workspace) as client:
        good, edited = (client.get(f"/evidence/{item_id}").text for item_id in ids)
        dari = client.get(f"/evidence/{ids[1]}", headers={"Accept-Language": "fa"}).text
    assert "the signer is on no trust list Gawah holds" in good
    assert '<p class="proof proof--failed c2pa-state">' in edited
    assert "the file was changed after signing" in edited
    assert "گواهی‌های محتوا (C2PA) معتبر نیست" in dari
