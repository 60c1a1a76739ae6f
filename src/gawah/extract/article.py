"""The article region of plain text saved from a web page.

Saved pages carry navigation, bylines, author biographies, related links, sign-up prompts and
signature lists around the article. Facts come from the article only. The region is returned as
offsets into the full text, so that spans found inside it stay valid for the whole document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gawah.extract.sentences import paragraphs

_BOILERPLATE = re.compile(
    r"(?:\bcookies?\b|\bsubscribe\b|\bsign up\b|\bsign in\b|\blog in\b|\bnewsletter\b|\bfollow us\b|"
    r"\bshare (?:this|on)\b|\bread more\b|\brelated (?:articles|stories|posts|news)\b|all rights reserved|"
    r"©|\bcopyright\b|\bsupport now\b|\bsignatures?:|\bnext goal\b|\bdonate\b|\badvertisement\b|"
    r"\bskip to\b|\bprivacy policy\b|\bterms of (?:use|service)\b|\bclick here\b|\bdownload (?:the )?app\b|"
    r"\bsign (?:this|the) petition\b|\bleave a comment\b|\bcomments?\s*\(\d+\)|"
    r"اشتراک|عضویت در خبرنامه|همه حقوق|کلیه حقوق|حق نشر|ګډون وکړئ|خبرپاڼه)",
    re.IGNORECASE)
# Cheap substrings that must occur for the boilerplate pattern to have a chance.
_BOILERPLATE_KEYS = ("cookie", "subscri", "sign", "log in", "newsletter", "follow", "share", "read more",
                     "related", "rights reserved", "©", "copyright", "support now", "next goal", "donate",
                     "advertis", "skip to", "privacy", "terms of", "click here", "download", "comment",
                     "اشتراک", "عضویت", "حقوق", "حق نشر", "ګډون", "خبرپاڼه")
# An author's biography: "Name Surname is a journalist ..." with words of a biography.
_BIO_OPEN = re.compile(r"^(?:About the authors?:?\s*)?[A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]+){1,3}\s+"
                       r"(?:is|was|has been|works|serves)\s+(?:an?|the|as|currently)\b")
_BIO_WORDS = re.compile(
    r"\b(?:activist|journalist|writer|researcher|founder|founding member|fellow|entrepreneu\w*|editor|author|"
    r"correspondent|analyst|student|graduate|CTO|CEO|director|lecturer|professor|contributor|freelance|"
    r"holds a|has written|based in)\b", re.IGNORECASE)
_STOP = re.compile(r"[.!?؟۔](?=[\"”’»)\]]*(?:\s|$))")
_NOT_A_SENTENCE_END = re.compile(r"(?:^|[\s\d])(?:[A-Z]|Dr|Mr|Ms|St)?$|\d$")


def _sentence_ends(line: str) -> int:
    """Full stops, question and exclamation marks that end a sentence (not "Dr.", "5.", "A.")."""
    return sum(1 for m in _STOP.finditer(line)
               if not _NOT_A_SENTENCE_END.search(line[max(0, m.start() - 3):m.start()]))
_LIST_NUMBER = re.compile(r"^\s*\d{1,3}[.)]\s")


@dataclass(frozen=True)
class Block:
    """A line or paragraph of the text, with its offsets and whether it reads as article prose."""

    start: int
    end: int
    prose: bool
    kind: str  # "prose", "short", "boilerplate", "bio", "list"


def split_blocks(text: str) -> list[Block]:
    """Non-empty lines of ``text`` classified as prose, short lines, boilerplate, bios or lists."""
    return [Block(s, e, *_classify(" ".join(text[s:e].split()))) for s, e in paragraphs(text)]


def _classify(line: str) -> tuple[bool, str]:
    words = line.split()
    lower = line.lower()
    if len(words) < 40 and any(k in lower for k in _BOILERPLATE_KEYS) and _BOILERPLATE.search(line):
        return False, "boilerplate"
    if line[:1].isupper() and _BIO_OPEN.match(line) and _BIO_WORDS.search(line):
        return False, "bio"
    ends = _sentence_ends(line)
    final = bool(re.search(r"[.!?؟۔:;][\"”’»)\]]*\s*(?:\[\d+\])?$", line))
    if _LIST_NUMBER.match(line) and not final and ends < 2:
        return False, "list"
    if len(words) >= 12 and (final or ends >= 2):
        return True, "prose"
    if len(words) >= 40:
        return True, "prose"
    return False, "short"


def find_article(text: str) -> tuple[int, int]:
    """Offsets ``(start, end)`` of the article region of ``text``.

    The article is the run of prose blocks holding the most prose, where runs are broken by a
    biography, or by a long stretch of short lines (navigation, related links, signature lists).
    Text with no prose at all is returned whole.
    """
    start, end, _ = article_blocks(text)
    return start, end


def article_blocks(text: str) -> tuple[int, int, list[Block]]:
    """The article region (as :func:`find_article`) and the classified blocks of the whole text."""
    if not text.strip():
        return (0, len(text), [])
    blocks = split_blocks(text)
    runs: list[tuple[int, int, int]] = []  # (first block index, last block index, prose chars)
    current: list[int] = []
    gap_chars = 0
    gap_blocks = 0

    def close() -> None:
        if current:
            chars = sum(blocks[i].end - blocks[i].start for i in current if blocks[i].prose)
            runs.append((current[0], current[-1], chars))

    for i, b in enumerate(blocks):
        if b.prose:
            current.append(i)
            gap_chars = gap_blocks = 0
            continue
        if b.kind == "bio":
            close()
            current = []
            continue
        gap_blocks += 1
        gap_chars += b.end - b.start
        if gap_blocks > 8 or gap_chars > 700:
            close()
            current = []
            gap_chars = gap_blocks = 0
    close()
    if not runs:
        return (0, len(text), blocks)
    first, last, _ = max(runs, key=lambda r: r[2])
    # Headings and short lines directly above the first paragraph (title, dateline, lead-in)
    # belong to the article when they are not boilerplate.
    start_idx = first
    while start_idx > 0 and first - start_idx < 3:
        prev = blocks[start_idx - 1]
        if prev.kind != "short" or len(text[prev.start:prev.end].split()) < 3:
            break
        start_idx -= 1
    # A closing sentence on a line of its own ("He was released on Monday.") still belongs.
    end_idx = last
    while end_idx + 1 < len(blocks) and _closing_sentence(text, blocks[end_idx + 1]):
        end_idx += 1
    return (blocks[start_idx].start, blocks[end_idx].end, blocks)


def _closing_sentence(text: str, block: Block) -> bool:
    line = text[block.start:block.end].strip()
    return block.kind == "short" and len(line.split()) >= 3 and bool(re.search(r"[.!?؟۔][\"”’»)]*$", line))
