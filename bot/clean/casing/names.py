"""Casing rules across words: first names and surnames, titles, organisations, places, brands."""

from __future__ import annotations

import re
from functools import cache
from itertools import pairwise

from bot.clean.casing.acronyms import _apply_double_initials
from bot.clean.casing.lexicon import Lexicon, _name_like, _vocab_has, load_lexicon
from bot.clean.casing.tokens import KIND_ACRONYM, _spaced, _Token
from bot.clean.casing.words import (
    ARTICLES,
    BEFORE_NAMES,
    COMPANY_SUFFIXES,
    DEMONYM_ENDINGS,
    FUNCTION_WORDS,
    HONORIFICS,
    HOUSE_CUES,
    IDIOM_ON_EARTH,
    LIST_ENDS,
    LOWER_IN_NAMES,
    MONTH_CUES,
    NAME_CUE_WORDS,
    ORDINALS,
    ORG_OF,
    PARTY_CUES,
    PARTY_WORDS,
    PLANET_CUES,
    PLANET_NOT_BEFORE,
    RUN_NOT_HEADS,
    SERVICE_HEADS,
    SERVICES,
    SPEECH_VERBS,
    STARTERS,
    STATE_CODES,
    STREET_TYPES,
    TOWN_CUES,
    US_CUES,
    US_STATES,
    VERB_ENDINGS,
)


def _apply_teams(tokens: list[_Token], lex: Lexicon) -> None:
    """A team named once after its city ("cleveland browns") is the team alone too ("the
    browns won"): sports texts drop the city after the first mention."""
    named = {
        t.key for t in tokens if t.key in lex.teams and t.form is not None and t.form[:1].isupper()
    }
    if not named:
        return
    for token in tokens:
        if token.key in named and token.form is None and token.text.islower() and token.free:
            token.form, token.proper = token.text.capitalize(), True


def _capitalise(token: _Token) -> None:
    """Give a lowercase word its capital and mark it a name (a decided form such as "NATO" stays)."""
    if token.text.islower() and token.free and not token.contraction:
        if token.form is None or token.form.islower():
            token.form = token.text[0].upper() + token.text[1:]
    token.proper = True


@cache
def _context_rule_words() -> frozenset[str]:
    """The words the per-word loop of `_apply_context_rules` can act on: first names ("F"),
    honorifics, and "may" and "march" where the lexicon lists them."""
    entries = load_lexicon().entries
    first_names = {key for key, (_, flags) in entries.items() if "F" in flags}
    return frozenset(first_names | HONORIFICS | ({"may", "march"} & entries.keys()))


