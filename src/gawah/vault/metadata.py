"""What tools read out of a file at intake: capture time, place, device, duration, pages, credentials.

Every reader opens the file read-only and never writes into it (the evidentiary original keeps its
hash). A truncated or corrupt file is never refused: each reader records what it could read and
says in `warnings` what it could not. Fields here are *what the file states*, kept apart from what
the collector says (EvidenceItem.collected_at / collected_by / collector_notes).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import mimetypes
import re
import shutil
import struct
import subprocess
import threading
import warnings as pywarnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from xml.etree import ElementTree

from gawah.vault.c2pa import C2paFormatError, C2paInfo, find_c2pa

SCHEMA = "gawah.media-metadata/1"
FFPROBE_TIMEOUT_S = 120
# A manifest store, an XML part or an ffprobe answer larger than this is not metadata but an attack.
MAX_PART_BYTES = 32 << 20

OOXML_TYPES = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
EXTENSION_TYPES = {
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".warc": "application/warc",
    ".wacz": "application/wacz",
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".avif": "image/avif",
    ".webp": "image/webp",
    ".m4a": "audio/mp4",
    ".opus": "audio/ogg",
    ".mkv": "video/x-matroska",
    ".webm": "video/webm",
    ".c2pa": "application/c2pa",
}


@dataclass
class MediaMetadata:
    """Metadata read from one file. `as_dict()` gives the JSON kept in EvidenceItem.tool_metadata."""

    media_type: str
    readers: dict[str, str] = field(default_factory=dict)  # tool name -> version, for reproducibility
    width: int | None = None
    height: int | None = None
    # As the file states it: no UTC offset means the camera's own clock and time zone, unknown.
    captured_at: str | None = None
    captured_at_field: str | None = None
    gps_latitude: float | None = None
    gps_longitude: float | None = None
    gps_altitude_m: float | None = None
    gps_time_utc: str | None = None
    device_make: str | None = None
    device_model: str | None = None
    software: str | None = None
    duration_s: float | None = None
    codecs: list[str] = field(default_factory=list)
    streams: list[dict[str, Any]] = field(default_factory=list)
    page_count: int | None = None
    title: str | None = None
    author: str | None = None
    producer: str | None = None
    creator: str | None = None
    created: str | None = None
    modified: str | None = None
    c2pa: C2paInfo | None = None
    details: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: empty fields left out, warnings always present."""
        out: dict[str, Any] = {"schema": SCHEMA}
        for key, value in asdict(self).items():
            if (value is None or value == [] or value == {}) and key != "warnings":
                continue
            out[key] = value
        return out


# ---------------------------------------------------------------- media type from magic bytes


