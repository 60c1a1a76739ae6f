from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from gawah.ingest.pipeline import Ingestor
from gawah.registry.candidates import store_candidates_hook
from gawah.store.models import Act, Document, Span
from gawah.workspace import Workspace


def test_candidate_facts_are_stored_with_spans_into_the_text(workspace: Workspace, corpus_dir: Path) -> None:
    ingestor = Ingestor(workspace.sessions, workspace.blobs, on_document=store_candidates_hook)
    ingestor.ingest([corpus_dir])
    with workspace.sessions() as session:
        acts = session.scalars(select(Act)).all()
        assert acts and all(a.review_status == "candidate" for a in acts)
        spans = session.scalars(select(Span)).all()
        assert spans
        for span in spans:
            assert span.document.text[span.start : span.end] == span.quote
        assert session.scalar(select(Document.extracted_at).limit(1)) is not None
