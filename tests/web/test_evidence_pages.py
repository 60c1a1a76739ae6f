"""The evidence list and item pages: previews served safely, metadata apart from the collector's
statement, custody, proofs checked on the fly, related items, and graphic media blurred until the
viewer chooses to see it (once, or always by a per-user setting)."""

from __future__ import annotations

import datetime as dt
import re
import socket
import threading
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from pypdf import PdfWriter
from sqlalchemy import select, update

from gawah.ingest.pipeline import Ingestor, Provenance
from gawah.ledger.journal import record_evidence, record_registry_change
from gawah.store.models import AuditEvent, EvidenceItem, LedgerEntry, RegistryChange, User
from gawah.store.vocab import Role
from gawah.web import evidence_routes
from gawah.web.app import create_app
from gawah.web.evidence_routes import MARK, byte_range, graphic_marks, media_kind, metadata_rows, preview_kind
from gawah.workspace import Workspace, init_workspace
from tests.vault.media.generate import make_video, photo_with_exif, scene
from tests.web.conftest import PASSWORD, WebWorkspace, add_account, populate, signed_in_client
from tests.web.test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, sync_playwright  # noqa: F401

COLLECTOR = "Invented Field Monitor"


@dataclass(frozen=True)
class Media:
    photo: int
    photo_copy: int  # a re-encoded working copy of the photo, derived from it
    png: int
    video: int | None
    audio: int
    pdf: int
    html: int
    svg: int


def _ingest(ws: Workspace, path: Path, provenance: Provenance | None = None) -> int:
    outcome = Ingestor(ws.sessions, ws.blobs, actor="intake-desk").ingest_file(path, provenance)
    assert outcome.status in ("stored", "preserved"), outcome.as_dict()
    with ws.sessions() as session:
        item_id = session.scalar(select(EvidenceItem.id).where(EvidenceItem.sha256 == outcome.sha256))
    assert item_id is not None
    return item_id


def _working_copy(ws: Workspace, original_id: int, path: Path) -> int:
    """A derived item pointing to its original, recorded as the vault records one."""
    blob = ws.blobs.put_file(path)
    with ws.sessions.begin() as session:
        original = session.get(EvidenceItem, original_id)
        assert original is not None
        item = EvidenceItem(
            sha256=blob.sha256,
            size_bytes=blob.size,
            media_type="image/jpeg",
            original_filename=path.name,
            storage_key=blob.key,
            derived_from_id=original.id,
            derivation="resized",
            acquired_by="intake-desk",
            acquisition_method="derived",
            confidentiality=original.confidentiality,
            tool_metadata={"perceptual": (original.tool_metadata or {}).get("perceptual")},
        )
        session.add(item)
        session.flush()
        record_evidence(session, item)
        return item.id


def _wav(path: Path) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x10" * 8000)
    return path


def add_media(ws: Workspace, folder: Path, *, video: bool = True) -> Media:
    folder.mkdir(parents=True, exist_ok=True)
    provenance = Provenance(
        COLLECTOR,
        collected_at=dt.datetime(2021, 8, 15, 6, 0, tzinfo=dt.UTC),
        place="Invented district centre",
        notes="Taken by the monitor at the scene",
    )
    photo = _ingest(ws, photo_with_exif(folder / "scene.jpg", seed=3), provenance)
    smaller = folder / "scene-small.jpg"
    scene(3).resize((160, 120)).save(smaller, "JPEG", quality=70)
    photo_copy = _working_copy(ws, photo, smaller)
    scene(11).save(folder / "other.png", "PNG")
    png = _ingest(ws, folder / "other.png")
    video_id = _ingest(ws, make_video(folder / "clip.mp4", seconds=1)) if video else None
    audio = _ingest(ws, _wav(folder / "voice.wav"))
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    with (folder / "letter.pdf").open("wb") as fh:
        writer.write(fh)
    pdf = _ingest(ws, folder / "letter.pdf")
    (folder / "page.html").write_text(
        "<html><head><title>Invented page</title><script>document.title='ran'</script></head>"
        "<body><p>An invented report page with enough words to be read as a document.</p></body></html>",
        encoding="utf-8",
    )
    html = _ingest(ws, folder / "page.html")
    (folder / "drawing.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>',
        encoding="utf-8",
    )
    svg = _ingest(ws, folder / "drawing.svg")
    ws.sign_checkpoint()
    return Media(photo, photo_copy, png, video_id, audio, pdf, html, svg)