def _apply_context_rules(text: str, tokens: list[_Token], lex: Lexicon) -> None:
    """Names across words: first name + surname, titles and honorifics, months, org names."""
    count = len(tokens)
    _apply_name_cues(text, tokens, lex)
    capitalise = _capitalise

    def linked(i: int, j: int) -> bool:
        return 0 <= i < count and 0 <= j < count and _spaced(text, tokens[i], tokens[j])

    entries = lex.entries
    # Most words are none of a first name, an honorific or a month: the loop skips them.
    acting = _context_rule_words()
    for i in [i for i, t in enumerate(tokens) if t.key in acting]:
        token = tokens[i]
        entry = entries.get(token.key)
        if entry is None and token.key not in HONORIFICS:
            continue  # most words: no name reading, nothing to do here
        flags = entry[1] if entry else ""
        nxt = tokens[i + 1] if i + 1 < count else None
        # Months that are also ordinary words: "in may", "may 5", "march 2020".
        if token.key in ("may", "march") and token.text.islower():
            after = text[token.end : token.end + 3]
            prev = tokens[i - 1].key if i else ""
            if re.match(r" \d", after) or (prev in MONTH_CUES and linked(i - 1, i)):
                capitalise(token)
            continue
        # A first name that is also a word ("mark", "will") only before a name.
        glued = token.start > 0 and text[token.start - 1] == "-"  # "e-tron Sportback"
        # The name may go on after an initial: "keir u. sunak".
        initial = (
            nxt is not None
            and len(nxt.key) == 1
            and i + 2 < count
            and text[nxt.end : tokens[i + 2].start] == ". "
            and tokens[i + 2].proper
        )
        if (
            "F" in flags
            and nxt is not None
            and linked(i, i + 1)
            and (nxt.proper or initial)
            and not glued
        ):
            if (token.text.islower() and token.key not in lex.common) or "A" not in flags:
                capitalise(token)
            elif (
                token.text.islower()
                and token.key not in lex.top_words
                and len(token.key) > 2
                and nxt.kind != KIND_ACRONYM
                and not _vocab_has(nxt.key)
                and nxt.text.islower()
                and _name_slot(text, tokens, i, lex)
            ):
                # "bill clinton", "will dunham": a common word that is a first name, before a
                # surname that is no English word; not "the bill clinton signed".
                capitalise(token)
        # After a first name, an ordinary but uncommon word is a surname ("elon musk").
        if (
            "F" in flags
            and token.proper
            and token.kind != KIND_ACRONYM
            and nxt is not None
            and linked(i, i + 1)
            and not nxt.proper
            and nxt.text.islower()
            and (
                nxt.key not in lex.common
                or ("S" in lex.entries.get(nxt.key, ("", ""))[1] and nxt.key not in lex.top_words)
            )
            and not nxt.key.endswith(VERB_ENDINGS)
            and not nxt.start_of_sentence
        ):
            capitalise(nxt)
        # Honorifics: "mr. brown", "dr. green".
        if token.key in HONORIFICS and text[token.end : token.end + 2] in (". ", " "):
            if nxt is not None and nxt.text.islower() and nxt.key not in LOWER_IN_NAMES:
                if nxt.start - token.end <= 2 and (nxt.key not in lex.common or nxt.proper):
                    capitalise(nxt)
                    capitalise(token)
    _apply_double_initials(text, tokens, capitalise)
    # Initials: "j. k. rowling", "john f. kennedy", "george w. bush" (right to left for chains).
    singles = [i for i, t in enumerate(tokens) if len(t.key) == 1 and i < count - 1]
    for i in reversed(singles):
        token, nxt = tokens[i], tokens[i + 1]
        if not token.free:
            continue
        if text[token.end : nxt.start] != ". " or not nxt.text[:1].isalpha():
            continue
        after_first_name = i > 0 and "F" in lex.entries.get(tokens[i - 1].key, ("", ""))[1]
        if token.key in ("a", "i") and not (after_first_name and tokens[i - 1].proper):
            continue  # "Elizabeth a. Burton" is an initial; "a. the" is not
        if nxt.proper or (after_first_name and tokens[i - 1].proper and nxt.key not in lex.common):
            capitalise(token)
            capitalise(nxt)
    _apply_titles(text, tokens, lex, capitalise)
    _apply_org_words(text, tokens, lex, capitalise)
    _apply_towns(text, tokens, lex, capitalise)
    _apply_streets(text, tokens, capitalise)
    _apply_planet(text, tokens, capitalise)


def _name_slot(text: str, tokens: list[_Token], i: int, lex: Lexicon) -> bool:
    """Whether token `i` stands where a person's name usually starts: after punctuation, a
    title ("General Mark Milley") or one of BEFORE_NAMES."""
    if i == 0:
        return True
    prev = tokens[i - 1]
    gap = text[prev.end : tokens[i].start]
    if gap.strip():
        return not prev.possessive and not gap.strip().endswith(("-", "’", "'"))
    return prev.key in BEFORE_NAMES or (prev.key in lex.title_ends and not prev.proper)


@cache
def _ambiguous_names() -> tuple[frozenset[str], frozenset[str]]:
    """Lexicon words that are both ordinary words and names ("A"), not first names ("F"), on
    which `_apply_name_cues` can act (brand-like or uncommon), and the brand-like ones of them."""
    lex = load_lexicon()
    acting: set[str] = set()
    brand_like: set[str] = set()
    for key, (form, flags) in lex.entries.items():
        if "A" not in flags or "F" in flags:
            continue
        # A brand's product right after it names the brand ("apple’s 12-inch MacBook", "apple
        # iPad"); not for frequent words that merely describe one ("new iPad", "and iPhone").
        if len(form) > 2 and form[1:].islower() and key not in lex.very_common:
            brand_like.add(key)
        if key in brand_like or key not in lex.common:
            acting.add(key)
    return frozenset(acting), frozenset(brand_like)


