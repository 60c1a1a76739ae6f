#!/usr/bin/env python3
"""Run extraction over a corpus folder, write one JSON per document, and score it.

Usage: python scripts/eval_extraction.py [CORPUS_DIR] [OUT_DIR] [GOLD_JSON]
Defaults: ../shared/corpus, eval-out, ../shared/eval/seeds_gold.json (relative to the repository).
`make eval` also runs it on the invented set: tests/fixtures/extraction_eval/docs with its gold.json.
Each file is read with the same reader as `gawah extract` (gawah.ingest.readers.read_path) and
written to OUT_DIR/<file name>.json; then shared/eval/score_extraction.py prints its table.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    from gawah.extract import extract_facts
    from gawah.ingest.readers import read_path

    corpus = Path(argv[1]) if len(argv) > 1 else ROOT.parent / "shared" / "corpus"
    out = Path(argv[2]) if len(argv) > 2 else ROOT / "eval-out"
    gold = Path(argv[3]) if len(argv) > 3 else ROOT.parent / "shared" / "eval" / "seeds_gold.json"
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(p for p in corpus.iterdir() if p.is_file()):
        doc = read_path(path)
        result = extract_facts(doc.text, title=doc.title, published=doc.published, sha256=doc.sha256)
        (out / f"{path.name}.json").write_text(
            json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2), encoding="utf-8")
    scorer = gold.parent / "score_extraction.py"
    if not scorer.exists():  # gold kept elsewhere (tests/fixtures/extraction_eval): the shared scorer
        scorer = ROOT.parent / "shared" / "eval" / "score_extraction.py"
    return subprocess.call([sys.executable, str(scorer), str(gold), str(out), *argv[4:]])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
