"""The user's own language: gettext catalogues (bot/locale/<lang>/LC_MESSAGES/messages.po).

The catalogues are read with Babel and compiled in memory on first use, so the repository and
the wheel carry only the .po files. English is the msgids themselves; a language without a
catalogue, or a msgid missing from one, falls back to English.

Front ends mark strings with `_()` / `ngettext()` and pick the language of the update being
handled with `use_language()` (a context variable, so concurrent updates do not mix); strings
defined before any language is known (module constants, error defaults) are marked with `N_()`
and translated where they are shown.
"""

from __future__ import annotations

import gettext as _gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from functools import cache
from pathlib import Path

from babel.dates import format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

DEFAULT = "en"
# Languages with a complete catalogue, in the order /settings offers them.
LANGUAGES: tuple[str, ...] = ("en", "ru", "uk", "de", "es", "pt")
NAMES = {
    "en": "English",
    "ru": "Русский",
    "uk": "Українська",
    "de": "Deutsch",
    "es": "Español",
    "pt": "Português",
}
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"

_current: ContextVar[str] = ContextVar("ui_language", default=DEFAULT)


def normalise(code: str | None) -> str:
    """A Telegram `language_code` ("pt-br", "de_AT", "RU") → a supported language, else English."""
    base = (code or "").strip().lower().replace("_", "-").split("-", 1)[0]
    return base if base in LANGUAGES else DEFAULT


def choose(override: str | None, user_code: str | None) -> str:
    """The chat's /settings choice when set, else the user's Telegram language, else English."""
    chosen = (override or "").strip().lower()
    return chosen if chosen in LANGUAGES else normalise(user_code)


@cache
def translator(lang: str) -> _gettext.NullTranslations:
    """The gettext translations of `lang` (gettext/ngettext with its plural forms); English for
    a language without a catalogue."""
    lang = normalise(lang)
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == DEFAULT or not path.exists():
        return _gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    # Untranslated and fuzzy entries are left out of the .mo, so they fall back to the msgid.
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def current() -> str:
    """The language of the update being handled (English outside any)."""
    return _current.get()


@contextmanager
def use_language(lang: str | None) -> Iterator[str]:
    """Translate into `lang` (normalised) inside the block; restores the previous language."""
    token = _current.set(normalise(lang))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def set_language(lang: str | None) -> None:
    """Switch the current context's language (for a handler that learns the chat's choice late)."""
    _current.set(normalise(lang))


def _(message: str) -> str:
    """`message` in the current language ("" stays "": gettext would return the header)."""
    return translator(_current.get()).gettext(message) if message else message


def gettext(message: str) -> str:
    """Same as `_`, for places where `_` is a throwaway name."""
    return _(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of `singular`/`plural` for `n` in the current language (ru/uk have three)."""
    return translator(_current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark `message` for extraction only; it is translated with `_()` where it is shown."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Mark an ngettext pair for extraction only; counted with `ngettext()` where it is shown."""
    return (singular, plural)


def number(value: int | float) -> str:
    """A number with the current language's digit grouping (1,234 / 1 234 / 1.234)."""
    return format_decimal(value, locale=_current.get())


def day_label(day: date, *, weekday: bool = True, year: bool = True) -> str:
    """A date in the current language: "Mon 7 Dec 2026", "Mo., 7. Dez. 2026", "пн, 7 дек. 2026 г."."""
    lang = _current.get()
    if lang == DEFAULT:  # the bot's English style, unchanged
        text = f"{day.day} {day:%b}" + (f" {day:%Y}" if year else "")
        return f"{day:%a} {text}" if weekday else text
    # CLDR skeletons put day, month, weekday and year in each language's own order.
    skeleton = ("y" if year else "") + "MMM" + ("E" if weekday else "") + "d"
    return format_skeleton(skeleton, day, locale=lang)