def _apply_name_cues(text: str, tokens: list[_Token], lex: Lexicon) -> None:
    """Words that are both ordinary and names ("trump", "apple"): a possessive or a speech verb
    after one shows the name, and then every mention in the document is the name; "us" is "US"
    after "the" or before a word about the state ("us officials")."""
    names: set[str] = set()
    acting, brand_like = _ambiguous_names()
    for i in [i for i, t in enumerate(tokens) if t.key in acting]:
        token = tokens[i]
        if not token.text.islower():
            continue
        if token.key in brand_like and _brand_follows(text, tokens, i):
            names.add(token.key)
        if token.key in lex.common:
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        spoke = nxt is not None and nxt.key in SPEECH_VERBS and _spaced(text, token, nxt)
        # "the unions said", "a farmer's tan", "the galaxy's disk": a determiner makes it a thing.
        determined = i > 0 and tokens[i - 1].key in ARTICLES
        if (token.possessive or spoke) and not determined:
            names.add(token.key)
    cued = names | NAME_CUE_WORDS if names else NAME_CUE_WORDS
    for i in [i for i, t in enumerate(tokens) if t.key in cued]:
        token = tokens[i]
        if token.key in names and token.text.islower() and token.free:
            token.form = lex.entries[token.key][0]
            token.proper = True
        elif token.key in PARTY_WORDS and token.text.islower() and token.free:
            # "the democratic candidate" (the party) but "a democratic process".
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if nxt is not None and nxt.key in PARTY_CUES and _spaced(text, token, nxt):
                if token.key in ("democratic", "republican", "labour") or nxt.key == "party":
                    token.form, token.proper = token.text.capitalize(), True
                    if nxt.key == "party" and nxt.text.islower():
                        nxt.form, nxt.proper = nxt.text.capitalize(), True
        elif token.key == "house" and token.text.islower() and token.free:
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if nxt is not None and nxt.key in HOUSE_CUES and _spaced(text, token, nxt):
                prev = tokens[i - 1] if i else None
                # "the house speaker", "house democrats"; not "a house vote" or "his house floor".
                if prev is None or prev.key not in ("a", "an", "his", "her", "their", "my", "our"):
                    token.form, token.proper = "House", True
        elif token.key in STATE_CODES and token.text.islower() and i > 0 and token.free:
            # "Mountain View, ca for" → "CA": a state code right after a place and a comma; a
            # code that is also a word only where a line or list item ends ("Cleveland, oh /").
            prev = tokens[i - 1]
            if prev.proper and text[prev.end : token.start] == ", ":
                after = text[token.end : token.end + 2]
                if token.key in US_STATES or after[:1] in ("", "\n", ")") or after in LIST_ENDS:
                    token.form, token.kind, token.proper = token.key.upper(), KIND_ACRONYM, True
        elif (
            token.key == "us"
            and (token.text == "us" or (token.text == "Us" and token.start_of_sentence))
            and token.free
            and not token.contraction
        ):
            prev = tokens[i - 1] if i else None
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            after_the = (
                prev is not None and prev.key in ("the", "a", "an") and _spaced(text, prev, token)
            )
            cue = nxt is not None and nxt.key in US_CUES and _spaced(text, token, nxt)
            if token.text == "Us" and not cue:
                continue
            if after_the or cue or text[token.end : token.end + 1] == "-":
                token.form, token.kind, token.proper = "US", KIND_ACRONYM, True


def _brand_follows(text: str, tokens: list[_Token], i: int) -> bool:
    """A mixed-case product follows token `i` with at most a measure between ("apple iPad",
    "apple’s 12-inch MacBook"); a prose word in between ends the search ("smart keyboard folio.
    iPad" does not make "smart" a brand)."""
    for t in tokens[i + 1 : i + 4]:
        if _is_brand(t):
            return True
        if t.free and not t.proper and text[t.start - 1 : t.start] != "-":
            return False
    return False


def _is_brand(token: _Token) -> bool:
    """A product written in mixed case from the acronym table ("iPad", "MacBook")."""
    form = token.form
    if token.kind != KIND_ACRONYM or form is None or form.isupper():
        return False
    return not (form.endswith("s") and form[:-1].isupper())  # "TVs", "PCs": plural acronyms


def _title_words(text: str, tokens: list[_Token], end: int, size: int) -> tuple[str, ...] | None:
    """The `size` words ending at token `end - 1` as title keys ("sen." keeps its period)."""
    if end - size < 0:
        return None
    words = []
    for k in range(end - size, end):
        token = tokens[k]
        after = text[token.end : token.end + 1]
        words.append(token.key + ("." if after == "." else ""))
        if k < end - 1:
            gap = text[token.end : tokens[k + 1].start]
            if gap not in (" ", ". ", "-"):
                return None
    return tuple(words)