@pytest.fixture
def media(web_workspace: WebWorkspace, tmp_path: Path) -> Media:
    return add_media(web_workspace.workspace, tmp_path / "media")


def _csrf(page: str) -> str:
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token, page[:300]
    return token[1]


def _set_level(ws: Workspace, item_id: int, level: str) -> None:
    with ws.sessions.begin() as session:
        session.execute(update(EvidenceItem).where(EvidenceItem.id == item_id).values(confidentiality=level))


# -- pure functions --------------------------------------------------------------------------------


def test_kinds_and_previews_of_media_types() -> None:
    assert media_kind("image/svg+xml") == "image" and preview_kind("image/svg+xml") == "none"
    assert preview_kind("image/jpeg") == "image"
    assert preview_kind("video/mp4") == "video" and preview_kind("audio/wav") == "audio"
    assert preview_kind("application/pdf") == "pdf"
    assert preview_kind("text/html") == "none" and media_kind("text/html") == "text"
    assert media_kind("application/zip") == "other"


def test_metadata_rows_flatten_nested_records() -> None:
    rows = metadata_rows(
        {"exif": {"make": "Cam", "gps": {"lat": 34.5}}, "streams": [{"codec": "h264"}], "k": [1, 2]}
    )
    assert rows == [
        ("exif.make", "Cam"),
        ("exif.gps.lat", "34.5"),
        ("streams[0].codec", "h264"),
        ("k", "1, 2"),
    ]


def test_byte_ranges() -> None:
    assert byte_range(None, 10) is None and byte_range("items=0-1", 10) is None
    assert byte_range("bytes=0-1,4-5", 10) is None and byte_range("bytes=a-b", 10) is None
    assert byte_range("bytes=2-4", 10) == (2, 4)
    assert byte_range("bytes=7-", 10) == (7, 9) and byte_range("bytes=5-100", 10) == (5, 9)
    assert byte_range("bytes=-3", 10) == (7, 9)
    with pytest.raises(ValueError):
        byte_range("bytes=10-", 10)
    with pytest.raises(ValueError):
        byte_range("bytes=5-2", 10)


# -- list ------------------------------------------------------------------------------------------


