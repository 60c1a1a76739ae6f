"""Afghan names for matching: Latin spellings, Arabic script, and a shared phonetic skeleton.

The same person is written Mohammad, Muhammad, Mohd, Md or محمد; Zabiullah or Zabihullah or
ذبیح‌الله; Abdul Rahman, Abdurrahman or عبدالرحمن. Three forms serve the matcher:

* :func:`name_tokens` gives the canonical parts of a name (titles dropped, compounds such as
  Abdul-… and …-ullah split the same way in both scripts);
* :func:`latin_form` is a Latin spelling with vowel and letter variants folded (o/u, e/i, ee/i,
  ou/u, v/w, q/k), for string similarity between Latin spellings;
* :func:`skeleton` is a consonant skeleton that Latin and Arabic-script spellings share, because
  Arabic script leaves short vowels unwritten and Latin spellings disagree on them.

Everything here is a pure function of its input.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from gawah.extract.normalize import normalize_text

# Common given-name parts and the spellings met in lists (canonical first). Spellings that the
# skeleton already joins need no entry; these make the Latin form agree too.
_VARIANTS: dict[str, tuple[str, ...]] = {
    "mohammad": ("muhammad", "mohammed", "muhammed", "mohamad", "mohamed", "muhamad", "mohammod",
                 "mohamod", "mohd", "mhd", "md", "mohmmad", "mahomed", "mohammadi"),
    "ahmad": ("ahmed", "ahmet", "ahmd"),
    "abdul": ("abdol", "abdel", "abdal", "abdil", "abd"),
    "hussain": ("husain", "hossain", "hosain", "hussein", "hosein", "hossein", "husayn", "hussien",
                "hosain"),
    "hassan": ("hasan", "hassen", "hasen"),
    "ghulam": ("gholam", "gulam", "golam", "ghlam"),
    "gul": ("gol", "gull"),
    "noor": ("nur", "noer", "nour"),
    "khan": ("kan", "khaan"),
    "jan": ("jaan", "jon"),
    "yousuf": ("yusuf", "yosuf", "yousef", "yusef", "yousof", "yusof", "yossef"),
    "yaqub": ("yaqoob", "yakub", "yaqoub", "yakoob", "yacub"),
    "sayed": ("sayyed", "sayyid", "syed", "said", "saeed", "sayid", "seyed", "sayd"),
    "mir": ("meer",),
    "shah": ("sha", "shaah"),
    "rahman": ("rehman", "rahmaan", "rahmon"),
    "rahim": ("raheem", "rahem"),
    "karim": ("kareem", "karem"),
    "qadir": ("qader", "kadir", "khadir", "qadeer", "kader"),
    "zaman": ("zamaan",),
    "nabi": ("nabee", "naby"),
    "wali": ("vali", "walee", "waly"),
    "ali": ("aly", "alee"),
    "omar": ("umar", "omer", "umer"),
    "osman": ("usman", "othman", "uthman", "usmaan"),
    "dawood": ("dawud", "daud", "dawod", "davood", "davud", "dawoud"),
    "fatima": ("fatema", "fatemah", "fatimah", "fatma"),
    "zainab": ("zaynab", "zeinab", "zenab"),
}

_CANONICAL: dict[str, str] = {v: k for k, vs in _VARIANTS.items() for v in vs}

# Titles and honorifics, not part of a name: dropped before matching.
_TITLES_LATIN = frozenset({
    "haji", "hajji", "hajj", "alhaj", "alhajj", "mullah", "mulla", "molla", "mawlawi", "maulawi",
    "maulvi", "molvi", "mawlavi", "moulavi", "qari", "kari", "hafiz", "dr", "doctor", "eng",
    "engineer", "general", "gen", "commander", "cmdr", "ustad", "ustaz", "sahib", "saheb", "mr",
    "mrs", "ms", "miss", "late", "shahid", "shaheed",
})
_TITLES_NATIVE = frozenset(normalize_text(t, for_key=True) for t in (
    "حاجی", "الحاج", "ملا", "مولوی", "قاری", "حافظ", "داکتر", "دوکتور", "انجنیر", "جنرال",
    "قوماندان", "استاد", "صاحب", "شهید", "مرحوم",
))

# Name parts so common that sharing one says little: left out of the distinctive-part overlap.
COMMON_PARTS = frozenset({"mohammad", "abdul", "ullah", "uddin", "khan", "jan", "gul", "mir",
                          "sayed", "shah", "noor", "ghulam"})

# Latin letters before skeletonising: digraphs first, then single letters.
_LATIN_DIGRAPHS = (("sch", "S"), ("kh", "k"), ("gh", "g"), ("sh", "S"), ("ch", "C"), ("zh", "z"),
                   ("th", "t"), ("dh", "z"), ("ph", "f"), ("ck", "k"))
_LATIN_SINGLE = {"q": "k", "c": "k", "v": "w", "x": "ks"}
_LATIN_VOWELS = frozenset("aeiouy")

# Arabic-script letters (after gawah.extract.normalize folding, for_key) to skeleton letters.
# Vowel carriers map to "" and are dropped inside a word; at its start they stand for a vowel.
_ARABIC_LETTERS: dict[str, str] = {
    "ا": "", "ب": "b", "پ": "p", "ت": "t", "ټ": "t", "ث": "s", "ج": "j", "چ": "C", "ح": "h",
    "خ": "k", "څ": "s", "ځ": "z", "د": "d", "ډ": "d", "ذ": "z", "ر": "r", "ړ": "r", "ز": "z",
    "ژ": "z", "ږ": "z", "س": "s", "ش": "S", "ښ": "S", "ص": "s", "ض": "z", "ط": "t", "ظ": "z",
    "ع": "", "غ": "g", "ف": "f", "ق": "k", "ک": "k", "گ": "g", "ل": "l", "م": "m", "ن": "n",
    "ڼ": "n", "و": "w", "ه": "h", "ی": "y", "ء": "", "ئ": "", "ې": "", "ۍ": "",
}
_ARABIC_INITIAL_VOWELS = frozenset("اع")
_ARABIC_DROP_INSIDE = frozenset("اعوهیحءئېۍ")

_SON_OF = re.compile(
    r"\s+(?:s/o|son\s+of|d/o|daughter\s+of|bin|ibn|walad|ولد|فرزند|بن|بنت|پسر|دختر)\s+", re.IGNORECASE
)


def is_arabic_script(text: str) -> bool:
    """Whether the text holds any Arabic-script letter."""
    return any("\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" or "\ufb50" <= ch <= "\ufeff"
               for ch in text)


def fold_latin(text: str) -> str:
    """Lower-case ASCII letters and single spaces: accents stripped, punctuation to spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    ascii_only = ascii_only.lower().replace("'", "").replace("\u2019", "").replace("`", "")
    return " ".join(re.sub(r"[^a-z]+", " ", ascii_only).split())


