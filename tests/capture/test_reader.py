"""Web archives ingested directly: the page's text, and clear warnings for damaged archives."""

from __future__ import annotations

import gzip
import random
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from gawah.capture.page import package_capture
from gawah.ingest.pipeline import Ingestor
from gawah.ingest.readers import ReadError
from gawah.ingest.warc import read_web_archive, web_archive_media_type
from gawah.store.models import Document, EvidenceItem
from gawah.workspace import Workspace
from tests.capture.conftest import ARTICLE, SECOND_PARAGRAPH
from tests.capture.samples import sample_capture


@pytest.fixture(scope="module")
def wacz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return package_capture(sample_capture(), tmp_path_factory.mktemp("wacz") / "page.wacz").wacz


@pytest.fixture(scope="module")
def warc_gz(wacz: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("warc") / "page.warc.gz"
    with zipfile.ZipFile(wacz) as archive:
        path.write_bytes(archive.read("archive/data.warc.gz"))
    return path


def test_media_types_from_names() -> None:
    assert web_archive_media_type(Path("a.warc")) == "application/warc"
    assert web_archive_media_type(Path("A.WARC.GZ")) == "application/warc"
    assert web_archive_media_type(Path("a.wacz")) == "application/wacz"
    assert web_archive_media_type(Path("a.tar.gz")) is None


def test_gzip_and_plain_warc_are_read(warc_gz: Path, tmp_path: Path) -> None:
    text, title, _published, reader, warnings = read_web_archive(warc_gz)
    assert ARTICLE in text and SECOND_PARAGRAPH in text
    assert "Invented test organisation" not in text  # the footer is boilerplate
    assert (title, reader, warnings) == ("Night raid in Chak district", "warc/trafilatura", [])
    plain = tmp_path / "page.warc"
    plain.write_bytes(gzip.decompress(warc_gz.read_bytes()))
    assert read_web_archive(plain)[0] == text


def test_truncated_warc_keeps_what_came_before(warc_gz: Path, tmp_path: Path) -> None:
    data = warc_gz.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: len(data) - 2000])  # inside the last records (screenshot, details)
    text, *_rest, warnings = read_web_archive(cut)
    assert ARTICLE in text
    assert any("truncated or corrupt" in w and "gzip member 10" in w for w in warnings), warnings


def test_archive_cut_before_the_page_is_refused_with_the_reason(warc_gz: Path, tmp_path: Path) -> None:
    cut = tmp_path / "early.warc.gz"
    cut.write_bytes(warc_gz.read_bytes()[:700])
    with pytest.raises(ReadError, match="truncated or corrupt"):
        read_web_archive(cut)


def test_changed_page_fails_its_digest(warc_gz: Path, tmp_path: Path) -> None:
    plain = gzip.decompress(warc_gz.read_bytes())
    assert plain.count(b"detained six men") == 2  # the served page and the rendered page
    changed = tmp_path / "changed.warc"
    changed.write_bytes(plain.replace(b"detained six men", b"detained two men", 1))
    text, *_rest, warnings = read_web_archive(changed)
    assert "detained two men" in text
    assert any("payload digest failed" in w or "digest" in w for w in warnings), warnings


def test_wacz_without_pages_list_still_gives_the_page(wacz: Path, tmp_path: Path) -> None:
    stripped = tmp_path / "nopages.wacz"
    with zipfile.ZipFile(wacz) as source, zipfile.ZipFile(stripped, "w") as target:
        for info in source.infolist():
            if info.filename != "pages/pages.jsonl":
                target.writestr(info, source.read(info.filename))
    text, *_rest, warnings = read_web_archive(stripped)
    assert ARTICLE in text
    assert any("no pages/pages.jsonl" in w for w in warnings)
    assert any("lacks pages/pages.jsonl" in w for w in warnings)


@pytest.mark.parametrize("name", ["junk.wacz", "junk.warc.gz", "junk.warc"])
def test_garbage_gives_a_read_error_never_a_crash(name: str, tmp_path: Path) -> None:
    generator = random.Random(name)
    for length in (1, 10, 300, 5000):
        path = tmp_path / name
        path.write_bytes(bytes(generator.randrange(256) for _ in range(length)))
        with pytest.raises(ReadError):
            read_web_archive(path)


def test_damaged_archives_are_preserved_by_ingest(
    workspace: Workspace, wacz: Path, warc_gz: Path, tmp_path: Path
) -> None:
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(warc_gz.read_bytes()[:700])
    broken = tmp_path / "broken.wacz"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    outcomes = Ingestor(workspace.sessions, workspace.blobs, actor="tester").ingest([wacz, cut, broken])
    assert [o.status for o in outcomes] == ["stored", "preserved", "preserved"]
    assert "truncated or corrupt" in outcomes[1].message
    assert "not a readable WACZ" in outcomes[2].message
    with workspace.sessions() as session:
        items = {i.original_filename: i for i in session.scalars(select(EvidenceItem))}
        assert items["page.wacz"].media_type == "application/wacz"
        assert items["cut.warc.gz"].media_type == "application/warc"
        document = session.scalar(select(Document).where(Document.evidence_item_id == items["page.wacz"].id))
        assert document is not None and ARTICLE in document.text and document.reader == "wacz/trafilatura"
        for name in ("cut.warc.gz", "broken.wacz"):
            stored = workspace.blobs.open(items[name].sha256).read()
            assert stored == (tmp_path / name).read_bytes()  # kept exactly as received


def test_flipped_bytes_inside_the_gzip_are_reported(warc_gz: Path, tmp_path: Path) -> None:
    data = bytearray(warc_gz.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 40] = bytes(40)
    damaged = tmp_path / "damaged.warc.gz"
    damaged.write_bytes(bytes(data))
    try:
        *_rest, warnings = read_web_archive(damaged)
    except ReadError as exc:  # the damage may fall in the page itself: then no text, but the reason
        assert "corrupt" in str(exc)
    else:
        assert any("corrupt" in w for w in warnings), warnings