def test_list_newest_first_filtered_by_kind_and_paged(
    client: TestClient, media: Media, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = client.get("/evidence")
    assert page.status_code == 200
    ids = [int(i) for i in re.findall(r'<a href="/evidence/(\d+)">', page.text)]
    assert ids[0] == media.svg and media.photo in ids  # the last ingested first
    assert ids == sorted(ids, reverse=True)
    pictures = client.get("/evidence?kind=image").text
    found = {int(i) for i in re.findall(r'<a href="/evidence/(\d+)">', pictures)}
    assert found == {media.photo, media.photo_copy, media.png, media.svg}
    assert "Working copy of item" in pictures
    video = {
        int(i) for i in re.findall(r'<a href="/evidence/(\d+)">', client.get("/evidence?kind=video").text)
    }
    assert video == {media.video}
    other = client.get("/evidence?kind=nonsense")  # an unknown kind lists everything
    assert other.status_code == 200 and f'href="/evidence/{media.png}"' in other.text
    monkeypatch.setattr(evidence_routes, "PAGE_SIZE", 2)
    first = client.get("/evidence?kind=image").text
    assert 'href="/evidence?kind=image&amp;page=2"' in first
    second = client.get("/evidence?kind=image&page=2").text
    assert {int(i) for i in re.findall(r'<a href="/evidence/(\d+)">', second)} == {
        media.photo_copy,
        media.photo,
    }


def test_dari_list_is_translated(client: TestClient, media: Media) -> None:
    page = client.get("/evidence?lang=fa")
    assert page.status_code == 200 and "شواهد" in page.text and 'dir="rtl"' in page.text


# -- item page -------------------------------------------------------------------------------------


def test_item_page_shows_tools_apart_from_collector_custody_and_proofs(
    client: TestClient, media: Media
) -> None:
    page = client.get(f"/evidence/{media.photo}")
    assert page.status_code == 200
    text = page.text
    assert "media-src 'self'" in page.headers["content-security-policy"]
    with client.app.state.workspace.sessions() as session:  # type: ignore[attr-defined]
        item = session.get(EvidenceItem, media.photo)
        assert item is not None
        sha = item.sha256
    assert sha in text
    tools, collector = text.index('id="tools-heading"'), text.index('id="collector-heading"')
    assert "Gawah Test Camera Co." in text[tools:]  # read by a tool from the file
    assert COLLECTOR in text[collector:tools] and "Taken by the monitor at the scene" in text[collector:tools]
    custody = text[text.index('id="custody-heading"') : text.index('id="proof-heading"')]
    assert custody.index("Collected") < custody.index("Received") and "Invented district centre" in custody
    proof = text[text.index('id="proof-heading"') : text.index('id="related-heading"')]
    assert "Every ledger entry of this item is included in the signed checkpoint" in proof
    assert proof.count('<td class="proof proof--proved">') == 3  # the item, collected, received
    assert "No trusted timestamp for this checkpoint." in proof
    related = text[text.index('id="related-heading"') :]
    assert f'href="/evidence/{media.photo_copy}"' in related  # a working copy, and a similar picture
    assert f'<img class="preview__media" src="/evidence/{media.photo}/media"' in text
    copy = client.get(f"/evidence/{media.photo_copy}").text
    original = copy[copy.index('id="related-heading"') :]
    assert f'href="/evidence/{media.photo}"' in original and "resized" in original


def test_previews_per_kind(client: TestClient, media: Media) -> None:
    assert "<video" in client.get(f"/evidence/{media.video}").text
    audio = client.get(f"/evidence/{media.audio}").text
    assert f'<audio class="preview__media" src="/evidence/{media.audio}/media"' in audio
    assert f'href="/evidence/{media.pdf}/media"' in client.get(f"/evidence/{media.pdf}").text
    for item_id in (media.html, media.svg):
        page = client.get(f"/evidence/{item_id}").text
        assert "preview__media" not in page and "This kind of file is not shown here" in page


def test_originals_are_served_inline_only_when_nothing_can_run(client: TestClient, media: Media) -> None:
    image = client.get(f"/evidence/{media.png}/media")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.headers["content-disposition"].startswith("inline;")
    assert image.headers["x-content-type-options"] == "nosniff"
    assert image.content.startswith(b"\x89PNG")
    pdf = client.get(f"/evidence/{media.pdf}/media")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    for item_id, start in ((media.html, b"<html>"), (media.svg, b"<svg")):
        served = client.get(f"/evidence/{item_id}/media")
        assert served.status_code == 200 and served.content.startswith(start)
        assert served.headers["content-type"] == "application/octet-stream"
        assert served.headers["content-disposition"].startswith("attachment;")
        assert "sandbox" in served.headers["content-security-policy"]
    whole = image.content
    assert image.headers["content-length"] == str(len(whole)) and image.headers["accept-ranges"] == "bytes"
    part = client.get(f"/evidence/{media.png}/media", headers={"Range": "bytes=1-3"})
    assert part.status_code == 206 and part.content == b"PNG"
    assert part.headers["content-range"] == f"bytes 1-3/{len(whole)}"
    tail = client.get(f"/evidence/{media.png}/media", headers={"Range": "bytes=-5"})
    assert tail.status_code == 206 and tail.content == whole[-5:]
    beyond = client.get(f"/evidence/{media.png}/media", headers={"Range": f"bytes={len(whole)}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(whole)}"
    download = client.get(f"/evidence/{media.png}/media?download=1")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert client.get("/evidence/999999/media").status_code == 404
    assert client.get("/evidence/999999").status_code == 404


def test_a_changed_record_fails_its_proof_and_a_new_one_waits(
    web_workspace: WebWorkspace, client: TestClient, media: Media, tmp_path: Path
) -> None:
    ws = web_workspace.workspace
    assert "proof--failed" not in client.get(f"/evidence/{media.pdf}").text  # the log is read and kept
    with ws.sessions.begin() as session:
        session.execute(
            update(EvidenceItem).where(EvidenceItem.id == media.png).values(original_filename="x.png")
        )
        session.execute(
            update(LedgerEntry)
            .where(LedgerEntry.subject_type == "evidence_item", LedgerEntry.subject_id == media.pdf)
            .values(leaf_hash="00" * 32)
        )
    rewritten = client.get(f"/evidence/{media.pdf}").text
    assert "proof--failed" in rewritten and "stored leaf hash was changed" in rewritten
    proof = client.get(f"/evidence/{media.png}").text
    assert "proof--failed" in proof and "changed after it was recorded" in proof
    scene(21).save(tmp_path / "late.png", "PNG")
    late = _ingest(ws, tmp_path / "late.png")  # no checkpoint signed since
    waiting = client.get(f"/evidence/{late}").text
    assert "Waiting for the next checkpoint" in waiting and "proof--proved" not in waiting


# -- access ----------------------------------------------------------------------------------------


def test_access_by_role_and_confidentiality(web_workspace: WebWorkspace, media: Media) -> None:
    ws = web_workspace.workspace
    _set_level(ws, media.png, "public")
    _set_level(ws, media.audio, "confidential")
    anonymous = TestClient(create_app(ws), base_url="https://testserver")
    response = anonymous.get("/evidence", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?")
    with signed_in_client(ws, Role.VIEWER) as viewer:
        listed = {int(i) for i in re.findall(r'<a href="/evidence/(\d+)">', viewer.get("/evidence").text)}
        assert listed == {media.png}
        page = viewer.get(f"/evidence/{media.png}")
        assert page.status_code == 200 and "preview__media" not in page.text
        assert "Your role may not open preserved files." in page.text
        assert viewer.get(f"/evidence/{media.png}/media").status_code == 403
        assert viewer.get(f"/evidence/{media.photo}").status_code == 404  # restricted: not found
    with signed_in_client(ws, Role.ANALYST) as analyst:
        assert media.audio not in {
            int(i) for i in re.findall(r'/evidence/(\d+)"', analyst.get("/evidence").text)
        }
        assert analyst.get(f"/evidence/{media.audio}").status_code == 404
        assert analyst.get(f"/evidence/{media.audio}/media").status_code == 404
        assert analyst.get(f"/evidence/{media.photo}/media").status_code == 200
    with signed_in_client(ws, Role.INVESTIGATOR) as investigator:
        ask = investigator.get(f"/evidence/{media.audio}")
        assert ask.status_code == 403 and 'name="reason"' in ask.text
        read = investigator.get(f"/evidence/{media.audio}?reason=checking+the+recording")
        assert read.status_code == 200
        assert f"/evidence/{media.audio}/media?reason=checking+the+recording" in read.text
        assert investigator.get(f"/evidence/{media.audio}/media").status_code == 403
        assert investigator.get(f"/evidence/{media.audio}/media?reason=listen").status_code == 200
    with ws.sessions() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.subject_id == media.audio)).all()
    denied = [e for e in events if e.event == "access.denied"]
    assert {e.actor for e in denied} == {"analyst-user"} and len(denied) == 2
    reads = [e for e in events if e.event == "confidential.read"]
    assert {e.reason for e in reads} == {"checking the recording", "listen"}


# -- graphic media ---------------------------------------------------------------------------------


def _mark(client: TestClient, item_id: int, graphic: str) -> Any:
    page = client.get(f"/evidence/{item_id}").text
    return client.post(
        f"/evidence/{item_id}/graphic",
        data={"csrf": _csrf(page), "graphic": graphic},
        follow_redirects=False,
    )


def test_graphic_media_blurred_until_shown_once_or_always(web_workspace: WebWorkspace, media: Media) -> None:
    ws = web_workspace.workspace
    with signed_in_client(ws, Role.INVESTIGATOR) as investigator:
        assert "preview--blurred" not in investigator.get(f"/evidence/{media.photo}").text
        marked = _mark(investigator, media.photo, "1")
        assert marked.status_code == 303 and marked.headers["location"] == f"/evidence/{media.photo}"
        _mark(investigator, media.video or media.photo, "1")
    with ws.sessions() as session:
        marks = graphic_marks(session, [media.photo, media.png])
        assert set(marks) == {media.photo} and marks[media.photo].actor == "investigator-user"
    # Marking is not an edit of the record that the ledger holds: its proof still holds.
    with signed_in_client(ws, Role.ANALYST) as analyst:
        page = analyst.get(f"/evidence/{media.photo}").text
        assert "preview--blurred" in page and "Graphic content" in page and "proof--failed" not in page
        assert "Marked graphic by investigator-user on" in page
        assert "Mark as graphic" not in page and "Remove the graphic mark" not in page  # analysts may not
        assert 'class="badge badge--graphic"' in analyst.get("/evidence").text
        if media.video is not None:
            assert "preview--blurred" in analyst.get(f"/evidence/{media.video}").text
        assert "preview--blurred" not in analyst.get(f"/evidence/{media.photo}?show=1").text
        assert "preview--blurred" in analyst.get(f"/evidence/{media.photo}").text  # once means once
        refused = analyst.post(f"/evidence/{media.photo}/graphic", data={"csrf": _csrf(page), "graphic": "0"})
        assert refused.status_code == 403
        forged = analyst.post(
            "/evidence/graphic-media", data={"csrf": "forged", "show": "1"}, follow_redirects=False
        )
        assert forged.status_code == 403
        always = analyst.post(
            "/evidence/graphic-media",
            data={"csrf": _csrf(page), "show": "1", "next": f"/evidence/{media.photo}"},
            follow_redirects=False,
        )
        assert always.status_code == 303 and always.headers["location"] == f"/evidence/{media.photo}"
        shown = analyst.get(f"/evidence/{media.photo}").text
        assert "preview--blurred" not in shown and "Blur graphic pictures and video again" in shown
        elsewhere = analyst.post(
            "/evidence/graphic-media",
            data={"csrf": _csrf(page), "show": "0", "next": "//elsewhere.example/"},
            follow_redirects=False,
        )
        assert elsewhere.headers["location"] == "/evidence"
        assert "preview--blurred" in analyst.get(f"/evidence/{media.photo}").text
    with ws.sessions() as session:
        assert session.scalar(select(User.show_graphic_media).where(User.username == "analyst-user")) is False
    with signed_in_client(ws, Role.ADMIN) as admin:
        assert _mark(admin, media.photo, "0").status_code == 303
        after = admin.get(f"/evidence/{media.photo}").text
        assert "preview--blurred" not in after and "proof--failed" not in after
    with ws.sessions() as session:
        actions = session.scalars(
            select(RegistryChange.action)
            .where(RegistryChange.subject_type == "evidence_item", RegistryChange.subject_id == media.photo)
            .order_by(RegistryChange.id)
        ).all()
    assert actions == ["mark_graphic", "unmark_graphic"]


# -- a real browser --------------------------------------------------------------------------------


@pytest.fixture
def served_media(tmp_path: Path, demo_texts_dir: Path) -> Iterator[tuple[str, Media]]:
    settings = init_workspace(tmp_path / "ws", name="evidence-browser-test")
    ws = Workspace.open(settings.root)
    populate(ws, demo_texts_dir)
    found = add_media(ws, tmp_path / "media", video=False)
    with ws.sessions.begin() as session:
        change = RegistryChange(
            subject_type="evidence_item",
            subject_id=found.photo,
            action=MARK,
            actor="test",
            after={"graphic": True},
        )
        record_registry_change(session, change)
    ws.sign_checkpoint()
    add_account(ws, Role.ANALYST, "browser-analyst")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
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
        yield f"http://127.0.0.1:{port}", found
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        ws.close()


@pytest.mark.browser
def test_browser_blurs_a_graphic_picture_until_revealed(
    sync_playwright: Any,  # noqa: F811
    served_media: tuple[str, Media],
) -> None:
    base, found = served_media
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.goto(f"{base}/login")
            page.fill("#username", "browser-analyst")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.goto(f"{base}/evidence/{found.photo}")
            image = page.locator("img.preview__media")
            image.wait_for()
            assert page.evaluate("() => document.querySelector('img.preview__media').complete")
            assert page.evaluate("() => document.querySelector('img.preview__media').naturalWidth") == 320
            assert "blur(32px)" in image.evaluate("e => getComputedStyle(e).filter")
            assert page.get_by_text("Graphic content").is_visible()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "evidence-graphic-blurred.png"), full_page=True)
            page.get_by_role("button", name="Show this once").click()
            page.wait_for_url(f"{base}/evidence/{found.photo}?show=1")
            revealed = page.locator("img.preview__media")
            assert revealed.evaluate("e => getComputedStyle(e).filter") == "none"
            page.screenshot(path=str(ARTIFACTS / "evidence-graphic-revealed.png"), full_page=True)
        finally:
            browser.close()
    assert not problems, problems
