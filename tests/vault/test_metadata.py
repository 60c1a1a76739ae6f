"""Metadata read at intake: what images, video, audio, PDF and office files say about themselves,
C2PA content credentials, damaged files that still give what they can, and originals left untouched."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter

from gawah.vault import metadata as md
from gawah.vault.metadata import parse_iso6709, parse_pdf_date, read_metadata, sniff_media_type
from tests.vault.media.generate import (
    KABUL,
    docx,
    jpeg_with_c2pa,
    make_video,
    manifest_store,
    mp4_with_c2pa,
    need_ffmpeg,
    photo_with_exif,
    png_with_c2pa,
    scene,
    truncated_copy,
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pdf(path: Path, pages: int = 3) -> Path:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata(
        {
            "/Title": "Report on detentions",
            "/Author": "Invented Researcher",
            "/Producer": "Invented PDF Library 4.2",
            "/Creator": "Invented Writer",
            "/CreationDate": "D:20210815093000+04'30'",
            "/ModDate": "D:20210901120000Z",
        }
    )
    with path.open("wb") as fh:
        writer.write(fh)
    return path


# ---------------------------------------------------------------- images


def test_photo_capture_time_place_and_device(tmp_path: Path) -> None:
    meta = read_metadata(photo_with_exif(tmp_path / "p.jpg"), "image/jpeg")
    assert meta.warnings == []
    assert (meta.width, meta.height) == (320, 240)
    assert meta.captured_at == "2021-08-15T09:30:12+04:30"
    assert meta.captured_at_field == "EXIF DateTimeOriginal"
    assert meta.gps_latitude == pytest.approx(KABUL[0], abs=1e-5)
    assert meta.gps_longitude == pytest.approx(KABUL[1], abs=1e-5)
    assert meta.gps_altitude_m == pytest.approx(1791.0)
    assert meta.gps_time_utc == "2021-08-15T05:00:12Z"
    assert (meta.device_make, meta.device_model) == ("Gawah Test Camera Co.", "GT-100")
    assert meta.software == "TestFirmware 2.1"
    assert "pillow" in meta.readers


def test_southern_western_hemispheres_are_negative(tmp_path: Path) -> None:
    meta = read_metadata(photo_with_exif(tmp_path / "p.jpg", south_west=True), "image/jpeg")
    assert meta.gps_latitude == pytest.approx(-KABUL[0], abs=1e-5)
    assert meta.gps_longitude == pytest.approx(-KABUL[1], abs=1e-5)


def test_device_serial_number_is_not_copied_out(tmp_path: Path) -> None:
    path = photo_with_exif(tmp_path / "p.jpg")
    assert b"SN-INVENTED-0042" in path.read_bytes()
    record = json.dumps(read_metadata(path, "image/jpeg").as_dict())
    assert "SN-INVENTED-0042" not in record


def test_photo_without_exif_has_only_dimensions(tmp_path: Path) -> None:
    path = tmp_path / "plain.png"
    scene(3, (50, 40)).save(path, "PNG")
    meta = read_metadata(path, "image/png")
    assert (meta.width, meta.height, meta.captured_at, meta.gps_latitude) == (50, 40, None, None)
    assert meta.warnings == []


def test_invalid_exif_date_is_a_warning_not_a_value(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2021:13:45 99:00:00"
    path = tmp_path / "bad-date.jpg"
    scene(2).save(path, "JPEG", exif=exif)
    meta = read_metadata(path, "image/jpeg")
    assert meta.captured_at is None
    assert any("DateTimeOriginal is not a valid date" in w for w in meta.warnings)


@pytest.mark.parametrize("fraction", [0.5, 0.9])
def test_truncated_jpeg_warns_and_keeps_what_it_read(tmp_path: Path, fraction: float) -> None:
    full = photo_with_exif(tmp_path / "full.jpg")
    cut = truncated_copy(full, tmp_path / "cut.jpg", fraction)
    meta = read_metadata(cut, "image/jpeg")
    assert any("truncated" in w for w in meta.warnings), meta.warnings
    # The EXIF segment sits at the start: capture time and place survive the cut.
    assert meta.captured_at == "2021-08-15T09:30:12+04:30"
    assert meta.gps_latitude == pytest.approx(KABUL[0], abs=1e-5)


def test_garbage_with_image_extension_warns(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg" * 3)
    meta = read_metadata(path, "image/jpeg")
    assert meta.warnings
    assert meta.as_dict()["warnings"] == meta.warnings


def test_truncated_png_warns(tmp_path: Path) -> None:
    path = tmp_path / "p.png"
    scene(4, (200, 150)).save(path, "PNG")
    meta = read_metadata(truncated_copy(path, tmp_path / "cut.png", 0.6), "image/png")
    assert (meta.width, meta.height) == (200, 150)
    assert any("truncated" in w or "corrupt" in w for w in meta.warnings), meta.warnings


# ---------------------------------------------------------------- video and audio


def test_video_duration_codecs_creation_time_and_place(tmp_path: Path) -> None:
    meta = read_metadata(make_video(tmp_path / "v.mp4"), "video/mp4")
    assert meta.warnings == []
    assert meta.duration_s == pytest.approx(4.0, abs=0.2)
    assert set(meta.codecs) == {"h264", "aac"}
    assert (meta.width, meta.height) == (320, 240)
    assert meta.captured_at is not None and meta.captured_at.startswith("2021-08-15T05:00:12")
    assert meta.gps_latitude == pytest.approx(KABUL[0], abs=1e-4)
    assert meta.gps_longitude == pytest.approx(KABUL[1], abs=1e-4)
    assert "ffprobe" in meta.readers
    kinds = sorted(s["codec_type"] for s in meta.streams)
    assert kinds == ["audio", "video"]


def test_audio_file(tmp_path: Path) -> None:
    ffmpeg = need_ffmpeg()
    import subprocess

    path = tmp_path / "statement.ogg"
    subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=300:duration=2",
            "-c:a",
            "libopus",
            "-metadata",
            "title=Invented statement",
            str(path),
        ],
        check=True,
    )
    meta = read_metadata(path, sniff_media_type(path))
    assert meta.media_type == "audio/ogg"
    assert meta.duration_s == pytest.approx(2.0, abs=0.1)
    assert meta.codecs == ["opus"]
    assert meta.title == "Invented statement"


def test_truncated_video_warns_and_is_read_as_far_as_possible(tmp_path: Path) -> None:
    # Metadata at the front (faststart) as phones' uploads often have: the cut loses only samples.
    full = make_video(tmp_path / "v.mp4", extra=["-movflags", "+faststart"])
    cut = truncated_copy(full, tmp_path / "cut.mp4", 0.6)
    meta = read_metadata(cut, "video/mp4")
    assert any("truncated" in w for w in meta.warnings), meta.warnings
    assert meta.duration_s == pytest.approx(4.0, abs=0.2)
    assert "h264" in meta.codecs


def test_video_cut_before_its_index_warns(tmp_path: Path) -> None:
    full = make_video(tmp_path / "v.mp4")  # moov at the end: cutting loses the index
    meta = read_metadata(truncated_copy(full, tmp_path / "cut.mp4", 0.5), "video/mp4")
    assert meta.warnings
    assert meta.duration_s is None


def test_missing_ffprobe_is_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "v.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 100)
    monkeypatch.setattr(md, "ffprobe_path", lambda: None)
    meta = read_metadata(path, "video/mp4")
    assert meta.duration_s is None
    assert any("ffprobe not found" in w for w in meta.warnings)


def test_iso6709_forms() -> None:
    assert parse_iso6709("+34.5553+069.2075/") == (34.5553, 69.2075, None)
    assert parse_iso6709("+34.5553+069.2075+1791.000/") == (34.5553, 69.2075, 1791.0)
    lat, lon, _ = parse_iso6709("-3433.318+06912.450/") or (0, 0, None)
    assert lat == pytest.approx(-34.5553, abs=1e-4) and lon == pytest.approx(69.2075, abs=1e-4)
    assert parse_iso6709("+95.0+069.0/") is None
    assert parse_iso6709("Kabul") is None


# ---------------------------------------------------------------- PDF and office files


def test_pdf_pages_producer_and_dates(tmp_path: Path) -> None:
    meta = read_metadata(_pdf(tmp_path / "r.pdf"), "application/pdf")
    assert meta.warnings == []
    assert meta.page_count == 3
    assert meta.producer == "Invented PDF Library 4.2"
    assert meta.creator == "Invented Writer"
    assert meta.author == "Invented Researcher"
    assert meta.created == "2021-08-15T09:30:00+04:30"
    assert meta.modified == "2021-09-01T12:00:00Z"


def test_truncated_pdf_warns(tmp_path: Path) -> None:
    full = _pdf(tmp_path / "r.pdf", pages=5)
    meta = read_metadata(truncated_copy(full, tmp_path / "cut.pdf", 0.7), "application/pdf")
    assert any("%%EOF" in w for w in meta.warnings), meta.warnings


def test_not_really_a_pdf(tmp_path: Path) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF-1.7\nthis file was cut after its header")
    meta = read_metadata(path, "application/pdf")
    assert meta.page_count is None
    assert len(meta.warnings) >= 1


def test_pdf_dates() -> None:
    assert parse_pdf_date("D:20210815093000+04'30'") == "2021-08-15T09:30:00+04:30"
    assert parse_pdf_date("D:2021") == "2021-01-01T00:00:00"
    assert parse_pdf_date("D:20211301") is None
    assert parse_pdf_date("yesterday") is None


def test_docx_core_properties(tmp_path: Path) -> None:
    path = docx(tmp_path / "w.docx")
    media_type = sniff_media_type(path)
    assert media_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    meta = read_metadata(path, media_type)
    assert meta.warnings == []
    assert meta.title == "Witness list, Kabul"
    assert meta.author == "Invented Author"
    assert meta.created == "2021-08-20T07:15:00Z"
    assert meta.modified == "2021-08-21T10:00:00Z"
    assert meta.software == "Microsoft Office Word"
    assert meta.page_count == 2
    assert meta.details["core_properties"]["last_modified_by"] == "Second Invented Editor"


def test_office_file_with_entity_declarations_is_not_expanded(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w/>")
        zf.writestr(
            "docProps/core.xml",
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            "<x>&b;</x>",
        )
    meta = read_metadata(path, sniff_media_type(path))
    assert any("DTD" in w for w in meta.warnings)


def test_truncated_office_file_warns(tmp_path: Path) -> None:
    path = truncated_copy(docx(tmp_path / "w.docx"), tmp_path / "cut.docx", 0.5)
    meta = read_metadata(path, "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert any("zip" in w for w in meta.warnings)


# ---------------------------------------------------------------- C2PA content credentials


def test_c2pa_in_jpeg_is_found_and_summarised(tmp_path: Path) -> None:
    plain = photo_with_exif(tmp_path / "p.jpg")
    assert read_metadata(plain, "image/jpeg").c2pa is None
    signed = jpeg_with_c2pa(plain, tmp_path / "signed.jpg", manifest_store())
    meta = read_metadata(signed, "image/jpeg")
    assert meta.c2pa is not None, meta.warnings
    assert meta.c2pa.container == "jpeg-app11"
    assert meta.c2pa.manifest_count == 2
    assert meta.c2pa.active_manifest == "urn:uuid:00000000-0000-4000-8000-000000000002"
    assert meta.c2pa.claim_generator == "Invented Camera App/1.0 c2pa-rs/0.30"
    assert meta.c2pa.claim_title == "IMG_0042.jpg"
    assert meta.c2pa.assertions == ["c2pa.actions", "c2pa.hash.data"]
    assert meta.c2pa.signature_present
    # The invented store carries no real signature: c2pa-rs rejects it, and the summary still stands
    # (tests/vault/test_c2pa.py covers really signed files and the reader without the library).
    assert meta.c2pa.validated and meta.c2pa.validation_state == "invalid"
    assert any("c2pa-rs rejected" in p for p in meta.c2pa.validation_problems)
    # The image itself still reads: APP11 segments do not disturb the decoder.
    assert meta.captured_at == "2021-08-15T09:30:12+04:30"
    assert meta.as_dict()["c2pa"]["claim_generator"] == "Invented Camera App/1.0 c2pa-rs/0.30"


def test_c2pa_v2_claim_in_png(tmp_path: Path) -> None:
    meta = read_metadata(png_with_c2pa(tmp_path / "c.png", manifest_store(v2=True)), "image/png")
    assert meta.c2pa is not None
    assert meta.c2pa.container == "png-cabx"
    assert meta.c2pa.claim_generator == "Invented Camera App 2.0"
    assert meta.warnings == []


def test_c2pa_in_mp4(tmp_path: Path) -> None:
    video = make_video(tmp_path / "v.mp4")
    meta = read_metadata(mp4_with_c2pa(video, tmp_path / "signed.mp4", manifest_store()), "video/mp4")
    assert meta.c2pa is not None and meta.c2pa.container == "bmff-uuid"
    assert meta.c2pa.claim_generator == "Invented Camera App/1.0 c2pa-rs/0.30"
    assert meta.duration_s == pytest.approx(4.0, abs=0.2)


def test_damaged_c2pa_store_is_a_warning(tmp_path: Path) -> None:
    store = bytearray(manifest_store())
    store[40:44] = b"\xff\xff\xff\xf0"  # an inner box claiming to be 4 GB long
    path = png_with_c2pa(tmp_path / "c.png", bytes(store))
    meta = read_metadata(path, "image/png")
    assert meta.c2pa is None
    assert any("C2PA" in w for w in meta.warnings)
    assert (meta.width, meta.height) == (64, 48)


def test_sidecar_manifest_store(tmp_path: Path) -> None:
    path = tmp_path / "IMG_0042.c2pa"
    path.write_bytes(manifest_store())
    assert sniff_media_type(path) == "application/c2pa"
    meta = read_metadata(path, "application/c2pa")
    assert meta.c2pa is not None and meta.c2pa.container == "sidecar"
    assert meta.c2pa.claim_generator == "Invented Camera App/1.0 c2pa-rs/0.30"


def test_image_above_the_pixel_limit_gives_metadata_without_decoding(tmp_path: Path) -> None:
    path = tmp_path / "panorama.png"
    Image.new("1", (20000, 9000)).save(path)  # 180 megapixels, a few kilobytes on disk
    meta = read_metadata(path, "image/png")
    assert (meta.width, meta.height) == (20000, 9000)
    assert any("more pixels than is safe" in w for w in meta.warnings)
    assert Image.MAX_IMAGE_PIXELS is not None  # the global limit is restored


# ---------------------------------------------------------------- read-only, media types, JSON


def test_reading_never_changes_a_byte(tmp_path: Path) -> None:
    files = [
        photo_with_exif(tmp_path / "p.jpg"),
        truncated_copy(photo_with_exif(tmp_path / "p2.jpg", seed=2), tmp_path / "cut.jpg"),
        jpeg_with_c2pa(photo_with_exif(tmp_path / "p3.jpg"), tmp_path / "c2pa.jpg", manifest_store()),
        _pdf(tmp_path / "r.pdf"),
        docx(tmp_path / "w.docx"),
    ]
    if shutil.which("ffprobe") or os.environ.get("CI"):
        files.append(make_video(tmp_path / "v.mp4"))
    for path in files:
        before = (_digest(path), path.stat().st_size, path.stat().st_mtime_ns)
        os.chmod(path, 0o444)
        meta = read_metadata(path, sniff_media_type(path))
        json.dumps(meta.as_dict())  # everything kept is JSON
        assert (_digest(path), path.stat().st_size, path.stat().st_mtime_ns) == before, path.name


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("photo.bin", b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        ("x.txt", b"\x89PNG\r\n\x1a\n....", "image/png"),
        ("report", b"%PDF-1.7\n", "application/pdf"),
        ("v", b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "video/mp4"),
        ("v", b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", "video/quicktime"),
        ("i", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "image/heic"),
        ("a.wav", b"RIFF\x00\x00\x00\x00WAVEfmt ", "audio/wav"),
        ("a", b"ID3\x04\x00", "audio/mpeg"),
        ("page.html", b"\xef\xbb\xbf<!DOCTYPE html><html>", "text/html"),
        ("notes.md", b"# Notes\n", "text/markdown"),
        ("capture.warc", b"WARC/1.1\r\n", "application/warc"),
        ("unknown.qqq", b"\x00\x01\x02", "application/octet-stream"),
    ],
)
def test_sniff_media_type(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert sniff_media_type(path) == expected


def test_tool_metadata_for_ingest(tmp_path: Path) -> None:
    from gawah.vault.metadata import read_tool_metadata
    from gawah.vault.phash import PERCEPTUAL_KEY

    photo = read_tool_metadata(photo_with_exif(tmp_path / "p.jpg"))
    assert photo["media_type"] == "image/jpeg" and photo["warnings"] == []
    assert photo[PERCEPTUAL_KEY]["kind"] == "image" and len(photo[PERCEPTUAL_KEY]["frames"]) == 1
    video = read_tool_metadata(make_video(tmp_path / "v.mp4"), "video/mp4")
    assert video[PERCEPTUAL_KEY]["kind"] == "video" and len(video[PERCEPTUAL_KEY]["frames"]) == 4
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 40)
    record = read_tool_metadata(broken)
    assert record["warnings"] and record[PERCEPTUAL_KEY]["frames"] == []
    json.dumps(record)
    assert PERCEPTUAL_KEY not in read_tool_metadata(docx(tmp_path / "w.docx"))


@pytest.mark.parametrize("kind", ["jpeg", "png"])
def test_truncation_is_reported_even_when_another_library_accepts_truncated_images(
    tmp_path: Path, kind: str
) -> None:
    from PIL import ImageFile

    if kind == "jpeg":
        cut = truncated_copy(photo_with_exif(tmp_path / "full.jpg"), tmp_path / "cut.jpg", 0.5)
    else:
        scene(4, (200, 150)).save(tmp_path / "p.png", "PNG")
        cut = truncated_copy(tmp_path / "p.png", tmp_path / "cut.png", 0.6)
    saved = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = True  # as WeasyPrint leaves it once imported
    try:
        meta = read_metadata(cut, f"image/{kind}")
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = saved
    assert any("truncated" in w or "corrupt" in w for w in meta.warnings), meta.warnings
