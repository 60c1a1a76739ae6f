"""Read .txt, .md, .html, .pdf and web archives (.warc, .warc.gz, .wacz) into text and metadata.

Readers never write anything: they return a ReadDocument or raise ReadError with the reason.
HTML pages keep only the article (trafilatura drops navigation, footers, related links).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import charset_normalizer

from gawah.extract.language import detect_language
from gawah.extract.metadata import guess_published, guess_title
from gawah.vault.blobstore import hash_file

MAX_TEXT_BYTES = 200 * 1024 * 1024

MEDIA_TYPES = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
    ".pdf": "application/pdf",
    ".warc": "application/warc",
    ".wacz": "application/wacz",
}
SUPPORTED_SUFFIXES = frozenset(MEDIA_TYPES) | {".warc.gz"}


class ReadError(Exception):
    """A file cannot be read or parsed; the message says why (the caller adds the file name)."""


@dataclass
class ReadDocument:
    path: Path
    sha256: str
    size: int
    media_type: str
    reader: str
    text: str
    title: str | None = None
    language: str = "und"
    published: dt.date | None = None
    warnings: list[str] = field(default_factory=list)


def decode_text(raw: bytes) -> tuple[str, list[str]]:
    """Decode bytes as UTF-8, else as the most likely encoding (with a warning); refuse binary data."""
    if b"\x00" in raw[:8192]:
        raise ReadError("binary content (NUL bytes), not text")
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(raw).best()
    if best is None:
        raise ReadError("not text in any known encoding")
    return str(best), [f"not UTF-8: decoded as {best.encoding}"]


def _clean(text: str) -> str:
    # Keep offsets stable for everything after reading: only line endings are normalised.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_bytes(path: Path) -> bytes:
    size = path.stat().st_size
    if size == 0:
        raise ReadError("empty file")
    if size > MAX_TEXT_BYTES:
        raise ReadError(f"too large for a text document ({size} bytes; limit {MAX_TEXT_BYTES})")
    return path.read_bytes()


def _markdown_title(text: str) -> str | None:
    for line in text.splitlines()[:40]:
        match = re.match(r"^\s{0,3}#\s+(.+?)\s*#*\s*$", line)
        if match:
            return match.group(1).strip()
    return None


def read_plain(path: Path) -> tuple[str, str | None, dt.date | None, str, list[str]]:
    text, warnings = decode_text(_read_bytes(path))
    text = _clean(text)
    title = _markdown_title(text) if path.suffix.lower() in {".md", ".markdown"} else None
    return text, title or guess_title(text), guess_published(text), "text", warnings


def read_html(path: Path) -> tuple[str, str | None, dt.date | None, str, list[str]]:
    import trafilatura

    html, warnings = decode_text(_read_bytes(path))
    result = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=True, favor_precision=True
    )
    text = getattr(result, "text", None) if result is not None else None
    if not text or not text.strip():
        raise ReadError("no article text found in the HTML page")
    title = getattr(result, "title", None)
    published = None
    raw_date = getattr(result, "date", None)
    if raw_date:
        try:
            published = dt.date.fromisoformat(str(raw_date)[:10])
        except ValueError:
            warnings.append(f"unreadable page date {raw_date!r}")
    text = _clean(text)
    return text, title or guess_title(text), published or guess_published(text), "html/trafilatura", warnings


def _pdf_date(value: object) -> dt.date | None:
    match = re.match(r"^(?:D:)?(\d{4})(\d{2})(\d{2})", str(value or ""))
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def read_pdf(path: Path) -> tuple[str, str | None, dt.date | None, str, list[str]]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError, PyPdfError

    warnings: list[str] = []
    if path.stat().st_size == 0:
        raise ReadError("empty file")
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ReadError("encrypted PDF: it needs a password")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
    except (PdfReadError, PyPdfError, ValueError, KeyError, OSError) as exc:
        raise ReadError(f"not a readable PDF: {exc}") from exc
    text = _clean("\n\n".join(p.strip() for p in pages).strip())
    if not text:
        raise ReadError("the PDF has no text layer (a scan?): nothing to read without OCR")
    meta_title = str(info.title).strip() if info is not None and info.title else None
    meta_date = _pdf_date(info.get("/CreationDate")) if info is not None else None
    published = guess_published(text) or meta_date
    return text, meta_title or guess_title(text), published, "pdf/pypdf", warnings


def read_web_archive(path: Path) -> tuple[str, str | None, dt.date | None, str, list[str]]:
    from gawah.ingest.warc import read_web_archive as read  # warc.py imports this module

    return read(path)


READERS: dict[str, Callable[[Path], tuple[str, str | None, dt.date | None, str, list[str]]]] = {
    "text/plain": read_plain,
    "text/markdown": read_plain,
    "text/html": read_html,
    "application/pdf": read_pdf,
    "application/warc": read_web_archive,
    "application/wacz": read_web_archive,
}


def media_type_of(path: Path) -> str | None:
    """The media type of a file Gawah reads text from, or None."""
    if path.name.lower().endswith(".warc.gz"):
        return "application/warc"
    return MEDIA_TYPES.get(path.suffix.lower())


def read_path(path: Path) -> ReadDocument:
    """Read one file. Raises ReadError (unsupported type, unreadable, empty, corrupt)."""
    media_type = media_type_of(path)
    if media_type is None:
        raise ReadError(
            f"unsupported file type {path.suffix or '(none)'!r}; Gawah reads "
            + ", ".join(sorted(SUPPORTED_SUFFIXES))
        )
    try:
        sha256, size = hash_file(path)
        text, title, published, reader, warnings = READERS[media_type](path)
    except OSError as exc:
        raise ReadError(f"cannot read: {exc.strerror or exc}") from exc
    return ReadDocument(
        path=path,
        sha256=sha256,
        size=size,
        media_type=media_type,
        reader=reader,
        text=text,
        title=(title or path.stem)[:1000],
        language=detect_language(text),
        published=published,
        warnings=warnings,
    )