def _apply_titles(text: str, tokens: list[_Token], lex: Lexicon, capitalise) -> None:
    """Titles directly before a name: "secretary of state antony blinken", "president biden"."""
    count = len(tokens)
    ends = lex.title_ends
    for i in [i + 1 for i, t in enumerate(tokens) if t.key in ends and i + 1 < count]:
        token = tokens[i]
        if not token.proper:
            continue
        if text[tokens[i - 1].end : token.start] not in (" ", ". "):
            continue
        for size in range(lex.title_max, 0, -1):
            words = _title_words(text, tokens, i, size)
            if words is None:
                continue
            plain = tuple(w.rstrip(".") for w in words)
            if words in lex.titles or (plain in lex.titles and not words[-1].endswith(".")):
                for k in range(i - size, i):
                    if tokens[k].key not in LOWER_IN_NAMES:
                        capitalise(tokens[k])
                break


def _apply_streets(text: str, tokens: list[_Token], capitalise) -> None:
    """Addresses: "17th street", "seventh street", "1909 jolinda drive", and public services
    named after a place: "columbus police department"."""
    for i in [i for i, t in enumerate(tokens) if t.key in STREET_TYPES or t.key in SERVICES]:
        token = tokens[i]
        key = token.key
        if key in SERVICES and i and 0 < i + 1 < len(tokens):
            prev, nxt = tokens[i - 1], tokens[i + 1]
            if prev.proper and nxt.key in SERVICE_HEADS and _spaced(text, token, nxt):
                if _spaced(text, prev, token):
                    capitalise(token)
                    capitalise(nxt)
            continue
        if key not in STREET_TYPES or not token.text.islower() or not i:
            continue
        prev = tokens[i - 1]
        gap = text[prev.end : token.start]
        if gap != " ":
            continue
        ordinal = prev.key in ORDINALS or (prev.key in ("st", "nd", "rd", "th") and not prev.free)
        if ordinal or prev.proper:
            if prev.free and prev.key in ORDINALS:
                capitalise(prev)
            capitalise(token)
            continue
        # "1909 jolinda drive": the words between a house number and the street type.
        j = i - 1
        while j >= 0 and i - j <= 2 and tokens[j].free and tokens[j].key not in LOWER_IN_NAMES:
            j -= 1
        start = j + 1
        before = text[: tokens[start].start].rstrip(" ")
        if start < i and before[-1:].isdigit() and before[-5:].strip().isdigit():
            for t in tokens[start : i + 1]:
                capitalise(t)


def _apply_planet(text: str, tokens: list[_Token], capitalise) -> None:
    """The planet Earth in a lowercased text: a possessive or a preposition with no article."""
    if "earth" not in text and "Earth" not in text:
        return  # most texts: no scan of the tokens
    for i in [i for i, t in enumerate(tokens) if t.key == "earth"]:
        token = tokens[i]
        if not token.text.islower() or not i:
            continue
        prev = tokens[i - 1]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is not None and nxt.key in PLANET_NOT_BEFORE:
            continue
        if prev.key in ("rare", "scorched", "down", "the") or not _spaced(text, prev, token):
            if not (token.possessive and prev.key != "the"):
                continue
        if token.possessive or prev.key in PLANET_CUES:
            if prev.key == "on" and any(t.key in IDIOM_ON_EARTH for t in tokens[max(0, i - 3) : i]):
                continue
            capitalise(token)


def _apply_towns(text: str, tokens: list[_Token], lex: Lexicon, capitalise) -> None:
    """A town before ", <country or state>" after a preposition: "in mountain view, california"."""
    count = len(tokens)
    for i in [i for i, t in enumerate(tokens) if t.key in TOWN_CUES]:
        for size in (1, 2, 3):
            end = i + size  # index of the last town word
            if end + 1 >= count or text[tokens[end].end : tokens[end + 1].start] != ", ":
                continue
            town = tokens[i + 1 : end + 1]
            if any(
                t.key in lex.top_words or not t.free or t.contraction or t.start_of_sentence
                for t in town
            ) or not all(_spaced(text, a, b) for a, b in pairwise(town)):
                break
            region = _region_at(tokens, end + 1, lex)
            if region:
                for t in town:
                    capitalise(t)
                break


