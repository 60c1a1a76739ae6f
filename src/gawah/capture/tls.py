"""TLS details of a web server, read by a connection made beside the browser's (COL-9).

The browser does not hand out the certificate chain, so Gawah opens its own TLS connection to the
same host and port at capture time and records what the server presented: protocol, cipher, and
each certificate (subject, issuer, validity, SHA-256 fingerprint, PEM). Verification against the
system's trust store is recorded, never required: a page behind a bad certificate is still
evidence, and the failed check is itself a fact about the site.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import socket
import ssl
from dataclasses import asdict, dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding


@dataclass
class CertificateDetails:
    subject: str
    issuer: str
    serial_number: str
    not_before: str
    not_after: str
    sha256_fingerprint: str
    subject_alt_names: list[str]
    pem: str


@dataclass
class TlsDetails:
    host: str
    port: int
    probed_at: str
    protocol: str | None = None
    cipher: str | None = None
    cipher_bits: int | None = None
    verified: bool = False
    verify_error: str | None = None
    certificates: list[CertificateDetails] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def chain_pem(self) -> str:
        return "".join(cert.pem for cert in self.certificates)


def _utc_text(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def describe_certificate(der: bytes) -> CertificateDetails:
    """Subject, issuer, validity, fingerprint and PEM of one DER-encoded certificate."""
    cert = x509.load_der_x509_certificate(der)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [str(name.value) for name in san]
    except (x509.ExtensionNotFound, ValueError):
        names = []
    return CertificateDetails(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial_number=format(cert.serial_number, "x"),
        not_before=_utc_text(cert.not_valid_before_utc),
        not_after=_utc_text(cert.not_valid_after_utc),
        sha256_fingerprint=hashlib.sha256(der).hexdigest(),
        subject_alt_names=names,
        pem=cert.public_bytes(Encoding.PEM).decode("ascii"),
    )


def _presented_chain(sock: ssl.SSLSocket) -> list[bytes]:
    # Python 3.13 makes the chain public; 3.11 and 3.12 have it on the internal SSL object only.
    getter = getattr(sock, "get_unverified_chain", None)
    if getter is None:
        getter = getattr(getattr(sock, "_sslobj", None), "get_unverified_chain", None)
    if getter is not None:
        chain = getter() or []
        return [c if isinstance(c, bytes) else c.public_bytes(ssl._ssl.ENCODING_DER) for c in chain]  # type: ignore[attr-defined]
    leaf = sock.getpeercert(binary_form=True)
    return [leaf] if leaf else []


def _handshake(host: str, port: int, context: ssl.SSLContext, timeout: float) -> ssl.SSLSocket:
    raw = socket.create_connection((host, port), timeout=timeout)
    try:
        return context.wrap_socket(raw, server_hostname=host)
    except BaseException:
        raw.close()
        raise


def probe_tls(host: str, port: int = 443, *, timeout: float = 10.0) -> TlsDetails:
    """Connect to host:port and return what its TLS handshake showed; never raises for network faults."""
    details = TlsDetails(host=host, port=port, probed_at=_utc_text(dt.datetime.now(dt.UTC)))
    try:
        with _handshake(host, port, ssl.create_default_context(), timeout):
            details.verified = True
    except ssl.SSLCertVerificationError as exc:
        details.verify_error = exc.verify_message or str(exc)
    except (OSError, ssl.SSLError) as exc:
        details.verify_error = str(exc)

    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    try:
        with _handshake(host, port, unverified, timeout) as sock:
            details.protocol = sock.version()
            cipher = sock.cipher()
            if cipher is not None:
                details.cipher, _, details.cipher_bits = cipher
            details.certificates = [describe_certificate(der) for der in _presented_chain(sock)]
    except (OSError, ssl.SSLError, ValueError) as exc:
        details.error = f"{type(exc).__name__}: {exc}"
    return details
