"""Named people: who is named in a sentence, and whether as a victim, a speaker or neither.

Afghan names have no fixed surname and are often compounds ("Abdul Qahar", "Mohammad Yasin"),
so a name is a run of capitalised words (English) or the words before an age in brackets or
after "به نام" / "په نوم" (Dari, Pashto).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gawah.extract.normalize import ARABIC_SCRIPT, NormalizedText, normalize_with_map
from gawah.extract.places import ascii_key, load_gazetteer


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())

# Words that start or fill capitalised runs but are not names.
_NOT_NAME = _word_set(
    "the a an in on at of and or but for by to from with as after before during since according "
    "this that these those his her their our its we they he she it i you if when while although "
    "despite however moreover january february march april may june july august september "
    "october november december monday tuesday wednesday thursday friday saturday sunday taliban "
    "afghan afghans afghanistan national security forces united nations nation human rights "
    "watch international amnesty council ministry office province district republic islamic "
    "emirate special rapporteur secretary general high commissioner news un unama hrw ohchr "
    "government army police commander spokesperson spokesman minister ambassador president "
    "deputy former mission state states american european union university school prison court "
    "army's taliban's delegation head chief director representative assistance security "
    "directorate defense defence foreign affairs interior intelligence department agency radio "
    "tv press associated reuters bbc cnn abc al qaeda isis daesh resistance front kabul "
    "panjshir breaking links accessibility key findings recommendations individual cases "
    "killings detention disappearance torture burned homes displacement mr mrs ms dr sir north "
    "south east west northern southern eastern western central valley village town city new "
    "york london geneva washington pakistan pakistani iran iranian india china russia us uk usa "
    "europe mojahedin mujahideen emirate's statement report reports red cross committee "
    "organization organisation hindukush monitor field summary appeal residents signed support "
    "petition open letter your excellency "
    "checkpoint valley river pass bridge road mountain mountains camp hospital mosque bazaar market "
    "street square airport base town network watch commission organisation centre center foundation "
    "institute society association group forum alliance coalition project initiative trust circle "
    "media times post nobody everyone someone hazara hazaras tajik tajiks uzbek uzbeks pashtun pashtuns "
    "shia shias sunni sikh sikhs hindu hindus ismaili ismailis muslim muslims christian baloch turkmen "
    "nuristani pashai women girls men children families province's district's mullah mawlawi "
)
_NAME_RUN = re.compile(
    r"(?<![\w.])(?:[A-Z][a-z’'‘]+|[A-Z]{2,}\b)(?:[\s-]+(?:[A-Z][a-z’'‘]+|(?:ul|ud|al|bin|e|wa)\b))*")
_NAME_WORD = re.compile(r"[^\s-]+")
_POSSESSIVE = re.compile(r"[’']s\b")
_EZAFE = re.compile(r"-(?:e|i|o|wa)[-\s]")
# "the Kaaj education centre", "Sayed ul-Shuhada school": the name of a place or institution.
_INSTITUTION_AFTER = re.compile(
    r"\s+(?:education(?:al)?\s+cent(?:re|er)|tuition\s+cent(?:re|er)|cent(?:re|er)|school|high\s+school|"
    r"mosque|hospital|clinic|university|madrasa|area|district|province|village|valley|camp|prison|"
    r"road|street|bazaar|market|square|township|neighbou?rhood)\b", re.IGNORECASE)
_INSTITUTION_BEFORE = re.compile(
    r"\(\s*$|\b(?:School|Mosque|University|Hospital|Street|Road|Square|Camp|Clinic|Foundation)\b[^.]{0,20}$")
_LOCATIVE_BEFORE = re.compile(
    r"\b(?:in|at|from|near|into|outside|inside|across|towards|village of|villages of|district of|"
    r"province of|city of|town of|area of|valley of)\s+$", re.IGNORECASE)
_SPEECH_AFTER = re.compile(
    r"^(?:\s*,[^,.;]{0,90},)?\s*(?:has |had |have |also |later |then |however,? |repeatedly |again )*"
    r"(?:said|says|told|stated|states|declared|announced|added|tweeted|wrote|denied|denies|claimed|"
    r"claims|insisted|vowed|urged|called|expressed|stressed|noted|confirmed|rejected|dismissed|"
    r"explained|warned|reported|argued|acknowledged|alleged|accused|promised|pledged|condemned|"
    r"described|asserted)\b")
_SPEECH_BEFORE = re.compile(
    r"(?:said|says|told|according to|spokesperson|spokesman|spokeswoman|by)\s*(?:\w+\s+){0,2}$",
    re.IGNORECASE)
_AGE_AFTER_EN = re.compile(r"^,\s*(\d{1,2}),")
_AR_WORD = r"[\u0600-\u06FF\u200c]+"
_AR_AGE = re.compile(
    rf"({_AR_WORD}(?:[ \t]+{_AR_WORD}){{0,2}})[ \t]*[(،,][ \t]*(\d{{1,2}})\s*(?:ساله|سال|کلن|کلنه)")
# "به نام‌های محمد حسین رضایی و علی احمد جعفری", "په نومونو ... او ...": several names.
_AR_NAMED_LIST = re.compile(
    rf"(?:به\s*نام\s?ها\w*|په\s+نومونو)[ \t]+({_AR_WORD}(?:[ \t]*[،,]?[ \t]+{_AR_WORD}){{1,11}})")
_AR_LIST_SPLIT = re.compile(r"[ \t]*[،,][ \t]*|[ \t]+(?:و|او)[ \t]+")
_AR_NAMED = re.compile(rf"(?:به\s*نام|بنام|په\s+نوم)[ \t]+({_AR_WORD}(?:[ \t]+{_AR_WORD})?)")
# "عبدالواحد فرزند غلام سخی": a name and its father's name (Afghan official usage).
_AR_CHILD_OF = re.compile(rf"({_AR_WORD}(?:[ \t]+{_AR_WORD})?)[ \t]+(?:فرزند|ولد|زوی|بنت)[ \t]+{_AR_WORD}")
# "یو سرتېری، محمد نبي اڅکزی، ...", "یک معلم، عبدالقدیر نوری، ...": a name set off by commas after a
# noun for a person.
_AR_APPOSITION = re.compile(
    rf"(?<![\w])(?:سرتېری|سرتیری|سرباز|ځوان|جوان|معلم|ښوونکی|خبرنگار|خبریال|ژورنالیست|فعال|افسر|کارمند|"
    rf"مامور|کارکوونکی|قاضی|داکتر|ډاکټر|محصل|شاگرد|زده\s?کوونکی|پولیس|عسکر|قوماندان|مشر|موسفید|"
    rf"ملا|امام|دوکاندار|راننده|موټروان|ورور|برادر|زوی|پسر|لور|دختر|زن|ښځه|مرد|سړی)[ \t]*[،,][ \t]*"
    rf"({_AR_WORD}(?:[ \t]+{_AR_WORD}){{1,2}})[ \t]*[،,]")
_AR_NOT_NAME = _word_set(
    "و در به از که را این آن با برای یک دو سه تن نفر او وی آنان ایشان خود د په او له چې یې دوه "
    "درې ورونه ورور زوی پلار مور هغه دغه شاهد شاهدان معلم جوان کودک سرباز پولیس افسر کارمند تن "
    "کس کسان یو یوه دغه ورک شوی مرد زن دختر پسر فرزند ولد زوی بنت نام به را "
)


@dataclass(frozen=True)
class NameMention:
    start: int
    end: int
    name: str
    has_age: bool = False


def find_names(text: str, start: int, end: int) -> list[NameMention]:
    """Person names in ``text[start:end]`` (offsets into ``text``)."""
    out: list[NameMention] = []
    gaz = load_gazetteer()
    for m in _NAME_RUN.finditer(text, start, end):
        run = m.group(0)
        if " " not in run and "-" not in run:
            continue  # one word is not a name we can tell from other capitalised words
        # A possessive ends the name: "Zabihullah Mujahid’s statement", "Afghanistan’s Faryab".
        if "s" in run:
            run = _POSSESSIVE.split(run)[0]
        # Place names joined by "-e-" (Pul-e-Khumri, Pushta-e-Sang) are not people.
        if "-" in run and _EZAFE.search(run):
            continue
        words = [(w.start(), w.end()) for w in _NAME_WORD.finditer(run)]
        # Trim leading and trailing words that are not names.
        while words and run[words[0][0]:words[0][1]].lower().strip("’'") in _NOT_NAME:
            words.pop(0)
        while words and run[words[-1][0]:words[-1][1]].lower().strip("’'") in _NOT_NAME:
            words.pop()
        tokens = [run[a:b] for a, b in words]
        if len(tokens) < 2 or any(w.lower().strip("’'") in _NOT_NAME or w.isupper() for w in tokens):
            continue
        s, e = m.start() + words[0][0], m.start() + words[-1][1]
        # A name after "in", "from", "village of" is a place; one in brackets after a school's
        # name is the school's.
        if _LOCATIVE_BEFORE.search(text[max(0, s - 20):s]) or _INSTITUTION_BEFORE.search(
                text[max(0, m.start() - 40):m.start()]):
            continue
        if _INSTITUTION_AFTER.match(text, e):
            continue
        name = text[s:e]
        if gaz.latin.get(ascii_key(name)) or gaz.villages_latin.get(ascii_key(name)):
            continue
        out.append(NameMention(s, e, name, bool(_AGE_AFTER_EN.match(text[e:e + 8]))))
    region = text[start:end]
    if ARABIC_SCRIPT.search(region):
        norm = normalize_with_map(region)
        listed = _arabic_name_list(norm, text, start)
        out.extend(listed)
        for pattern in (_AR_AGE, _AR_NAMED, _AR_CHILD_OF, _AR_APPOSITION):
            for m in pattern.finditer(norm.text):
                found = m.group(1).split()
                if pattern is _AR_APPOSITION and any(w in _AR_NOT_NAME for w in found):
                    continue
                if pattern is _AR_NAMED:
                    # "به نام عبدالواحد فرزند ...": the words up to the first function word.
                    first = next((i for i, w in enumerate(found) if w in _AR_NOT_NAME), len(found))
                    name_words = found[:first]
                else:
                    # "... سرباز عبدالواحد (۳۰ ساله)": the words after the last function word.
                    last = max((i for i, w in enumerate(found) if w in _AR_NOT_NAME), default=-1)
                    name_words = found[last + 1:]
                if not name_words:
                    continue
                joined = " ".join(name_words)
                ns = m.start(1) + m.group(1).rfind(joined)
                s, e = norm.to_original(ns, ns + len(joined))
                out.append(NameMention(start + s, start + e, text[start + s:start + e], pattern is _AR_AGE))
    out.sort(key=lambda n: n.start)
    return out


def _arabic_name_list(norm: NormalizedText, text: str, start: int) -> list[NameMention]:
    out: list[NameMention] = []
    for m in _AR_NAMED_LIST.finditer(norm.text):
        pos = m.start(1)
        for part in _AR_LIST_SPLIT.split(m.group(1)):
            at = norm.text.index(part, pos)
            pos = at + len(part)
            words = part.split()
            # A name is two or three words; anything else ends the list ("... در نزدیکی دریا").
            if not 2 <= len(words) <= 3 or any(w in _AR_NOT_NAME for w in words):
                break
            s, e = norm.to_original(at, at + len(part))
            out.append(NameMention(start + s, start + e, text[start + s:start + e]))
    return out


def is_speaker(text: str, name: NameMention) -> bool:
    """True when the sentence presents the named person as saying something."""
    if _SPEECH_AFTER.match(text[name.end:name.end + 130]):
        return True
    return bool(_SPEECH_BEFORE.search(text[max(0, name.start - 40):name.start]))


# Fates in the registry's words (gawah.store.vocab.Fate).
FATES = {"killing": "killed", "enforced_disappearance": "missing", "arbitrary_detention": "detained",
         "hostage_taking": "detained", "torture": "tortured", "sexual_violence": "injured",
         "forced_displacement": "displaced", "indiscriminate_attack": "injured"}
_FATE_ORDER = ["killing", "enforced_disappearance", "hostage_taking", "arbitrary_detention", "torture",
               "sexual_violence", "indiscriminate_attack", "forced_displacement"]


def fate_of(violations: list[str]) -> str | None:
    """The gravest fate among the violations reported about a person."""
    for code in _FATE_ORDER:
        if code in violations:
            return FATES[code]
    return None
