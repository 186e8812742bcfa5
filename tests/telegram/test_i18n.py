"""The gettext catalogues (bot/locale): complete in every language, placeholders and HTML kept,
the .pot current with the code, the language chosen from Telegram's language_code, and the
longest first messages within Telegram's limits in every language."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from bot import i18n
from bot.i18n import LANGUAGES, LOCALE_DIR, choose, normalise, translator, use_language
from bot.telegram.digest_html import render_empty, render_footer
from bot.telegram.info import help_html, registered_commands, start_html
from bot.telegram.render import plural, split_html, visible_text
from testsupport.botapi import parse_html, utf16_len
from testsupport.corpora import ROOT

TRANSLATED = [lang for lang in LANGUAGES if lang != i18n.DEFAULT]
# Forms per language (CLDR, as Babel writes them): Russian and Ukrainian have one/few/many;
# Spanish and Portuguese have one/many (exact millions)/other.
PLURAL_FORMS = {"ru": 3, "uk": 3, "de": 2, "es": 3, "pt": 3}

_BRACE = re.compile(r"\{[^{}]*\}")
_PERCENT = re.compile(r"%(?:\([^)]*\))?[sdrif]")
_TAG = re.compile(r"</?[a-z]+(?:\s[^<>]*)?>")
# A /command someone types (lowercase ASCII, not the "/City" of "Area/City").
_COMMAND = re.compile(r"(?<![\w/])/[a-z_]+")


def placeholders(text: str) -> Counter[str]:
    """What a translation must keep exactly: {names}, %-formats, HTML tags and /commands."""
    return Counter(
        [
            *_BRACE.findall(text),
            *_PERCENT.findall(text),
            *_TAG.findall(text),
            *_COMMAND.findall(text),
        ]
    )


def catalogue(lang: str) -> Catalog:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=lang)


def template() -> Catalog:
    with (LOCALE_DIR / "messages.pot").open("rb") as pot:
        return read_po(pot)


def msgids(catalog: Catalog) -> set[str | tuple[str, ...]]:
    return {message.id for message in catalog if message.id}


def test_every_language_has_a_catalogue_with_its_plural_forms() -> None:
    assert set(TRANSLATED) == set(PLURAL_FORMS)
    for lang in TRANSLATED:
        assert catalogue(lang).num_plurals == PLURAL_FORMS[lang], lang


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_catalogue_translates_every_message_of_the_template(lang: str) -> None:
    catalog = catalogue(lang)
    missing, empty = [], []
    for wanted in template():
        if not wanted.id:
            continue
        found = catalog.get(wanted.id)
        if found is None:
            missing.append(wanted.id)
            continue
        forms = found.string if isinstance(found.string, tuple) else (found.string,)
        expected = PLURAL_FORMS[lang] if wanted.pluralizable else 1
        if found.fuzzy or len(forms) != expected or not all(f.strip() for f in forms):
            empty.append(wanted.id)
    assert missing == [], f"{lang}: msgids missing from the catalogue (run `make messages`)"
    assert empty == [], f"{lang}: untranslated, fuzzy or short of plural forms"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_placeholders_tags_and_commands(lang: str) -> None:
    wrong = []
    for message in catalogue(lang):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = placeholders(ids[-1])
        for form in forms:
            if placeholders(form) != expected:
                wrong.append((ids[0], form))
            if _TAG.search(form):
                parse_html(form)  # well-formed Telegram HTML, as the fake Bot API demands
    assert wrong == []


def test_the_placeholder_check_catches_a_lost_placeholder_or_tag() -> None:
    assert placeholders("Hi {name}! <b>x</b> /help") != placeholders("Привет! <b>x</b> /help")
    assert placeholders("<b>x</b>") != placeholders("<i>x</i>")
    assert placeholders("%(n)s and /feeds") != placeholders("%s and /feeds")
    assert placeholders("/subscribe HH:MM Area/City") == placeholders(
        "/subscribe ЧЧ:ММ Регион/Город"
    )


def _makefile_keywords() -> dict[str, tuple[int, ...] | None]:
    line = next(
        line
        for line in (ROOT / "Makefile").read_text().splitlines()
        if line.startswith("PYBABEL_KEYWORDS")
    )
    keywords: dict[str, tuple[int, ...] | None] = dict(DEFAULT_KEYWORDS)
    for spec in re.findall(r"-k\s+(\S+)", line):
        name, _sep, args = spec.partition(":")
        keywords[name] = tuple(int(a) for a in args.split(",")) if args else None
    return keywords


def _extracted() -> Iterator[str | tuple[str, ...]]:
    method_map = [("bot/**.py", "python")]
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=_makefile_keywords()
    ):
        yield message


def test_the_template_is_up_to_date_with_the_code() -> None:
    in_code = {m if isinstance(m, str) else tuple(m) for m in _extracted()}
    in_pot = msgids(template())
    assert sorted(map(str, in_code - in_pot)) == [], "new strings: run `make messages`"
    assert sorted(map(str, in_pot - in_code)) == [], "stale strings: run `make messages`"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ru", "ru"),
        ("pt-br", "pt"),
        ("pt-BR", "pt"),
        ("de_AT", "de"),
        ("UK", "uk"),
        ("en-GB", "en"),
        ("fr", "en"),
        ("zz-unknown", "en"),
        ("", "en"),
        (None, "en"),
        ("-", "en"),
        ("🙂", "en"),
    ],
)
def test_a_language_code_maps_to_a_catalogue_or_english(code: str | None, expected: str) -> None:
    assert normalise(code) == expected


def test_the_chat_setting_overrides_the_users_language() -> None:
    assert choose("de", "ru") == "de"
    assert choose("", "ru") == "ru"
    assert choose("xx", "pt-br") == "pt"  # a stored value without a catalogue is ignored


def test_a_language_without_a_catalogue_is_english_and_nothing_breaks() -> None:
    assert translator("xx").gettext("Saved.") == "Saved."
    with use_language("xx"):
        assert i18n.current() == "en"
        assert i18n._("Saved.") == "Saved."
        assert i18n.ngettext("{n} feed", "{n} feeds", 2) == "{n} feeds"


@pytest.mark.parametrize(
    ("lang", "counts"),
    [
        (
            "ru",
            {
                1: "1 лента",
                3: "3 ленты",
                5: "5 лент",
                11: "11 лент",
                21: "21 лента",
                22: "22 ленты",
            },
        ),
        ("uk", {1: "1 стрічка", 3: "3 стрічки", 5: "5 стрічок", 21: "21 стрічка"}),
        ("de", {1: "1 Feed", 2: "2 Feeds"}),
        ("pt", {0: "0 feed", 1: "1 feed", 2: "2 feeds", 1_000_000: "1.000.000 feeds"}),
        ("es", {1: "1 fuente", 2: "2 fuentes"}),
        ("en", {1: "1 feed", 0: "0 feeds"}),
    ],
)
def test_plural_forms_follow_the_language(lang: str, counts: dict[int, str]) -> None:
    with use_language(lang):
        for n, expected in counts.items():
            assert plural(n, "{n} feed", "{n} feeds") == expected


def test_context_languages_do_not_leak() -> None:
    with use_language("ru"):
        with use_language("de"):
            assert i18n.current() == "de"
        assert i18n.current() == "ru"
    assert i18n.current() == "en"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_start_and_help_fit_telegram_in_every_language(lang: str) -> None:
    name = "Maximiliana-Alexandrina von Hohenberg"  # longer than the 32 characters shown
    english = start_html(name)
    with use_language(lang):
        start = start_html(name)
        text, _entities = parse_html(start)  # strict HTML, as the fake Bot API parses it
        assert utf16_len(text) < 400, lang
        assert text == visible_text(start)
        assert (start == english) == (lang == "en")
        for admin in (False, True):
            shown = help_html(has_llm=False, admin=admin)
            parse_html(shown)
            assert len(split_html(shown)) == 1, lang
        parse_html(render_empty(None))
        parse_html(render_footer(3, 2))


def test_start_is_in_the_users_language() -> None:
    with use_language("ru"):
        assert "Привет" in start_html("Аня")
    with use_language("uk"):
        assert "Привіт" in start_html("Аня")
    with use_language("en"):
        assert "Hi" in start_html("Ann")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_command_menu_is_registered_in_every_language(lang: str) -> None:
    english = registered_commands("en")
    menu = registered_commands(lang)
    assert [c.command for c in menu] == [c.command for c in english]
    for command in menu:
        assert 3 <= len(command.description) <= 256
    if lang != "en":
        assert [c.description for c in menu] != [c.description for c in english]


def test_errors_from_lower_layers_are_shown_in_the_users_language() -> None:
    from bot.digests.timing import parse_local_time
    from bot.errors import HTTPStatusError, InputError
    from bot.telegram.common import user_message

    status = HTTPStatusError(404)
    assert status.user_message.startswith("The site answered with HTTP 404")  # logs stay English
    with pytest.raises(InputError) as bad_time:
        parse_local_time("25:99")
    with use_language("ru"):
        assert user_message(status) == "Сайт ответил HTTP 404; проверьте, верна ли ссылка."
        shown = user_message(bad_time.value)
        # The user's input is kept as typed; the example line is a msgid and is translated too.
        assert (
            shown.startswith("«25:99» — недопустимое время суток") and "Пример: /subscribe" in shown
        )
    with use_language("de"):
        assert user_message(InputError()).startswith("Diese Eingabe ist nicht verwendbar")
        # A message no catalogue knows (a custom text) is shown as it is.
        assert user_message(InputError("Custom words.")) == "Custom words."
