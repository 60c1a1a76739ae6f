"""Read the main page of a web archive (.warc, .warc.gz, .wacz) into text.

The page is found by the WACZ's pages list (its first page) or, in a bare WARC, as the first HTML
response with a 2xx status; its article text is taken with trafilatura, from the HTML the server
sent or, when that holds no article (pages built by scripts), from the rendered HTML that a Gawah
capture stores beside it. A truncated or corrupt archive, a failed WARC digest or a WACZ whose
files do not match its datapackage gives a warning: the records before the damage are still read,
and the file itself is always preserved as it is.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from gawah.ingest.readers import ReadError, decode_text

WEB_ARCHIVE_MEDIA_TYPES = {
    ".warc": "application/warc",
    ".warc.gz": "application/warc",
    ".wacz": "application/wacz",
}
RENDERED_PREFIX = "urn:gawah:rendered-html:"
MAX_HTML_BYTES = 50 * 1024 * 1024
MAX_WARNINGS = 20
GZIP_BUFFER = 1024 * 1024
HTML_TYPES = ("text/html", "application/xhtml+xml")

Read = tuple[str, str | None, dt.date | None, str, list[str]]


def web_archive_media_type(path: Path) -> str | None:
    """application/warc or application/wacz from the file name, or None."""
    name = path.name.lower()
    for suffix in sorted(WEB_ARCHIVE_MEDIA_TYPES, key=len, reverse=True):
        if name.endswith(suffix):
            return WEB_ARCHIVE_MEDIA_TYPES[suffix]
    return None


@dataclass
class Article:
    text: str
    title: str | None
    published: dt.date | None
    warnings: list[str] = field(default_factory=list)


def html_article(html: str) -> Article | None:
    """The article of an HTML page (trafilatura: navigation, footers and related links dropped)."""
    import trafilatura

    result = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=True, favor_precision=True
    )
    text = getattr(result, "text", None) if result is not None else None
    if not text or not text.strip():
        return None
    warnings: list[str] = []
    published = None
    raw_date = getattr(result, "date", None)
    if raw_date:
        try:
            published = dt.date.fromisoformat(str(raw_date)[:10])
        except ValueError:
            warnings.append(f"unreadable page date {raw_date!r}")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return Article(text, getattr(result, "title", None), published, warnings)


def decode_html(raw: bytes, content_type: str) -> tuple[str, list[str]]:
    """HTML bytes as text: the charset the server declared, else UTF-8 or the likeliest encoding."""
    match = re.search(r"charset=[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    if match:
        try:
            return raw.decode(match.group(1)), []
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(raw)


@dataclass
class PageCandidate:
    url: str
    html: bytes
    content_type: str
    rendered: bool


@dataclass
class ArchiveScan:
    """What one pass over WARC records found: the candidates for the main page and every problem."""

    wanted_url: str | None
    responses: list[PageCandidate] = field(default_factory=list)
    rendered: list[PageCandidate] = field(default_factory=list)
    records: int = 0
    warnings: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)
        elif len(self.warnings) == MAX_WARNINGS:
            self.warnings.append("more problems not listed")

    def _keep(self, url: str) -> bool:
        # Without a pages list keep only the first HTML page; with one, the page it names.
        if self.wanted_url is not None:
            return _same_url(url, self.wanted_url)
        return not self.responses

    def add(self, record: Any) -> None:
        kind = record.rec_type
        uri = record.rec_headers.get_header("WARC-Target-URI") or ""
        stream = record.content_stream()
        keep: PageCandidate | None = None
        if kind == "response" and record.http_headers is not None:
            status = record.http_headers.get_statuscode() or ""
            content_type = record.http_headers.get_header("Content-Type") or ""
            if status.startswith("2") and content_type.lower().startswith(HTML_TYPES) and self._keep(uri):
                keep = PageCandidate(uri, b"", content_type, rendered=False)
        elif kind == "resource" and uri.startswith(RENDERED_PREFIX):
            keep = PageCandidate(uri[len(RENDERED_PREFIX) :], b"", "text/html; charset=utf-8", rendered=True)
        if keep is not None:
            keep.html = stream.read(MAX_HTML_BYTES + 1)
            if len(keep.html) > MAX_HTML_BYTES:
                self.warn(f"{uri}: HTML larger than {MAX_HTML_BYTES} bytes; read the first part only")
                keep.html = keep.html[:MAX_HTML_BYTES]
            (self.rendered if keep.rendered else self.responses).append(keep)
        while stream.read(1024 * 1024):
            pass
        self.records += 1
        if kind is None:
            self.warn(f"WARC record {self.records}: unreadable (truncated or corrupt headers)")
            return
        if getattr(record.raw_stream, "limit", 0):
            self.warn(f"WARC record {self.records} ({kind} {uri}): cut short, its block is incomplete")
        if record.digest_checker.passed is False:
            problems = "; ".join(record.digest_checker.problems) or "digest mismatch"
            self.warn(f"WARC record {self.records} ({kind} {uri}): {problems}")

    def scan(self, open_stream: Callable[[], IO[bytes]], name: str) -> None:
        # warcio stops quietly at a cut gzip member, so the gzip layer is checked on its own first.
        with open_stream() as stream:
            damage = gzip_damage(stream)
        if damage is not None:
            self.warn(f"{name}: truncated or corrupt: {damage}")
        before = self.records
        try:
            with open_stream() as stream:
                for record in ArchiveIterator(stream, check_digests=True):
                    self.add(record)
        except (ArchiveLoadFailed, EOFError, zlib.error, gzip.BadGzipFile, OSError, ValueError) as exc:
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self.warn(f"{name}: truncated or corrupt after {self.records - before} records ({detail})")
        if self.records == before:
            self.warn(f"{name}: no WARC records could be read")


def gzip_damage(stream: IO[bytes]) -> str | None:
    """Where a gzip stream (of any number of members) is cut short or corrupt; None when whole.

    Plain (not gzip) input is not this check's business and gives None.
    """
    head = stream.read(2)
    if head != b"\x1f\x8b":
        return None
    members = 0
    consumed = 0
    inflater = zlib.decompressobj(31)
    in_member = False
    chunk = head + stream.read(GZIP_BUFFER)
    while chunk:
        data = chunk
        while data:
            in_member = True
            try:
                inflater.decompress(data, GZIP_BUFFER)
            except zlib.error as exc:
                return f"gzip member {members + 1} is corrupt near byte {consumed} ({exc})"
            if inflater.eof:
                members += 1
                in_member = False
                data = inflater.unused_data
                inflater = zlib.decompressobj(31)
            else:
                data = inflater.unconsumed_tail
        consumed += len(chunk)
        chunk = stream.read(GZIP_BUFFER)
    if in_member:
        try:
            while inflater.decompress(b"", GZIP_BUFFER):
                pass
        except zlib.error as exc:
            return f"gzip member {members + 1} is corrupt at the end ({exc})"
        if not inflater.eof:
            return f"the file ends inside gzip member {members + 1}, after {consumed} bytes"
    return None


def _same_url(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def _choose(scan: ArchiveScan) -> Article:
    """The main page's article: from the server's HTML, else from the rendered HTML."""
    candidates = scan.responses[:1]
    wanted = scan.wanted_url or (candidates[0].url if candidates else None)
    candidates += [c for c in scan.rendered if wanted is None or _same_url(c.url, wanted)][:1]
    if not candidates:
        raise ReadError("no HTML page found in the web archive")
    for candidate in candidates:
        html, warnings = decode_html(candidate.html, candidate.content_type)
        article = html_article(html)
        if article is not None:
            article.warnings = warnings + article.warnings
            if candidate.rendered:
                article.warnings.append("text from the rendered page (the served HTML holds no article)")
            return article
    raise ReadError(f"no article text found in the archived page {candidates[0].url}")


def _wacz_pages(archive: zipfile.ZipFile, scan: ArchiveScan) -> str | None:
    try:
        raw = archive.read("pages/pages.jsonl")
    except KeyError:
        scan.warn("WACZ has no pages/pages.jsonl; took the first HTML page")
        return None
    for line in raw.decode("utf-8", errors="replace").splitlines()[1:]:
        try:
            page = json.loads(line)
        except json.JSONDecodeError:
            scan.warn("pages/pages.jsonl has a line that is not JSON")
            continue
        if isinstance(page, dict) and page.get("url"):
            return str(page["url"])
    return None


def check_datapackage(archive: zipfile.ZipFile) -> list[str]:
    """Problems with a WACZ's datapackage.json against the files it lists (empty when all match)."""
    problems: list[str] = []
    try:
        package_bytes = archive.read("datapackage.json")
        package = json.loads(package_bytes)
    except KeyError:
        return ["WACZ has no datapackage.json"]
    except (json.JSONDecodeError, UnicodeDecodeError):
        return ["WACZ datapackage.json is not JSON"]
    names = set(archive.namelist())
    for resource in package.get("resources", []):
        path = str(resource.get("path", ""))
        algorithm, _, expected = str(resource.get("hash", "")).partition(":")
        if path not in names:
            problems.append(f"WACZ lacks {path}, listed in datapackage.json")
            continue
        try:
            digest = hashlib.new(algorithm or "sha256")
        except ValueError:
            problems.append(f"{path}: unknown hash algorithm {algorithm!r}")
            continue
        try:
            with archive.open(path) as member:
                while chunk := member.read(1024 * 1024):
                    digest.update(chunk)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
            problems.append(f"{path}: unreadable in the ZIP ({exc})")
            continue
        if digest.hexdigest() != expected:
            problems.append(f"{path}: hash differs from datapackage.json")
    if "datapackage-digest.json" in names:
        try:
            digest_record = json.loads(archive.read("datapackage-digest.json"))
            algorithm, _, expected = str(digest_record.get("hash", "")).partition(":")
            if hashlib.new(algorithm or "sha256", package_bytes).hexdigest() != expected:
                problems.append("datapackage.json differs from the hash in datapackage-digest.json")
        except (json.JSONDecodeError, ValueError, AttributeError):
            problems.append("datapackage-digest.json is unreadable")
    return problems