def _split_abd_latin(text: str) -> str:
    """Write every Abd-compound as 'abdul REST': Abdurrahman, Abd al-Rahman, Abdul Rahman alike."""
    out: list[str] = []
    words = text.split()
    i = 0
    while i < len(words):
        word = words[i]
        if not word.startswith("abd") or word in {"abdullah", "abdulla", "abdallah", "abdulah"}:
            out.append(word)
            i += 1
            continue
        rest = word[3:]
        # "abd al rahman", "abd ul rahman": the article as a word of its own.
        if not rest and i + 1 < len(words) and words[i + 1] in {"al", "ul", "el", "ol", "ar", "ur",
                                                                  "as", "us", "ad", "ud", "an"}:
            i += 1
            rest = ""
        elif rest[:1] in {"u", "o", "a", "e", "i"}:
            rest = rest[1:]
            # Sun-letter assimilation is written doubled (abdurrahman) or before a space (abdur rahman).
            if rest.startswith("l") or (rest[:1] in set("tdrzsn") and (len(rest) == 1 or rest[1] == rest[0])):
                rest = rest[1:]
            elif rest.startswith("sh") and rest[2:4] == "sh":
                rest = rest[2:]
        if rest in {"lah", "la", "ah", "llah"}:
            out.append("abdullah")
        elif rest:
            out.extend(["abdul", rest])
        else:
            out.append("abdul")
        i += 1
    return " ".join(out)


_ULLAH = re.compile(r"^(?P<base>[a-z]{3,}?)(?:[uoaei]|h[uoa])?ll?ah?$")
_UDDIN = re.compile(r"^(?P<base>[a-z]{3,}?)[uoae]dd?(?:i|ee)n$")


