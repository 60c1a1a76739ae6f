"""Local web servers for capture tests: plain HTTP and HTTPS with a self-signed certificate, both
on 127.0.0.1 only (the tests never reach beyond loopback), and a page with an image and a style."""

from __future__ import annotations

import datetime as dt
import functools
import io
import ipaddress
import os
import ssl
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from PIL import Image

ARTICLE = (
    "On 3 March 2021 residents of a village in Chak district, Wardak province, told researchers that "
    "armed men entered four homes at night and detained six men. Families said they had no news of the "
    "detained men for weeks afterwards."
)
SECOND_PARAGRAPH = (
    "A local elder, speaking on condition of anonymity, said the men were taken away in vehicles before "
    "dawn. The organisation has asked the authorities to disclose where the men are held."
)
PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Night raid in Chak district</title>
<link rel="stylesheet" href="/static/style.css"></head>
<body><nav><a href="/">Home</a> | <a href="/about">About</a></nav>
<article><h1>Night raid in Chak district</h1>
<p>{ARTICLE}</p>
<p>{SECOND_PARAGRAPH}</p>
<img src="/static/village.png" alt="A village street" width="320" height="180">
</article><footer>Invented test organisation</footer></body></html>
"""
SLOW_SECONDS = 8
SLOW_PAGE = PAGE.replace("</article>", '<img src="/static/never.png" alt="never"></article>')
STYLE = "body { font-family: sans-serif; background: #f4f1ea; } h1 { color: #7a1f1f; }\n"


def _png() -> bytes:
    image = Image.new("RGB", (320, 180), (180, 150, 110))
    for x in range(0, 320, 20):
        for y in range(180):
            image.putpixel((x, y), (60, 60, 60))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    (root / "static").mkdir()
    (root / "report.html").write_text(PAGE, encoding="utf-8")
    (root / "slow.html").write_text(SLOW_PAGE, encoding="utf-8")
    (root / "static" / "style.css").write_text(STYLE, encoding="utf-8")
    (root / "static" / "village.png").write_bytes(_png())
    return root


class _QuietServer(ThreadingHTTPServer):
    """A browser that drops a connection mid-response is normal in a capture, not an error to print."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


class _Handler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path == "/static/never.png":  # an image that never answers in time
            time.sleep(SLOW_SECONDS)
            self.send_error(404)
            return
        if self.path == "/old-report":
            self.send_response(301)
            self.send_header("Location", "/report.html")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


@dataclass
class Served:
    base: str
    port: int
    certificate_der: bytes | None = None


def _serve(server: ThreadingHTTPServer) -> Iterator[None]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def http_site(site_dir: Path) -> Iterator[Served]:
    server = _QuietServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(site_dir)))
    port = server.server_address[1]
    for _ in _serve(server):
        yield Served(f"http://127.0.0.1:{port}", port)


def self_signed(folder: Path) -> tuple[Path, Path, bytes]:
    """A self-signed certificate for 127.0.0.1 (an invented test organisation), as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "gawah-test.invalid"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Gawah Test Witness Org"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("gawah-test.invalid"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    os.chmod(key_path, 0o600)
    return cert_path, key_path, cert.public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="session")
def https_site(site_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    cert_path, key_path, der = self_signed(tmp_path_factory.mktemp("tls"))
    server = _QuietServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(site_dir)))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    port = server.server_address[1]
    for _ in _serve(server):
        yield Served(f"https://127.0.0.1:{port}", port, der)
