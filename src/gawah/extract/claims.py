"""Claims: statements by parties to the conflict (and denials by anyone), with who said them,
when, and with what stance.

A UN or NGO statement that something happened is a report, recorded as the ``reported_by`` of
the facts; a claim is what a party says about the facts ("the Taliban deny killing anyone").
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from gawah.extract import vocabulary as vocab
from gawah.extract.normalize import ARABIC_SCRIPT, normalize_text, normalize_with_map
from gawah.extract.persons import NameMention, find_names

_EN_SPEECH = re.compile(
    r"\b(said|says|told|stated|declared|announced|added|tweeted|wrote|denied|denies|deny|claimed|claims|"
    r"insisted|vowed|urged|rejected|dismissed|refuted|confirmed|promised|pledged|assured|accused|blamed|"
    r"called on|warned|acknowledged|admitted|asserted|responded|explained)\b")
_EN_DENIAL = re.compile(r"\b(?:denied|denies|deny|denying|rejected|rejects|dismissed|dismisses|refuted|"
                        r"refutes)\b|"
                        r"\b(?:fake|false|baseless|untrue|fabricated|propaganda|no truth|not true)\b")
_EN_NEGATED_FACT = re.compile(
    r"\b(?:no|no one|nobody|none|never|not)\b[^.;]{0,60}?\b(?:(?:has|have|had|was|were|been|being)\s+)+"
    r"(?:\w+\s+){0,2}?(?:closed|arrested|detained|killed|executed|tortured|harmed|imposed|blocked|taken|disappeared)\b",
    re.IGNORECASE)
_EN_PROMISE = re.compile(r"\b(?:vowed|pledged|promised|assured|committed|guarantee[sd]?)\b")
_EN_ACCUSE = re.compile(r"\b(?:accused|blamed)\b")
_EN_ACKNOWLEDGE = re.compile(r"\b(?:acknowledged|admitted|confirmed|conceded)\b")
_AR_PROMISE = re.compile(r"(?:وعده|تعهد|اطمینان\s?داد|ډاډ|ژمنه)")
_AR_ACCUSE = re.compile(r"(?:متهم|اتهام\s+(?:زد|کرد)|تورن)")
_AR_ACKNOWLEDGE = re.compile(r"(?:تایید\s?کرد|تأیید\s?کرد|اعتراف|ومنله|تایید\s?کړ)")
_AR_SPEECH = re.compile(r"(?:گفت|گفته|افزود|اعلام\s?کرد|تاکید\s?کرد|رد\s?کرد|رد\s?کرده|تکذیب|ادعا|اظهار|"
                        r"وویل|ویلي|وایي|ویل|رد\s?کړ|څرګنده\s?کړه|ټینګار)")
_AR_DENIAL = re.compile(r"(?:رد\s?کرد|رد\s?کرده|تکذیب|انکار|نادرست|بی\s?اساس|بیاساس|نمیپذیر|نپذیرفت|"
                        r"رد\s?کړ|ردوي|نه\s?مني|بې\s?بنسټه|دروغ|نه\s?دی\s?نیول)")
_AR_SPEAKER = re.compile(
    r"([\u0600-\u06FF]+(?:\s+[\u0600-\u06FF]+){0,2})\s*[،,]?\s+(?:سخنگوی|ویاند|مقام|والی|رئیس|معاون|مسئول)")
_ROLE = re.compile(r"\b(?:spokes\w+|official|minister|negotiator|commander|governor|leader|head|chief|"
                   r"deputy|director|member|envoy)\b|(?<!\w)(?:سخنگو\w*|ویاند|مقام\w*|وزیر|والی|رئیس|معاون|مسئول\w*)(?!\w)",
                   re.IGNORECASE)
_HE_SAID = re.compile(r"\b(?:[Hh]e|[Ss]he)\s+(?:said|added|told|vowed|claimed|insisted)\b")
_SURNAME_SAID = re.compile(
    r"\b([A-Z][a-z]+)\b(?=[^.]{0,60}\b(?:said|told|added|denied|claimed|declared|stated)\b)")
_INDEPENDENT = re.compile(
    r"\b(?:UN|UNAMA|OHCHR|United Nations|Rapporteur|Amnesty|Human Rights Watch|HRW|researcher|analyst|"
    r"activist|journalist|reporter|resident|relative|brother|sister|father|mother|professor|lawyer|"
    r"rights group|ambassador|envoy|witness)\b|سازمان ملل|یوناما|گزارشگر|فعال|خبرنگار|باشنده|پژوهشگر")
_FORMER = re.compile(r"\b(?:former|ex-|previous government)|پیشین|سابق|پخوانی|پخواني", re.IGNORECASE)
_QUOTE = re.compile(r"[“\"«]([^”\"»]{3,600})[”\"»]")


@dataclass(frozen=True)
class ClaimMention:
    speaker: str
    affiliation: str | None
    stance: str
    quote: str
    start: int
    end: int
    sentence_start: int


def _stance(sentence: str) -> str:
    normalized = normalize_text(sentence)
    if _EN_DENIAL.search(sentence) or _AR_DENIAL.search(normalized):
        return "denial"
    # "said that no road has been closed", "no one has been arrested": a fact said not to be.
    if _EN_NEGATED_FACT.search(sentence):
        return "denial"
    if _EN_PROMISE.search(sentence) or _AR_PROMISE.search(normalized):
        return "assurance"
    if _EN_ACCUSE.search(sentence) or _AR_ACCUSE.search(normalized):
        return "allegation"
    if _EN_ACKNOWLEDGE.search(sentence) or _AR_ACKNOWLEDGE.search(normalized):
        return "acknowledgement"
    return "other"


def affiliations(text: str, names: list[NameMention]) -> dict[str, str]:
    """Name -> party, where the text ties the name to a party (title, apposition, byline)."""
    cue_en, cue_ar = vocab.party_cues()
    known = vocab.known_speakers()
    out: dict[str, str] = {}
    for n in names:
        key = normalize_text(n.name, for_key=True).replace(" ", "")
        if key in known:
            out[n.name] = known[key][1]
            continue
        before = text[max(0, n.start - 60):n.start]
        after = text[n.end:n.end + 140]
        # The apposition or title around the name, not the rest of the sentence.
        after = re.split(r"(?<=[.;!?])\s|\b(?:said|says|told|denied|declared|claimed|stated)\b", after)[0]
        window = before.split(".")[-1] + " " + after
        # "a former district governor" served the government before the Taliban.
        if (cue_en.search(window) or cue_ar.search(normalize_text(window))) and _ROLE.search(window) \
                and not _FORMER.search(window):
            out[n.name] = "Taliban"
    return out


def independents(text: str, names: list[NameMention]) -> set[str]:
    """Names the text ties to the UN, an NGO, the press or the public: their denials are not a
    party's claims."""
    out: set[str] = set()
    for n in names:
        before = text[max(0, n.start - 60):n.start].split(".")[-1]
        window = before + " " + text[n.end:n.end + 100].split(".")[0]
        if _INDEPENDENT.search(window):
            out.add(n.name)
    return out


