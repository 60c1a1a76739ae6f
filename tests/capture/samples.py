"""A capture built by hand (no browser): what Chromium would have handed over for the test page."""

from __future__ import annotations

import datetime as dt
import io

from PIL import Image

from gawah.capture.record import HttpExchange, PageCapture, ToolVersions
from tests.capture.conftest import PAGE, STYLE, _png

BASE = "http://127.0.0.1:8080"
STARTED = dt.datetime(2026, 3, 5, 6, 30, 15, 250000, tzinfo=dt.UTC)


def screenshot() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (240, 240, 240)).save(out, format="PNG")
    return out.getvalue()


def exchange(
    path: str, body: bytes | None, content_type: str, status: int = 200, **extra: object
) -> HttpExchange:
    headers = [("Content-Type", content_type), ("Content-Encoding", "gzip"), ("Content-Length", "17")]
    if status in {301, 302}:
        headers = [("Location", "/report.html"), ("Content-Length", "0")]
    return HttpExchange(
        url=BASE + path,
        method="GET",
        request_headers=[("User-Agent", "test-agent"), ("Accept", "*/*")],
        status=status,
        status_text={200: "OK", 301: "Moved Permanently"}[status],
        response_headers=headers,
        body=body,
        fetched_at=STARTED + dt.timedelta(milliseconds=100),
        resource_type=str(extra.get("resource_type", "document")),
        server_ip="127.0.0.1",
        body_error=None if body is not None else "redirect: the browser keeps no body",
    )


def sample_capture(rendered: str | None = None, served: str | None = PAGE) -> PageCapture:
    exchanges = [
        exchange("/old-report", None, "", status=301),
        exchange(
            "/report.html", served.encode("utf-8") if served is not None else b"", "text/html; charset=utf-8"
        ),
        exchange("/static/style.css", STYLE.encode(), "text/css", resource_type="stylesheet"),
        exchange("/static/village.png", _png(), "image/png", resource_type="image"),
    ]
    return PageCapture(
        requested_url=BASE + "/old-report",
        final_url=BASE + "/report.html",
        started_at=STARTED,
        finished_at=STARTED + dt.timedelta(seconds=4),
        capturer="analyst-7",
        tools=ToolVersions(
            gawah="0.1.0", browser="Chromium 1.0", playwright="1.0", warcio="1.8.1", python="3.11"
        ),
        exchanges=exchanges,
        rendered_html=rendered if rendered is not None else PAGE,
        screenshot_png=screenshot(),
        page_title="Night raid in Chak district",
    )
