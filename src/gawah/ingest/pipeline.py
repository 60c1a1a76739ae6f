"""Ingest files into a workspace: each stored once by SHA-256, each recorded whole or not at all."""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from gawah import __version__
from gawah.extract.language import detect_language
from gawah.extract.metadata import guess_published, guess_title
from gawah.ingest import ocr
from gawah.ingest.readers import ReadDocument, ReadError, media_type_of, read_path
from gawah.ledger.journal import record_custody, record_document, record_evidence
from gawah.registry.search import index_document
from gawah.store.models import Document, EvidenceItem
from gawah.vault.blobstore import BlobStore, hash_file
from gawah.vault.metadata import read_tool_metadata, sniff_media_type

Status = Literal["stored", "preserved", "duplicate", "skipped", "failed"]
DocumentHook = Callable[[Session, Document, ReadDocument], None]
MetadataReader = Callable[[Path, str], dict[str, Any]]


@dataclass(frozen=True)
class Provenance:
    """What the collector states about how a file was collected (kept apart from what tools read).

    Given to ingest, it becomes the item's collector fields and a `collected` custody event that
    precedes `received`, recorded in the same transaction as the item.
    """

    collected_by: str
    collected_at: dt.datetime | None = None
    method: str | None = None
    tool: str | None = None
    place: str | None = None
    notes: str = ""


@dataclass
class IngestOutcome:
    path: Path
    status: Status
    message: str = ""
    sha256: str | None = None
    document_id: int | None = None
    title: str | None = None
    language: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "status": self.status,
            "message": self.message,
            "sha256": self.sha256,
            "document_id": self.document_id,
            "title": self.title,
            "language": self.language,
        }


def _walk(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(folder).parts):
            yield path


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[IngestOutcome]]:
    """Files to ingest (folders searched recursively) and outcomes for paths that cannot be."""
    files: list[Path] = []
    problems: list[IngestOutcome] = []
    for path in paths:
        if path.is_dir():
            for child in _walk(path):
                if media_type_of(child) is None:
                    problems.append(
                        IngestOutcome(child, "skipped", f"unsupported file type {child.suffix!r}")
                    )
                else:
                    files.append(child)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(IngestOutcome(path, "failed", "no such file or folder"))
    return files, problems