def _alias_map(names: list[str]) -> dict[str, str]:
    """Last word of a full name -> the full name ("Mujahid" -> "Zabihullah Mujahid")."""
    out: dict[str, str] = {}
    for n in names:
        parts = n.split()
        if len(parts) >= 2:
            out.setdefault(parts[-1], n)
    return out


def find_claims(text: str, sentences: list[tuple[int, int]], dates: dict[int, str | None],
                all_names: list[NameMention] | None = None,
                party: dict[str, str] | None = None) -> list[ClaimMention]:
    """Claims in the given sentences of ``text``. ``dates`` gives each sentence's date, if any;
    ``all_names`` the names found in the whole text (found here when not given)."""
    if all_names is None:
        all_names = find_names(text, 0, len(text))
    if party is None:
        party = affiliations(text, all_names)
    independent = independents(text, all_names) - set(party)
    known = vocab.known_speakers()
    aliases = _alias_map([n.name for n in all_names])
    out: list[ClaimMention] = []
    last_speaker: tuple[str, str | None] | None = None
    # The last person named with a party tie: "We asked Zabihullah Mujahid ... He said ...".
    last_party_named: tuple[str, str | None] | None = None
    starts = [s for s, _ in sentences]
    names_in: list[list[NameMention]] = [[] for _ in sentences]
    for n in all_names:
        i = bisect.bisect_right(starts, n.start) - 1
        if i >= 0 and n.start < sentences[i][1]:
            names_in[i].append(n)
    for (s, e), names in zip(sentences, names_in, strict=True):
        sentence = text[s:e]
        speaker: tuple[str, str | None] | None = None
        speech = _EN_SPEECH.search(sentence)
        normalized = normalize_text(sentence) if ARABIC_SCRIPT.search(sentence) else ""
        ar_speech = _AR_SPEECH.search(normalized) if normalized else None
        if speech or ar_speech:
            speaker = _speaker_of(text, s, e, names, party, known, aliases, speech)
            if speaker is None and speech and _HE_SAID.search(sentence):
                speaker = last_speaker or last_party_named
            if speaker is None and normalized:
                speaker = _arabic_speaker(sentence, known)
        tied = [n.name for n in names if n.name in party]
        if speaker is None:
            if tied:
                last_party_named = (tied[-1], party[tied[-1]])
            continue
        last_speaker = speaker
        stance = _stance(sentence)
        name, affiliation = speaker
        # A party's words, or a denial by someone the text does not tie to the UN, an NGO, the
        # press or the public.
        if affiliation is None and (stance != "denial" or name in independent):
            continue
        quote_m = _QUOTE.search(sentence)
        if quote_m:
            qs, qe = s + quote_m.start(1), s + quote_m.end(1)
        else:
            qs, qe = s, e
        out.append(ClaimMention(name, affiliation, stance, text[qs:qe], qs, qe, s))
    return out


