"""The interface's languages: catalogues read from the .po files at run time, and choosing a language.

The .po files are the only form kept in the repository; they are compiled to an in-memory .mo
when first needed, so a translator's edit shows after a restart with no build step.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
COOKIE = "gawah_lang"


@dataclass(frozen=True)
class UiLocale:
    code: str  # the interface's code, also the BCP 47 tag in <html lang>
    babel: str  # CLDR locale for dates and numbers
    native_name: str  # how the language calls itself, shown in the language switch
    direction: str  # "ltr" or "rtl"


LOCALES: dict[str, UiLocale] = {
    "en": UiLocale("en", "en", "English", "ltr"),
    # Dari is written `fa` (as the documents are); the Afghan CLDR variant gives Afghan month names.
    "fa": UiLocale("fa", "fa_AF", "دری", "rtl"),
    "ps": UiLocale("ps", "ps_AF", "پښتو", "rtl"),
}
DEFAULT_LOCALE = "en"

# Codes a browser may send for the interface's languages (`prs` is ISO 639-3 for Dari).
_ALIASES = {"en": "en", "fa": "fa", "prs": "fa", "ps": "ps", "pbt": "ps", "pbu": "ps"}


def catalogue_path(code: str) -> Path:
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(code: str) -> Translations:
    """The compiled catalogue of one language (fuzzy entries left out, as gettext would)."""
    with catalogue_path(code).open("rb") as fh:
        catalog = read_po(fh, locale=LOCALES[code].babel, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags of an Accept-Language header, most wanted first (q=0 left out)."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, index, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def supported(code: str | None) -> str | None:
    """The interface language for a tag such as `fa-AF` or `prs`, or None."""
    if not code:
        return None
    return _ALIASES.get(code.strip().lower().replace("_", "-").split("-")[0])


def choose_locale(
    query: str | None, cookie: str | None, accept_language: str | None, default: str = DEFAULT_LOCALE
) -> str:
    """`?lang=` first, then the language cookie, then the browser's wishes, then the default."""
    for candidate in (query, cookie, *parse_accept_language(accept_language)):
        code = supported(candidate)
        if code:
            return code
    return supported(default) or DEFAULT_LOCALE
