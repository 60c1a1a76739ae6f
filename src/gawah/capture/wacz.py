"""Package WARC files as a WACZ 1.1.1 (webrecorder/specs, wacz/1.1.1): a ZIP that replay tools open.

Layout written here:

    archive/data.warc.gz          the WARC (STORED: already gzip, read by random access)
    indexes/index.cdx             CDXJ index of the WARC (SURT key, 14-digit time, JSON block)
    pages/pages.jsonl             header line, then one line per page: url, ts, title, text
    capture/...                   Gawah's own files (screenshot, rendered HTML, capture details, TLS
                                  chain); the spec forbids extra files in archive/, indexes/, pages/
    datapackage.json              every file above with sha256 and size (Frictionless Data Package)
    datapackage-digest.json       the sha256 of datapackage.json, which thus covers the whole WACZ
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from warcio.archiveiterator import ArchiveIterator

from gawah.capture.record import iso_utc
from gawah.vault.blobstore import hash_file

WACZ_VERSION = "1.1.1"
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
INDEXED_TYPES = {"response", "resource", "metadata", "revisit"}
DEFAULT_PORTS = {"http": 80, "https": 443}
BUFFER = 1024 * 1024


@dataclass
class WaczPage:
    url: str
    ts: dt.datetime
    title: str = ""
    text: str = ""
    page_id: str = ""

    def as_line(self) -> dict[str, Any]:
        line: dict[str, Any] = {
            "id": self.page_id or hashlib.sha256(f"{self.url} {self.ts}".encode()).hexdigest()[:16],
            "url": self.url,
            "ts": iso_utc(self.ts),
        }
        if self.title:
            line["title"] = self.title
        if self.text:
            line["text"] = self.text
        return line


@dataclass
class WaczContents:
    """What goes into one WACZ besides the WARC files: pages, descriptive fields, extra files."""

    pages: list[WaczPage]
    title: str
    created: dt.datetime
    software: str
    description: str = ""
    extra_files: dict[str, bytes] = field(default_factory=dict)
    extra_fields: dict[str, Any] = field(default_factory=dict)


def surt_key(url: str) -> str:
    """Sort-friendly URI key as pywb's CDXJ uses: host reversed, www. dropped, query sorted, lowercase."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS:
        return url.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    key = ",".join(reversed(host.split(".")))
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port != DEFAULT_PORTS[parts.scheme]:
        key += f":{port}"
    path = parts.path or "/"
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return (key + ")" + path + (f"?{query}" if query else "")).lower()


def cdx_timestamp(warc_date: str) -> str:
    digits = "".join(ch for ch in warc_date if ch.isdigit())
    return digits[:14].ljust(14, "0")


def cdxj_lines(warc_path: Path, filename: str) -> list[str]:
    """CDXJ lines (sorted) for every response, resource, metadata and revisit record of a WARC."""
    lines: list[str] = []
    with warc_path.open("rb") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            kind = record.rec_type
            uri = record.rec_headers.get_header("WARC-Target-URI")
            if kind not in INDEXED_TYPES or not uri:
                record.content_stream().read()
                continue
            block: dict[str, Any] = {"url": uri}
            if record.http_headers is not None and kind in {"response", "revisit"}:
                block["mime"] = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip()
                block["status"] = record.http_headers.get_statuscode()
            else:
                block["mime"] = (record.rec_headers.get_header("Content-Type") or "").split(";")[0].strip()
            digest = record.rec_headers.get_header("WARC-Payload-Digest")
            if digest:
                block["digest"] = digest
            if kind != "response":
                block["recordType"] = kind
            date = record.rec_headers.get_header("WARC-Date") or ""
            record.content_stream().read()
            block["offset"] = str(records.get_record_offset())
            block["length"] = str(records.get_record_length())
            block["filename"] = filename
            lines.append(f"{surt_key(uri)} {cdx_timestamp(date)} {json.dumps(block, sort_keys=True)}")
    return sorted(lines)