def _speaker_of(text: str, s: int, e: int, names: list[NameMention], party: dict[str, str],
                known: dict[str, tuple[str, str]], aliases: dict[str, str],
                speech: re.Match[str] | None) -> tuple[str, str | None] | None:
    from gawah.extract.persons import is_speaker

    for n in names:
        if is_speaker(text, n) or _before_speech(text, n, speech, s):
            key = normalize_text(n.name, for_key=True).replace(" ", "")
            if key in known:
                return n.name, known[key][1]
            return n.name, party.get(n.name)
    # A surname alone ("Mujahid, however, later told ...") refers to a full name seen before.
    for m in _SURNAME_SAID.finditer(text, s, e):
        full = aliases.get(m.group(1))
        if full:
            return full, party.get(full)
    return None


def _before_speech(text: str, n: NameMention, speech: re.Match[str] | None, s: int) -> bool:
    """"Taliban spokesperson Zabihullah Mujahid declared": the name directly before the verb."""
    if speech is None:
        return False
    gap = text[n.end:s + speech.start()]
    return len(gap) <= 4 and not re.search(r"[.;]", gap)


def _arabic_speaker(sentence: str, known: dict[str, tuple[str, str]]) -> tuple[str, str | None] | None:
    norm = normalize_with_map(sentence)
    compact = norm.text.replace(" ", "")
    for key, (canonical, party) in known.items():
        if ARABIC_SCRIPT.search(key) and key in normalize_text(compact, for_key=True):
            return canonical, party
    m = _AR_SPEAKER.search(norm.text)
    if m:
        cue_ar = vocab.party_cues()[1]
        words = m.group(1).split()
        words = [w for w in words if w not in ("و", "که", "را", "از", "به", "د")]
        if words:
            after = norm.text[m.end():m.end() + 60]
            affiliation: str | None = "Taliban" if cue_ar.search(after) else None
            s, e = norm.to_original(m.start(1), m.end(1))
            return sentence[s:e], affiliation
    return None
