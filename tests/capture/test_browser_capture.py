"""Real captures: Debian's Chromium through Playwright, of pages served on 127.0.0.1 by the test.

Nothing is installed here (never `playwright install`). Without Chromium these tests are skipped
on a workstation and fail in CI (CI set). Nothing beyond loopback is ever requested.
"""

from __future__ import annotations

import json
import os
import struct
import zipfile
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from gawah.capture import BrowserSettings, CaptureError, capture_page, find_chromium, preserve_capture
from gawah.capture.page import DETAILS_PATH, SCREENSHOT_PATH, TLS_CHAIN_PATH
from gawah.capture.preserve import CAPTURE_METHOD, SCREENSHOT_DERIVATION
from gawah.store.models import CustodyEvent, Document, EvidenceItem
from gawah.verification import verify_workspace
from gawah.workspace import Workspace, init_workspace
from tests.capture.archive_tools import wacz_validate, warcio_check
from tests.capture.conftest import ARTICLE, Served

pytestmark = pytest.mark.browser
QUICK = BrowserSettings(timeout_s=30, settle_s=0.3)


@pytest.fixture(scope="module", autouse=True)
def chromium() -> Path:
    try:
        found = find_chromium()
    except CaptureError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"{exc}; CI must run the capture tests")
        pytest.skip(str(exc))
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("the playwright package is not installed; CI must run the capture tests")
        pytest.skip("the playwright package is not installed")
    return found


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_page_with_image_and_style_is_captured_and_preserved(
    http_site: Served, workspace: Workspace, tmp_path: Path
) -> None:
    result = capture_page(f"{http_site.base}/old-report", tmp_path / "raid.wacz", "analyst-7", QUICK)
    capture = result.capture
    assert capture.requested_url.endswith("/old-report")
    assert capture.final_url == f"{http_site.base}/report.html"
    statuses = {e.url.removeprefix(http_site.base): e.status for e in capture.exchanges}
    assert statuses == {
        "/old-report": 301,
        "/report.html": 200,
        "/static/style.css": 200,
        "/static/village.png": 200,
    }
    image = next(e for e in capture.exchanges if e.url.endswith(".png"))
    assert image.body is not None and image.body[:8] == b"\x89PNG\r\n\x1a\n"
    assert image.server_ip == "127.0.0.1"
    assert capture.tools.browser.startswith("Chromium ")
    assert capture.tls is None  # plain HTTP
    width, height = _png_size(capture.screenshot_png)
    assert width == QUICK.viewport[0] and height >= 300

    assert warcio_check(_extract_warc(result.wacz, tmp_path)).returncode == 0
    validated = wacz_validate(result.wacz)
    assert validated.returncode == 0, validated.stdout

    preserved = preserve_capture(workspace.sessions, workspace.blobs, result, actor="analyst-7")
    assert preserved.wacz.status == "stored", preserved.wacz.message
    workspace.sign_checkpoint()
    with workspace.sessions() as session:
        item = session.get(EvidenceItem, preserved.wacz_item_id)
        assert item is not None and item.media_type == "application/wacz"
        assert item.tool_metadata["web_capture"]["final_url"] == capture.final_url
        document = session.scalar(select(Document).where(Document.evidence_item_id == item.id))
        assert document is not None and ARTICLE in document.text
        assert document.title == "Night raid in Chak district"
        events = session.scalars(
            select(CustodyEvent).where(CustodyEvent.evidence_item_id == item.id).order_by(CustodyEvent.id)
        ).all()
        assert [e.event for e in events] == ["collected", "received"]
        collected = events[0]
        assert collected.method == CAPTURE_METHOD and collected.actor == "analyst-7"
        assert f"URL as entered: {http_site.base}/old-report" in collected.notes
        assert f"URL as resolved: {http_site.base}/report.html" in collected.notes
        assert "Chromium" in (collected.tool or "") and "warcio" in (collected.tool or "")
        shot = session.get(EvidenceItem, preserved.screenshot_item_id)
        assert shot is not None
        assert (shot.derived_from_id, shot.derivation, shot.media_type) == (
            item.id,
            SCREENSHOT_DERIVATION,
            "image/png",
        )
        assert shot.collected_by == "analyst-7"
        with zipfile.ZipFile(result.wacz) as archive:
            assert workspace.blobs.open(shot.sha256).read() == archive.read(SCREENSHOT_PATH)
    report = verify_workspace(workspace)
    assert report.ok, [str(p) for p in report.problems]


