"""A timestamp authority for tests: real RFC 3161 responses, signed by a test CA's TSA certificate.

``LocalTSA`` answers ``application/timestamp-query`` POSTs on 127.0.0.1 with a
TimeStampResp whose CMS SignedData is built with asn1crypto and signed with cryptography. Its
clock and its faults are settable, so tests can ask for an answer with the wrong nonce or
imprint, a changed byte, a certificate expired at genTime, or no time-stamping key usage.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

POLICY = "1.3.6.1.4.1.99999.1.1"  # an invented policy OID under a private arc
EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
FAR = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)

Key = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _sign_cert(
    subject: str,
    key: Key,
    issuer: tuple[str, Key] | None,
    *,
    ca: bool,
    not_before: dt.datetime,
    not_after: dt.datetime,
    eku_critical: bool = True,
    eku: list[x509.ObjectIdentifier] | None = None,
) -> x509.Certificate:
    issuer_name, issuer_key = issuer if issuer is not None else (subject, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if not ca and eku:  # an empty list: no extended key usage at all
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=eku_critical)
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass
class TsaPKI:
    """A root CA and a TSA certificate it issued."""

    ca_key: Key
    ca_cert: x509.Certificate
    tsa_key: Key
    tsa_cert: x509.Certificate

    @classmethod
    def create(
        cls,
        name: str = "Test",
        *,
        rsa_keys: bool = False,
        tsa_valid: tuple[dt.datetime, dt.datetime] = (EPOCH, FAR),
        eku: list[x509.ObjectIdentifier] | None = None,
        eku_critical: bool = True,
    ) -> TsaPKI:
        def new_key() -> Key:
            if rsa_keys:
                return rsa.generate_private_key(public_exponent=65537, key_size=2048)
            return ec.generate_private_key(ec.SECP256R1())

        ca_key, tsa_key = new_key(), new_key()
        ca_cert = _sign_cert(f"{name} Root CA", ca_key, None, ca=True, not_before=EPOCH, not_after=FAR)
        tsa_cert = _sign_cert(
            f"{name} TSA",
            tsa_key,
            (f"{name} Root CA", ca_key),
            ca=False,
            not_before=tsa_valid[0],
            not_after=tsa_valid[1],
            eku=[ExtendedKeyUsageOID.TIME_STAMPING] if eku is None else eku,
            eku_critical=eku_critical,
        )
        return cls(ca_key, ca_cert, tsa_key, tsa_cert)

    def root_pem(self) -> bytes:
        return self.ca_cert.public_bytes(serialization.Encoding.PEM)

    def write_root(self, path: Path) -> Path:
        path.write_bytes(self.root_pem())
        return path


@dataclass
class LocalTSA:
    """An RFC 3161 timestamp authority on 127.0.0.1 for one test.

    ``faults`` may hold: "wrong_nonce", "wrong_imprint", "rejection", "flip_signature",
    "no_root" (send only the TSA certificate), "garbage" (answer bytes that are no response).
    """

    pki: TsaPKI
    port: int = field(default_factory=free_port)
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    faults: set[str] = field(default_factory=set)
    served: int = 0
    _server: ThreadingHTTPServer | None = None
    _serial: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/tsr"

    def start(self) -> LocalTSA:
        authority = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if self.headers.get("Content-Type") != "application/timestamp-query":
                    self.send_response(415)
                    self.end_headers()
                    return
                answer = authority.respond(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def respond(self, body: bytes) -> bytes:
        """The DER TimeStampResp for a DER TimeStampReq."""
        self.served += 1
        if "garbage" in self.faults:
            return b"\x30\x03\x02\x01\x00-not a response"
        request = tsp.TimeStampReq.load(body)
        if "rejection" in self.faults:
            # asn1crypto insists on a token, which a refusal has none of: wrap the status by hand.
            status = tsp.PKIStatusInfo(
                {"status": "rejection", "status_string": ["policy not accepted"]}
            ).dump()
            return b"\x30" + bytes([len(status)]) + status
        return timestamp_response(
            self.pki,
            request,
            gen_time=self.clock(),
            serial=self._next_serial(),
            faults=self.faults,
        )

    def _next_serial(self) -> int:
        self._serial += 1
        return self._serial


def timestamp_response(
    pki: TsaPKI, request: tsp.TimeStampReq, *, gen_time: dt.datetime, serial: int, faults: set[str]
) -> bytes:
    """Build and sign a granted TimeStampResp answering ``request``."""
    imprint = request["message_imprint"]
    if "wrong_imprint" in faults:
        imprint = tsp.MessageImprint(
            {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": hashlib.sha256(b"other").digest()}
        )
    nonce = request["nonce"].native
    if "wrong_nonce" in faults and nonce is not None:
        nonce += 1
    info = tsp.TSTInfo(
        {
            "version": "v1",
            "policy": POLICY,
            "message_imprint": imprint,
            "serial_number": serial,
            "gen_time": gen_time.replace(microsecond=(gen_time.microsecond // 1000) * 1000),
            "accuracy": {"seconds": 1},
            "nonce": nonce,
        }
    )
    tsa_der = pki.tsa_cert.public_bytes(serialization.Encoding.DER)
    ca_der = pki.ca_cert.public_bytes(serialization.Encoding.DER)
    tsa_asn1 = asn1_x509.Certificate.load(tsa_der)
    signed_attrs = cms.CMSAttributes(
        [
            {"type": "content_type", "values": ["tst_info"]},
            {"type": "message_digest", "values": [hashlib.sha256(info.dump()).digest()]},
            {
                "type": "signing_certificate_v2",
                "values": [{"certs": [{"cert_hash": hashlib.sha256(tsa_der).digest()}]}],
            },
        ]
    )
    to_sign = signed_attrs.dump()
    if isinstance(pki.tsa_key, rsa.RSAPrivateKey):
        signature = pki.tsa_key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())
        signature_algorithm = "sha256_rsa"
    else:
        signature = pki.tsa_key.sign(to_sign, ec.ECDSA(hashes.SHA256()))
        signature_algorithm = "sha256_ecdsa"
    if "flip_signature" in faults:
        signature = signature[:-1] + bytes([signature[-1] ^ 1])
    signer = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": {
                        "issuer": tsa_asn1.issuer,
                        "serial_number": tsa_asn1.serial_number,
                    }
                }
            ),
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "signed_attrs": signed_attrs,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": signature_algorithm}),
            "signature": signature,
        }
    )
    certificates = [tsa_asn1] if "no_root" in faults else [tsa_asn1, asn1_x509.Certificate.load(ca_der)]
    signed_data = cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {
                "content_type": "tst_info",
                "content": core.ParsableOctetString(info.dump()),
            },
            "certificates": certificates,
            "signer_infos": [signer],
        }
    )
    return tsp.TimeStampResp(
        {
            "status": {"status": "granted"},
            "time_stamp_token": cms.ContentInfo({"content_type": "signed_data", "content": signed_data}),
        }
    ).dump()