def sniff_media_type(path: Path) -> str:
    """The media type from the file's first bytes, falling back to its extension."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        head = b""
    sniffed = _sniff_bytes(head)
    if sniffed == "application/zip":
        sniffed = _sniff_zip(path) or sniffed
    if sniffed == "application/gzip" and path.name.lower().endswith(".warc.gz"):
        return "application/warc"
    if sniffed is not None:
        return sniffed
    return _type_from_extension(path)


def _type_from_extension(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in EXTENSION_TYPES:
        return EXTENSION_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path.name, strict=False)
    return guessed or "application/octet-stream"


def _sniff_bytes(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    if head.startswith(b"RIFF") and len(head) >= 12:
        return {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo"}.get(
            head[8:12], "application/octet-stream"
        )
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return _bmff_type(head[8:12])
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    if head.startswith(b"OggS"):
        return "video/ogg" if b"theora" in head[:128] else "audio/ogg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if len(head) >= 8 and head[4:8] == b"jumb":
        return "application/c2pa"
    if head.startswith(b"WARC/"):
        return "application/warc"
    if head.startswith(b"\x1f\x8b"):
        return "application/gzip"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<!doctype html", b"<html")):
        return "text/html"
    return None


def _bmff_type(brand: bytes) -> str:
    if brand in (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"):
        return "image/heic"
    if brand == b"mif1" or brand == b"msf1":
        return "image/heif"
    if brand in (b"avif", b"avis"):
        return "image/avif"
    if brand == b"qt  ":
        return "video/quicktime"
    if brand in (b"M4A ", b"M4B "):
        return "audio/mp4"
    if brand.startswith(b"3g"):
        return "video/3gpp"
    return "video/mp4"


def _sniff_zip(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if "mimetype" in names:
                info = zf.getinfo("mimetype")
                if info.file_size < 200:
                    declared = zf.read(info).decode("ascii", "replace").strip()
                    if declared:
                        return declared
            if "[Content_Types].xml" in names:
                for prefix, media_type in OOXML_TYPES.items():
                    if any(name.startswith(prefix) for name in names):
                        return media_type
            if "datapackage.json" in names and any(n.startswith("archive/") for n in names):
                return "application/wacz"
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    return None


# ---------------------------------------------------------------- entry point


def read_metadata(path: Path, media_type: str | None = None) -> MediaMetadata:
    """Read what the file says about itself. Never raises for a malformed file; see `warnings`."""
    media_type = media_type or sniff_media_type(path)
    meta = MediaMetadata(media_type=media_type)
    reader = _reader_for(media_type)
    if reader is not None:
        try:
            reader(path, meta)
        except Exception as exc:  # a reader's own bug must not refuse the evidence
            meta.warnings.append(f"metadata reader failed: {type(exc).__name__}: {exc}")
    try:
        meta.c2pa = find_c2pa(path, media_type)
    except OSError as exc:
        meta.warnings.append(f"could not look for content credentials: {exc}")
    except C2paFormatError as exc:
        meta.warnings.append(f"content credentials (C2PA) present but unreadable: {exc}")
    except Exception as exc:  # a bug in the credentials reader must not refuse the evidence
        meta.warnings.append(f"content credentials reader failed: {type(exc).__name__}: {exc}")
    if meta.c2pa is not None and meta.c2pa.validator:
        meta.readers["c2pa"] = meta.c2pa.validator
    return meta


def _reader_for(media_type: str) -> Callable[[Path, MediaMetadata], None] | None:
    if media_type.startswith("image/"):
        return read_image
    if media_type.startswith(("video/", "audio/")):
        return read_audiovisual
    if media_type == "application/pdf":
        return read_pdf
    if media_type in OOXML_TYPES.values():
        return read_office
    if media_type.startswith("application/vnd.oasis.opendocument."):
        return read_opendocument
    return None


# ---------------------------------------------------------------- images (Pillow)

# EXIF tag numbers (EXIF 2.32 / TIFF 6.0)
_IFD0 = {
    0x010F: "Make",
    0x0110: "Model",
    0x0131: "Software",
    0x0132: "DateTime",
    0x0112: "Orientation",
    0x010E: "ImageDescription",
    0x8298: "Copyright",
}
_EXIF_IFD = {
    0x9003: "DateTimeOriginal",
    0x9004: "DateTimeDigitized",
    0x9010: "OffsetTime",
    0x9011: "OffsetTimeOriginal",
    0x9012: "OffsetTimeDigitized",
    0x9291: "SubSecTimeOriginal",
    0xA433: "LensMake",
    0xA434: "LensModel",
    0x829A: "ExposureTime",
    0x829D: "FNumber",
    0x920A: "FocalLength",
    0x8827: "ISOSpeedRatings",
    0xA402: "ExposureMode",
    0xA002: "PixelXDimension",
    0xA003: "PixelYDimension",
    0xA420: "ImageUniqueID",
}
# Owner names and serial numbers identify the person who filmed (data minimisation, evidence.md
# COL-12): they stay in the original for an expert, but are not copied into Gawah's records.
IDENTIFYING_EXIF_TAGS = frozenset({0x013B, 0xA430, 0xA431, 0xA435, 0x927C, 0x9286})
_EXIF_DATE_RE = re.compile(r"^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET_RE = re.compile(r"^[+-]\d{2}:\d{2}$")


def read_image(path: Path, meta: MediaMetadata) -> None:
    try:
        from PIL import Image, UnidentifiedImageError
        from PIL import __version__ as pillow_version
    except ImportError:
        meta.warnings.append("Pillow is not installed: image metadata not read")
        return
    meta.readers["pillow"] = pillow_version
    with _strict_truncation(), pywarnings.catch_warnings(record=True) as caught:
        pywarnings.simplefilter("always")
        decode = True
        try:
            try:
                img = Image.open(path)
            except Image.DecompressionBombError:
                # Huge panoramas are evidence too: read their metadata, leave their pixels alone.
                img = _open_without_pixel_limit(path)
                decode = False
                meta.warnings.append(
                    "image has more pixels than is safe to decode; metadata read, pixels not"
                )
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
            meta.warnings.append(f"image could not be opened ({type(exc).__name__}: {exc})")
            return
        with img:
            meta.width, meta.height = img.size
            meta.details["format"] = img.format
            meta.details["mode"] = img.mode
            _read_exif(img, meta)
            _read_image_info(img.info, meta)
            if decode:
                _check_decodes(img, meta)
    for warning in caught:
        meta.warnings.append(f"image reader: {warning.message}")


_PIXEL_LIMIT_LOCK = threading.Lock()
_TRUNCATION_LOCK = threading.Lock()


@contextmanager
def _strict_truncation() -> Iterator[None]:
    """Pillow refusing truncated data while an image is read (any step may decode its pixels).

    Other libraries in the process may turn LOAD_TRUNCATED_IMAGES on for good (WeasyPrint does on
    import); a damaged original must still be reported as damaged.
    """
    from PIL import ImageFile

    with _TRUNCATION_LOCK:
        saved = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = saved


def _open_without_pixel_limit(path: Path) -> Any:
    """Open (not decode) an image above Pillow's pixel limit; the limit is a global, hence the lock."""
    from PIL import Image

    with _PIXEL_LIMIT_LOCK:
        saved = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None
        try:
            return Image.open(path)
        finally:
            Image.MAX_IMAGE_PIXELS = saved