def _extract_warc(wacz: Path, folder: Path) -> Path:
    target = folder / "data.warc.gz"
    with zipfile.ZipFile(wacz) as archive:
        target.write_bytes(archive.read("archive/data.warc.gz"))
    return target


def test_https_capture_records_the_certificate(https_site: Served, tmp_path: Path) -> None:
    result = capture_page(f"{https_site.base}/report.html", tmp_path, "analyst-7", QUICK)
    assert result.wacz.parent == tmp_path and result.wacz.name.startswith("capture-127.0.0.1-")
    tls = result.capture.tls
    assert tls is not None and tls.verified is False and tls.protocol in {"TLSv1.2", "TLSv1.3"}
    security = result.capture.browser_security or {}
    assert security.get("protocol", "").startswith("TLS")
    with zipfile.ZipFile(result.wacz) as archive:
        details = json.loads(archive.read(DETAILS_PATH))
        chain = archive.read(TLS_CHAIN_PATH).decode()
    assert details["tls"]["certificates"][0]["sha256_fingerprint"] == tls.certificates[0].sha256_fingerprint
    assert chain == tls.chain_pem()
    assert details["started_at"].endswith("Z") and details["capturer"] == "analyst-7"
    assert wacz_validate(result.wacz).returncode == 0


def test_a_resource_that_never_answers_does_not_cost_the_page(http_site: Served, tmp_path: Path) -> None:
    hurried = BrowserSettings(timeout_s=2, settle_s=0.1)
    result = capture_page(f"{http_site.base}/slow.html", tmp_path / "slow.wacz", "analyst-7", hurried)
    assert any("did not finish loading" in w for w in result.capture.warnings)
    assert any(
        w.startswith(f"{http_site.base}/static/never.png: no response") for w in result.capture.warnings
    )
    assert result.article is not None and ARTICLE in result.article.text
    assert wacz_validate(result.wacz).returncode == 0


def test_strict_tls_refuses_a_self_signed_page(https_site: Served, tmp_path: Path) -> None:
    strict = BrowserSettings(timeout_s=15, settle_s=0.1, ignore_https_errors=False)
    with pytest.raises(CaptureError, match="did not load"):
        capture_page(f"{https_site.base}/report.html", tmp_path / "x.wacz", "analyst-7", strict)
    assert not (tmp_path / "x.wacz").exists()


def test_capture_command(http_site: Served, tmp_path: Path) -> None:
    from gawah.cli.capture import register

    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # a second command keeps `capture` a named subcommand
    settings = init_workspace(tmp_path / "ws", name="capture-test")
    out = tmp_path / "kept.wacz"
    result = CliRunner().invoke(
        app,
        [
            "capture",
            f"{http_site.base}/report.html",
            "--workspace",
            str(settings.root),
            "--out",
            str(out),
            "--actor",
            "analyst-7",
            "--timeout",
            "30",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout[result.stdout.index("{") :])
    assert report["final_url"] == f"{http_site.base}/report.html"
    assert report["stored"]["status"] == "stored" and report["stored"]["document_id"]
    assert report["checkpoint_size"] >= 5
    assert out.is_file() and report["wacz"] == str(out)

    refused = CliRunner().invoke(
        app, ["capture", "ftp://127.0.0.1/x", "-w", str(settings.root), "--no-store"]
    )
    assert refused.exit_code != 0
    bad = CliRunner().invoke(app, ["capture", "ftp://127.0.0.1/x", "-w", str(settings.root)])
    assert bad.exit_code == 1 and "not an http(s) URL" in bad.output
    with Workspace.open(settings.root) as ws, ws.sessions() as session:
        assert len(session.scalars(select(EvidenceItem)).all()) == 2  # the WACZ and its screenshot
