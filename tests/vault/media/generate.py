"""Small test media made on the fly (nothing big is committed): photos with EXIF and GPS, short videos
by ffmpeg's test sources, office files, and a C2PA manifest store in JPEG, PNG and MP4 framing.

The people, cameras and places are invented; the coordinates are Kabul's city centre.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

KABUL = (34.5553, 69.2075)


def need_ffmpeg() -> str:
    """The ffmpeg path; skips the test where it is missing, except in CI where it must be installed."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None or shutil.which("ffprobe") is None:
        if os.environ.get("CI"):
            pytest.fail("ffmpeg/ffprobe missing in CI: apt-get install -y ffmpeg")
        pytest.skip("ffmpeg/ffprobe not installed (Debian package ffmpeg)")
    return ffmpeg


def scene(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A photo-like picture: smooth gradients and a few shapes, different for each seed."""
    rng = np.random.default_rng(seed)
    h, w = size[1], size[0]
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    channels = []
    for _ in range(3):
        fx, fy, phase = rng.uniform(0.5, 3.0), rng.uniform(0.5, 3.0), rng.uniform(0, 6.28)
        channels.append(127 + 100 * np.sin(fx * x / w * 6.28 + phase) * np.cos(fy * y / h * 6.28))
    pixels = np.stack(channels, axis=-1)
    for _ in range(5):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(15, 60)
        colour = rng.uniform(0, 255, size=3)
        mask = (x - cx) ** 2 + (y - cy) ** 2 < r**2
        pixels[mask] = colour
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    return float(degrees), float(minutes), round((minutes_full - minutes) * 60, 4)


def photo_with_exif(path: Path, *, seed: int = 1, south_west: bool = False) -> Path:
    """A JPEG as a phone would write it: capture time with UTC offset, GPS, make and model."""
    exif = Image.Exif()
    exif[0x010F] = "Gawah Test Camera Co."
    exif[0x0110] = "GT-100"
    exif[0x0131] = "TestFirmware 2.1"
    exif[0x0132] = "2021:08:16 10:00:00"
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = "2021:08:15 09:30:12"
    sub[0x9011] = "+04:30"
    sub[0xA431] = "SN-INVENTED-0042"  # body serial number: must not be copied out
    gps = exif.get_ifd(0x8825)
    lat, lon = KABUL
    gps[1] = "S" if south_west else "N"
    gps[2] = _dms(lat)
    gps[3] = "W" if south_west else "E"
    gps[4] = _dms(lon)
    gps[5] = b"\x00"
    gps[6] = 1791.0
    gps[7] = (5.0, 0.0, 12.0)
    gps[29] = "2021:08:15"
    scene(seed).save(path, "JPEG", quality=90, exif=exif)
    return path


def truncated_copy(source: Path, target: Path, fraction: float = 0.5) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * fraction)])
    return target


def make_video(
    path: Path, *, source: str = "testsrc", seconds: int = 4, extra: list[str] | None = None
) -> Path:
    """A short H.264 + AAC MP4 from ffmpeg's test sources, with a creation time and a place."""
    ffmpeg = need_ffmpeg()
    lat, lon = KABUL
    cmd = [
        ffmpeg,
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"{source}=size=320x240:rate=25",
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency=440:duration={seconds}",
        "-t",
        str(seconds),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-shortest",
        "-metadata",
        "creation_time=2021-08-15T05:00:12Z",
        "-metadata",
        f"location=+{lat:.4f}+{lon:08.4f}/",
        *(extra or []),
        str(path),
    ]
    subprocess.run(cmd, check=True, capture_output=True)
    return path


def reencode(source: Path, target: Path, args: list[str]) -> Path:
    ffmpeg = need_ffmpeg()
    subprocess.run(
        [ffmpeg, "-v", "error", "-y", "-i", str(source), *args, str(target)], check=True, capture_output=True
    )
    return target


def docx(path: Path, *, creator: str = "Invented Author", created: str = "2021-08-20T07:15:00Z") -> Path:
    import zipfile

    core = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<dc:title>Witness list, Kabul</dc:title><dc:creator>{creator}</dc:creator>
<cp:lastModifiedBy>Second Invented Editor</cp:lastModifiedBy><cp:revision>3</cp:revision>
<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>
<dcterms:modified xsi:type="dcterms:W3CDTF">2021-08-21T10:00:00Z</dcterms:modified>
</cp:coreProperties>"""
    app = """<?xml version="1.0" encoding="UTF-8"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">
<Application>Microsoft Office Word</Application><Pages>2</Pages></Properties>"""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
            'relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>',
        )
        zf.writestr("docProps/core.xml", core)
        zf.writestr("docProps/app.xml", app)
        zf.writestr("word/document.xml", "<w:document/>")
    return path


# ------------------------------------------------------------------ C2PA manifest store writer


def cbor(value: Any) -> bytes:
    """A minimal CBOR encoder for the test claim (maps, arrays, text, bytes, small ints)."""

    def head(major: int, n: int) -> bytes:
        if n < 24:
            return bytes([major << 5 | n])
        if n < 256:
            return bytes([major << 5 | 24, n])
        if n < 65536:
            return bytes([major << 5 | 25]) + n.to_bytes(2, "big")
        return bytes([major << 5 | 26]) + n.to_bytes(4, "big")

    if isinstance(value, bool):
        return b"\xf5" if value else b"\xf4"
    if isinstance(value, int):
        return head(0, value) if value >= 0 else head(1, -1 - value)
    if isinstance(value, bytes):
        return head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode()
        return head(3, len(raw)) + raw
    if isinstance(value, list):
        return head(4, len(value)) + b"".join(cbor(v) for v in value)
    if isinstance(value, dict):
        return head(5, len(value)) + b"".join(cbor(k) + cbor(v) for k, v in value.items())
    raise TypeError(type(value))


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def jumbf(label: str, uuid_prefix: bytes, *children: bytes) -> bytes:
    uuid = uuid_prefix + bytes.fromhex("00110010800000aa00389b71")
    description = box(b"jumd", uuid + b"\x03" + label.encode() + b"\x00")
    return box(b"jumb", description + b"".join(children))


def manifest_store(generator: str = "Invented Camera App/1.0 c2pa-rs/0.30", *, v2: bool = False) -> bytes:
    assertions = jumbf(
        "c2pa.assertions",
        b"c2as",
        jumbf("c2pa.actions", b"cbor", box(b"cbor", cbor({"actions": [{"action": "c2pa.created"}]}))),
        jumbf("c2pa.hash.data", b"cbor", box(b"cbor", cbor({"alg": "sha256", "hash": b"\x00" * 32}))),
    )
    claim_fields: dict[str, Any] = {
        "dc:title": "IMG_0042.jpg",
        "dc:format": "image/jpeg",
        "instanceID": "xmp:iid:invented-0001",
        "signature": "self#jumbf=c2pa.signature",
    }
    if v2:
        claim_fields["claim_generator_info"] = [{"name": "Invented Camera App", "version": "2.0"}]
    else:
        claim_fields["claim_generator"] = generator
    claim_fields["assertions"] = [
        {"url": "self#jumbf=c2pa.assertions/c2pa.actions"},
        {"url": "self#jumbf=c2pa.assertions/c2pa.hash.data"},
    ]
    claim = jumbf("c2pa.claim.v2" if v2 else "c2pa.claim", b"c2cl", box(b"cbor", cbor(claim_fields)))
    signature = jumbf("c2pa.signature", b"c2cs", box(b"cbor", cbor([b"\x01" * 16])))
    older = jumbf(
        "urn:uuid:00000000-0000-4000-8000-000000000001",
        b"c2ma",
        jumbf("c2pa.claim", b"c2cl", box(b"cbor", cbor({"claim_generator": "Older Editor/0.1"}))),
    )
    active = jumbf("urn:uuid:00000000-0000-4000-8000-000000000002", b"c2ma", assertions, claim, signature)
    return jumbf("c2pa", b"c2pa", older, active)


def jpeg_with_c2pa(source: Path, target: Path, store: bytes, packet_payload: int = 600) -> Path:
    """Insert the store after SOI as APP11 JPEG XT packets (small packets to test reassembly)."""
    data = source.read_bytes()
    header, body = store[:8], store[8:]
    segments = []
    for sequence, start in enumerate(range(0, len(body), packet_payload), start=1):
        chunk = body[start : start + packet_payload]
        payload = b"JP" + struct.pack(">HI", 1, sequence) + header + chunk
        segments.append(b"\xff\xeb" + struct.pack(">H", len(payload) + 2) + payload)
    target.write_bytes(data[:2] + b"".join(segments) + data[2:])
    return target


def png_with_c2pa(target: Path, store: bytes, seed: int = 5) -> Path:
    scene(seed, (64, 48)).save(target, "PNG")
    data = target.read_bytes()
    chunk = struct.pack(">I", len(store)) + b"caBX" + store
    chunk += struct.pack(">I", zlib.crc32(b"caBX" + store) & 0xFFFFFFFF)
    ihdr_end = 8 + 8 + 13 + 4
    target.write_bytes(data[:ihdr_end] + chunk + data[ihdr_end:])
    return target


def mp4_with_c2pa(source: Path, target: Path, store: bytes) -> Path:
    """Append a C2PA uuid box (FullBox, purpose "manifest", 8-byte offset) as the last top-level box;
    at the end it moves no sample offsets, so the video still plays."""
    data = source.read_bytes()
    payload = bytes.fromhex("d8fec3d61b0e483c92975828877ec481") + b"\x00\x00\x00\x00" + b"manifest\x00"
    payload += struct.pack(">Q", 0) + store
    target.write_bytes(data + box(b"uuid", payload))
    return target
