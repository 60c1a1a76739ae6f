"""WARC and WACZ written from a capture (no browser): layout, digests, index, and webrecorder's validators."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from gawah.capture.page import DETAILS_PATH, RENDERED_PATH, SCREENSHOT_PATH, package_capture
from gawah.capture.wacz import WaczContents, surt_key, write_wacz
from gawah.capture.warcfile import SCREENSHOT_URN
from gawah.ingest.warc import read_web_archive
from tests.capture.archive_tools import wacz_validate, warcio_check
from tests.capture.conftest import ARTICLE, PAGE
from tests.capture.samples import BASE, STARTED, sample_capture


@pytest.fixture
def wacz(tmp_path: Path) -> Path:
    return package_capture(sample_capture(), tmp_path / "capture.wacz").wacz


def _warc_bytes(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read("archive/data.warc.gz")


def test_layout_follows_wacz_1_1_1(wacz: Path) -> None:
    with zipfile.ZipFile(wacz) as archive:
        names = set(archive.namelist())
        assert names == {
            "archive/data.warc.gz",
            "indexes/index.cdx",
            "pages/pages.jsonl",
            SCREENSHOT_PATH,
            RENDERED_PATH,
            DETAILS_PATH,
            "datapackage.json",
            "datapackage-digest.json",
        }
        # Already-compressed files are STORED so that replay tools can read them by offset.
        assert archive.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED
        assert archive.getinfo(SCREENSHOT_PATH).compress_type == zipfile.ZIP_STORED
        package_bytes = archive.read("datapackage.json")
        package = json.loads(package_bytes)
        digest = json.loads(archive.read("datapackage-digest.json"))
        assert package["profile"] == "data-package"
        assert package["wacz_version"] == "1.1.1"
        assert package["mainPageUrl"] == BASE + "/report.html"
        assert "Chromium 1.0" in package["software"]
        listed = {r["path"]: r for r in package["resources"]}
        assert set(listed) == names - {"datapackage.json", "datapackage-digest.json"}
        for path, resource in listed.items():
            data = archive.read(path)
            assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
            assert resource["bytes"] == len(data)
        assert digest == {
            "path": "datapackage.json",
            "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest(),
        }

        header, page, *rest = archive.read("pages/pages.jsonl").decode().splitlines()
        assert json.loads(header)["format"] == "json-pages-1.0"
        assert rest == []
        page_line = json.loads(page)
        assert page_line["url"] == BASE + "/report.html"
        assert page_line["ts"] == "2026-03-05T06:30:15.250Z"
        assert page_line["title"] == "Night raid in Chak district"
        assert ARTICLE[:60] in page_line["text"]
        details = json.loads(archive.read(DETAILS_PATH))
        assert details["requested_url"] == BASE + "/old-report"
        assert details["final_url"] == BASE + "/report.html"
        assert details["capturer"] == "analyst-7"


def test_webrecorder_validators_accept_it(wacz: Path, tmp_path: Path) -> None:
    warc = tmp_path / "data.warc.gz"
    warc.write_bytes(_warc_bytes(wacz))
    checked = warcio_check(warc)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("digest pass") == 12  # warcinfo, 4 × (request, response), 3 resources
    validated = wacz_validate(wacz)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "Validation succeeded" in validated.stdout


def test_warc_records_keep_headers_and_bodies(wacz: Path) -> None:
    records = list(_records(_warc_bytes(wacz)))
    kinds = [kind for kind, *_ in records]
    assert kinds[0] == "warcinfo"
    assert kinds.count("request") == kinds.count("response") == 4
    assert kinds[-3:] == ["resource", "resource", "metadata"]
    info = records[0][3]
    assert b"Chromium 1.0" in info and b"operator: analyst-7" in info

    by_uri = {(kind, uri): (headers, body) for kind, uri, headers, body in records}
    page_headers, page_body = by_uri[("response", BASE + "/report.html")]
    assert page_body == PAGE.encode()
    # The body is stored decoded, so the wire headers are kept under another name.
    assert page_headers.get_header("Content-Encoding") is None
    assert page_headers.get_header("X-Archive-Orig-Content-Encoding") == "gzip"
    assert page_headers.get_header("X-Archive-Orig-Content-Length") == "17"
    assert page_headers.get_header("Content-Length") == str(len(PAGE.encode()))
    redirect_headers, redirect_body = by_uri[("response", BASE + "/old-report")]
    assert redirect_headers.get_statuscode() == "301"
    assert redirect_headers.get_header("Location") == "/report.html"
    assert redirect_body == b""
    request_headers, _ = by_uri[("request", BASE + "/static/style.css")]
    assert (request_headers.protocol, request_headers.statusline) == ("GET", "/static/style.css HTTP/1.1")
    assert request_headers.get_header("Host") == "127.0.0.1:8080"
    _, shot = by_uri[("resource", SCREENSHOT_URN + BASE + "/report.html")]
    assert shot == sample_capture().screenshot_png


def _records(data: bytes) -> list[tuple[str, str, object, bytes]]:
    out = []
    for record in ArchiveIterator(io.BytesIO(data)):
        out.append(
            (
                record.rec_type,
                record.rec_headers.get_header("WARC-Target-URI") or "",
                record.http_headers,
                record.content_stream().read(),
            )
        )
    return out


def test_response_records_carry_time_and_address(wacz: Path) -> None:
    for record in ArchiveIterator(io.BytesIO(_warc_bytes(wacz))):
        if record.rec_type == "response":
            assert record.rec_headers.get_header("WARC-Date") == "2026-03-05T06:30:15.350Z"
            assert record.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"
            assert record.rec_headers.get_header("WARC-Payload-Digest")
            assert record.rec_headers.get_header("WARC-Block-Digest")
        record.content_stream().read()


def test_index_points_at_each_record(wacz: Path) -> None:
    warc = _warc_bytes(wacz)
    with zipfile.ZipFile(wacz) as archive:
        lines = archive.read("indexes/index.cdx").decode().splitlines()
    assert lines == sorted(lines)
    assert len(lines) == 7  # 4 responses, 2 resources, 1 metadata record
    for line in lines:
        key, timestamp, block = line.split(" ", 2)
        entry = json.loads(block)
        assert key == surt_key(entry["url"])
        assert len(timestamp) == 14 and timestamp.startswith("20260305063")
        offset, length = int(entry["offset"]), int(entry["length"])
        record = next(iter(ArchiveIterator(io.BytesIO(warc[offset : offset + length]))))
        assert record.rec_headers.get_header("WARC-Target-URI") == entry["url"]


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.Example.org/Report?b=2&a=1", "org,example)/report?a=1&b=2"),
        ("http://127.0.0.1:8080/x.png", "1,0,0,127:8080)/x.png"),
        ("https://hrw.org:443/", "org,hrw)/"),
        ("urn:gawah:screenshot:https://a.org/", "urn:gawah:screenshot:https://a.org/"),
    ],
)
def test_surt_key(url: str, key: str) -> None:
    assert surt_key(url) == key


def test_text_of_the_page_is_read_back(wacz: Path) -> None:
    text, title, _published, reader, warnings = read_web_archive(wacz)
    assert ARTICLE in text
    assert title == "Night raid in Chak district"
    assert reader == "wacz/trafilatura"
    assert warnings == []


def test_rendered_html_stands_in_for_a_page_built_by_script(tmp_path: Path) -> None:
    shell = "<html><head><title>App</title></head><body><div id=app></div><script src=app.js></script></body></html>"
    capture = sample_capture(served=shell)
    result = package_capture(capture, tmp_path / "spa.wacz")
    text, *_rest, warnings = read_web_archive(result.wacz)
    assert ARTICLE in text
    assert any("rendered page" in w for w in warnings)


def test_changed_byte_is_caught_by_both_checks(wacz: Path, tmp_path: Path) -> None:
    tampered = tmp_path / "tampered.wacz"
    with zipfile.ZipFile(wacz) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "pages/pages.jsonl":
                data = data.replace(b"Chak", b"Chek", 1)
            target.writestr(info, data)
    *_rest, warnings = read_web_archive(tampered)
    assert any("pages/pages.jsonl: hash differs" in w for w in warnings)
    assert wacz_validate(tampered).returncode != 0


def test_extra_files_stay_out_of_the_spec_folders(tmp_path: Path) -> None:
    contents = WaczContents(
        pages=[], title="t", created=STARTED, software="s", extra_files={"archive/x.txt": b"x"}
    )
    with pytest.raises(ValueError, match="own folder"):
        write_wacz([], contents, tmp_path / "x.wacz")
    assert not (tmp_path / "x.wacz").exists()