def _sha256_file(path: Path) -> tuple[str, int]:
    sha256, size = hash_file(path)
    return "sha256:" + sha256, size


def _resource(path: str, data_hash: str, size: int) -> dict[str, Any]:
    return {"name": path.rsplit("/", 1)[-1].lower(), "path": path, "hash": data_hash, "bytes": size}


def _zip_info(path: str, when: dt.datetime, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=when.astimezone(dt.UTC).timetuple()[:6])
    info.compress_type = compress
    info.external_attr = 0o644 << 16
    return info


def _pages_jsonl(pages: list[WaczPage]) -> bytes:
    lines = [json.dumps(PAGES_HEADER)] + [json.dumps(p.as_line(), ensure_ascii=False) for p in pages]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _check_extra_path(path: str) -> None:
    top = path.split("/", 1)[0]
    if "/" not in path or top in {"archive", "indexes", "pages"} or path.startswith("/") or ".." in path:
        raise ValueError(f"extra WACZ file {path!r} must sit in its own folder (not archive/indexes/pages)")


def write_wacz(warc_files: list[Path], contents: WaczContents, out: Path) -> dict[str, Any]:
    """Write a WACZ to `out` (atomically: a temporary file renamed when complete); return its datapackage."""
    for path in contents.extra_files:
        _check_extra_path(path)
    index_lines: list[str] = []
    for warc in warc_files:
        index_lines.extend(cdxj_lines(warc, warc.name))
    small_files: dict[str, bytes] = {
        "pages/pages.jsonl": _pages_jsonl(contents.pages),
        "indexes/index.cdx": ("\n".join(sorted(index_lines)) + "\n").encode("utf-8"),
        **contents.extra_files,
    }
    resources: list[dict[str, Any]] = []
    for warc in warc_files:
        resources.append(_resource(f"archive/{warc.name}", *_sha256_file(warc)))
    for path, data in small_files.items():
        resources.append(_resource(path, "sha256:" + hashlib.sha256(data).hexdigest(), len(data)))

    created = iso_utc(contents.created)
    main = contents.pages[0] if contents.pages else None
    datapackage: dict[str, Any] = {
        "profile": "data-package",
        "wacz_version": WACZ_VERSION,
        "title": contents.title,
        "description": contents.description,
        "created": created,
        "modified": created,
        "software": contents.software,
        "resources": resources,
        **contents.extra_fields,
    }
    if main is not None:
        datapackage["mainPageUrl"] = main.url
        datapackage["mainPageDate"] = iso_utc(main.ts)
    package_bytes = json.dumps(datapackage, ensure_ascii=False, indent=2).encode("utf-8")
    digest = {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest()}

    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    try:
        with zipfile.ZipFile(partial, "w", allowZip64=True) as archive:
            for warc in warc_files:
                # STORED, as the spec requires: the gzip members must stay readable by offset.
                with (
                    warc.open("rb") as source,
                    archive.open(
                        _zip_info(f"archive/{warc.name}", contents.created, zipfile.ZIP_STORED),
                        "w",
                        force_zip64=True,
                    ) as target,
                ):
                    while chunk := source.read(BUFFER):
                        target.write(chunk)
            for path, data in small_files.items():
                compress = zipfile.ZIP_STORED if path.endswith((".png", ".gz")) else zipfile.ZIP_DEFLATED
                archive.writestr(_zip_info(path, contents.created, compress), data)
            archive.writestr(
                _zip_info("datapackage.json", contents.created, zipfile.ZIP_DEFLATED), package_bytes
            )
            archive.writestr(
                _zip_info("datapackage-digest.json", contents.created, zipfile.ZIP_DEFLATED),
                json.dumps(digest, indent=2).encode("utf-8"),
            )
        with partial.open("rb") as done:
            os.fsync(done.fileno())
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return datapackage