def _check_decodes(img: Any, meta: MediaMetadata) -> None:
    """Decode the pixels (at reduced scale where the format allows) to find truncation or damage."""
    from PIL import Image

    try:
        if img.format == "JPEG":
            img.draft("RGB", (256, 256))
        img.load()
    except Image.DecompressionBombError as exc:
        meta.warnings.append(f"image too large to decode safely; metadata read without pixels: {exc}")
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        meta.warnings.append(f"image data is truncated or corrupt: {exc}")


def _read_exif(img: Any, meta: MediaMetadata) -> None:
    try:
        exif = img.getexif()
    except Exception as exc:  # Pillow raises many types on broken EXIF
        meta.warnings.append(f"EXIF could not be read: {type(exc).__name__}: {exc}")
        return
    if not exif:
        return
    found: dict[str, Any] = {}
    for tag, name in _IFD0.items():
        if tag in exif:
            found[name] = _json_value(exif[tag])
    try:
        exif_ifd = exif.get_ifd(0x8769)
        gps_ifd = exif.get_ifd(0x8825)
    except Exception as exc:
        meta.warnings.append(f"EXIF sub-directory could not be read: {type(exc).__name__}: {exc}")
        exif_ifd, gps_ifd = {}, {}
    for tag, name in _EXIF_IFD.items():
        if tag in exif_ifd and tag not in IDENTIFYING_EXIF_TAGS:
            found[name] = _json_value(exif_ifd[tag])
    meta.details["exif"] = {k: v for k, v in found.items() if v is not None}
    meta.device_make = _text(found.get("Make"))
    meta.device_model = _text(found.get("Model"))
    meta.software = _text(found.get("Software"))
    for name, offset_name in (
        ("DateTimeOriginal", "OffsetTimeOriginal"),
        ("DateTimeDigitized", "OffsetTimeDigitized"),
        ("DateTime", "OffsetTime"),
    ):
        raw = _text(found.get(name))
        if not raw or not raw.strip(" :0"):
            continue
        stamp = _exif_datetime(raw, _text(found.get(offset_name)))
        if stamp is None:
            meta.warnings.append(f"EXIF {name} is not a valid date: {raw!r}")
            continue
        meta.captured_at, meta.captured_at_field = stamp, f"EXIF {name}"
        break
    if gps_ifd:
        _read_gps(gps_ifd, meta)


