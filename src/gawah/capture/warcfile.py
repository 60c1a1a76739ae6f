"""Write a capture as WARC/1.1 records (ISO 28500:2017) with warcio: every record with its digests.

Record order: warcinfo (tools, capturer, time), then for each exchange a request and a response
record, then resource records for the rendered HTML and the full-page screenshot, and a metadata
record holding the capture's context (URL as entered and as resolved, TLS details) as JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from io import BytesIO
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from gawah.capture.record import Headers, HttpExchange, PageCapture, iso_utc

# The browser hands over bodies already decoded, so headers that describe the wire encoding would
# mislead a replay tool; they are kept under the X-Archive-Orig- prefix that pywb and wabac.js read.
WIRE_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}
ORIGINAL_PREFIX = "X-Archive-Orig-"
SCREENSHOT_URN = "urn:gawah:screenshot:"
RENDERED_URN = "urn:gawah:rendered-html:"
DETAILS_URN = "urn:gawah:capture-details:"


@dataclass
class WrittenRecord:
    record_type: str
    uri: str
    record_id: str
    content_type: str


def response_headers_for_archive(headers: Headers, body_length: int) -> Headers:
    """HTTP response headers as stored beside a decoded body: wire headers renamed, length corrected."""
    kept: Headers = []
    for name, value in headers:
        if name.startswith(":"):  # HTTP/2 pseudo-headers have no place in an HTTP/1.1 header block
            continue
        if name.lower() in WIRE_HEADERS:
            kept.append((ORIGINAL_PREFIX + name, value))
        else:
            kept.append((name, value))
    kept.append(("Content-Length", str(body_length)))
    return kept


def http1_version(exchange: HttpExchange) -> str:
    """The HTTP/1.x version for the record's header block (HTTP/2 and 3 are written as HTTP/1.1,
    as other web archiving tools do; the real version is in the capture details)."""
    return exchange.http_version if exchange.http_version in {"HTTP/1.0", "HTTP/1.1"} else "HTTP/1.1"


def request_line(exchange: HttpExchange) -> str:
    parts = urlsplit(exchange.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return f"{exchange.method} {target} {http1_version(exchange)}"


def request_headers_for_archive(exchange: HttpExchange) -> Headers:
    headers = [(n, v) for n, v in exchange.request_headers if not n.startswith(":")]
    if not any(n.lower() == "host" for n, _ in headers):
        headers.insert(0, ("Host", urlsplit(exchange.url).netloc))
    return headers


class CaptureWarcWriter:
    """Appends capture records to a gzip WARC stream, one gzip member per record."""

    def __init__(self, stream: BinaryIO, filename: str) -> None:
        self.writer = WARCWriter(stream, gzip=True, warc_version="1.1")
        self.filename = filename
        self.records: list[WrittenRecord] = []

    def _write(self, record: object, uri: str) -> WrittenRecord:
        self.writer.write_record(record)
        headers = record.rec_headers  # type: ignore[attr-defined]
        written = WrittenRecord(
            record_type=headers.get_header("WARC-Type"),
            uri=uri,
            record_id=headers.get_header("WARC-Record-ID"),
            content_type=headers.get_header("Content-Type") or "",
        )
        self.records.append(written)
        return written

    def warcinfo(self, capture: PageCapture) -> WrittenRecord:
        info = {
            "software": capture.tools.software(),
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iso.org/standard/68004.html",
            "isPartOf": "gawah web capture",
            "description": f"Capture of {capture.requested_url}",
            "operator": capture.capturer,
            "capture-started": iso_utc(capture.started_at),
            "http-header-user-agent": capture.user_agent,
            "note": "Response bodies are recorded as the browser decoded them; wire headers "
            f"(Content-Encoding, Transfer-Encoding, Content-Length) are kept as {ORIGINAL_PREFIX}*.",
        }
        record = self.writer.create_warcinfo_record(self.filename, info)
        record.rec_headers.replace_header("WARC-Date", iso_utc(capture.started_at))
        return self._write(record, "")

    def exchange(self, exchange: HttpExchange, warcinfo_id: str) -> WrittenRecord:
        body = exchange.body or b""
        date = iso_utc(exchange.fetched_at)
        response_headers = StatusAndHeaders(
            f"{exchange.status} {exchange.status_text}".strip(),
            response_headers_for_archive(exchange.response_headers, len(body)),
            protocol=http1_version(exchange),
        )
        warc_headers = {"WARC-Date": date, "WARC-Warcinfo-ID": warcinfo_id}
        if exchange.server_ip:
            warc_headers["WARC-IP-Address"] = exchange.server_ip
        # WARC-Protocol as proposed for WARC 1.1 extensions (iipc/warc-specifications #42).
        warc_headers["WARC-Protocol"] = exchange.http_version.lower()
        response = self.writer.create_warc_record(
            exchange.url,
            "response",
            payload=BytesIO(body),
            length=len(body),
            warc_headers_dict=warc_headers,
            http_headers=response_headers,
        )
        written = self._write(response, exchange.url)

        request_body = exchange.request_body or b""
        request = self.writer.create_warc_record(
            exchange.url,
            "request",
            payload=BytesIO(request_body),
            length=len(request_body),
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-Concurrent-To": written.record_id,
                "WARC-Warcinfo-ID": warcinfo_id,
            },
            http_headers=StatusAndHeaders(
                request_line(exchange), request_headers_for_archive(exchange), is_http_request=True
            ),
        )
        self._write(request, exchange.url)
        return written

    def resource(
        self,
        uri: str,
        content_type: str,
        data: bytes,
        date: str,
        warcinfo_id: str,
        refers_to: WrittenRecord | None = None,
        record_type: str = "resource",
    ) -> WrittenRecord:
        headers = {"WARC-Date": date, "Content-Type": content_type, "WARC-Warcinfo-ID": warcinfo_id}
        if refers_to is not None:
            headers["WARC-Refers-To"] = refers_to.record_id
            headers["WARC-Refers-To-Target-URI"] = refers_to.uri
        record = self.writer.create_warc_record(
            uri,
            record_type,
            payload=BytesIO(data),
            length=len(data),
            warc_content_type=content_type,
            warc_headers_dict=headers,
        )
        return self._write(record, uri)


def write_capture_warc(capture: PageCapture, stream: BinaryIO, filename: str) -> list[WrittenRecord]:
    """Write the whole capture to `stream` as gzip WARC/1.1; return what was written, in order."""
    out = CaptureWarcWriter(stream, filename)
    info = out.warcinfo(capture)
    main_record: WrittenRecord | None = None
    for exchange in capture.exchanges:
        written = out.exchange(exchange, info.record_id)
        if exchange is capture.main_exchange():
            main_record = written
    finished = iso_utc(capture.finished_at)
    out.resource(
        RENDERED_URN + capture.final_url,
        "text/html; charset=utf-8",
        capture.rendered_html.encode("utf-8"),
        finished,
        info.record_id,
        refers_to=main_record,
    )
    out.resource(
        SCREENSHOT_URN + capture.final_url,
        "image/png",
        capture.screenshot_png,
        finished,
        info.record_id,
        refers_to=main_record,
    )
    out.resource(
        DETAILS_URN + capture.final_url,
        "application/json",
        json.dumps(capture.details(), ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8"),
        finished,
        info.record_id,
        refers_to=main_record,
        record_type="metadata",
    )
    return out.records
