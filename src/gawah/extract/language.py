"""Language of a text: English, Dari (Persian), Pashto, or undetermined."""

from __future__ import annotations

import re


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Letters Pashto has and Dari does not.
_PASHTO_LETTERS = frozenset("ټډړږښګڼېۍځڅ")
# Frequent function words of each language (normalised spelling).
_PASHTO_WORDS = _word_set(
    "د په او چې له ته دې دا هم کې سره وو وه شوي شوې شول دي دى لپاره څخه ډېر یې ولې پر"
)
_DARI_WORDS = _word_set(
    "و در به از که را این با است برای آن یک شد شده ها می نیز تا بر هم اند بود کرد گفت"
)
# Deletion tables: counting the letters of a script is the length lost by deleting them.
_ARABIC_LETTERS = dict.fromkeys(
    [*range(0x0600, 0x0700), *range(0x0750, 0x0780), *range(0xFB50, 0xFE00), *range(0xFE70, 0xFF00)])
_LATIN_LETTERS = dict.fromkeys([*range(ord("A"), ord("Z") + 1), *range(ord("a"), ord("z") + 1)])
_PASHTO_TABLE = dict.fromkeys(ord(ch) for ch in _PASHTO_LETTERS)
_ARABIC_WORD = re.compile(r"[\u0600-\u06FF]+")
_ENGLISH_WORDS = _word_set("the of and to in a is that was were for on by with")
_SAMPLE = 3000  # characters looked at: enough to decide, bounded for huge inputs


def detect_language(text: str) -> str:
    """Return "en", "fa" (Dari/Persian), "ps" (Pashto) or "und".

    Script decides between English and the Arabic-script languages; Pashto-only letters and
    frequent Pashto function words tell Pashto from Dari.
    """
    sample = text[:_SAMPLE]
    arabic = len(sample) - len(sample.translate(_ARABIC_LETTERS))
    latin = len(sample) - len(sample.translate(_LATIN_LETTERS))
    if arabic + latin < 3:
        return "und"
    if arabic >= latin:
        words = _ARABIC_WORD.findall(sample)
        pashto_letters = len(sample) - len(sample.translate(_PASHTO_TABLE))
        pashto_words = sum(1 for w in words if w in _PASHTO_WORDS)
        dari_words = sum(1 for w in words if w in _DARI_WORDS)
        # Pashto letters appear in Dari only in Pashto names, so require them to be frequent.
        pashto_score = pashto_words + pashto_letters / 2
        if pashto_letters >= max(2, len(words) // 50) and pashto_score > dari_words * 0.6:
            return "ps"
        if pashto_words > dari_words and pashto_words >= 2:
            return "ps"
        return "fa"
    words = re.findall(r"[A-Za-z]+", sample.lower())
    if any(w in _ENGLISH_WORDS for w in words) or latin > 20:
        return "en"
    return "und"