def _exif_datetime(raw: str, offset: str | None) -> str | None:
    match = _EXIF_DATE_RE.match(raw.strip())
    if not match:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    try:
        stamp = dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    text = stamp.isoformat()
    if offset and _OFFSET_RE.match(offset.strip()):
        text += offset.strip()
    return text


def _rational(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return number if math.isfinite(number) else None


def _dms(value: Any) -> float | None:
    if not isinstance(value, tuple | list) or len(value) != 3:
        return None
    parts = [_rational(part) for part in value]
    if any(part is None for part in parts):
        return None
    degrees, minutes, seconds = (p for p in parts if p is not None)
    return degrees + minutes / 60 + seconds / 3600


def _read_gps(gps: Any, meta: MediaMetadata) -> None:
    lat, lon = _dms(gps.get(2)), _dms(gps.get(4))
    lat_ref, lon_ref = _text(gps.get(1)), _text(gps.get(3))
    if lat is not None and lon is not None:
        if lat_ref and lat_ref.upper().startswith("S"):
            lat = -lat
        if lon_ref and lon_ref.upper().startswith("W"):
            lon = -lon
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            meta.gps_latitude, meta.gps_longitude = round(lat, 7), round(lon, 7)
        else:
            meta.warnings.append(f"EXIF GPS position out of range: {lat}, {lon}")
    elif 2 in gps or 4 in gps:
        meta.warnings.append("EXIF GPS position present but unreadable")
    altitude = _rational(gps.get(6))
    if altitude is not None:
        below_sea = gps.get(5) in (1, b"\x01")
        meta.gps_altitude_m = round(-altitude if below_sea else altitude, 2)
    date, time = _text(gps.get(29)), gps.get(7)
    if date and isinstance(time, tuple | list) and len(time) == 3:
        hms = [_rational(part) for part in time]
        match = re.match(r"^(\d{4}):(\d{2}):(\d{2})$", date.strip())
        if match and all(p is not None for p in hms):
            year, month, day = (int(g) for g in match.groups())
            try:
                stamp = dt.datetime(
                    year, month, day, int(hms[0] or 0), int(hms[1] or 0), int(hms[2] or 0), tzinfo=dt.UTC
                )
                meta.gps_time_utc = stamp.isoformat().replace("+00:00", "Z")
            except ValueError:
                meta.warnings.append(f"EXIF GPS time is not a valid time: {date} {time}")


def _read_image_info(info: dict[Any, Any], meta: MediaMetadata) -> None:
    """PNG text chunks, XMP packets and similar per-format extras."""
    extras: dict[str, Any] = {}
    for key, value in info.items():
        if key in (
            "exif",
            "icc_profile",
            "transparency",
            "dpi",
            "jfif",
            "jfif_version",
            "jfif_unit",
            "jfif_density",
            "adobe",
            "adobe_transform",
            "progression",
            "progressive",
        ):
            continue
        if key == "xmp":
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
            extras["xmp"] = text[:16384]
            continue
        converted = _json_value(value)
        if converted is not None:
            extras[str(key)] = converted
    if extras:
        meta.details["embedded"] = extras


def _json_value(value: Any) -> Any:
    """A JSON-safe copy of an EXIF value (rationals to floats, short bytes to text, long bytes dropped)."""
    if isinstance(value, str):
        return value.replace("\x00", "").strip()[:4000]  # a text chunk can hold megabytes
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, bytes):
        if len(value) > 256:
            return None
        text = value.rstrip(b"\x00").decode("utf-8", "replace")
        return text if text.isprintable() else value.hex()
    if isinstance(value, tuple | list):
        items = [_json_value(v) for v in value[:32]]
        return items
    if hasattr(value, "numerator") and hasattr(value, "denominator"):
        return _rational(value)
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).replace("\x00", "").strip()
    return text or None


# ---------------------------------------------------------------- video and audio (ffprobe)


def ffprobe_path() -> str | None:
    return shutil.which("ffprobe")


