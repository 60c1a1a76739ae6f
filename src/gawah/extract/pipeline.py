"""Extraction of one document: article region, sentences, and the facts each sentence reports.

Every fact keeps the offsets of the words it came from, into the text that was passed in.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import TypeVar

from gawah.extract import vocabulary as vocab
from gawah.extract.actors import (
    discover_organisations,
    find_organisations,
    organisation_mentions,
    organisation_spans,
    perpetrators_in_sentences,
    victim_groups_in_sentences,
)
from gawah.extract.article import Block, article_blocks
from gawah.extract.claims import affiliations, find_claims
from gawah.extract.counts import CountMention, find_counts
from gawah.extract.dates import DateMention, find_dates
from gawah.extract.intervals import SpanIndex
from gawah.extract.language import detect_language
from gawah.extract.metadata import guess_published, guess_title
from gawah.extract.models import (
    ClaimFact,
    Count,
    DateRange,
    DocumentInfo,
    Extraction,
    IncidentFact,
    PersonFact,
    Place,
    Span,
)
from gawah.extract.normalize import ARABIC_SCRIPT, normalize_text, normalize_with_map
from gawah.extract.persons import NameMention, fate_of, find_names, is_speaker
from gawah.extract.places import PlaceMention, find_places, load_gazetteer
from gawah.extract.sentences import Sentence, split_sentences

MAX_CHARS = 5_000_000
"""Longest text extracted in one call; longer input raises :class:`DocumentTooLarge`."""


class DocumentTooLarge(ValueError):
    """The text is longer than :data:`MAX_CHARS`; split it or extract a part of it."""


# --- context of a trigger: reports vs demands, hypotheticals, negations and denials -----------

_EN_DEMAND = re.compile(
    r"\b(?:urge[sd]?|urging|call(?:s|ed|ing)?\s+(?:on|upon|for)|demand(?:s|ed|ing)?|ask(?:s|ed|ing)?|"
    r"request(?:s|ed)?|appeal(?:s|ed)?\s+(?:to|for)|should|must|need(?:s)?\s+to|prevent(?:ing|s)?|"
    r"to\s+stop|stop\s+(?:the|all)|to\s+end|an\s+end\s+to|ensure|refrain|so\s+that\s+no|"
    r"investigat\w*\s+(?:into|of)|hold\s+(?:\w+\s+){0,2}accountable|to\s+release|to\s+disclose|"
    r"to\s+allow|to\s+restore|to\s+reopen|recommend\w*|to\s+protect|protect\s+(?:the\s+)?civilians)\b",
    re.IGNORECASE)
_EN_IMPERATIVE = re.compile(
    r"^\W*(?:\d+[.)]\s*)?(?:Condemn|Hold|Ask|Launch|Call|Release|Stop|Ensure|Protect|Investigate|Allow|"
    r"End|Open|Reopen|Provide|Restore|Urge|Demand|Establish|Prevent|Put|Refrain|Take|Adopt)\b")
_EN_HYPOTHETICAL = re.compile(
    r"\b(?:would|could|might|may|will|shall|intend\w*\s+to|plan\w*\s+to|threaten\w*\s+to|tried\s+to|"
    r"try\s+to|attempt\w*\s+to|going\s+to|aim\w*\s+to|seek\w*\s+to|risk\s+of|fears?\s+(?:that|of)|"
    r"likely\s+to|if|unless|whether|in\s+case|lest|"
    # What a fact-check examines, and what it found no trace of, are not reports.
    r"claim(?:s|ed|ing)?\s+to\s+show|purport\w*\s+to|said\s+to\s+show|rumou?r\w*|"
    r"no\s+(?:evidence|proof|indication|sign|record)s?\s+(?:that|of)|unfounded|unsubstantiated)\b",
    re.IGNORECASE)
_EN_NEGATION = re.compile(r"\b(?:not|no|never|nor|without|none)\s+(?:\w+\s+){0,2}$|n't\s+(?:\w+\s+){0,2}$",
                          re.IGNORECASE)
# "No one in Warsaj has been arrested", "none of the men were tortured".
_EN_NO_ONE = re.compile(
    r"\b(?:no one|nobody|none|no (?:civilians?|one|people|person|men|women|children))\b[^,;]{0,50}$",
    re.IGNORECASE)
_EN_DENIAL = re.compile(r"\b(?:den(?:y|ied|ies|ying)|reject\w*|dismiss(?:ed|es|ing)?|refut\w*)\b",
                        re.IGNORECASE)
_EN_INSTITUTION = re.compile(
    r"\b(?:Rapporteur|Convention|Committee|Working\s+Group|Institute|Centre|Center|Unit|Day)\s+"
    r"(?:\w+\s+){0,2}(?:on|against|for|of)\s+(?:[\w,]+\s+){0,3}$")
# Persecution targets a group for who it is (Rome Statute art. 7(1)(h)): the text must name the ground.
_EN_GROUNDS = re.compile(
    r"\b(?:ethnic\w*|religio\w*|gender|women|girls|Hazaras?|Tajiks?|Uzbeks?|Pashtuns?|Shi[a']\w*|Sikhs?|"
    r"Hindus?|Ismailis?|Sufis?|political|sect\w*|faith|LGBT\w*|genocide)\b", re.IGNORECASE)
_AR_DEMAND = re.compile(r"(?:میخواه|خواستار|درخواست|خواسته\s+است|خواستهاند|خواستند|باید|فراخوان|تقاضا|مطالبه|"
                        r"جلوگیری|غواړ|غوښتنه|وغوښتل|"
                        r"مخنیوی|وغواړ)")
_AR_HYPOTHETICAL = re.compile(r"(?<![\w])(?:اگر|اگه|درصورتیکه|در\s+صورتی\s+که|ممکن|احتمال|که\s+چیرې|"
                              r"که\s+چېرې|کېدای|کیدای|خواهند|خواهد)(?![\w])")
_AR_NEGATION_AFTER = re.compile(
    r"^\s*(?:نشد|نشده|نشدند|نکرد|نکردند|نیست|نه\s+دی|نه\s+دي|نه\s+ده|نه\s+شو|نمی)")
_AR_NEGATION_BEFORE = re.compile(r"(?<![\w])(?:نه|نه\s+دی|نه\s+دي|نه\s+ده|نه\s+وو|نشو)\s*$")
_AR_DENIAL = re.compile(
    r"(?:رد\s?کرد|رد\s?کرده|تکذیب|انکار|نپذیرفت|نمیپذیر|رد\s?کړ|ردوي|نه\s?مني|بې\s?بنسټه)")
_ANAPHORA = re.compile(
    r"\b(?:the|this|that|such|these|the\s+last\s+such)\s+(?:incidents?|episodes?|attacks?|events?|raids?|"
    r"operations?|killings?|cases?)\b|\b(?:took\s+place|happened|occurred)\b|"
    r"این\s+(?:رویداد|حادثه|حمله|واقعه)|رخ\s+داد|اتفاق\s+افتاد|دا\s+پېښه|پېښه\s+وشوه", re.IGNORECASE)
_REPORT_VERB_NEAR = re.compile(
    r"\b(?:said|says|stated|states|told|announced|reported|published|released|issued|expressed|declared|"
    r"condemned|denied|claimed|wrote|tweeted|confirmed|noted|added|briefing|statement|interview|"
    r"press\s+conference|news\s+conference|report(?:ed)?|publishes|published)\b", re.IGNORECASE)
_REPORT_BEFORE = re.compile(
    r"\b(?:published|released|issued|dated|report|statement|interview|briefing|expressed\s+\w+(?:\s+\w+)?|"
    r"said|stated|announced|told|declared|conference|as\s+of|until|by)\s+(?:\w+\s+){0,2}(?:on|in|of|dated)?\s*$",
    re.IGNORECASE)
# "به گفته" is "according to": it introduces a source, not a date of saying.
_AR_REPORT_VERB = re.compile(r"(?:(?<!به\s)(?<!به)گفت|اعلام|منتشر|نشر|گزارش\s+داد|بیانیه|خپور|وویل|اعلامیه)")


_ACTS_AFTER = re.compile(
    r"^(?:\s*,[^,.;]{0,90},)?\s*(?:has\s+|had\s+|have\s+|reportedly\s+|allegedly\s+|personally\s+)?"
    r"(?:ordered|commanded|led|carried\s+out|executed|killed|shot|detained|arrested|tortured|beat|abducted|"
    r"kidnapped|threatened|raided)\b", re.IGNORECASE)
_AR_CLAUSE_BREAK = re.compile(r"[،,؛;:]")
_EN_CLAUSE_BREAK = re.compile(r"[,;:—–]|\s-\s")
_PHRASE_BREAK = re.compile(r"[,;.:()،]")
_DETAILED = ("foreign_military", "armed_group")
# "دو تن از بازداشت‌شدگان", "two of the detained": the trigger names the group counted from, not
# the act the count is of.
_PARTITIVE = re.compile(r"\s*(?:از|له|of)(?:\s+(?:the|those|these|his|her|their|آن|این))?\s*$", re.IGNORECASE)
_PERPETRATOR_TITLE = re.compile(r"\b(?:commander|fighter|militant|gunman|governor|ordered by)\s+$",
                                re.IGNORECASE)


@dataclass
class _Trigger:
    code: str
    start: int
    end: int


@dataclass
class _SentenceFacts:
    sentence: Sentence
    triggers: list[_Trigger] = field(default_factory=list)


@lru_cache(maxsize=512)
def _sentence_cues(sentence: str) -> tuple[bool, int, int]:
    """(imperative, where the first demand word starts, where the first denial word starts) of an
    English sentence; positions past the end when there is none."""
    far = len(sentence) + 1
    demand = _EN_DEMAND.search(sentence)
    denial = _EN_DENIAL.search(sentence)
    # A cue must end before the trigger starts: compare the trigger with the cue's end.
    return (bool(_EN_IMPERATIVE.match(sentence)), demand.end() - 1 if demand else far,
            denial.end() - 1 if denial else far)


def _is_reported(text: str, sent: Sentence, t: _Trigger, arabic: bool) -> bool:
    """False when the words around a trigger make it a demand, hypothetical, negation or denial."""
    before = text[sent.start:t.start]
    if arabic:
        sentence = normalize_text(text[sent.start:sent.end])
        if _AR_DEMAND.search(sentence) or _AR_DENIAL.search(sentence):
            return False
        clause = _AR_CLAUSE_BREAK.split(normalize_text(before))[-1]
        if _AR_HYPOTHETICAL.search(clause):
            return False
        after = normalize_text(text[t.end:t.end + 20])
        if _AR_NEGATION_BEFORE.search(normalize_text(before[-15:])):
            return False
        return not _AR_NEGATION_AFTER.match(after)
    # A question reports nothing: "Did the clinic close because of a fuel blockade?"
    if text[sent.start:sent.end].rstrip(" \"”’»)").endswith(("?", "؟")):
        return False
    imperative, demand_at, denial_at = _sentence_cues(text[sent.start:sent.end])
    offset = t.start - sent.start
    if imperative or demand_at < offset or denial_at < offset:
        return False
    clause = _EN_CLAUSE_BREAK.split(before)[-1]
    if _EN_HYPOTHETICAL.search(clause):
        return False
    if _EN_NEGATION.search(before[-30:]) or _EN_NO_ONE.search(clause):
        return False
    if _EN_INSTITUTION.search(before[-80:]):
        return False
    if t.code == "persecution" and re.match(r"persecut", text[t.start:t.end], re.IGNORECASE):
        return bool(_EN_GROUNDS.search(text[sent.start:sent.end]))
    return True


def _find_triggers(text: str, start: int, end: int, english: list[tuple[str, int, int]]) -> list[_Trigger]:
    lex = vocab.violations()
    found = [_Trigger(code, s, e) for code, s, e in english]
    region = text[start:end]
    if ARABIC_SCRIPT.search(region):
        norm = normalize_with_map(region)
        for code, pattern in lex.arabic.items():
            for m in pattern.finditer(norm.text):
                s, e = norm.to_original(m.start(), m.end())
                found.append(_Trigger(code, start + s, start + e))
    found.sort(key=lambda t: (t.start, -(t.end - t.start)))
    return found


# --- dates ------------------------------------------------------------------------------------

def _is_report_date(text: str, sent: Sentence, d: DateMention) -> bool:
    """True when a date is when something was said or published, not when the act happened."""
    before = text[max(sent.start, d.start - 45):d.start]
    after = text[d.end:min(sent.end, d.end + 40)]
    if _REPORT_BEFORE.search(before):
        return True
    if re.match(r"^[\s,]*(?:\w+\s+){0,1}(?:said|stated|told|announced|reported|declared|issued|published|"
                r"released|denied|claimed|expressed|wrote|tweeted)\b", after, re.IGNORECASE):
        return True
    # "On December 5, X (apposition) denied/said that ...": a date opening a sentence whose
    # main verb is one of saying.
    lead = text[sent.start:d.start]
    if len(lead.strip()) <= 12:
        rest = text[d.end:sent.end]
        verb = _REPORT_VERB_NEAR.search(rest)
        if verb and not _first_violation_before(rest, verb.start()):
            return True
    context = text[max(sent.start, d.start - 25):min(sent.end, d.end + 25)]
    if not ARABIC_SCRIPT.search(context):
        return False
    return bool(_AR_REPORT_VERB.search(normalize_text(context)))


def _first_violation_before(rest: str, limit: int) -> bool:
    lex = vocab.violations()
    return any(p.search(rest, 0, limit) for p in lex.english.values())


def _date_range(d: DateMention, text: str) -> DateRange:
    return DateRange(start=d.first.isoformat(), end=d.last.isoformat(), precision=d.precision,
                     calendar=d.calendar, quote=text[d.start:d.end])


# --- assembling incidents ---------------------------------------------------------------------

def _place_of(p: PlaceMention, fallback_province: str | None) -> Place:
    gaz = load_gazetteer()
    e = p.entry
    province_code = e.province or fallback_province
    return Place(
        name=p.text,
        province=gaz.province_name(province_code) if province_code else None,
        district=gaz.district_name(e.district),
        pcode=e.pcode if e.pcode else (e.district or province_code or None),
        kind="village" if e.kind == "village" else ("district" if e.kind == "district" else "province"),
    )


def _places_for(mentions: list[PlaceMention], fallback: str | None) -> list[Place]:
    province_here = next((m.entry.province for m in mentions if m.entry.province), None) or fallback
    out: list[Place] = []
    seen: set[tuple[str, str | None]] = set()
    for m in mentions:
        place = _place_of(m, province_here)
        key = (place.name, place.province)
        if key not in seen:
            seen.add(key)
            out.append(place)
    return out


def _assign_counts(text: str, counts: list[CountMention],
                   triggers: list[_Trigger]) -> dict[str, CountMention]:
    """Each count goes to the violation it counts: the one named in its own phrase ("144 acts of
    torture", "more than 100 officers were killed"), else the nearest in the sentence."""
    out: dict[str, CountMention] = {}
    for i, c in enumerate(counts):
        # Triggers at or after the counted noun and before the next number ("218 extrajudicial
        # executions", "144 acts of torture", "سه تن زیر شکنجه جان باختند" for both); not one
        # modifying the noun ("six of the detained men").
        limit = min(c.noun_end + 30, counts[i + 1].start if i + 1 < len(counts) else len(text))
        following = [t for t in triggers if c.noun_start <= t.start <= limit
                     and not _PHRASE_BREAK.search(text, c.noun_end, max(c.noun_end, t.start))
                     and not _PARTITIVE.match(text, c.noun_end, max(c.noun_end, t.start))]
        if following:
            for t in following:
                out.setdefault(t.code, c)
            continue
        near = min(triggers, key=lambda t: _distance(c, t))
        if _distance(c, near) <= 150:
            out.setdefault(near.code, c)
    return out


def _distance(c: CountMention, t: _Trigger) -> int:
    return max(t.start - c.end, c.start - t.end, 0)


def _subtype(trigger_words: str) -> str:
    return " ".join(trigger_words.lower().split())[:60]


def _span(text: str, s: int, e: int) -> Span:
    return Span(start=s, end=e, quote=text[s:e])


def _sanitize(text: str) -> str:
    """Replace lone surrogates (from mis-decoded bytes) one-for-one, so offsets stay valid."""
    if not re.search(r"[\ud800-\udfff]", text):
        return text
    return re.sub(r"[\ud800-\udfff]", "\ufffd", text)


def extract_facts(
    text: str,
    *,
    title: str | None = None,
    published: date | None = None,
    language: str | None = None,
    sha256: str | None = None,
) -> Extraction:
    """Extract candidate facts (incidents, named victims, claims) from one document's text.

    Offsets in the result are into ``text``; each span's ``quote`` equals ``text[start:end]``.
    Title, publication date and language are guessed from the text when not given. Raises
    :class:`DocumentTooLarge` for text longer than :data:`MAX_CHARS`.
    """
    if not isinstance(text, str):
        raise TypeError(f"extract_facts expects text as str, not {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise DocumentTooLarge(
            f"document has {len(text):,} characters; extraction handles at most {MAX_CHARS:,} per call")
    if sha256 is None:
        sha256 = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    original = text
    text = _sanitize(text)
    published = published or guess_published(text)
    a_start, a_end, blocks = article_blocks(text)
    doc = DocumentInfo(
        sha256=sha256,
        title=title or guess_title(text),
        language=language or detect_language(text),
        published=published.isoformat() if published else None,
        article_start=a_start,
        article_end=a_end,
    )
    if not text.strip():
        return Extraction(document=doc)

    all_sentences = split_sentences(text, a_start, a_end)
    # Facts come from paragraphs that read as text, not from headlines, captions or list lines.
    block_starts = [b.start for b in blocks]
    sentences = [s for s in all_sentences if _in_text_block(s, blocks, text, block_starts)]
    starts = [s.start for s in sentences]
    hits = vocab.split_hits(vocab.article_matcher().finditer(text, a_start, a_end))
    triggers = _find_triggers(text, a_start, a_end, hits["v"])
    facts = [_SentenceFacts(s) for s in sentences]
    for t in triggers:
        i = bisect.bisect_right(starts, t.start) - 1
        if i < 0 or t.start >= sentences[i].end:
            continue
        sent = sentences[i]
        arabic = bool(ARABIC_SCRIPT.search(text[t.start:t.end]))
        if _is_reported(text, sent, t, arabic):
            facts[i].triggers.append(t)

    all_dates = find_dates(text, published)
    dateline = _dateline(text, all_dates, published)
    discovered = discover_organisations(text, 0, a_end)
    org_spans = organisation_spans(text, discovered, a_start, a_end)
    in_org = SpanIndex(org_spans)
    places = [p for p in find_places(text, a_start, a_end) if not in_org.overlaps(p.start, p.start + 1)]
    province_votes = Counter(p.entry.province for p in places if p.entry.province)
    dominant = None
    if province_votes:
        top, n = province_votes.most_common(1)[0]
        if n >= 2 and n >= 0.5 * sum(province_votes.values()):
            dominant = top
    footnotes = [(m.start(), m.end()) for m in re.finditer(r"\[\d{1,3}\]", text)]
    masked = [(d.start, d.end) for d in all_dates] + footnotes

    sentence_spans = [(s.start, s.end) for s in sentences]
    sentence_perps = perpetrators_in_sentences(text, sentence_spans, hits["p"])
    sentence_groups = victim_groups_in_sentences(text, sentence_spans, hits["g"])
    org_mentions = organisation_mentions(text, a_start, a_end, discovered, hits["o"])
    sentence_orgs = [find_organisations(text[s.start:s.end], mentions, s.start)
                     for s, mentions in zip(sentences, _bucket(org_mentions, lambda m: m[0], sentences),
                                            strict=True)]
    article_counts = find_counts(text, a_start, a_end, masked)
    doc_perp = Counter(p for p, _ in sentence_perps if p)
    title_orgs = [n for _, n in organisation_mentions(doc.title or "", discovered=discovered)]
    # The reporting organisation of the whole document: named in the title, else in its
    # opening paragraphs (not in a demand addressed to it).
    opening_orgs = [n for orgs in sentence_orgs[:3] for _, n in orgs]
    candidates = title_orgs or opening_orgs
    if not candidates:
        # A byline above the article ("دیده‌بان مردمی بلخ", "Kabul Witness Network — statement").
        byline = organisation_spans(text, discovered, 0, min(len(text), max(a_start, 600)))
        candidates = [discovered[text[s:e]] for s, e in sorted(byline)]
    if not candidates:
        # The organisation the article names most, if the text itself introduced it.
        named = Counter(n for _, n in org_mentions if n in discovered.values())
        candidates = [n for n, c in named.most_common(1) if c >= 2]
    default_org = candidates[0] if candidates else None
    default_perp = doc_perp.most_common(1)[0][0] if doc_perp else None

    incidents: list[IncidentFact] = []
    victim_sentences: list[tuple[Sentence, list[str]]] = []
    para_places: dict[int, list[PlaceMention]] = {}
    para_org: dict[int, str] = {}
    para_perp: dict[int, tuple[str, str | None]] = {}
    prev: _SentenceFacts | None = None
    date_starts = SpanIndex((d.start, d.end) for d in all_dates)
    places = [p for p in places if not _is_dateline_place(text, p, date_starts)]
    places_in = _bucket(places, lambda p: p.start, sentences)
    dates_in = _bucket(all_dates, lambda d: d.start, sentences)
    counts_in = _bucket(article_counts, lambda c: c.start, sentences)
    for k, sf in enumerate(facts):
        sent = sf.sentence
        s_text = text[sent.start:sent.end]
        s_places = places_in[k]
        # Where people fled or were taken to ("left for Pul-e-Khumri") is not where it happened.
        s_places = [p for p in s_places
                    if not _DESTINATION.search(text[max(sent.start, p.start - 40):p.start])]
        s_dates = [d for d in dates_in[k] if d is not dateline
                   and not _is_report_date(text, sent, d)]
        orgs = sentence_orgs[k]
        perp = sentence_perps[k]
        codes = list(dict.fromkeys(t.code for t in sf.triggers))
        anaphoric = False
        if not codes and prev is not None and prev.triggers and prev.sentence.paragraph == sent.paragraph \
                and (s_dates or s_places) and _ANAPHORA.search(s_text):
            codes = list(dict.fromkeys(t.code for t in prev.triggers))
            anaphoric = True
        if codes:
            use_places = s_places or para_places.get(sent.paragraph) or []
            # A sentence about the whole country is not about the document's main province.
            fallback = None if use_places or _NATIONAL.search(s_text) else dominant
            place_models = _places_for(use_places, dominant)
            if not place_models and fallback:
                gaz = load_gazetteer()
                place_models = [Place(name=gaz.province_name(fallback), province=gaz.province_name(fallback),
                                      pcode=fallback, kind="province")]
            counts = counts_in[k]
            assigned = _assign_counts(text, counts, sf.triggers) if sf.triggers else {}
            groups = sentence_groups[k]
            perp_code, perp_detail = perp if perp[0] else para_perp.get(sent.paragraph, (default_perp, None))
            org = orgs[0][1] if orgs else para_org.get(sent.paragraph, default_org)
            date_model = _date_range(s_dates[0], text) if s_dates else None
            for code in codes:
                trig = next((t for t in sf.triggers if t.code == code), None)
                spans = [_span(original, sent.start, sent.end)]
                if anaphoric and prev is not None:
                    spans.insert(0, _span(original, prev.sentence.start, prev.sentence.end))
                if trig is not None:
                    spans.append(_span(original, trig.start, trig.end))
                c = assigned.get(code)
                count_model = Count(value=c.value, qualifier=c.qualifier, unit=c.unit,  # type: ignore[arg-type]
                                    quote=text[c.start:c.noun_end]) if c else None
                confidence = 0.5 + 0.1 * sum(x is not None for x in (count_model, date_model)) \
                    + 0.1 * bool(place_models) + 0.1 * bool(org)
                incidents.append(IncidentFact(
                    violation=code,
                    subtype=_subtype(text[trig.start:trig.end]) if trig else None,
                    count=count_model,
                    date=date_model,
                    places=place_models,
                    perpetrator=perp_code,
                    perpetrator_detail=perp_detail if perp_code in _DETAILED else None,
                    victim_groups=groups,
                    reported_by=org,
                    confidence=round(min(confidence, 0.95), 2),
                    spans=spans,
                ))
            victim_sentences.append((sent, codes))
        if s_places:
            para_places[sent.paragraph] = s_places
        if orgs:
            para_org[sent.paragraph] = orgs[0][1]
        if perp[0]:
            para_perp[sent.paragraph] = (perp[0], perp[1])
        prev = sf

    names = [n for n in find_names(text, a_start, a_end) if not in_org.overlaps(n.start, n.start + 1)]
    party = affiliations(text, names)
    claims = _claims(text, original, sentences, all_dates, names, party)
    persons = _persons(text, original, sentences, victim_sentences, {c.speaker for c in claims}, names, party)
    return Extraction(document=doc, incidents=incidents, persons=persons, claims=claims)


T = TypeVar("T")


def _bucket(items: list[T], position: Callable[[T], int], sentences: list[Sentence]) -> list[list[T]]:
    """Items grouped by the sentence their position falls in (items outside every sentence drop)."""
    starts = [s.start for s in sentences]
    out: list[list[T]] = [[] for _ in sentences]
    for item in items:
        pos = position(item)
        i = bisect.bisect_right(starts, pos) - 1
        if i >= 0 and pos < sentences[i].end:
            out[i].append(item)
    return out


def _is_dateline_place(text: str, place: PlaceMention, dates: SpanIndex) -> bool:
    """"KABUL, Sept. 12 (Reuters) -", "Kabul, 3 March 2023 -": where the report was filed from,
    not where anything happened."""
    line_start = text.rfind("\n", 0, place.start) + 1
    if text[line_start:place.start].strip(" *_"):
        return False
    after = text[place.end:place.end + 40]
    m = re.match(r"\s*(?:\([^)]{1,30}\))?\s*[,،]\s*", after)
    if m is None:
        return False
    rest = after[m.end():]
    return bool(re.match(r"\(", rest)) or dates.overlaps(place.end + m.end(), place.end + m.end() + 3) \
        or bool(re.match(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d", rest))


def _in_text_block(sent: Sentence, blocks: list[Block], text: str, block_starts: list[int]) -> bool:
    i = bisect.bisect_right(block_starts, sent.start) - 1
    for b in blocks[max(i, 0):i + 1]:
        if b.start <= sent.start < b.end:
            block = text[b.start:b.end].strip()
            # Editorial notes: "[Demonstration text ...]", "> **Note ...**".
            if block.startswith(("[", ">")):
                return False
            if b.prose:
                return True
            return b.kind == "short" and len(block.split()) >= 3 and bool(re.search(r"[.!?؟۔]\W*$", block))
    return True


def _dateline(text: str, dates: list[DateMention], published: date | None) -> DateMention | None:
    """The date mention that gives the publication date near the top, if any."""
    if published is None:
        return None
    for d in dates:
        if d.start > 2500:
            break
        if d.first == published and d.precision == "day":
            return d
    return None


def _claims(text: str, original: str, sentences: list[Sentence], dates: list[DateMention],
            names: list[NameMention], party: dict[str, str]) -> list[ClaimFact]:
    spans = [(s.start, s.end) for s in sentences]
    sentence_dates: dict[int, str | None] = {}
    for s, in_s in zip(sentences, _bucket(dates, lambda d: d.start, sentences), strict=True):
        d = next((d for d in in_s if d.precision == "day"), None)
        sentence_dates[s.start] = d.first.isoformat() if d else None
    by_start = {s.start: s for s in sentences}
    out: list[ClaimFact] = []
    for c in find_claims(text, spans, sentence_dates, names, party):
        sent = by_start[c.sentence_start]
        out.append(ClaimFact(
            speaker=c.speaker, affiliation=c.affiliation, date=sentence_dates.get(c.sentence_start),
            stance=c.stance,  # type: ignore[arg-type]
            quote=original[c.start:c.end],
            spans=[_span(original, sent.start, sent.end), _span(original, c.start, c.end)],
        ))
    return out


_NATIONAL = re.compile(r"\b(?:Afghanistan|across the country|nationwide|countrywide|provinces|"
                       r"since the Taliban|since August 2021)\b|افغانستان|سراسر کشور|ولایات|ولایتونو",
                       re.IGNORECASE)
_RELEASED = re.compile(r"\b(?:released|freed|set free)\b|آزاد\s?شد|رها\s?شد|خوشې\s?شو|ازاد\s?شو")
_DESTINATION = re.compile(r"\b(?:to|towards|for|into)\s+(?:the\s+)?(?:[\w'’-]+\s*(?:,|and)\s*)*$")
_AMONG_VICTIMS = re.compile(r"^\W*Among\s+(?:the|those)\s+(dead|killed|victims|wounded|detained|arrested|"
                            r"missing|disappeared|abducted)\b", re.IGNORECASE)
# "The victims were named as ...", "The dead have been identified as ...": the victims of the
# sentence before, by name.
_VICTIMS_NAMED = re.compile(
    r"^\W*(?:The|Those|All)\s+(?:\w+\s+){0,2}(victims|dead|deceased|killed|detained|arrested|missing|abducted|"
    r"men|women|detainees)\s+(?:were|was|have\s+been|had\s+been)\s+(?:later\s+)?(?:named|identified)\b",
    re.IGNORECASE)
_AMONG_CODES = {"dead": "killing", "killed": "killing", "detained": "arbitrary_detention",
                "arrested": "arbitrary_detention", "missing": "enforced_disappearance",
                "disappeared": "enforced_disappearance", "abducted": "arbitrary_detention"}
_PRONOUN_START = re.compile(r"^\W*(?:He|She|His|Her|Their|They|او|وی|هغه|د\s+هغه|له\s+هغې|از\s+آن)(?![\w])")


def _persons(text: str, original: str, sentences: list[Sentence],
             victim_sentences: list[tuple[Sentence, list[str]]], speakers: set[str],
             all_names: list[NameMention], party: dict[str, str]) -> list[PersonFact]:
    index = {s.start: i for i, s in enumerate(sentences)}
    codes_by_start = {s.start: codes for s, codes in victim_sentences}
    names_in = _bucket(all_names, lambda n: n.start, sentences)
    by_name: dict[str, PersonFact] = {}
    violations_by_name: dict[str, list[str]] = {}
    for sent, codes in victim_sentences:
        i = index[sent.start]
        follow = sentences[i + 1] if i + 1 < len(sentences) else None
        extra: list[str] = []
        if follow is not None and _PRONOUN_START.match(text[follow.start:follow.end]):
            extra = codes_by_start.get(follow.start, [])
        for n in names_in[i]:
            if n.name in speakers or n.name in party or is_speaker(text, n) or _is_perpetrator(text, n):
                continue
            _add_person(by_name, violations_by_name, original, n, codes + extra, sent)
    # "Among the dead was Sher Mohammad, 52": a named person listed among the victims of the
    # sentence before.
    for i, sent in enumerate(sentences[1:], start=1):
        prev_sent = sentences[i - 1]
        m = _AMONG_VICTIMS.match(text[sent.start:sent.end]) or _VICTIMS_NAMED.match(text[sent.start:sent.end])
        if sent.start in codes_by_start or prev_sent.start not in codes_by_start or m is None:
            continue
        codes = [_AMONG_CODES.get(m.group(1).lower(), "")] if m.group(1).lower() in _AMONG_CODES \
            else codes_by_start[prev_sent.start]
        for n in names_in[i]:
            if n.name not in speakers and not is_speaker(text, n):
                _add_person(by_name, violations_by_name, original, n, codes, sent)
    # A named person in a sentence with no violation, followed by "He/She ..." with one.
    for i, sent in enumerate(sentences[:-1]):
        follow = sentences[i + 1]
        if sent.start in codes_by_start or follow.start not in codes_by_start:
            continue
        if not _PRONOUN_START.match(text[follow.start:follow.end]):
            continue
        for n in (n for n in names_in[i] if n.has_age):
            if n.name not in speakers and not is_speaker(text, n):
                _add_person(by_name, violations_by_name, original, n, codes_by_start[follow.start], sent)
    for name, fact in by_name.items():
        fact.fate = fate_of(violations_by_name[name])
        # "arrested ... and released eleven days later": the last word on a detention.
        if fact.fate in ("detained", "tortured") and any(_RELEASED.search(s.quote) for s in fact.spans):
            fact.fate = "released"
    return list(by_name.values())


def _add_person(by_name: dict[str, PersonFact], violations_by_name: dict[str, list[str]], original: str,
                n: NameMention, codes: list[str], sent: Sentence) -> None:
    key = " ".join(n.name.split())
    fact = by_name.get(key)
    if fact is None:
        fact = PersonFact(name=key, role="victim")
        by_name[key] = fact
        violations_by_name[key] = []
    violations_by_name[key].extend(codes)
    fact.spans.append(_span(original, n.start, n.end))
    fact.spans.append(_span(original, sent.start, sent.end))


def _is_perpetrator(text: str, n: NameMention) -> bool:
    """A commander named as acting ("Mullah Karim ordered the arrests"), not as suffering."""
    before = text[max(0, n.start - 40):n.start]
    return bool(_PERPETRATOR_TITLE.search(before) or _ACTS_AFTER.match(text[n.end:n.end + 140]))
