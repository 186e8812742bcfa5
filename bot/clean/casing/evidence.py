"""Casing: evidence for one word or phrase — the cased title, the text's own spellings, the lexicon."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING

from bot.clean.casing.lexicon import (
    Lexicon,
    _lexical_word_form,
    _name_like,
    _norm,
    _vocab_has,
    load_lexicon,
)
from bot.clean.casing.tokens import (
    KIND_ACRONYM,
    KIND_CASING,
    _cased_words,
    _spaced,
    _Token,
    _tokens,
)
from bot.clean.casing.words import (
    CALENDAR_NAMES,
    COUNTRY_OR_THING,
    DETERMINERS,
    LOWER_IN_NAMES,
    STARTERS,
    TITLE_BREAKS,
)
from bot.clean.edits import Edit

if TYPE_CHECKING:
    from bot.clean import CleanContext


def _title_evidence(
    title: str, lex: Lexicon
) -> tuple[dict[str, str], dict[tuple[str, ...], tuple[str, ...]]]:
    """Word and phrase evidence from a cased title (sentence case; Title Case gives names only)."""
    words: dict[str, str] = {}
    phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
    tokens = _tokens(title)
    if not tokens or title.upper() == title or title.lower() == title:
        return words, phrases
    body = tokens[1:]
    long_ordinary = [t for t in body if len(t.key) > 3 and _vocab_has(t.key)]
    title_case = bool(long_ordinary) and (
        sum(t.text[0].isupper() for t in long_ordinary) >= 0.7 * len(long_ordinary)
    )
    run: list[_Token] = []

    def plain(token: _Token) -> bool:
        """An ordinary word with no name reading: a title capitalises it only for emphasis."""
        flags = lex.entries.get(token.key, ("", ""))[1]
        return _vocab_has(token.key) and not flags and token.key not in lex.org_words

    def known(part: list[_Token]) -> bool:
        keys = tuple(t.key for t in part)
        return any(keys == option for option, _ in lex.phrases.get(keys[:2], []))

    def close_run() -> None:
        # "Hong Kong Unrest" names "Hong Kong" (a known name) and capitalises "unrest" only for
        # the headline; "L.A. Auto Show" keeps "Show".
        while run and (run[-1].key in LOWER_IN_NAMES or (plain(run[-1]) and known(run[:-1]))):
            run.pop()
        if len(run) >= 2 and not title_case:
            # The whole run and its leading parts: "Secretary of State Blinken" also gives
            # "Secretary of State", "Star Wars Jedi" also "Star Wars".
            for size in range(len(run), 1, -1):
                part = run[:size]
                if part[-1].key not in LOWER_IN_NAMES:
                    phrases[tuple(t.key for t in part)] = tuple(t.text for t in part)
        elif len(run) >= 2:
            # Title Case capitalises every word, so a run is no name by itself; its parts of two
            # or more words name something only where the text repeats them word for word
            # ("NASA Picks SpaceX, Blue Origin and More" → "blue origin" in the text).
            for first in range(len(run) - 1):
                for last in range(first + 2, len(run) + 1):
                    part = run[first:last]
                    if _title_part_is_name(part, lex):
                        phrases.setdefault(tuple(t.key for t in part), tuple(t.text for t in part))
        run.clear()

    for index, token in enumerate(tokens):
        capital = token.text[:1].isupper()
        # The first word of the title or of a part after ":", "|", a dash or a quote is capitalised
        # for position, not because it is a name.
        initial = index == 0 or title[: token.start].rstrip().endswith(TITLE_BREAKS)
        if capital and token.free and not initial:
            flags = lex.entries.get(token.key, ("", ""))[1]
            if title_case:
                accept = (
                    not _vocab_has(token.key) or "N" in flags or (token.key,) in lex.single_names
                )
            else:
                # A capital on an uncommon ordinary word mid-title names something ("Indiana
                # Statehouse", "Van Der Beek"); shouted words ("warns SURRENDER") do not.
                accept = token.key not in STARTERS and (
                    not plain(token) or (token.key not in lex.common and not token.text.isupper())
                )
            if accept:
                words[token.key] = token.text
            run.append(token)
        elif capital and token.free:
            close_run()
            run.append(token)  # an initial word is no evidence alone but may open a name
        elif run and token.key in LOWER_IN_NAMES and not capital:
            run.append(token)
        else:
            close_run()
    close_run()
    # One-word evidence for common ordinary words only when the title used them alone ("Apple",
    # "Turkey"); uncommon ones name the same thing alone ("Indiana Statehouse" … "the Statehouse").
    for phrase in phrases:
        for key in phrase:
            if _vocab_has(key) and key in words and (title_case or key in lex.common):
                del words[key]
    return words, phrases


def _title_part_is_name(part: list[_Token], lex: Lexicon) -> bool:
    """A part of a Title Case run that names something: it holds a word with a name reading or
    ends in a word that heads names ("Jupiter's Moon Europa", "Evidence Action Beta" no,
    "Amsterdam Light Festival" yes). Topic phrases ("Binge Eating") repeat in the text too."""
    if part[0].key in LOWER_IN_NAMES or part[-1].key in LOWER_IN_NAMES:
        return False
    return any(_name_like(t.key) for t in part) or part[-1].key in lex.org_words


def _inconsistent_names(tokens: list[_Token], lex: Lexicon) -> list[Edit]:
    """In well-cased text, a name the document itself writes differently elsewhere: "putin" or
    "Nato" where the text says "Putin" or "NATO" at least twice in mid-sentence. Only words that
    are not ordinary English words (an author may mean "apple" and "Apple")."""
    written: dict[str, dict[str, int]] = {}
    for t in tokens:
        if t.free and not t.start_of_sentence and not t.after_stop and t.text[:1].isupper():
            forms = written.setdefault(t.key, {})
            forms[t.text] = forms.get(t.text, 0) + 1
    edits = []
    for t in tokens:
        forms = written.get(t.key)
        if not forms or not t.free or _vocab_has(t.key):
            continue
        form, count = max(forms.items(), key=lambda item: item[1])
        if form == t.text or count < 2 or count <= forms.get(t.text, 0):
            continue
        positional = t.text[:1].isupper() and t.text[1:].islower()
        if t.text.islower() or (positional and form != form.capitalize()):
            edits.append(
                Edit(t.start, t.end, form, KIND_ACRONYM if form.isupper() else KIND_CASING)
            )
    return edits


def _decide_words(text: str, tokens: list[_Token], lex: Lexicon, context: CleanContext) -> None:
    """Per-word decisions from evidence, acronyms, the lexicon and the vocabulary."""
    title_words, title_phrases = _title_evidence(context.title, lex)
    if context.names:
        page_words, page_phrases = page_evidence(context.names)
        title_words = {**page_words, **title_words}  # the title's own reading wins
        title_phrases = {**page_phrases, **title_phrases}
    body_forms = {
        t.key: t.text
        for t in _cased_words(text, tokens)
        if not _vocab_has(t.key) and t.text != t.text.capitalize()
    }
    # Each word's form is decided once; a lowercase word with no form of its own (most words)
    # is left as it is, so the loop looks only at the others.
    memo = {key: _word_form(lex, key, title_words, body_forms) for key in {t.key for t in tokens}}
    named = {key for key, (form, _) in memo.items() if form is not None}
    for index in [
        i for i, t in enumerate(tokens) if t.key in named or not t.text.islower() or t.key[0] == "i"
    ]:
        token = tokens[index]
        prev = tokens[index - 1] if index else None
        if not token.free or (
            token.contraction and token.key not in ("i'm", "i've", "i'll", "i'd")
        ):
            continue
        key = token.key
        if key == "i" or key.startswith("i'"):
            token.form = "I" + token.text[1:]
            continue
        word = token.text
        if word.islower():
            positional = False
        else:
            # A capital on the first letter only may be positional (a naive sentence start,
            # "Nato’s"): decided like a lowercase word; other mixed or upper case is kept.
            positional = word[0].isupper() and (len(word) == 1 or word[1:].islower())
            if not positional:
                token.proper = word[0].isupper()
                if key in lex.acronyms:
                    token.kind = KIND_ACRONYM  # "NATO" is no first name, whatever the lexicon
                continue
        form, kind = memo[key]
        if form is None:
            if positional and not token.start_of_sentence and not token.after_stop:
                token.proper = True  # a mid-sentence capital in a lowercased text is evidence
            continue
        if (
            key in COUNTRY_OR_THING
            and key not in title_words
            and prev is not None
            and prev.key in DETERMINERS
            and _spaced(text, prev, token)
        ):
            form = None  # "roast the turkey", "a new jersey": the thing, not the country
        if form is not None and _norm(form.lower()) == key:
            token.form, token.kind, token.proper = form, kind, True
        elif positional and not token.start_of_sentence and not token.after_stop:
            token.proper = True  # a mid-sentence capital in a lowercased document is evidence
    _apply_phrases(text, tokens, title_phrases, lex)


def _word_form(
    lex: Lexicon, key: str, title_words: dict[str, str], body_forms: dict[str, str]
) -> tuple[str | None, str]:
    """The cased form of one word on its own evidence, or None for an ordinary word."""
    acronym = lex.acronyms.get(key)
    if acronym is not None:
        return acronym, KIND_ACRONYM
    if key in title_words:
        return title_words[key], KIND_CASING
    form, kind, spelling_decides = _lexical_word_form(key)
    if spelling_decides and key in body_forms:
        return body_forms[key], KIND_CASING
    return form, kind


def _apply_phrases(
    text: str,
    tokens: list[_Token],
    title_phrases: dict[tuple[str, ...], tuple[str, ...]],
    lex: Lexicon,
) -> None:
    by_start: dict[tuple[str, ...], list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    for keys, forms in title_phrases.items():
        by_start.setdefault(keys[:2], []).append((keys, forms))
    known = lex.phrases
    # No copy of the (large) start set unless the title adds phrases.
    starts = lex.phrase_starts | {keys[0] for keys in by_start} if by_start else lex.phrase_starts
    count = len(tokens)
    resume = 0  # the first token after the last phrase matched: phrases do not overlap
    # Only words that can open a phrase are looked at (one set test each, in a comprehension).
    for index in [i for i, t in enumerate(tokens) if t.key in starts]:
        if index < resume:
            continue
        key = tokens[index].key
        pair = (key, tokens[index + 1].key) if index + 1 < count else (key,)
        options = by_start.get(pair, []) + known.get(pair, []) + known.get((key,), [])
        if not options:
            continue
        matched = 0
        for keys, forms in options:
            size = len(keys)
            span = tokens[index : index + size]
            if len(span) != size or not all(
                t.key == k and t.free for t, k in zip(span, keys, strict=True)
            ):
                continue
            if not all(_spaced(text, a, b) for a, b in pairwise(span)):
                continue
            for t, form in zip(span, forms, strict=True):
                if t.text.islower() and form[0].isupper() and len(form) >= len(t.text):
                    t.form, t.kind = form[: len(t.text)], KIND_CASING
                t.proper = True
            matched = size
            break
        resume = index + max(1, matched)


def _is_title_case(title: str) -> bool:
    """Whether a title capitalises its ordinary words (Title Case) rather than only names."""
    tokens = _tokens(title)
    if not tokens or title.upper() == title or title.lower() == title:
        return False
    ordinary = [t for t in tokens[1:] if len(t.key) > 3 and _vocab_has(t.key)]
    return bool(ordinary) and sum(t.text[0].isupper() for t in ordinary) >= 0.7 * len(ordinary)


# A text shows casing damage when at least DAMAGE_MIN_NAMES different known names are written
# lowercase mid-sentence, at least DAMAGE_SHARE of all such mentions are, and (with enough sentences to
# tell) at least STARTS_SHARE of its sentence starts carry a capital: the lowercasing pipeline
# lowers everything, then capitalises naive sentence starts.
DAMAGE_MIN_NAMES = 2
DAMAGE_SHARE = 0.67
STARTS_SHARE = 0.75
STARTS_MIN = 4


@dataclass(frozen=True, slots=True)
class CasingDamage:
    """Evidence that a text went through a lowercasing pipeline (see `casing_damage`)."""

    lowercase_names: int  # mid-sentence mentions of known names written lowercase
    distinct_lowercase: int  # ... how many different names they are
    capital_names: int  # ... and written with a capital
    starts: int  # sentence and paragraph starts
    capital_starts: int  # ... that carry a capital

    @property
    def shown(self) -> bool:
        """Whether the text shows casing damage."""
        names = self.lowercase_names + self.capital_names
        return (
            self.distinct_lowercase >= DAMAGE_MIN_NAMES
            and self.lowercase_names >= DAMAGE_SHARE * names
            and (self.starts < STARTS_MIN or self.capital_starts >= STARTS_SHARE * self.starts)
        )


def casing_damage(
    lowercase_keys: list[str],
    capital_keys: list[str],
    starts: int,
    capital_starts: int,
    names: frozenset[str] = frozenset(),
) -> CasingDamage:
    """Count known-name mentions by case among a text's mid-sentence words; `names` are more
    words known as names for this document (from its cased title or its page)."""

    def known(key: str) -> bool:
        return key in names or _known_name(key)

    lowered = [key for key in lowercase_keys if known(key)]
    return CasingDamage(
        len(lowered), len(set(lowered)), sum(map(known, capital_keys)), starts, capital_starts
    )


def title_names(title: str, lex: Lexicon) -> frozenset[str]:
    """Words a cased title writes with a capital where position does not call for one: all of
    them in a sentence-case title, those with a name reading in a Title Case one."""
    tokens = _tokens(title)
    if not tokens or title.upper() == title or title.lower() == title:
        return frozenset()
    title_case = _is_title_case(title)
    names = set()
    for index, token in enumerate(tokens):
        if not index or not token.text[:1].isupper() or len(token.key) < 2:
            continue
        if title[: token.start].rstrip().endswith(TITLE_BREAKS) or token.key in STARTERS:
            continue
        if title_case and not (_name_like(token.key) or token.key in lex.entries):
            continue
        names.add(token.key)
    return frozenset(names)


@lru_cache(maxsize=1 << 16)
def _known_name(key: str) -> bool:
    """A word the resources know as a name and as nothing else: an acronym, a country or
    state, a month or weekday, a word news capitalises nearly always, a first name that is no
    ordinary word."""
    lex = load_lexicon()
    if key in lex.acronyms or (key,) in lex.regions or key in CALENDAR_NAMES:
        return True
    flags = lex.entries.get(key, ("", ""))[1]
    # Short first names are function words elsewhere ("una", "que", "dan", "yang").
    return "N" in flags or ("F" in flags and "A" not in flags and len(key) > 3)


@lru_cache(maxsize=256)
def page_evidence(
    names: tuple[str, ...],
) -> tuple[dict[str, str], dict[tuple[str, ...], tuple[str, ...]]]:
    """Word and phrase evidence from the page's cased names (bot/evidence.py). Pages also carry
    navigation and Title Case headlines ("Log In", "Arizona Development Bans Residents"), so a
    word counts only when it has a name reading or a form of its own ("EA", "RAV4"), and a
    phrase only when it holds such a word or ends in a word that heads names."""
    lex = load_lexicon()
    words: dict[str, str] = {}
    phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
    for name in names:
        tokens = [t for t in _tokens(name) if t.free]
        if not tokens or not all(t.text[:1].isupper() or t.key in LOWER_IN_NAMES for t in tokens):
            continue
        for token in tokens:
            if len(token.key) < 2 or not token.text[:1].isupper():
                continue
            flags = lex.entries.get(token.key, ("", ""))[1]
            if token.text.isupper():
                # An acronym ("EA", "WSJ"); a shouted ordinary word ("THE", "PLAGUE") is none.
                accept = not _vocab_has(token.key)
            elif token.text != token.text.capitalize():
                accept = True  # a form of its own: "RAV4", "iPhone", "McDonald"
            else:
                accept = _name_like(token.key) or ("A" in flags and token.key not in lex.common)
            if accept:
                words.setdefault(token.key, token.text)
        if len(tokens) < 2 or all(t.text.isupper() for t in tokens):
            continue  # one word, or a shouted headline
        # A run of ordinary words names something when it holds a name word, ends in a head
        # word, or the page repeats it in another place (og:title and keywords, a caption).
        if _title_part_is_name(tokens, lex) or sum(name in other for other in names) >= 2:
            phrases.setdefault(tuple(t.key for t in tokens), tuple(t.text for t in tokens))
    return words, phrases