def read_audiovisual(path: Path, meta: MediaMetadata) -> None:
    ffprobe = ffprobe_path()
    if ffprobe is None:
        meta.warnings.append(
            "ffprobe not found (Debian package ffmpeg): duration, codecs and creation time not read"
        )
        return
    meta.readers["ffprobe"] = _ffprobe_version(ffprobe)
    try:
        done = subprocess.run(
            [ffprobe, "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
            capture_output=True,
            timeout=FFPROBE_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        meta.warnings.append(f"ffprobe took longer than {FFPROBE_TIMEOUT_S} s; no media details read")
        return
    errors = _distinct_lines(done.stderr.decode("utf-8", "replace"))
    if done.returncode != 0:
        meta.warnings.append(
            "ffprobe could not read the file" + (f": {'; '.join(errors[:3])}" if errors else "")
        )
    elif errors:
        meta.warnings.append("ffprobe reported damage: " + "; ".join(errors[:5]))
    try:
        probe = json.loads(done.stdout[:MAX_PART_BYTES] or b"{}")
    except ValueError:
        meta.warnings.append("ffprobe output was not JSON")
        return
    apply_ffprobe(probe, meta)
    _check_bmff_complete(path, meta)


def _ffprobe_version(ffprobe: str) -> str:
    try:
        done = subprocess.run([ffprobe, "-version"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    first = done.stdout.decode("utf-8", "replace").split("\n", 1)[0]
    match = re.search(r"version (\S+)", first)
    return match.group(1) if match else "unknown"


def _distinct_lines(text: str) -> list[str]:
    seen: list[str] = []
    for line in text.splitlines():
        line = re.sub(r"^\[[^\]]*\]\s*", "", line.strip())
        if line and line not in seen:
            seen.append(line)
    return seen


def apply_ffprobe(probe: dict[str, Any], meta: MediaMetadata) -> None:
    """Fill `meta` from ffprobe's JSON (`-show_format -show_streams`)."""
    fmt = probe.get("format") or {}
    tags = {str(k).lower(): str(v) for k, v in (fmt.get("tags") or {}).items()}
    meta.duration_s = _float(fmt.get("duration"))
    meta.details["container"] = fmt.get("format_name")
    if fmt.get("bit_rate"):
        meta.details["bit_rate"] = _float(fmt.get("bit_rate"))
    for stream in probe.get("streams") or []:
        kept = {
            key: stream[key]
            for key in (
                "index",
                "codec_type",
                "codec_name",
                "profile",
                "width",
                "height",
                "pix_fmt",
                "r_frame_rate",
                "avg_frame_rate",
                "sample_rate",
                "channels",
                "channel_layout",
                "duration",
                "bit_rate",
                "nb_frames",
            )
            if stream.get(key) not in (None, "", "0/0")
        }
        stream_tags = {str(k).lower(): str(v) for k, v in (stream.get("tags") or {}).items()}
        rotation = stream_tags.get("rotate") or next(
            (str(sd.get("rotation")) for sd in stream.get("side_data_list") or [] if "rotation" in sd), None
        )
        if rotation:
            kept["rotation"] = rotation
        if stream_tags.get("language"):
            kept["language"] = stream_tags["language"]
        meta.streams.append(kept)
        codec = stream.get("codec_name")
        if codec and codec not in meta.codecs:
            meta.codecs.append(str(codec))
        if stream.get("codec_type") == "video" and meta.width is None and stream.get("width"):
            meta.width, meta.height = int(stream["width"]), int(stream["height"])
        for key, value in stream_tags.items():
            tags.setdefault(key, value)
    # QuickTime's own creation date keeps the phone's UTC offset; creation_time is UTC.
    for key in ("com.apple.quicktime.creationdate", "creation_time", "date"):
        if tags.get(key):
            meta.captured_at, meta.captured_at_field = tags[key], f"container tag {key}"
            break
    location = tags.get("com.apple.quicktime.location.iso6709") or tags.get("location")
    if location:
        position = parse_iso6709(location)
        if position is None:
            meta.warnings.append(f"location tag is not ISO 6709: {location!r}")
        else:
            meta.gps_latitude, meta.gps_longitude, meta.gps_altitude_m = position
    meta.device_make = tags.get("com.apple.quicktime.make") or tags.get("com.android.manufacturer")
    meta.device_model = tags.get("com.apple.quicktime.model") or tags.get("com.android.model")
    meta.software = tags.get("com.apple.quicktime.software") or tags.get("encoder")
    meta.title = tags.get("title")
    meta.author = tags.get("artist") or tags.get("author")
    meta.details["tags"] = {k: v[:1000] for k, v in tags.items() if "serial" not in k}


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


_ISO6709_RE = re.compile(r"^([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)?(?:CRS[^/]*)?/?$")


def parse_iso6709(text: str) -> tuple[float, float, float | None] | None:
    """Latitude, longitude (decimal degrees) and altitude (m) from an ISO 6709 point such as
    "+34.5553+069.2075+1791.000/" (the form phones write into MP4 and QuickTime files)."""
    match = _ISO6709_RE.match(text.strip())
    if not match:
        return None
    lat = _iso6709_angle(match.group(1), 2)
    lon = _iso6709_angle(match.group(2), 3)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    altitude = float(match.group(3)) if match.group(3) else None
    return round(lat, 7), round(lon, 7), altitude


def _iso6709_angle(part: str, degree_digits: int) -> float | None:
    sign = -1.0 if part[0] == "-" else 1.0
    whole, _, fraction = part[1:].partition(".")
    frac = float("0." + fraction) if fraction else 0.0
    if len(whole) == degree_digits:  # ±DD.DDD
        return sign * (int(whole) + frac)
    if len(whole) == degree_digits + 2:  # ±DDMM.MMM
        return sign * (int(whole[:degree_digits]) + (int(whole[degree_digits:]) + frac) / 60)
    if len(whole) == degree_digits + 4:  # ±DDMMSS.SSS
        d, m, s = whole[:degree_digits], whole[degree_digits : degree_digits + 2], whole[degree_digits + 2 :]
        return sign * (int(d) + int(m) / 60 + (int(s) + frac) / 3600)
    return None


def _check_bmff_complete(path: Path, meta: MediaMetadata) -> None:
    """A top-level box that runs past the end of the file means the file was cut short."""
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
            if len(head) < 12 or head[4:8] != b"ftyp":
                return
            size = path.stat().st_size
            for box_type, start, length in _bmff_boxes(fh, size):
                if start + length > size:
                    meta.warnings.append(
                        f"file is truncated: its '{box_type}' box needs {start + length - size} more bytes"
                    )
                    return
    except OSError as exc:
        meta.warnings.append(f"could not check the container structure: {exc}")


def _bmff_boxes(fh: BinaryIO, file_size: int) -> Iterator[tuple[str, int, int]]:
    """(type, offset, length) of each top-level ISO BMFF box; stops at the first impossible header."""
    offset = 0
    while offset + 8 <= file_size:
        fh.seek(offset)
        header = fh.read(16)
        if len(header) < 8:
            return
        length, kind = struct.unpack(">I4s", header[:8])
        if length == 1:
            if len(header) < 16:
                return
            length = struct.unpack(">Q", header[8:16])[0]
        elif length == 0:
            length = file_size - offset
        if length < 8:
            return
        yield kind.decode("latin-1"), offset, length
        offset += length


# ---------------------------------------------------------------- PDF (pypdf)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message not in self.messages:
            self.messages.append(message)


def read_pdf(path: Path, meta: MediaMetadata) -> None:
    try:
        import pypdf
    except ImportError:
        meta.warnings.append("pypdf is not installed: PDF metadata not read")
        return
    meta.readers["pypdf"] = pypdf.__version__
    _check_pdf_ends(path, meta)
    collector = _Collect()
    logger = logging.getLogger("pypdf")
    logger.addHandler(collector)
    try:
        with pywarnings.catch_warnings(record=True) as caught, path.open("rb") as fh:
            pywarnings.simplefilter("always")
            _read_pdf_stream(pypdf, fh, meta)
    finally:
        logger.removeHandler(collector)
    problems = collector.messages + [str(w.message) for w in caught]
    if problems:
        meta.warnings.append("PDF structure problems: " + "; ".join(problems[:5]))


def _read_pdf_stream(pypdf: Any, fh: BinaryIO, meta: MediaMetadata) -> None:
    try:
        reader = pypdf.PdfReader(fh, strict=False)
    except Exception as exc:  # pypdf raises many types on damaged files
        meta.warnings.append(f"PDF could not be parsed: {type(exc).__name__}: {exc}")
        return
    meta.details["pdf_version"] = getattr(reader, "pdf_header", "")[1:] or None
    if reader.is_encrypted:
        meta.details["encrypted"] = True
        try:
            if not reader.decrypt(""):
                meta.warnings.append("PDF is encrypted with a password: pages and info not read")
                return
        except Exception as exc:
            meta.warnings.append(f"PDF is encrypted and could not be opened: {exc}")
            return
    try:
        meta.page_count = len(reader.pages)
    except Exception as exc:
        meta.warnings.append(f"PDF page tree is damaged: {type(exc).__name__}: {exc}")
    try:
        info = reader.metadata
    except Exception as exc:
        meta.warnings.append(f"PDF document information is damaged: {type(exc).__name__}: {exc}")
        info = None
    if not info:
        return
    values = {str(key): _text(value) for key, value in info.items()}
    meta.details["info"] = {k: v[:2000] for k, v in values.items() if v}
    meta.title = values.get("/Title")
    meta.author = values.get("/Author")
    meta.producer = values.get("/Producer")
    meta.creator = values.get("/Creator")
    for key, attr in (("/CreationDate", "created"), ("/ModDate", "modified")):
        raw = values.get(key)
        if raw:
            parsed = parse_pdf_date(raw)
            if parsed is None:
                meta.warnings.append(f"PDF {key[1:]} is not a valid date: {raw!r}")
            setattr(meta, attr, parsed or raw)


_PDF_DATE_RE = re.compile(
    r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?\s*(Z|[+-]\d{2}'?\d{2}'?|[+-]\d{2})?"
)


def parse_pdf_date(raw: str) -> str | None:
    """ISO 8601 from a PDF date string such as "D:20210815093000+04'30'"."""
    match = _PDF_DATE_RE.match(raw.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        stamp = dt.datetime(
            int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0), int(second or 0)
        )
    except ValueError:
        return None
    text = stamp.isoformat()
    if zone == "Z":
        text += "Z"
    elif zone:
        digits = zone[1:].replace("'", "")
        text += f"{zone[0]}{digits[:2]}:{digits[2:4] or '00'}"
    return text


def _check_pdf_ends(path: Path, meta: MediaMetadata) -> None:
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            fh.seek(max(0, size - 2048))
            tail = fh.read()
    except OSError:
        return
    if b"%%EOF" not in tail:
        meta.warnings.append("PDF has no %%EOF marker at its end: the file may be truncated")


# ---------------------------------------------------------------- office files (zip + XML)

_NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "ep": "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
}
_CORE_FIELDS = {
    "dc:title": "title",
    "dc:subject": "subject",
    "dc:creator": "creator",
    "cp:keywords": "keywords",
    "dc:description": "description",
    "cp:lastModifiedBy": "last_modified_by",
    "cp:revision": "revision",
    "dcterms:created": "created",
    "dcterms:modified": "modified",
    "cp:lastPrinted": "last_printed",
    "dc:language": "language",
    "cp:category": "category",
}
_APP_FIELDS = {
    "ep:Application": "application",
    "ep:AppVersion": "app_version",
    "ep:Pages": "pages",
    "ep:Words": "words",
    "ep:Slides": "slides",
    "ep:Company": "company",
    "ep:TotalTime": "total_editing_minutes",
}


def _zip_xml(zf: zipfile.ZipFile, name: str, meta: MediaMetadata) -> ElementTree.Element | None:
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_PART_BYTES:
        meta.warnings.append(f"{name} is {info.file_size} bytes: too large to be metadata, not read")
        return None
    try:
        data = zf.read(info)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        meta.warnings.append(f"{name} could not be extracted: {exc}")
        return None
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        # Entity declarations have no place in these parts; refuse to expand them.
        meta.warnings.append(f"{name} declares a DTD or entities; not parsed")
        return None
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        meta.warnings.append(f"{name} is not well-formed XML: {exc}")
        return None


def _fields(root: ElementTree.Element, names: dict[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for qualified, key in names.items():
        prefix, local = qualified.split(":")
        element = root.find(f"{{{_NS[prefix]}}}{local}")
        if element is not None and element.text and element.text.strip():
            found[key] = element.text.strip()[:2000]
    return found


def _open_zip(path: Path, meta: MediaMetadata) -> zipfile.ZipFile | None:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        meta.warnings.append(f"office file is not a readable zip archive (truncated or corrupt?): {exc}")
        return None


def read_office(path: Path, meta: MediaMetadata) -> None:
    """Core properties (docProps/core.xml) and application properties of .docx/.xlsx/.pptx."""
    zf = _open_zip(path, meta)
    if zf is None:
        return
    with zf:
        meta.readers["zipfile"] = "stdlib"
        core_name = _core_part_name(zf, meta)
        core = _zip_xml(zf, core_name, meta)
        if core is None:
            meta.warnings.append("no core properties part (docProps/core.xml) in the office file")
            props: dict[str, str] = {}
        else:
            props = _fields(core, _CORE_FIELDS)
        app = _zip_xml(zf, "docProps/app.xml", meta)
        app_props = _fields(app, _APP_FIELDS) if app is not None else {}
        bad = zf.testzip() if _small_enough_to_test(zf) else None
        if bad:
            meta.warnings.append(f"office file member {bad!r} is corrupt (CRC mismatch)")
    meta.details["core_properties"] = props
    if app_props:
        meta.details["app_properties"] = app_props
    meta.title = props.get("title")
    meta.author = props.get("creator")
    meta.created = props.get("created")
    meta.modified = props.get("modified")
    meta.software = app_props.get("application")
    if app_props.get("pages", "").isdigit():
        meta.page_count = int(app_props["pages"])


def _small_enough_to_test(zf: zipfile.ZipFile) -> bool:
    return sum(info.file_size for info in zf.infolist()) <= 256 << 20


def _core_part_name(zf: zipfile.ZipFile, meta: MediaMetadata) -> str:
    """The core-properties part named in the package relationships, else the usual name."""
    rels = _zip_xml(zf, "_rels/.rels", meta)
    if rels is not None:
        for rel in rels:
            if rel.get("Type", "").endswith("/core-properties") and rel.get("Target"):
                return str(rel.get("Target")).lstrip("/")
    return "docProps/core.xml"


def read_opendocument(path: Path, meta: MediaMetadata) -> None:
    """meta.xml of OpenDocument files (.odt/.ods/.odp)."""
    zf = _open_zip(path, meta)
    if zf is None:
        return
    with zf:
        meta.readers["zipfile"] = "stdlib"
        root = _zip_xml(zf, "meta.xml", meta)
    if root is None:
        return
    office_meta = root.find(f"{{{_NS['office']}}}meta")
    if office_meta is None:
        return
    names = {
        "dc:title": "title",
        "dc:creator": "creator",
        "dc:date": "modified",
        "meta:creation-date": "created",
        "meta:generator": "generator",
        "meta:initial-creator": "initial_creator",
    }
    props = _fields(office_meta, names)
    meta.details["meta"] = props
    meta.title, meta.author = props.get("title"), props.get("initial_creator") or props.get("creator")
    meta.created, meta.modified, meta.software = (
        props.get("created"),
        props.get("modified"),
        props.get("generator"),
    )


# ---------------------------------------------------------------- what ingest keeps


def read_tool_metadata(path: Path, media_type: str | None = None) -> dict[str, Any]:
    """Everything intake reads from a file, as the JSON for EvidenceItem.tool_metadata: the metadata
    above plus perceptual hashes of pictures and video frames (under phash.PERCEPTUAL_KEY).
    `warnings` lists every problem from both; never raises for a malformed file."""
    from gawah.vault.phash import PERCEPTUAL_KEY, perceptual_hashes

    meta = read_metadata(path, media_type)
    record = meta.as_dict()
    try:
        hashes = perceptual_hashes(path, meta.media_type, duration_s=meta.duration_s)
    except Exception as exc:  # a hashing bug must not refuse the evidence
        record["warnings"].append(f"perceptual hashing failed: {type(exc).__name__}: {exc}")
        return record
    if hashes is not None:
        record[PERCEPTUAL_KEY] = hashes.as_dict()
        record["warnings"].extend(w for w in hashes.warnings if w not in record["warnings"])
    return record
