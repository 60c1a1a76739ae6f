"""Drive headless Chromium (Debian's, through Playwright) to load a page and record what it fetched.

Nothing is downloaded: Playwright is told where Chromium is (never `playwright install`). Every
response the page receives is kept with its request, headers, server address and decoded body;
after the page has loaded (and been scrolled once so lazy images arrive), the rendered HTML and a
full-page screenshot are taken.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gawah.capture.record import HttpExchange, PageCapture, tool_versions, utc_now
from gawah.capture.tls import TlsDetails, probe_tls

CHROMIUM_ENV = "GAWAH_CHROMIUM"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
SKIPPED_SCHEMES = ("data:", "blob:", "about:", "chrome", "devtools:")


class CaptureError(Exception):
    """The page could not be captured at all (no browser, the URL never answered)."""


@dataclass
class BrowserSettings:
    chromium: Path | None = None
    timeout_s: float = 60.0
    settle_s: float = 2.0
    viewport: tuple[int, int] = (1280, 900)
    ignore_https_errors: bool = True
    tls_probe: bool = True


def find_chromium(explicit: Path | None = None) -> Path:
    """The Chromium to use: the one given, else $GAWAH_CHROMIUM, else the usual system paths."""
    candidates = [explicit] if explicit else []
    if os.environ.get(CHROMIUM_ENV):
        candidates.append(Path(os.environ[CHROMIUM_ENV]))
    candidates += [Path(p) for p in CHROMIUM_CANDIDATES]
    for which in ("chromium", "chromium-browser"):
        found = shutil.which(which)
        if found:
            candidates.append(Path(found))
    for candidate in candidates:
        if candidate is not None and candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise CaptureError(
        f"no Chromium found (looked for {', '.join(CHROMIUM_CANDIDATES)} and ${CHROMIUM_ENV}); "
        "install Debian's chromium package"
    )


def _headers(pairs: list[Any]) -> list[tuple[str, str]]:
    return [(str(p["name"]), str(p["value"])) for p in pairs]


def _exchange(response: Any, fetched_at: Any) -> HttpExchange:
    request = response.request
    body: bytes | None = None
    body_error: str | None = None
    if 300 <= response.status < 400:
        body_error = "redirect: the browser keeps no body"
    else:
        try:
            body = response.body()
        except Exception as exc:  # Playwright raises its own Error for evicted or failed bodies
            body_error = f"body not available: {exc}".splitlines()[0]
    try:
        server = response.server_addr()
    except Exception:
        server = None
    try:
        request_headers = _headers(request.headers_array())
    except Exception:
        request_headers = [(k, v) for k, v in request.headers.items()]
    try:
        response_headers = _headers(response.headers_array())
    except Exception:
        response_headers = [(k, v) for k, v in response.headers.items()]
    try:
        version = str(response.http_version() or "HTTP/1.1").upper()
    except Exception:
        version = "HTTP/1.1"
    return HttpExchange(
        url=response.url,
        method=request.method,
        request_headers=request_headers,
        status=response.status,
        status_text=response.status_text or "",
        response_headers=response_headers,
        body=body,
        fetched_at=fetched_at,
        resource_type=request.resource_type,
        request_body=request.post_data_buffer,
        http_version=version,
        server_ip=server["ipAddress"] if server else None,
        body_error=body_error,
    )


def _unanswered(requests: list[Any], answered: set[int]) -> list[str]:
    """A warning for each request the page made that got no response (COL-4: logged with a reason)."""
    notes = []
    for request in requests:
        if id(request) in answered or request.url.startswith(SKIPPED_SCHEMES):
            continue
        try:
            failure = request.failure
        except Exception:
            failure = None
        notes.append(f"{request.url}: no response ({failure or 'still pending when the capture ended'})")
    return notes


def _scroll_through(page: Any, viewport_height: int) -> None:
    # Lazy-loaded images only arrive once scrolled into view; the screenshot should show them.
    page.evaluate(
        """async (step) => {
            const height = () => document.documentElement.scrollHeight;
            for (let y = 0; y < Math.min(height(), 40000); y += step) {
                window.scrollTo(0, y);
                await new Promise(r => setTimeout(r, 60));
            }
            window.scrollTo(0, 0);
        }""",
        max(200, viewport_height),
    )


def capture_in_browser(url: str, capturer: str, settings: BrowserSettings | None = None) -> PageCapture:
    """Load `url` in headless Chromium and return everything it fetched, rendered and showed."""
    settings = settings or BrowserSettings()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise CaptureError(f"not an http(s) URL: {url!r}")
    chromium = find_chromium(settings.chromium)
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise CaptureError("the playwright package is not installed (pip install playwright)") from exc

    tls: TlsDetails | None = None
    if settings.tls_probe and parts.scheme == "https":
        tls = probe_tls(parts.hostname, parts.port or 443, timeout=min(settings.timeout_s, 15.0))

    timeout_ms = settings.timeout_s * 1000
    seen: list[tuple[Any, Any]] = []
    requested: list[Any] = []
    warnings: list[str] = []
    started = utc_now()
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=str(chromium), headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            context = browser.new_context(
                viewport={"width": settings.viewport[0], "height": settings.viewport[1]},
                ignore_https_errors=settings.ignore_https_errors,
                service_workers="block",
                accept_downloads=False,
            )
            page = context.new_page()
            page.set_default_timeout(timeout_ms)
            page.on("response", lambda response: seen.append((response, utc_now())))
            page.on("request", lambda request: requested.append(request))
            try:
                main = page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
            except PlaywrightError as exc:
                raise CaptureError(f"the page did not load: {str(exc).splitlines()[0]}") from exc
            try:
                page.wait_for_load_state("load", timeout=timeout_ms)
            except PlaywrightError:
                # A resource that never answers must not cost the page: keep what did arrive.
                warnings.append(
                    f"the page did not finish loading in {settings.timeout_s:g} s; captured what had arrived"
                )
            try:
                page.wait_for_load_state("networkidle", timeout=settings.settle_s * 1000 + 3000)
            except PlaywrightError:
                warnings.append("the page kept loading resources; captured what had arrived")
            try:
                _scroll_through(page, settings.viewport[1])
                page.wait_for_timeout(settings.settle_s * 1000)
            except PlaywrightError as exc:
                warnings.append(f"could not scroll the page: {str(exc).splitlines()[0]}")
            screenshot = page.screenshot(full_page=True, type="png", timeout=timeout_ms)
            rendered = page.content()
            title = page.title()
            final_url = page.url
            user_agent = str(page.evaluate("navigator.userAgent"))
            security = None
            if main is not None:
                try:
                    details = main.security_details()
                    security = dict(details) if details else None
                except PlaywrightError:
                    security = None
            exchanges = []
            for response, fetched_at in seen:
                if response.url.startswith(SKIPPED_SCHEMES):
                    continue
                exchange = _exchange(response, fetched_at)
                if exchange.body_error and not exchange.body_error.startswith("redirect"):
                    warnings.append(f"{exchange.url}: {exchange.body_error}")
                exchanges.append(exchange)
            warnings.extend(_unanswered(requested, {id(response.request) for response, _ in seen}))
            version = f"Chromium {browser.version}"
            context.close()
        finally:
            browser.close()
    return PageCapture(
        requested_url=url,
        final_url=final_url,
        started_at=started,
        finished_at=utc_now(),
        capturer=capturer,
        tools=tool_versions(version),
        exchanges=exchanges,
        rendered_html=rendered,
        screenshot_png=screenshot,
        page_title=title,
        tls=tls,
        browser_security=security,
        user_agent=user_agent,
        viewport=settings.viewport,
        warnings=warnings,
    )