class Ingestor:
    """Stores files in the vault and records EvidenceItem and Document rows in one transaction."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        blobs: BlobStore,
        *,
        actor: str | None = None,
        on_document: DocumentHook | None = None,
        read_metadata: MetadataReader = read_tool_metadata,
        ocr_enabled: bool = True,
    ) -> None:
        self.sessions = sessions
        self.blobs = blobs
        self.actor = actor or _current_user()
        self.tool = f"gawah {__version__}"
        self.on_document = on_document
        self.read_metadata = read_metadata
        self.ocr_enabled = ocr_enabled

    def ingest(
        self,
        paths: Iterable[Path],
        progress: Callable[[IngestOutcome], None] | None = None,
        provenance: Provenance | None = None,
    ) -> list[IngestOutcome]:
        files, outcomes = collect_files(paths)
        for outcome in outcomes:
            if progress:
                progress(outcome)
        for path in files:
            outcome = self.ingest_file(path, provenance)
            outcomes.append(outcome)
            if progress:
                progress(outcome)
        return outcomes

    def ingest_file(self, path: Path, provenance: Provenance | None = None) -> IngestOutcome:
        """Preserve one file; record its Document too when its text can be read.

        Evidence is never refused for being malformed or of a type Gawah cannot read: such a file
        is preserved as an evidence item without a document, with the reason as a warning.
        """
        if not path.is_file():
            return IngestOutcome(path, "failed", "no such file")
        try:
            if path.stat().st_size == 0:
                return IngestOutcome(path, "failed", "empty file: nothing to preserve")
            media_type = media_type_of(path) or sniff_media_type(path)
            read: ReadDocument | None = None
            warnings: list[str] = []
            if media_type_of(path) is not None:
                try:
                    read = read_path(path)
                    warnings.extend(read.warnings)
                except ReadError as exc:
                    warnings.append(f"{exc}; preserved without text")
            sha256 = read.sha256 if read is not None else hash_file(path)[0]
        except OSError as exc:
            return IngestOutcome(path, "failed", f"cannot read: {exc.strerror or exc}")

        with self.sessions() as session:
            existing = session.scalar(select(EvidenceItem).where(EvidenceItem.sha256 == sha256))
            if existing is not None:
                outcome = self._duplicate(session, path, existing, provenance)
                session.commit()
                return outcome

        try:
            blob = self.blobs.put_file(path)
        except OSError as exc:
            return IngestOutcome(path, "failed", f"cannot store in the evidence vault: {exc}")
        if blob.sha256 != sha256:
            if blob.created:
                self.blobs.delete(blob.sha256)
            return IngestOutcome(path, "failed", "the file changed while it was being ingested")

        # Slow work (recognising text) happens before the transaction, never inside it.
        working = self._recognise(path, media_type, warnings) if read is None else None
        new_blobs = [blob.sha256] if blob.created else []
        session = self.sessions()
        try:
            item = self._record_item(
                session, path, blob.sha256, blob.size, media_type, blob.key, warnings, provenance
            )
            if read is not None:
                document = self._record(session, read, item)
            elif working is not None:
                document = self._record_working_copy(session, item, working, new_blobs)
            else:
                document = None
            session.commit()
        except IntegrityError:
            # Another process recorded the same content first: its row owns the blob.
            session.rollback()
            with self.sessions() as fresh:
                existing = fresh.scalar(select(EvidenceItem).where(EvidenceItem.sha256 == sha256))
                if existing is not None:
                    outcome = self._duplicate(fresh, path, existing, provenance)
                    fresh.commit()
                    return outcome
            raise
        except BaseException:
            session.rollback()
            for stored in new_blobs:
                self.blobs.delete(stored)
            raise
        finally:
            session.close()
        message = "; ".join(warnings)
        if document is None:
            return IngestOutcome(path, "preserved", message, sha256)
        return IngestOutcome(path, "stored", message, sha256, document.id, document.title, document.language)

    def _recognise(self, path: Path, media_type: str, warnings: list[str]) -> ReadDocument | None:
        """OCR text of a scanned PDF or a photographed document, as a working copy to record."""
        if not self.ocr_enabled or not ocr.is_candidate(media_type):
            return None
        try:
            result = ocr.recognise(path, media_type)
        except ocr.OcrError as exc:
            if media_type == "application/pdf" or "not installed" in str(exc):
                warnings.append(str(exc))
            return None
        warnings.extend(result.warnings)
        text = result.text
        data = text.encode("utf-8")
        return ReadDocument(
            path=path.with_name(path.name + ".ocr.txt"),
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            media_type="text/plain",
            reader=result.derivation,
            text=text,
            title=guess_title(text) or path.stem,
            language=detect_language(text),
            published=guess_published(text),
            warnings=[f"text recognised by OCR ({result.derivation}); check it against the original"],
        )

    def _record_working_copy(
        self, session: Session, original: EvidenceItem, working: ReadDocument, new_blobs: list[str]
    ) -> Document:
        """Store recognised text as a derived item pointing to its original, with its document."""
        existing = session.scalar(select(EvidenceItem).where(EvidenceItem.sha256 == working.sha256))
        if existing is None:
            with tempfile.TemporaryDirectory(prefix="gawah-working-") as tmp:
                copy = Path(tmp) / working.path.name
                copy.write_text(working.text, encoding="utf-8")
                blob = self.blobs.put_file(copy)
            if blob.created:
                new_blobs.append(blob.sha256)
            existing = EvidenceItem(
                sha256=blob.sha256,
                size_bytes=blob.size,
                media_type="text/plain",
                original_filename=working.path.name,
                storage_key=blob.key,
                derived_from_id=original.id,
                derivation=working.reader,
                acquired_by=self.actor,
                acquisition_method="derived",
                acquisition_tool=f"{self.tool}; {working.reader}",
                confidentiality=original.confidentiality,
                tool_metadata={"derived_from": original.sha256},
            )
            session.add(existing)
            session.flush()
            record_evidence(session, existing)
        return self._record(session, working, existing)

    def _collected(self, session: Session, item: EvidenceItem, provenance: Provenance) -> None:
        record_custody(
            session,
            item,
            "collected",
            provenance.collected_by,
            place=provenance.place,
            tool=provenance.tool,
            method=provenance.method,
            notes=provenance.notes,
            occurred_at=provenance.collected_at,
        )

    def _received(self, session: Session, item: EvidenceItem, notes: str) -> None:
        record_custody(
            session, item, "received", self.actor, tool=self.tool, method="file-ingest", notes=notes
        )

    def _duplicate(
        self, session: Session, path: Path, item: EvidenceItem, provenance: Provenance | None = None
    ) -> IngestOutcome:
        """The content is already preserved: record that it was collected and received again."""
        if provenance is not None:
            self._collected(session, item, provenance)
        self._received(session, item, f"received again as {path.name}")
        document = session.scalar(select(Document).where(Document.evidence_item_id == item.id))
        return IngestOutcome(
            path,
            "duplicate",
            f"already stored (as {item.original_filename})",
            item.sha256,
            document.id if document else None,
            document.title if document else None,
            document.language if document else None,
        )

    def _record_item(
        self,
        session: Session,
        path: Path,
        sha256: str,
        size: int,
        media_type: str,
        storage_key: str,
        warnings: list[str],
        provenance: Provenance | None = None,
    ) -> EvidenceItem:
        # What tools read out of the file (never raises; problems come back as warnings).
        tool_metadata = self.read_metadata(path, media_type)
        warnings.extend(w for w in tool_metadata.get("warnings", []) if w not in warnings)
        item = EvidenceItem(
            sha256=sha256,
            size_bytes=size,
            media_type=media_type,
            original_filename=path.name,
            storage_key=storage_key,
            acquired_by=self.actor,
            acquisition_method="file-ingest",
            acquisition_tool=self.tool,
            tool_metadata={**tool_metadata, "warnings": list(warnings)},
        )
        if provenance is not None:
            item.collected_by = provenance.collected_by
            item.collected_at = provenance.collected_at
            item.collector_notes = provenance.notes
        session.add(item)
        session.flush()
        record_evidence(session, item)
        if provenance is not None:
            self._collected(session, item, provenance)
        self._received(session, item, f"ingested from {path.name}")
        return item

    def _record(self, session: Session, read: ReadDocument, item: EvidenceItem) -> Document:
        document = Document(
            evidence_item_id=item.id,
            title=read.title or read.path.stem,
            language=read.language,
            published=read.published,
            text=read.text,
            text_sha256=hashlib.sha256(read.text.encode("utf-8")).hexdigest(),
            reader=read.reader,
            ingested_by=self.actor,
            warnings=list(read.warnings),
        )
        session.add(document)
        session.flush()
        record_document(session, document)
        if self.on_document is not None:
            self.on_document(session, document, read)
        # Searchable as soon as it is stored, with the candidates just drawn from it.
        index_document(session, document)
        return document


def _current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
