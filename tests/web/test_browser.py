"""A real browser over the served interface: Debian's Chromium driven by Playwright.

Nothing is installed here (never `playwright install`): the test uses /usr/bin/chromium, which
`make test` installs with the fonts for Arabic script. Without it the test is skipped on a
workstation and fails in CI (CI set). Full-page screenshots are kept in test-artifacts/.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from gawah.store.vocab import Role
from gawah.web.app import create_app
from gawah.workspace import Workspace, init_workspace
from tests.web.conftest import DARI_QUOTE, ENGLISH_QUOTE, PASSWORD, WebWorkspace, add_account, populate

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser test")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def sync_playwright() -> Any:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium fonts-noto-core)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    return sync_playwright


@pytest.fixture
def served(tmp_path: Path, demo_texts_dir: Path) -> Iterator[tuple[str, WebWorkspace]]:
    """The app over a populated SQLite workspace, served by uvicorn on a free loopback port."""
    settings = init_workspace(tmp_path / "ws", name="browser-test")
    ws = Workspace.open(settings.root)
    data = populate(ws, demo_texts_dir)
    add_account(ws, Role.ADMIN, "browser-admin")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # the port is ours from here on: no race with other tests
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(ws), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", data
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        ws.close()


def _shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000, f"{name} looks empty"
    return path


def _layout(page: Any) -> dict[str, Any]:
    return dict(
        page.evaluate(
            """() => {
                const brand = document.querySelector('.brand').getBoundingClientRect();
                return {
                    dir: document.documentElement.dir,
                    lang: document.documentElement.lang,
                    brandCentre: brand.left + brand.width / 2,
                    width: document.documentElement.clientWidth,
                    scrollWidth: document.documentElement.scrollWidth,
                    headerColour: getComputedStyle(document.querySelector('.site-header')).backgroundColor,
                };
            }"""
        )
    )


def test_browse_a_document_and_switch_to_dari(sync_playwright: Any, served: tuple[str, WebWorkspace]) -> None:
    base, data = served
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="en-GB")
            page.on(
                "console",
                lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
            )
            # A request the browser itself aborts because the page moved on (a favicon still loading
            # when a link is followed) is not a fault of the page.
            page.on(
                "requestfailed",
                lambda r: None if "ERR_ABORTED" in (r.failure or "") else problems.append(f"failed: {r.url}"),
            )
            page.on(
                "response", lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None
            )

            # Asked to sign in first; the form returns to the page asked for.
            page.goto(base + "/")
            page.wait_for_url(f"{base}/login?next=%2F")
            _shot(page, "login-en.png")
            page.fill("#username", "browser-admin")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            home = _layout(page)
            assert (home["dir"], home["lang"]) == ("ltr", "en")
            assert home["headerColour"] == "rgb(27, 31, 36)", "the stylesheet did not load"
            assert home["brandCentre"] < home["width"] / 2, "the name should sit on the left in English"
            assert page.locator("h1").inner_text() == "Gawah"
            _shot(page, "home-en.png")

            # Open the English report from the list of latest documents.
            page.click(f'a[href="/documents/{data.english_id}"]')
            page.wait_for_url(f"{base}/documents/{data.english_id}")
            mark = page.locator("mark.quote").first
            assert mark.inner_text() == ENGLISH_QUOTE
            assert mark.is_visible()
            assert page.get_by_text("Arbitrary detention").is_visible()
            _shot(page, "document-en.png")

            # Switch the interface to Dari with the language link.
            page.get_by_role("link", name="دری").click()
            page.wait_for_url(f"{base}/documents/{data.english_id}")
            dari = _layout(page)
            assert (dari["dir"], dari["lang"]) == ("rtl", "fa")
            assert page.evaluate("document.documentElement.dir") == "rtl"
            assert page.get_by_role("heading", name="دربارهٔ این سند").is_visible()
            assert page.get_by_text("بازداشت خودسرانه").first.is_visible()
            assert dari["brandCentre"] > dari["width"] / 2, "the layout should be mirrored in Dari"
            # The English text keeps reading left to right inside the right-to-left page.
            assert (
                page.locator(".document-text p").first.evaluate("e => getComputedStyle(e).direction") == "ltr"
            )
            _shot(page, "document-en-interface-fa.png")

            # The Dari report, reached through the (translated) menu and list; the choice is remembered.
            page.get_by_role("link", name="اسناد", exact=True).click()
            page.click(f'a[href="/documents/{data.dari_id}"]')
            page.wait_for_url(f"{base}/documents/{data.dari_id}")
            assert page.evaluate("document.documentElement.dir") == "rtl"
            paragraph = page.locator(".document-text p").nth(2)
            assert paragraph.evaluate("e => getComputedStyle(e).direction") == "rtl"
            assert page.locator("mark.quote").first.inner_text() == DARI_QUOTE
            _shot(page, "document-fa.png")
            # Keyboard users land on the skip link first, in Dari.
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.textContent") == "رفتن به محتوای اصلی"

            # A small screen: nothing wider than the window, in Pashto.
            page.set_viewport_size({"width": 375, "height": 740})
            page.get_by_role("link", name="پښتو").click()
            page.wait_for_url(f"{base}/documents/{data.dari_id}")
            small = _layout(page)
            assert (small["dir"], small["lang"]) == ("rtl", "ps")
            assert small["scrollWidth"] <= small["width"], "the page scrolls sideways on a small screen"
            _shot(page, "document-fa-interface-ps-small.png")
            page.screenshot(path=str(ARTIFACTS / "document-fa-interface-ps-small-top.png"))
        finally:
            browser.close()
    assert problems == []


def test_statistics_charts_and_maps_fit_the_page(sync_playwright: Any, served: tuple[str, WebWorkspace]) -> None:
    from gawah.cli.demo import accept_demo_candidates

    base, data = served
    accepted, _left = accept_demo_candidates(data.workspace)
    assert accepted > 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1024, "height": 800}, locale="en-GB")
            page.goto(base + "/login?next=%2Fanalysis")
            page.fill("#username", "browser-admin")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/analysis")
            for language in ("en", "fa"):
                if language == "fa":
                    page.get_by_role("link", name="دری").click()
                    page.wait_for_url(f"{base}/analysis")
                charts = page.locator("img.chart")
                assert charts.count() >= 3, "a bar chart and the two maps"
                # Every chart and map is drawn (a decoded image) and stays inside the page's column.
                sizes = page.evaluate(
                    """() => [...document.querySelectorAll('img.chart')].map(img => ({
                        natural: img.naturalWidth,
                        right: img.getBoundingClientRect().right,
                        left: img.getBoundingClientRect().left,
                        main: img.closest('main').getBoundingClientRect().right + 1,
                    }))"""
                )
                for size in sizes:
                    assert size["natural"] > 0
                    assert size["left"] >= 0 and size["right"] <= size["main"], size
                layout = _layout(page)
                assert layout["scrollWidth"] <= layout["width"], "the page scrolls sideways"
                _shot(page, f"analysis-{language}.png")
        finally:
            browser.close()