def _warc_members(archive: zipfile.ZipFile) -> list[str]:
    names = archive.namelist()
    return sorted(n for n in names if n.startswith("archive/") and n.lower().endswith((".warc", ".warc.gz")))


def scan_wacz(path: Path) -> ArchiveScan:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReadError(f"not a readable WACZ (ZIP) file: {exc}") from exc
    with archive:
        scan = ArchiveScan(wanted_url=None)
        scan.wanted_url = _wacz_pages(archive, scan)
        for problem in check_datapackage(archive):
            scan.warn(problem)
        members = _warc_members(archive)
        if not members:
            raise ReadError("WACZ holds no WARC file under archive/")
        for member in members:

            def open_member(name: str = member) -> IO[bytes]:
                return archive.open(name)

            try:
                scan.scan(open_member, member)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
                scan.warn(f"{member}: unreadable in the ZIP ({exc})")
    return scan


def scan_warc(path: Path) -> ArchiveScan:
    scan = ArchiveScan(wanted_url=None)
    scan.scan(lambda: path.open("rb"), path.name)
    return scan


def read_web_archive(path: Path) -> Read:
    """Reader for .warc, .warc.gz and .wacz: the main page's article text, title and date."""
    if path.stat().st_size == 0:
        raise ReadError("empty file")
    media_type = web_archive_media_type(path)
    scan = scan_wacz(path) if media_type == "application/wacz" else scan_warc(path)
    try:
        article = _choose(scan)
    except ReadError as exc:
        if scan.warnings:
            raise ReadError(f"{exc} ({'; '.join(scan.warnings[:3])})") from exc
        raise
    reader = "wacz/trafilatura" if media_type == "application/wacz" else "warc/trafilatura"
    return article.text, article.title, article.published, reader, scan.warnings + article.warnings