def _split_suffixes_latin(word: str) -> list[str]:
    """Split …ullah and …uddin compounds: Zabiullah -> zabi ullah, Salahuddin -> salah uddin."""
    if word in {"ullah", "ulla", "ollah", "allah", "alla", "ulah", "olla", "ila"}:
        return ["ullah"]
    if word in {"uddin", "uddeen", "oddin", "addin", "udin", "ud din", "din", "deen", "edin"}:
        return ["uddin"] if word != "din" and word != "deen" else [word]
    if word.endswith(("llah", "lla", "ulah")) and word not in {"abdullah", "abdulla", "mullah", "mulla"}:
        m = _ULLAH.match(word)
        if m:
            base = m.group("base")
            if base.endswith("h") and len(base) > 3:
                # Zabihullah and Zabiullah: the h before the suffix is often not written.
                return [base, "ullah"]
            return [base, "ullah"]
    if word.endswith(("din", "deen")):
        m = _UDDIN.match(word)
        if m:
            return [m.group("base"), "uddin"]
    return [word]


_JOINED_PREFIXES = ("mohammad", "muhammad", "mohammed", "muhammed", "mohamad", "ghulam", "gholam")


def _split_prefix_latin(word: str) -> list[str]:
    """Mohammadzaman -> mohammad zaman: compound given names are written joined or split."""
    for prefix in _JOINED_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3 and word != prefix + "i":
            return [prefix, word[len(prefix):]]
    return [word]


def _latin_tokens(text: str) -> list[str]:
    folded = fold_latin(text)
    folded = re.sub(r"\b(?:ud|od|ad|al|ul|ed)\s+(?:din|deen)\b", "uddin", folded)
    folded = re.sub(r"\b(?:u|o)?llah\b", "ullah", folded)
    folded = _split_abd_latin(folded)
    tokens: list[str] = []
    for word in folded.split():
        if word in _TITLES_LATIN:
            continue
        for piece in _split_prefix_latin(word):
            for part in _split_suffixes_latin(piece):
                tokens.append(_CANONICAL.get(part, part))
    return tokens


def _native_tokens(text: str) -> list[str]:
    """Canonical parts of an Arabic-script name; Abd-…, …-ullah and …-uddin become Latin markers."""
    words = [w for w in normalize_text(text, for_key=True).split() if w not in _TITLES_NATIVE]
    tokens: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word in {"الله", "اله", "لله"}:
            tokens.append("ullah")
        elif word in {"الدین", "الدين", "دین"} and tokens:
            tokens.append("uddin")
        elif word == "عبد" and i + 1 < len(words) and words[i + 1].startswith("ال"):
            tokens.append("abdul")
            rest = words[i + 1][2:]
            if rest in {"له", "لله"}:
                tokens[-1] = "abdullah"
            elif rest:
                tokens.append(rest)
            i += 1
        elif word.startswith("عبدال") and len(word) > 5:
            rest = word[5:]
            if rest in {"له", "لله", "ه"}:
                tokens.append("abdullah")
            else:
                tokens.extend(["abdul", rest])
        elif word == "عبد":
            tokens.append("abdul")
        elif word.endswith("الله") and len(word) > 4:
            tokens.extend([word[:-4], "ullah"])
        elif word.endswith("الدین") and len(word) > 5:
            tokens.extend([word[:-5], "uddin"])
        else:
            tokens.append(word)
        i += 1
    return tokens


def name_tokens(text: str | None) -> list[str]:
    """The canonical parts of a name, in order, in either script; [] for an empty name.

    Latin parts come back in canonical Latin spelling ("muhammad" -> "mohammad"); Arabic-script
    parts stay in normalised Arabic script, except the markers "abdul", "abdullah", "ullah" and
    "uddin" that both scripts share.
    """
    if not text or not text.strip():
        return []
    if is_arabic_script(text):
        return _native_tokens(text)
    return _latin_tokens(text)


def _skeleton_latin(word: str) -> str:
    for digraph, code in _LATIN_DIGRAPHS:
        word = word.replace(digraph, code)
    word = "".join(_LATIN_SINGLE.get(ch, ch) for ch in word)
    if not word:
        return ""
    out: list[str] = []
    first = word[0]
    if first in _LATIN_VOWELS and not (first == "y" and len(word) > 1 and word[1] in "aeiou"):
        out.append("a")
    elif first in {"w", "h", "y"}:
        out.append(first)
    for ch in word[1:] if out else word:
        if ch in _LATIN_VOWELS or ch in {"h", "w"}:
            continue
        out.append(ch)
    if not out and first in {"w", "h", "y"}:
        out.append(first)
    return _collapse("".join(out))


def _skeleton_native(word: str) -> str:
    if not word:
        return ""
    out: list[str] = []
    first = word[0]
    rest = word
    if first in _ARABIC_INITIAL_VOWELS:
        out.append("a")
        rest = word[1:]
    elif first in {"و", "ه", "ح", "ی"}:
        out.append(_ARABIC_LETTERS[first])
        rest = word[1:]
    for ch in rest:
        if ch in _ARABIC_DROP_INSIDE:
            continue
        code = _ARABIC_LETTERS.get(ch)
        if code:
            out.append(code)
    return _collapse("".join(out))


