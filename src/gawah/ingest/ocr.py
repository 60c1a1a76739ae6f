"""Text of scanned PDFs and photographs of documents, recognised by Tesseract.

Debian's `tesseract-ocr` with its English, Persian (Dari) and Pashto data does the recognition;
`pdftoppm` (poppler-utils) renders the pages of a PDF without a text layer. The text is a working
copy: ingest stores it as a derived evidence item pointing to the original, and the facts
extracted from it point into that text.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

OCR_LANGUAGES = ("eng", "fas", "pus")
IMAGE_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/tiff",
        "image/bmp",
        "image/gif",
        "image/webp",
        "image/x-portable-pixmap",
    }
)
PAGE_DPI = 300
MAX_PAGES = 200
TIMEOUT_PER_PAGE = 120
# Photographs of scenes give a few stray glyphs; below this much text there is no document.
MIN_CHARACTERS = 20


class OcrError(Exception):
    """Recognition could not run or failed; the message says why."""


@dataclass
class OcrText:
    text: str
    tool: str
    languages: tuple[str, ...]
    pages: int
    warnings: list[str] = field(default_factory=list)

    @property
    def derivation(self) -> str:
        return f"ocr: {self.tool} ({'+'.join(self.languages)})"


@cache
def tesseract_version() -> str | None:
    if shutil.which("tesseract") is None:
        return None
    result = subprocess.run(
        ["tesseract", "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    first = (result.stdout or result.stderr).splitlines()
    return first[0].strip() if first else "tesseract"


@cache
def installed_languages() -> tuple[str, ...]:
    if shutil.which("tesseract") is None:
        return ()
    result = subprocess.run(
        ["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30, check=False
    )
    listed = {line.strip() for line in result.stdout.splitlines()[1:]}
    return tuple(lang for lang in OCR_LANGUAGES if lang in listed)


def is_candidate(media_type: str) -> bool:
    return media_type in IMAGE_TYPES or media_type == "application/pdf"


def _tesseract(image: Path, languages: tuple[str, ...]) -> str:
    try:
        result = subprocess.run(
            ["tesseract", str(image), "stdout", "-l", "+".join(languages), "--psm", "3"],
            capture_output=True,
            timeout=TIMEOUT_PER_PAGE,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise OcrError(f"tesseract took longer than {TIMEOUT_PER_PAGE} s") from exc
    if result.returncode != 0:
        reason = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrError(f"tesseract could not read the image: {reason[-1] if reason else result.returncode}")
    return result.stdout.decode("utf-8", "replace")


def _pdf_pages(path: Path, folder: Path) -> list[Path]:
    if shutil.which("pdftoppm") is None:
        raise OcrError("pdftoppm (Debian's poppler-utils) is not installed: scanned PDFs cannot be read")
    try:
        result = subprocess.run(
            [
                "pdftoppm",
                "-r",
                str(PAGE_DPI),
                "-gray",
                "-png",
                "-l",
                str(MAX_PAGES),
                str(path),
                str(folder / "page"),
            ],
            capture_output=True,
            timeout=TIMEOUT_PER_PAGE * 4,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise OcrError("rendering the PDF's pages took too long") from exc
    pages = sorted(folder.glob("page*.png"))
    if result.returncode != 0 or not pages:
        reason = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrError(f"the PDF's pages could not be rendered: {reason[-1] if reason else 'no page'}")
    return pages


def _tidy(text: str) -> str:
    # Keep line structure (offsets are into this text) but drop form feeds and trailing blanks.
    text = text.replace("\f", "\n")
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def recognise(path: Path, media_type: str) -> OcrText:
    """The text of an image or a PDF without a text layer. Raises OcrError with the reason."""
    version = tesseract_version()
    languages = installed_languages()
    if version is None or not languages:
        raise OcrError("Tesseract (Debian's tesseract-ocr with -eng, -fas, -pus) is not installed: no OCR")
    warnings = []
    missing = [lang for lang in OCR_LANGUAGES if lang not in languages]
    if missing:
        warnings.append(f"OCR without language data for {', '.join(missing)}")
    if media_type == "application/pdf":
        with tempfile.TemporaryDirectory(prefix="gawah-ocr-") as tmp:
            pages = _pdf_pages(path, Path(tmp))
            texts = [_tidy(_tesseract(page, languages)) for page in pages]
        if len(pages) >= MAX_PAGES:
            warnings.append(f"only the first {MAX_PAGES} pages were recognised")
        text = "\n\n".join(t for t in texts if t)
        count = len(pages)
    else:
        text, count = _tidy(_tesseract(path, languages)), 1
    if len(re.sub(r"\s", "", text)) < MIN_CHARACTERS:
        raise OcrError("no text recognised (a photograph rather than a document?)")
    return OcrText(text=text, tool=version, languages=languages, pages=count, warnings=warnings)
