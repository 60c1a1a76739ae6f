"""Capture one web page into a WACZ: browser → WARC records → WACZ package.

`package_capture` takes a PageCapture (data) and writes the files, so it is tested without a
browser; `capture_page` runs the browser first.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gawah.capture.browser import BrowserSettings, capture_in_browser
from gawah.capture.record import PageCapture
from gawah.capture.wacz import WaczContents, WaczPage, write_wacz
from gawah.capture.warcfile import WrittenRecord, write_capture_warc
from gawah.ingest.readers import ReadError
from gawah.ingest.warc import Article, decode_html, html_article

WARC_NAME = "data.warc.gz"
SCREENSHOT_PATH = "capture/screenshot.png"
RENDERED_PATH = "capture/rendered.html"
DETAILS_PATH = "capture/capture.json"
TLS_CHAIN_PATH = "capture/tls-chain.pem"


@dataclass
class CaptureResult:
    wacz: Path
    capture: PageCapture
    datapackage: dict[str, Any]
    records: list[WrittenRecord]
    article: Article | None

    @property
    def title(self) -> str:
        if self.article is not None and self.article.title:
            return self.article.title
        return self.capture.page_title or self.capture.final_url


def default_wacz_name(capture: PageCapture) -> str:
    host = re.sub(r"[^A-Za-z0-9.-]+", "-", urlsplit(capture.final_url).hostname or "page")
    return f"capture-{host}-{capture.started_at.strftime('%Y%m%dT%H%M%SZ')}.wacz"


def page_article(capture: PageCapture) -> Article | None:
    """The article of the captured page: from the served HTML, else from the rendered DOM."""
    main = capture.main_exchange()
    sources: list[tuple[bytes, str]] = []
    if main is not None and main.body:
        sources.append((main.body, main.content_type))
    sources.append((capture.rendered_html.encode("utf-8"), "text/html; charset=utf-8"))
    for raw, content_type in sources:
        try:
            html, _ = decode_html(raw, content_type)
        except ReadError:
            continue
        article = html_article(html)
        if article is not None:
            return article
    return None


def package_capture(capture: PageCapture, out: Path) -> CaptureResult:
    """Write `capture` as a WACZ at `out` (WARC with every record, pages list, index, extra files)."""
    article = page_article(capture)
    details = capture.details()
    extra: dict[str, bytes] = {
        SCREENSHOT_PATH: capture.screenshot_png,
        RENDERED_PATH: capture.rendered_html.encode("utf-8"),
        DETAILS_PATH: json.dumps(details, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8"),
    }
    if capture.tls is not None and capture.tls.certificates:
        extra[TLS_CHAIN_PATH] = capture.tls.chain_pem().encode("ascii")
    page = WaczPage(
        url=capture.final_url,
        ts=capture.started_at,
        title=(article.title if article and article.title else capture.page_title),
        text=article.text if article else "",
    )
    contents = WaczContents(
        pages=[page],
        title=f"Capture of {capture.final_url}",
        description=(
            f"Web page captured by {capture.capturer} at {details['started_at']} with "
            f"{capture.tools.software()}. URL as entered: {capture.requested_url}."
        ),
        created=capture.finished_at,
        software=capture.tools.software(),
        extra_files=extra,
        extra_fields={"gawah_capture": {k: v for k, v in details.items() if k != "tls"}},
    )
    with tempfile.TemporaryDirectory(prefix="gawah-capture-") as folder:
        warc_path = Path(folder) / WARC_NAME
        with warc_path.open("wb") as stream:
            records = write_capture_warc(capture, stream, WARC_NAME)
        datapackage = write_wacz([warc_path], contents, out)
    return CaptureResult(out, capture, datapackage, records, article)


def capture_page(
    url: str, out: Path | None, capturer: str, settings: BrowserSettings | None = None
) -> CaptureResult:
    """Load `url` in headless Chromium and write the WACZ to `out` (a folder or a .wacz path)."""
    capture = capture_in_browser(url, capturer, settings)
    if out is None or out.is_dir():
        out = (out or Path.cwd()) / default_wacz_name(capture)
    return package_capture(capture, out)