def _collapse(text: str) -> str:
    """Runs of the same letter become one (Mohammad, Muhamad; سرور and Sarwar)."""
    return re.sub(r"(.)\1+", r"\1", text)


def token_skeleton(token: str) -> str:
    """The consonant skeleton of one canonical name part, in either script."""
    if is_arabic_script(token):
        return _skeleton_native(token)
    return _skeleton_latin(token)


def skeleton(text: str | None) -> str:
    """The phonetic skeleton of a whole name: the same for محمد and Mohammad, '' for no name.

    Parts are joined without spaces so that split and joined spellings agree
    (Abdul Rahman, Abdulrahman, عبدالرحمن).
    """
    return "".join(token_skeleton(t) for t in name_tokens(text))


def skeleton_tokens(text: str | None) -> list[str]:
    """Skeletons of the distinctive parts of a name (common parts such as Mohammad left out)."""
    out: list[str] = []
    for token in name_tokens(text):
        if token in COMMON_PARTS:
            continue
        key = token_skeleton(token)
        if is_arabic_script(token) and key in _COMMON_SKELETONS:
            continue
        if key and key not in out:
            out.append(key)
    return out


_COMMON_SKELETONS = frozenset(_skeleton_latin(p) for p in COMMON_PARTS)


def _fold_latin_vowels(word: str) -> str:
    word = word.replace("ou", "u").replace("oo", "u").replace("ee", "i").replace("ie", "i")
    word = word.replace("kh", "x").replace("q", "k").replace("v", "w")
    word = word.replace("o", "u").replace("e", "i")
    if len(word) > 1:
        word = word[0] + word[1:].replace("y", "i")
    return _collapse(word)


def latin_form(text: str | None) -> str:
    """A Latin spelling with variant letters folded, for similarity between Latin spellings.

    '' for an Arabic-script or empty name: those are compared through :func:`skeleton`.
    """
    if not text or is_arabic_script(text):
        return ""
    return " ".join(_fold_latin_vowels(t) for t in name_tokens(text))


def native_form(text: str | None) -> str:
    """The normalised Arabic-script spelling (letter variants, ZWNJ, diacritics folded); '' if none."""
    if not text or not is_arabic_script(text):
        return ""
    return " ".join(normalize_text(text, for_key=True).split())


def transliterate(text: str | None) -> str:
    """A readable Latin rendering of an Arabic-script name from its skeleton letters.

    Short vowels are not written in Arabic script, so the result is a skeleton with the long
    vowels written out (محمد -> "mhmd", احمد شاه -> "ahmd shah" style): good for showing a
    reviewer why two names were compared, not for display to the public.
    """
    if not text:
        return ""
    if not is_arabic_script(text):
        return " ".join(name_tokens(text))
    return " ".join(token_skeleton(t) if is_arabic_script(t) else t for t in name_tokens(text))


@dataclass(frozen=True)
class SplitName:
    """A name that held its father's name ("Zaman son of Ghani", "زمان ولد غنی")."""

    name: str
    father_name: str | None


def split_son_of(text: str) -> SplitName:
    """Split "NAME s/o FATHER" (and its Dari and Pashto forms) into the name and the father's name."""
    parts = _SON_OF.split(text, maxsplit=1)
    if len(parts) == 2 and parts[0].strip() and parts[1].strip():
        return SplitName(parts[0].strip(), parts[1].strip())
    return SplitName(text.strip(), None)


def compare_names(a: str | None, b: str | None, *, similar: float = 0.88) -> str:
    """How two names agree, in the matcher's terms: 'same spelling', 'same sound', 'similar',
    'different' or 'missing'. The pipeline does this in SQL; this is the same rule in Python for
    evaluation and for explaining one pair."""
    from rapidfuzz.distance import JaroWinkler

    key_a, key_b = skeleton(a), skeleton(b)
    if not key_a or not key_b:
        return "missing"
    la, lb = latin_form(a), latin_form(b)
    if (la and la == lb) or (native_form(a) and native_form(a) == native_form(b)):
        return "same spelling"
    if key_a == key_b:
        return "same sound"
    if (la and lb and JaroWinkler.similarity(la, lb) >= 0.92) or (
            JaroWinkler.similarity(key_a, key_b) >= similar):
        return "similar"
    return "different"