def _region_at(tokens: list[_Token], start: int, lex: Lexicon) -> bool:
    """Whether a country or state name (one to three words) starts at token `start`."""
    for size in (3, 2, 1):
        keys = tuple(t.key for t in tokens[start : start + size])
        if len(keys) == size and keys in lex.regions:
            return True
    return False


def _is_demonym(key: str) -> bool:
    """A nationality ("russian", "dutch"): a name by itself with a demonym ending; ordinary
    words with such endings ("watch", "glass") are none."""
    return key.endswith(DEMONYM_ENDINGS) and _name_like(key)


def _apply_org_words(text: str, tokens: list[_Token], lex: Lexicon, capitalise) -> None:
    """Name continuations: "atlantic council", "u.s. army", "university of texas"."""
    count = len(tokens)
    org_words = lex.org_words
    for i in [i for i, t in enumerate(tokens) if t.key in org_words or t.key in ORG_OF]:
        token = tokens[i]
        heads = token.key in org_words
        if not token.text.islower():
            continue
        prev = tokens[i - 1] if i else None
        nxt = tokens[i + 1] if i + 1 < count else None
        # "Pittsburgh center Maurkice Pouncey": before a person's name it is a role, not a venue.
        before_name = nxt is not None and nxt.proper and _spaced(text, token, nxt)
        if heads and not before_name and prev is not None and not prev.proper:
            # "American Enterprise Institute", "Goddard Space Flight Center": a name, then up to
            # three ordinary words, then a head word.
            j = i - 1
            while (
                j >= 0
                and i - j <= 3
                and tokens[j].text.islower()
                and tokens[j].free
                and not tokens[j].proper
                and not tokens[j].possessive
                and tokens[j].key not in lex.top_words
                and tokens[j].key not in STARTERS
                and tokens[j].key not in SPEECH_VERBS
                and not tokens[j].key.endswith(("ed", "ly"))
                and _spaced(text, tokens[j], tokens[j + 1])
            ):
                j -= 1
            if (
                j >= 0
                and j < i - 1
                and token.key not in RUN_NOT_HEADS
                and tokens[j].proper
                and (not tokens[j].possessive or i - j >= 3)  # "NASA's jet propulsion laboratory"
                and tokens[j].key not in HONORIFICS
                and (tokens[j].key,) not in lex.regions
                and tokens[j].key not in ("us", "uk", "eu")
                and (
                    _spaced(text, tokens[j], tokens[j + 1])
                    or (
                        tokens[j].possessive
                        and text[tokens[j].end + 2 : tokens[j + 1].start] == " "
                    )
                )
            ):
                for t in tokens[j + 1 : i + 1]:
                    capitalise(t)
                continue
        if (
            heads
            and prev is not None
            and prev.proper
            and not before_name
            and _spaced(text, prev, token)
            and (prev.kind == KIND_ACRONYM or not _is_demonym(prev.key))
        ):
            capitalise(token)
            continue
        if (
            token.key in ORG_OF
            and i + 2 < count
            and tokens[i + 1].key == "of"
            and _spaced(text, token, tokens[i + 1])
            and _spaced(text, tokens[i + 1], tokens[i + 2])
            and tokens[i + 2].proper
        ):
            capitalise(token)


COMPANY_RUN = 4


def _apply_company_suffixes(text: str, tokens: list[_Token], lex: Lexicon, capitalise) -> None:
    """A company's legal suffix names the words before it: "tyvak nano-satellite systems inc",
    "sierra nevada corp." ("co" only as "co.", the word "co" is too many other things)."""
    for i in [i for i, t in enumerate(tokens) if t.key in COMPANY_SUFFIXES]:
        token = tokens[i]
        if not i or not token.free:
            continue
        if token.key == "co" and text[token.end : token.end + 1] != ".":
            continue
        gap = text[tokens[i - 1].end : token.start]
        if gap not in (" ", ", "):
            continue
        j = i - 1
        run: list[_Token] = []
        while j >= 0 and len(run) < COMPANY_RUN:
            part = tokens[j]
            if part.key in FUNCTION_WORDS or part.key in STARTERS or not part.free:
                break
            run.append(part)
            if part.start_of_sentence or part.proper:
                break
            if j and text[tokens[j - 1].end : part.start] not in (" ", "-"):
                break
            j -= 1
        if not run:
            continue
        for part in run:
            capitalise(part)
        capitalise(token)
