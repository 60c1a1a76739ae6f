"""What a capture saw, as plain data: the HTTP exchanges, the rendered page, the screenshot, the tools.

The browser fills these in; everything after (WARC, WACZ, the workspace) reads them and never
talks to the network, so each later step is tested without a browser.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import platform
from dataclasses import dataclass, field
from typing import Any

from gawah import __version__
from gawah.capture.tls import TlsDetails

Headers = list[tuple[str, str]]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso_utc(value: dt.datetime) -> str:
    """RFC 3339 UTC time with milliseconds, as WARC-Date and pages.jsonl expect."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


@dataclass
class HttpExchange:
    """One request the page made and the response it got (body as the browser decoded it)."""

    url: str
    method: str
    request_headers: Headers
    status: int
    status_text: str
    response_headers: Headers
    body: bytes | None
    fetched_at: dt.datetime
    resource_type: str = ""
    request_body: bytes | None = None
    http_version: str = "HTTP/1.1"
    server_ip: str | None = None
    body_error: str | None = None

    @property
    def content_type(self) -> str:
        for name, value in self.response_headers:
            if name.lower() == "content-type":
                return value
        return ""


@dataclass
class ToolVersions:
    gawah: str
    browser: str
    playwright: str
    warcio: str
    python: str

    def as_dict(self) -> dict[str, str]:
        return dict(self.__dict__)

    def software(self) -> str:
        return (
            f"gawah {self.gawah}; {self.browser} (headless, driven by Playwright {self.playwright}); "
            f"warcio {self.warcio}; Python {self.python}"
        )


def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def tool_versions(browser: str) -> ToolVersions:
    return ToolVersions(
        gawah=__version__,
        browser=browser,
        playwright=package_version("playwright"),
        warcio=package_version("warcio"),
        python=platform.python_version(),
    )


@dataclass
class PageCapture:
    """Everything one capture of one URL produced, before it is written anywhere."""

    requested_url: str
    final_url: str
    started_at: dt.datetime
    finished_at: dt.datetime
    capturer: str
    tools: ToolVersions
    exchanges: list[HttpExchange]
    rendered_html: str
    screenshot_png: bytes
    page_title: str = ""
    tls: TlsDetails | None = None
    browser_security: dict[str, Any] | None = None
    user_agent: str = ""
    viewport: tuple[int, int] = (1280, 900)
    warnings: list[str] = field(default_factory=list)

    def main_exchange(self) -> HttpExchange | None:
        """The response that delivered the final page (after redirects)."""
        for exchange in self.exchanges:
            if exchange.url == self.final_url and exchange.resource_type in {"document", ""}:
                return exchange
        return next((e for e in self.exchanges if e.url == self.final_url), None)

    def details(self) -> dict[str, Any]:
        """The capture's context (COL-1, COL-7, COL-9) as JSON: stored in the WARC and the WACZ."""
        main = self.main_exchange()
        return {
            "format": "gawah-capture-1",
            "requested_url": self.requested_url,
            "final_url": self.final_url,
            "page_title": self.page_title,
            "started_at": iso_utc(self.started_at),
            "finished_at": iso_utc(self.finished_at),
            "clock": "local system clock, UTC",
            "capturer": self.capturer,
            "method": "headless Chromium driven by Playwright; responses recorded from the browser",
            "tools": self.tools.as_dict(),
            "user_agent": self.user_agent,
            "viewport": {"width": self.viewport[0], "height": self.viewport[1]},
            "main_response": None
            if main is None
            else {"status": main.status, "server_ip": main.server_ip, "http_version": main.http_version},
            "responses_recorded": len(self.exchanges),
            "browser_security": self.browser_security,
            "tls": None if self.tls is None else self.tls.as_dict(),
            "warnings": list(self.warnings),
        }
