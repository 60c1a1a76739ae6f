"""TLS details read beside the browser: a self-signed server on loopback, and no server at all."""

from __future__ import annotations

import hashlib
import socket

from gawah.capture.tls import describe_certificate, probe_tls
from tests.capture.conftest import Served


def test_self_signed_server_is_described_and_not_verified(https_site: Served) -> None:
    details = probe_tls("127.0.0.1", https_site.port, timeout=5)
    assert details.error is None
    assert details.protocol in {"TLSv1.2", "TLSv1.3"}
    assert details.cipher and details.cipher_bits and details.cipher_bits >= 128
    assert details.verified is False
    assert details.verify_error and "self" in details.verify_error.lower()
    assert len(details.certificates) == 1
    leaf = details.certificates[0]
    assert https_site.certificate_der is not None
    assert leaf.sha256_fingerprint == hashlib.sha256(https_site.certificate_der).hexdigest()
    assert "CN=gawah-test.invalid" in leaf.subject and leaf.subject == leaf.issuer
    assert "127.0.0.1" in leaf.subject_alt_names
    assert leaf.not_before < leaf.not_after
    assert details.chain_pem().startswith("-----BEGIN CERTIFICATE-----")
    assert describe_certificate(https_site.certificate_der) == leaf


def test_closed_port_gives_an_error_not_an_exception() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]  # bound but not listening: connections are refused
        details = probe_tls("127.0.0.1", port, timeout=2)
    assert details.error is not None and details.certificates == []
    assert details.verified is False
