"""Web capture: a page preserved as WACZ (WARC records, rendered HTML, full-page screenshot, TLS
details, the time and the tools), then kept in the workspace with its custody.

    result = capture_page("https://example.org/report", Path("out.wacz"), capturer="analyst-7")
    preserve_capture(ws.sessions, ws.blobs, result)
"""

from gawah.capture.browser import BrowserSettings, CaptureError, capture_in_browser, find_chromium
from gawah.capture.page import CaptureResult, capture_page, package_capture
from gawah.capture.preserve import PreservedCapture, preserve_capture
from gawah.capture.record import HttpExchange, PageCapture, ToolVersions
from gawah.capture.tls import TlsDetails, probe_tls

__all__ = [
    "BrowserSettings",
    "CaptureError",
    "CaptureResult",
    "HttpExchange",
    "PageCapture",
    "PreservedCapture",
    "TlsDetails",
    "ToolVersions",
    "capture_in_browser",
    "capture_page",
    "find_chromium",
    "package_capture",
    "preserve_capture",
    "probe_tls",
]
