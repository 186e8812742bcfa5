"""Cleanup pass: casing. Restores capitals that a content-farm pipeline lowercased.

Two regimes, chosen per document from how many of its name-like mid-sentence words carry a capital:
- well cased: only clear artefacts are repaired — a broken dotted acronym ("u. S." → "U.S."), a
  lone lowercase "i", and a name the document itself writes differently at least twice elsewhere
  ("putin" → "Putin", "Nato’s" → "NATO’s" in a text that says "NATO") — so edited text stays as
  it was (house styles such as "Nato" are kept);
- lowercased: truecasing. Evidence in order: the cased title (words and runs of words; of a Title
  Case title only the parts that hold a name word or end in a head word), capitalised mentions
  in the text, then the resources under bot/data/ (acronyms and mixed-case brands, multi-word
  names curated and from WordNet, a lexicon of names that are also ordinary words, first names and
  surnames, titles before names, head words that continue a name such as "Council" — also after
  ordinary words: "Goddard Space Flight Center" —, countries and states, Latin binomials), and
  finally the vocabulary: in an English document a word that is neither an English word nor
  derived from one is a name. The text's own structure adds some more: an acronym it defines
  ("binge eating disorder (BED)"), a company's legal suffix ("… Systems Inc."), two initials
  before a word ("W. M. Keck"), a wire dateline ("WASHINGTON (Reuters) -"), and short heading
  lines when the title shows the site writes Title Case. Sentence starts (after ". ", a paragraph break, a quotation opened
  after ":"; not an attribution after a quoted "!"/"?") are capitalised too. Sentence-initial
  capitals are never evidence.
Non-English text gets no truecasing (the vocabulary is English).

Only letters change case here (offsets are stable), except dotted acronyms which drop their spaces.
Resources load once per process (`load_lexicon`, cached); the vocabulary is held as CRC-32s.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from itertools import pairwise
from typing import TYPE_CHECKING

from bot.clean.edits import Edit
from bot.clean.unicode import CONTINUATION_CHARACTERS as _CONTINUATION

if TYPE_CHECKING:
    from bot.clean import CleanContext

GLUED = frozenset("0123456789" + "".join(map(chr, range(0x80, 0xA0))))
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
WORD_OR_GAP = re.compile(f"({WORD.pattern})")  # splits text into gap, word, gap, … , gap
ALNUM = re.compile(r"\d+[^\W\d_]+|[^\W\d_]+\d+")
APOSTROPHE = re.compile(r"['’]")
DOTTED = re.compile(r"(?<![\w.])[^\W\d_]\.(?: ?[^\W\d_]\.)+(?![\w])")
DOTTED_HINT = re.compile(r"\. ?[^\W\d_]\.")  # where a DOTTED match can first be
# Non-space chunks that may not be prose: URLs, e-mail addresses, domains, handles, hashtags,
# paths. Found cheaply first, then checked one by one.
MARKER = re.compile(r"[@#/\\]|\w\.\w")
NOT_PROSE = re.compile(
    r"(?:https?://|www\.).*|[^@\s]+@[^@\s]+\.\w+|[@#]\w+.*|[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?:/.*)?"
    r"|[~.]?[/\\].*|\w+:[/\\].*|.*[/\\].*\.\w{1,4}",  # paths: "/usr/x", "c:\\x", "a/b.txt"
    re.IGNORECASE,
)
LINK_START = re.compile(r"(?<![\w.@/])(?:Pic\.twitter\.com/|Www\.|Https?://)")
LINK_HINT = re.compile(r"Pic\.twitter\.com/|Www\.|Https?://")  # LINK_START without its check
SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+[\"'“‘(\[]*$")
# A quotation opened after a colon starts a sentence; after a comma it usually goes on one.
QUOTE_OPEN = re.compile(r":\s*[\"“‘]$")
VOWELS = frozenset("aeiouyàáâãäåèéêëìíîïòóôõöùúûüý")
# Derivations SCOWL may lack. Plural and agent endings (-s, -es, -er, -ers, -ings) are left out:
# SCOWL lists those forms itself, and names end in them ("Harris", "Steelers", "Brookings").
SUFFIXES = (
    "izations",
    "isations",
    "ization",
    "isation",
    "ability",
    "ibility",
    "fully",
    "lessly",
    "ments",
    "ables",
    "nesses",
    "ness",
    "less",
    "ment",
    "able",
    "ible",
    "ful",
    "izing",
    "ising",
    "ized",
    "ised",
    "izes",
    "ises",
    "ize",
    "ise",
    "ly",
    "ists",
    "ist",
    "isms",
    "ism",
    "ities",
    "ity",
)
PREFIXES = ("un", "re", "de", "non", "over", "under", "anti", "mis", "pre", "multi", "sub")
# Places that are also things news writes about; after a determiner they are the thing.
COUNTRY_OR_THING = frozenset({"turkey", "jersey", "guinea", "phoenix", "chile", "java"})
DETERMINERS = frozenset(
    "the a an this that these those his her their our my your its every each no some roast "
    "wild fine bone".split()
)
ARTICLES = frozenset(
    "the a an this that these those his her their its our my your every each no some any".split()
)
FUNCTION_WORDS = frozenset(
    "the of and to in a is that for it on with as was by at from be this have are not but or an "
    "his her they their he she we you has had were will would been which who its said".split()
)
CONTRACTIONS = frozenset({"t", "re", "ve", "ll", "d", "m"})
# "." after these does not end a sentence.
ABBREVIATIONS = frozenset(
    "mr mrs ms dr st jr sr vs etc inc co corp ltd gen sen rep gov rev lt col capt sgt maj adm "
    "no nos vol fig approx est dept univ assn ave blvd jan feb mar apr jun jul aug sep sept oct nov "
    "dec mt ft pp ca cf al km kg mm cm ml mg lb lbs hr hrs yd yds pt pts oz qt sq mph rpm th nd "
    "rd pct mln bln tbsp tsp".split()
)
HONORIFICS = frozenset({"mr", "mrs", "ms", "dr", "sen", "rep", "gov", "gen", "rev", "st", "sir"})
LOWER_IN_NAMES = frozenset(
    {"of", "the", "for", "and", "de", "la", "del", "van", "von", "da", "bin"}
)
MONTH_CUES = frozenset({"in", "since", "until", "early", "late", "mid", "last", "next", "by"})
DEMONYM_ENDINGS = ("ian", "ean", "ese", "ish", "an", "ch", "ss", "i", "u")
VERB_ENDINGS = ("ed", "ing", "ly")  # "nato posed", "john quickly": not surnames
KIND_CASING = "casing"
KIND_ACRONYM = "acronym"
# Share of name-like mid-sentence words that carry a capital: >= 0.83 in every English news-dev
# article, <= 0.07 in every one of them lowercased.
WELL_CASED_SHARE = 0.4
ENGLISH_RATIO = 0.7  # share of lowercase words in the vocabulary for a document to be English
TOP_WORDS = 250
COMMON_WORDS = 3000  # the most frequent vocabulary words never continue a name after a first name


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Casing resources, loaded once per process."""

    vocab: array  # sorted CRC-32s of ordinary lowercase words (compact: ~0.4 MB for ~100k words)
    common: frozenset[str]
    very_common: frozenset[str]
    top_words: frozenset[str]  # function words and the like: never a surname ("John said")
    regions: frozenset[tuple[str, ...]]  # countries and states, as lowercase word tuples
    entries: dict[str, tuple[str, str]]  # key → (cased form, flags)
    acronyms: dict[str, str]  # key → form ("nato" → "NATO", "us" (dotted) → "U.S.")
    dotted: dict[str, str]  # letters → dotted form ("us" → "U.S.")
    # (first word,) or (first, second word) → phrases starting so, longest first
    phrases: dict[tuple[str, ...], list[tuple[tuple[str, ...], tuple[str, ...]]]]
    phrase_starts: frozenset[str]  # first words of the phrases
    titles: frozenset[tuple[str, ...]]
    title_max: int
    title_ends: frozenset[str]  # last words of titles, without a period
    org_words: frozenset[str]
    single_names: frozenset[tuple[str, ...]]
    teams: frozenset[str]  # team nicknames ("browns"): the team wherever the text names it once
    genera: frozenset[str]  # Latin genus names, lowercase ("yersinia")
    epithets: frozenset[str]  # species words that are no English words ("pestis")


def _lines(name: str) -> list[str]:
    """Non-comment, non-blank lines of a package data file."""
    text = resources.files("bot.data").joinpath(name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def _teams() -> frozenset[str]:
    """The team nicknames section of casing_org_words.txt (after its "# Team nicknames" line)."""
    text = resources.files("bot.data").joinpath("casing_org_words.txt").read_text(encoding="utf-8")
    section = text.split("# Team nicknames", 1)[-1] if "# Team nicknames" in text else ""
    return frozenset(
        line.strip() for line in section.splitlines() if line.strip() and line[0] != "#"
    )


def _crc(word: str) -> int:
    return zlib.crc32(word.encode("utf-8"))


@cache
def load_lexicon() -> Lexicon:
    """Load the casing resources from bot/data/ (cached: once per process)."""
    words = _lines("casing_vocab.txt")
    vocab = array("I", sorted({_crc(w) for w in words + _lines("casing_words.txt")}))
    entries: dict[str, tuple[str, str]] = {}
    for line in _lines("casing_lexicon.tsv"):
        key, form, *flags = line.split("\t")
        entries[key] = (form, flags[0] if flags else "")
    acronyms: dict[str, str] = {}
    dotted: dict[str, str] = {}
    for form in _lines("casing_acronyms.txt"):
        if "." in form:
            dotted[form.replace(".", "").lower()] = form
        else:
            acronyms[_norm(form.lower())] = form
    phrases: dict[tuple[str, ...], list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    # Curated lists before WordNet's names: of two phrases of the same length, the first wins.
    for line in (
        _lines("casing_places.txt") + _lines("casing_phrases.txt") + _lines("casing_wordnet.txt")
    ):
        forms = tuple(re.split(r"[ -]", line))
        keys = tuple(_norm(f.lower()) for f in forms)
        phrases.setdefault(keys[:2], []).append((keys, forms))
    for options in phrases.values():
        options.sort(key=lambda p: -len(p[0]))  # longest match first
    titles = frozenset(tuple(line.lower().split()) for line in _lines("casing_titles.txt"))
    binomials = [line.lower().split() for line in _lines("casing_binomials.txt")]
    return Lexicon(
        vocab=vocab,
        common=frozenset(words[:COMMON_WORDS]),
        very_common=frozenset(words[: COMMON_WORDS // 2]),
        top_words=frozenset(words[:TOP_WORDS]),
        regions=frozenset(
            tuple(_norm(w) for w in re.split(r"[ -]", line.lower()))
            for line in _lines("casing_regions.txt")
        ),
        entries=entries,
        acronyms=acronyms,
        dotted=dotted,
        phrases=phrases,
        phrase_starts=frozenset(keys[0] for keys in phrases),
        titles=titles,
        title_max=max(len(t) for t in titles),
        title_ends=frozenset(t[-1].rstrip(".") for t in titles),
        org_words=frozenset(w.lower() for w in _lines("casing_org_words.txt")),
        teams=_teams(),
        single_names=frozenset(
            (_norm(line.lower()),) for line in _lines("casing_phrases.txt") if " " not in line
        ),
        genera=frozenset(genus for genus, _ in binomials),
        epithets=frozenset(species for _, species in binomials),
    )


def _norm(word: str) -> str:
    return word.replace("’", "'") if "’" in word else word


@lru_cache(maxsize=1 << 16)
def _name_like(key: str) -> bool:
    """A lowercase word that the lexicon would capitalise on its own."""
    lex = load_lexicon()
    return (
        not _vocab_has(key)
        or key in lex.acronyms
        or "N" in lex.entries.get(key, ("", ""))[1]
        or (key,) in lex.single_names
    )


@lru_cache(maxsize=1 << 16)
def _vocab_has(key: str) -> bool:
    """Whether `key` is an ordinary English word (memoised: documents repeat their words)."""
    vocab = load_lexicon().vocab
    crc = _crc(key)
    index = bisect_left(vocab, crc)
    return index < len(vocab) and vocab[index] == crc


@dataclass(slots=True)
class _Token:
    start: int
    end: int  # end of the stem: a possessive "’s" or contraction is not part of it
    text: str  # the stem as written
    key: str  # stem lowercased, apostrophes normalised
    contraction: bool
    free: bool  # prose word (not in a URL, not glued to digits): may be recased
    possessive: bool
    start_of_sentence: bool = False
    after_stop: bool = False  # follows ". " etc.: a lowercasing pipeline capitalises it anyway
    form: str | None = None  # decided cased form
    kind: str = KIND_CASING
    proper: bool = False  # a name by lexical evidence (drives the context rules)


def _protected_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the whitespace-delimited chunks that are URLs, addresses, domains, handles, paths."""
    spans: list[tuple[int, int]] = []
    for marker in MARKER.finditer(text):
        position = marker.start()
        if spans and position < spans[-1][1]:
            continue
        start = max(text.rfind(" ", 0, position), text.rfind("\n", 0, position)) + 1
        end = position
        size = len(text)
        while end < size and not text[end].isspace():
            end += 1
        chunk = text[start:end].rstrip(".,;:!?)]}”’\"'")
        if NOT_PROSE.fullmatch(chunk):
            spans.append((start, start + len(chunk)))
        else:
            spans.append((end, end))  # prose: skip the chunk's other markers
    return [span for span in spans if span[0] != span[1]]


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    append = tokens.append
    # Padded by one space at each end, so both neighbours of a word exist (one lookup each).
    padded = f" {text} "
    # Split by a capturing WORD: gaps and words alternate, and offsets are summed lengths (no
    # match object per word).
    parts = WORD_OR_GAP.split(text)
    position = 0  # where the text after the previous word starts
    for index in range(1, len(parts), 2):
        word = parts[index]
        start = position + len(parts[index - 1])
        end = position = start + len(word)
        # Words glued to digits ("5g", "256gb") are codes, not prose; so are words in URLs. A
        # letter next to a C1 control is leftover mojibake ("â\x81"): recasing it would turn it
        # into another sequence the unicode pass repairs, so cleaning twice would differ.
        free = padded[start] not in GLUED and padded[end + 1] not in GLUED
        contraction = possessive = False
        if "'" in word or "’" in word:
            last = APOSTROPHE.split(word)[-1].lower()
            if last == "s":
                end -= 2  # possessive: recase the stem only
                word = word[:-2]
                possessive = True
            elif last in CONTRACTIONS:
                contraction = True
            key = word.lower().replace("’", "'")
        else:
            key = word.lower()
        append(_Token(start, end, word, key, contraction, free, possessive))
    # Few texts hold links or paths: their words are found by position, not tested one by one.
    for span_start, span_end in _protected_spans(text):
        index = bisect_left(tokens, span_start, key=_token_start)
        while index < len(tokens) and tokens[index].start < span_end:
            tokens[index].free = False
            index += 1
    return tokens


def _token_start(token: _Token) -> int:
    return token.start


def _mark_sentence_starts(text: str, tokens: list[_Token]) -> None:
    previous_end = 0
    previous: _Token | None = None
    for token in tokens:
        gap = text[previous_end : token.start]
        if previous is not None and (gap == " " or gap == "-"):
            pass  # most gaps: no boundary (and no regex search)
        elif previous is None:
            token.start_of_sentence = not any(ch.isalpha() for ch in text[: token.start])
        elif "\n" in gap or QUOTE_OPEN.search(gap):
            token.start_of_sentence = True
        elif SENTENCE_END.search(gap):
            token.after_stop = True
            abbreviation = gap.startswith(".") and (
                len(previous.key) == 1 or previous.key in ABBREVIATIONS
            )
            token.start_of_sentence = not abbreviation
        previous_end = token.end  # tokens come in text order: each ends after the one before
        previous = token
    return None


def _cased_words(text: str, tokens: list[_Token]) -> list[_Token]:
    """Tokens that carry a capital in mid-sentence position."""
    return [t for t in tokens if not t.start_of_sentence and t.free and t.text[:1].isupper()]


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


def find_edits(text: str, context: CleanContext) -> Iterable[Edit]:
    """Propose casing edits for `text` (see the module docstring for the two regimes)."""
    if not text or not any(ch.isalpha() for ch in text):
        return []
    lex = load_lexicon()
    tokens = _tokens(text)
    _mark_sentence_starts(text, tokens)
    dotted = _mark_dotted(text, tokens, lex)
    # One pass over mid-sentence words: how many are English words or function words (is the
    # text English?), how many carry a capital, how many lowercase ones look like names.
    capitals = known = function = lowercase_names = 0
    lowercase_keys: list[str] = []
    for t in tokens:
        if t.start_of_sentence or t.after_stop or not t.free or len(t.key) < 2:
            continue
        if t.text.islower():
            if not t.contraction:
                lowercase_keys.append(t.key)
        elif t.text[0].isupper():
            capitals += 1
    lowercase = len(lowercase_keys)
    # Documents repeat their words: each distinct word is looked up once, counted as often.
    for key, times in Counter(lowercase_keys).items():
        vocabulary = _vocab_has(key)
        known += times * vocabulary
        function += times * (key in FUNCTION_WORDS)
        lowercase_names += times * ((not vocabulary) or _name_like(key))
    english = lowercase > 0 and (
        known >= ENGLISH_RATIO * lowercase
        or (known >= 0.4 * lowercase and function >= 0.2 * lowercase)
    )
    context.notes["casing_english"] = english
    if not english:
        return _dotted_edits(text, dotted, well_cased=True)
    # Names are what casing is about: in well-cased text most mid-sentence words that look like
    # names carry their capital; after a lowercasing pipeline almost none do.
    if capitals and capitals >= WELL_CASED_SHARE * (capitals + lowercase_names):
        context.notes["casing_regime"] = "well-cased"
        return (
            _dotted_edits(text, dotted, well_cased=True)
            + _lone_i(text, tokens)
            + _inconsistent_names(tokens, lex)
        )
    context.notes["casing_regime"] = "lowercased"
    edits = _dotted_edits(text, dotted, well_cased=False)
    _decide_words(text, tokens, lex, context)
    _single_letters(text, tokens)
    _apply_acronym_definitions(text, tokens, lex, _capitalise)
    _apply_datelines(text, tokens)
    _apply_context_rules(text, tokens, lex)
    _apply_company_suffixes(text, tokens, lex, _capitalise)
    _lower_epithets(text, tokens, lex)
    _apply_teams(tokens, lex)
    if _is_title_case(context.title):
        _apply_headings(text, tokens, _capitalise)
    _lower_syllables(text, tokens, lex)
    _undo_false_starts(text, tokens, lex)
    _undo_quote_starts(text, tokens, lex)
    for token in tokens:
        form = token.form
        if form is None:
            if not token.start_of_sentence or not token.free or not token.text.islower():
                continue
            form = token.form = token.text[0].upper() + token.text[1:]
        # Only the case of letters may change here ("ŉ".upper() is two characters, "ß" → "SS").
        if form != token.text and form.lower() == token.text.lower():
            if not form.isascii() and _makes_mojibake(form + text[token.end : token.end + 1]):
                continue
            edits.append(Edit(token.start, token.end, form, token.kind))
    edits.extend(_alnum_edits(text, tokens, lex))
    # The pipeline capitalised links that open a sentence ("Pic.twitter.com/…", "Www.…").
    link = LINK_HINT.search(text)  # a literal scan; LINK_START is tried at every position
    if link is not None:
        edits.extend(
            Edit(m.start(), m.start() + 1, m.group()[0].lower(), KIND_CASING)
            for m in LINK_START.finditer(text, link.start())
        )
    return edits


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


def _lower_syllables(text: str, tokens: list[_Token], lex: Lexicon) -> None:
    """Short syllables after a hyphen in East Asian names stay lowercase: "Kim Jong-un", "Tsai
    Ing-wen", "Daehak-ro" (a word of up to three letters that is no English word); not after a
    first name ("Pierre-Luc", "Jean-Luc")."""
    for i in [i for i, t in enumerate(tokens) if i and len(t.key) <= 3 and t.form is not None]:
        token, prev = tokens[i], tokens[i - 1]
        if not token.text.islower() or text[prev.end : token.start] != "-" or not prev.proper:
            continue
        if token.kind == KIND_ACRONYM or _vocab_has(token.key) or len(prev.key) < 2:
            continue
        if "F" not in lex.entries.get(prev.key, ("", ""))[1]:
            token.form, token.proper = None, False


def _lower_epithets(text: str, tokens: list[_Token], lex: Lexicon) -> None:
    """The species word of a Latin binomial stays lowercase after its genus (which is a name) or
    the genus's initial: "Yersinia pestis", "Y. pestis" (the initials rule would read "Y. Pestis")."""
    for i in [i for i, t in enumerate(tokens) if t.key in lex.epithets and i]:
        token, prev = tokens[i], tokens[i - 1]
        if not token.text.islower() or not token.free:
            continue
        gap = text[prev.end : token.start]
        if gap == " " and prev.key in lex.genera:
            if prev.text.islower() and prev.free:
                prev.form, prev.proper = prev.text.capitalize(), True  # the genus is a name
            token.form, token.proper = None, False
        elif len(prev.key) == 1 and gap == ". ":
            token.form, token.proper = None, False


LABELS = frozenset(
    "path group plan type class series grade vitamin model section part article pool division "
    "category option exhibit appendix figure table phase stage level tier gate terminal "
    "platform route row building zone team version size round pot".split()
)


CAPITAL_LABELS = frozenset({"group", "pool", "path", "model", "division", "class", "series"})


def _single_letters(text: str, tokens: list[_Token]) -> None:
    """Lone letters other than "a" and "i" name things in news ("USB-c" → "USB-C", "plan b",
    "q&a"); not before "-", "." or an apostrophe ("e-mail", initials, "80's"), not in "(b)"."""
    size = len(text)
    previous: _Token | None = None
    for token in tokens:
        prev, previous = previous, token
        if len(token.key) != 1 or not token.text.islower() or not token.free:
            continue
        if not token.key.isascii():
            continue  # labels are ASCII ("plan B"); a lone "â" is leftover mojibake
        if token.key in "ai":
            # "Path A:", "vitamin A", "Group A" — never the article there.
            after = text[token.end : token.end + 1]
            labelled = prev is not None and prev.key in LABELS and _spaced(text, prev, token)
            if (
                token.key == "i"
                or not labelled
                or after.isalpha()
                or (after == " " and (token.end + 1 < size and text[token.end + 1].isalpha()))
            ):
                continue
        if token.form is not None or token.kind == KIND_ACRONYM:
            continue
        before = text[token.start - 1] if token.start else " "
        after = text[token.end] if token.end < size else " "
        if after in "-.'’" or before in "'’" or (before == "(" and after == ")"):
            continue
        if unicodedata.category(after)[0] == "S" or unicodedata.category(before)[0] == "S":
            continue  # a letter glued to a sign ("x€", "a$"): a unit or leftover mojibake
        token.form = token.text.upper()
        token.proper = True
        # "Group A", "Pool B", "Model S": these labels are part of the name.
        if (
            prev is not None
            and prev.key in CAPITAL_LABELS
            and prev.text.islower()
            and _spaced(text, prev, token)
        ):
            prev.form, prev.proper = prev.text.capitalize(), True


def _undo_false_starts(text: str, tokens: list[_Token], lex: Lexicon) -> None:
    """A lowercasing pipeline capitalises whatever follows ". ", so "the u. S. Officials" got a
    capital after the acronym. After a dotted acronym or a.m./p.m., an ordinary word that rarely
    opens a sentence goes back to lowercase ("U.S. officials"); "U.S. The" keeps its capital."""
    count = len(tokens)
    # Only a single dotted letter can end such an acronym: the loop looks at what follows one.
    for i in [i + 1 for i, t in enumerate(tokens) if len(t.key) == 1 and i + 1 < count]:
        prev, token = tokens[i - 1], tokens[i]
        if prev.kind != KIND_ACRONYM or token.form is not None:
            continue
        if text[prev.end : token.start] != ". " or token.proper or not token.free:
            continue
        if token.key in lex.org_words:
            continue  # "U.S. Army", "L.A. Declaration": the acronym's name goes on
        if token.text[:1].isupper() and token.text[1:].islower() and token.key not in STARTERS:
            if _vocab_has(token.key) and "N" not in lex.entries.get(token.key, ("", ""))[1]:
                token.form = token.text.lower()
                token.start_of_sentence = False


QUOTE_END = re.compile(r"[!?][”\"’']\s+$")
QUOTE_END_ANY = re.compile(r"[!?][”\"’']\s")


def _undo_quote_starts(text: str, tokens: list[_Token], lex: Lexicon) -> None:
    """A quotation ending in "!" or "?" is followed by its attribution, not a new sentence:
    '"Step out!" an officer said', '“On whose authority?” said Hill'. The pipeline's capital on
    "An"/"Said" goes back to lowercase (or no capital is added) when a speech verb follows within
    three words."""
    if not QUOTE_END_ANY.search(text):
        return  # most texts: no scan of the tokens
    count = len(tokens)
    for i in [i for i, t in enumerate(tokens) if t.after_stop and i]:
        token = tokens[i]
        if token.form is not None or token.proper or not token.free:
            continue
        if not token.text[1:].islower():
            continue
        if not QUOTE_END.search(text[tokens[i - 1].end : token.start]):
            continue
        if not _vocab_has(token.key) or _name_like(token.key):
            continue
        for k in range(i, min(count, i + 4)):
            if k > i and text[tokens[k - 1].end : tokens[k].start] != " ":
                break
            if tokens[k].key in SPEECH_VERBS:
                token.form = token.text.lower()
                token.start_of_sentence = False
                break


def _mark_dotted(text: str, tokens: list[_Token], lex: Lexicon) -> list[tuple[int, int, str]]:
    """Letters of a known dotted acronym are one name ("u.s. army"); returns (start, end, form)
    of each such acronym for `_dotted_edits`."""
    found: list[tuple[int, int, str]] = []
    # DOTTED opens with a letter and is tried at every position; its first ". x." is found by a
    # fast literal scan, and the scan starts at the letter before it.
    hint = DOTTED_HINT.search(text)
    if hint is None:
        return found
    for m in DOTTED.finditer(text, max(0, hint.start() - 1)):
        form = lex.dotted.get("".join(ch for ch in m.group() if ch.isalpha()).lower())
        if form is not None:
            found.append((m.start(), m.end(), form))
    if not found:
        return found
    si = 0
    for token in tokens:
        while si < len(found) and found[si][1] <= token.start:
            si += 1
        if si < len(found) and found[si][0] <= token.start < found[si][1]:
            form = found[si][2]
            token.free, token.proper, token.kind = False, not form.islower(), KIND_ACRONYM
    return found


def _dotted_edits(text: str, dotted: list[tuple[int, int, str]], *, well_cased: bool) -> list[Edit]:
    """Dotted acronyms in the table, in any spacing or case ("u. S." → "U.S.")."""
    edits = []
    for start, end, form in dotted:
        found = text[start:end]
        if found == form:
            continue
        if well_cased:
            # Edited text: only a spaced, broken one is an artefact, and its case is the author's
            # when the table's form is lowercase ("P. M." → "P.M.", "u. S." → "U.S.").
            if " " not in found:
                continue
            if form.islower():
                form = found.replace(" ", "")
        edits.append(Edit(start, end, form, KIND_ACRONYM))
    return edits


def _alnum_edits(text: str, tokens: list[_Token], lex: Lexicon) -> list[Edit]:
    """Letter-digit tokens: "5g" → "5G", "256gb" → "256GB", "a350" → "A350", "rav4" → "RAV4"."""
    edits = []
    size = len(text)
    seen = -1
    for token in tokens:
        # Only words glued to digits can be such codes (found by the tokeniser, no extra scan).
        if token.free or token.start < seen:
            continue
        start, end = token.start, token.start + len(token.key)
        while start and text[start - 1].isalnum():
            start -= 1
        while end < size and text[end].isalnum():
            end += 1
        seen = end
        found = text[start:end]
        if start and text[start - 1] in "._/=?&#@:":  # inside a link, a handle or a code
            continue
        if (end < size and text[end] == "_") or not ALNUM.fullmatch(found) or not found.islower():
            continue
        form = lex.acronyms.get(found)
        if form is None:
            letters = found.lstrip("0123456789")
            if letters != found:  # digits then letters: a unit ("gb", "kwh") from the table
                unit = lex.acronyms.get(letters)
                form = found[: len(found) - len(letters)] + unit if unit else None
            elif len(found.rstrip("0123456789")) <= 3:  # a model code: letters then digits
                form = found.upper()
        if form is not None and form != found:
            edits.append(Edit(start, end, form, KIND_ACRONYM))
    return edits


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


def _lone_i(text: str, tokens: list[_Token]) -> list[Edit]:
    """The pronoun "i" written in lowercase, between words (not "(i)", "i.e.", "i-")."""
    edits = []
    for token in tokens:
        if token.key not in ("i", "i'm", "i've", "i'll", "i'd") or not token.free:
            continue
        before = text[token.start - 1] if token.start else " "
        after_index = token.start + len(token.key)
        after = text[after_index] if after_index < len(text) else " "
        if token.text[0] == "i" and before in ' \n“"' and after in " ,’'":
            edits.append(Edit(token.start, token.start + 1, "I", KIND_CASING))
    return edits


def _decide_words(text: str, tokens: list[_Token], lex: Lexicon, context: CleanContext) -> None:
    """Per-word decisions from evidence, acronyms, the lexicon and the vocabulary."""
    title_words, title_phrases = _title_evidence(context.title, lex)
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


@lru_cache(maxsize=1 << 16)
def _lexical_word_form(key: str) -> tuple[str | None, str, bool]:
    """`_word_form` from the resources alone (memoised: the same in every document), and whether
    the document's own mixed-case spelling of the word would take precedence."""
    form, flags = load_lexicon().entries.get(key, ("", ""))
    if "N" in flags:
        return form, KIND_CASING, False
    if len(key) < 2 or _vocab_has(key) or _derived_word(key):
        return None, KIND_CASING, False
    if form:
        return form, KIND_CASING, True
    if len(key) <= 5 and not any(ch in VOWELS for ch in key) and key not in ABBREVIATIONS:
        return key.upper(), KIND_ACRONYM, True  # "vw", "bgr", "pff": letters that are no word
    if key.startswith("mc") and len(key) > 4:
        return "Mc" + key[2].upper() + key[3:], KIND_CASING, True  # McFee, McConnell
    if key.startswith("o'") and len(key) > 3:
        return "O'" + key[2].upper() + key[3:], KIND_CASING, True  # O'Brien
    return key[0].upper() + key[1:], KIND_CASING, True


@lru_cache(maxsize=1 << 14)
def _derived_word(key: str) -> bool:
    """An ordinary word the vocabulary lacks but whose stem it has: "wirelessly", "impactful",
    "customizable", "declutter". Names rarely split into a prefix or suffix and an English word."""
    for suffix in SUFFIXES:
        if key.endswith(suffix) and len(key) - len(suffix) >= 4:
            stem = key[: -len(suffix)]
            options = (stem, stem + "e", stem[:-1] + "y" if stem.endswith("i") else stem)
            if stem[-1] == stem[-2]:
                options += (stem[:-1],)  # "stopped" → "stop"
            if any(_vocab_has(option) for option in options):
                return True
    for prefix in PREFIXES:
        if key.startswith(prefix) and len(key) - len(prefix) >= 5:
            rest = key[len(prefix) :]
            if _vocab_has(rest) or _derived_word(rest):
                return True
    return False


def _spaced(text: str, left: _Token, right: _Token) -> bool:
    """The two tokens are neighbouring words separated by a single space (a name can span it)."""
    gap = text[left.end : right.start]
    if left.kind == KIND_ACRONYM and len(left.key) == 1:
        return gap == ". "  # the last letter of "U.S." before "Army"
    return gap in (" ", "-")


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


# Words after which a person's name is usual and a verb or a noun is not ("and Matt Roberts",
# "said Mark Quinlan"); after a name a common word is a verb ("Wales beat Hungary").
BEFORE_NAMES = frozenset(
    "and or said says by with as from of for like including between among than against "
    "versus vs told former late actor actress singer player coach manager star chef "
    "leader founder".split()
)


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


TITLE_BREAKS = (":", "|", "—", "–", "-", "?", "!", ".", "“", '"', "'", "‘", "[", "(")
# Words that usually open a sentence: after "U.S." they mean the sentence ended there.
STARTERS = frozenset(
    "the a an it its he she they we i you in on at but and or so this that these those there his "
    "her their our my as if when while after before however meanwhile still yet now then what why "
    "how who for with by from some many most all one two no not last next".split()
)
SPEECH_VERBS = frozenset(
    "said says told tweeted wrote added asked announced argued claimed explained insisted noted "
    "replied responded stated warned shouted shouts yelled screamed exclaimed ordered".split()
)
PARTY_WORDS = frozenset(
    {"democratic", "republican", "labour", "communist", "conservative", "socialist", "labor"}
)
PARTY_CUES = frozenset(
    "party candidate candidates nominee nominees primary primaries senator senators lawmakers "
    "leaders leadership presidential governor caucus debate field voters congressman "
    "congresswoman majority minority national convention hopeful hopefuls establishment "
    "strategist strategists officials challenger incumbent leader leaders mp mps whip "
    "rival rivals politician politicians electorate criticism investigations investigation "
    "nomination contenders contender frontrunner donors base governors senate house".split()
)
# "house" is the chamber before these ("house democrats", "house speaker").
HOUSE_CUES = frozenset(
    "democrats republicans speaker committee committees majority minority intelligence "
    "judiciary oversight floor impeachment investigators lawmakers members leader leaders "
    "vote votes voted passed approved rules chamber".split()
)
# US state codes that are not also words ("Washington, or" is not Oregon).
US_STATES = frozenset(
    "ak az ar ca ct fl ga il ia ks ky md mi mn ms mt nv nh nj nm ny nc nd ri sc sd tn tx ut vt "
    "va wa wv wi wy dc".split()
)
# Codes that are also words ("oh", "in", "ok"), and Canadian provinces.
STATE_CODES = US_STATES | frozenset(
    "al co de ga hi id in la ma me mo ne oh ok or pa on qc bc ab".split()
)
LIST_ENDS = frozenset({" /", " @", " –", " -", " |"})
US_CUES = frozenset(
    "president government officials official military army navy troops forces economy dollar "
    "election elections embassy congress senate administration department intelligence allies "
    "market markets stocks sanctions citizens citizen soil border lawmakers companies company "
    "firms farmers farm trade tariffs states senator senators representative ambassador attorney "
    "secretary treasury debt bonds dollars politics presidential version versions pricing prices "
    "customers consumers buyers sales launch release availability range soldiers service "
    "diplomats envoy envoys authorities regulators agencies agency court courts law laws policy "
    "foreign domestic federal "
    "economic defense defence".split()
)


# The words `_apply_name_cues` looks at besides the names it finds (one set: one test per word).
NAME_CUE_WORDS = PARTY_WORDS | STATE_CODES | {"house", "us"}


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


# Name heads that take "of" + a name ("University of Texas", but "the city center of Amsterdam").
ORG_OF = frozenset(
    "university bank department ministry institute museum college academy commission council "
    "federation association society church cathedral league union court republic kingdom gulf "
    "bay sea strait".split()
)


# Org words that continue a brand's product name ("MacBook Air") but head no longer name.
RUN_NOT_HEADS = frozenset({"pro", "max", "mini", "air", "ultra"})


STREET_TYPES = frozenset(
    "street st avenue ave road rd drive boulevard blvd lane parkway highway pike".split()
)
ORDINALS = frozenset(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split()
)
SERVICES = frozenset({"police", "fire", "sheriff", "sheriff's"})
SERVICE_HEADS = frozenset({"department", "office", "force", "service", "academy"})


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


# "earth" is the planet where no article comes before it: "from Earth", "orbiting Earth",
# "Earth's atmosphere"; not "the earth", "rare earth metals", "what on earth".
PLANET_CUES = frozenset(
    "from beyond off orbit orbits orbiting orbited around near than to and like circling toward "
    "towards on reach reached reaches leave left leaving".split()
)
PLANET_NOT_BEFORE = frozenset(
    "metal metals element elements mineral minerals magnet magnets".split()
)
IDIOM_ON_EARTH = frozenset(
    "what why how who where whatever nothing nowhere anything anyone best greatest".split()
)


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


TOWN_CUES = frozenset({"in", "of", "from", "near", "outside", "to", "at", "suburban"})


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


# Words a Title Case heading keeps lowercase unless they open it (AP and Chicago styles agree).
HEADING_SMALL = frozenset(
    "a an the and but or nor for so yet as at by in of on to up via vs per from with into onto "
    "over off out than".split()
)
HEADING_MAX_WORDS = 12
HEADING_END = (".", "!", "?", ":", ";", ",", "”", '"', "’", "'", "…")


def _is_title_case(title: str) -> bool:
    """Whether a title capitalises its ordinary words (Title Case) rather than only names."""
    tokens = _tokens(title)
    if not tokens or title.upper() == title or title.lower() == title:
        return False
    ordinary = [t for t in tokens[1:] if len(t.key) > 3 and _vocab_has(t.key)]
    return bool(ordinary) and sum(t.text[0].isupper() for t in ordinary) >= 0.7 * len(ordinary)


def _apply_headings(text: str, tokens: list[_Token], capitalise) -> None:
    """Headings in a site that writes Title Case: a short line with no closing punctuation
    ("range and charging", "mophie 3-in-1 wireless charging pad") gets the title's style back.
    Only called when the cased title shows the site's style; a sentence-case site's headings
    read like sentences and are left to the other rules."""
    index = 0
    count = len(tokens)
    while index < count:
        line_start = text.rfind("\n", 0, tokens[index].start) + 1
        line_end = text.find("\n", tokens[index].start)
        line_end = len(text) if line_end < 0 else line_end
        last = index
        while last < count and tokens[last].start < line_end:
            last += 1
        line = text[line_start:line_end].strip()
        words = line.split()
        if (
            2 <= len(words) <= HEADING_MAX_WORDS
            and not line.endswith(HEADING_END)
            and not line.startswith(("“", '"', "‘", "(", "[", "-", "–", "—", "•", "*"))
            and ". " not in line
        ):
            for position, token in enumerate(tokens[index:last]):
                if token.key in HEADING_SMALL and position and not token.start_of_sentence:
                    continue
                if token.contraction or (len(token.key) < 2 and token.key not in ("a", "i")):
                    continue
                capitalise(token)
        index = last


PARENTHESISED = re.compile(r"\((\w{2,7})\)")
ACRONYM_SKIP = frozenset({"of", "and", "the", "for", "on", "in", "to", "at", "a", "de", "du"})


def _acronym_expansion(tokens: list[_Token], i: int) -> tuple[int, int] | None:
    """The tokens (first, last + 1) before "(xyz)" whose initials spell xyz, or None.
    "binge eating disorder (bed)", "ministry of trade, industry and energy (motie)" (small words
    may give a letter or none), "intensive care units (icus)"."""
    letters = tokens[i].key
    if letters.endswith("s") and len(letters) > 3:
        letters = letters[:-1]  # a plural: "icus"
    limit = max(0, i - 2 * len(letters) - 2)

    def match(position: int, j: int) -> int | None:
        """First token index when letters[:position] are spelled by tokens ending at j."""
        if position == 0:
            return j + 1
        if j < limit:
            return None
        key = tokens[j].key
        if key[0] == letters[position - 1]:
            found = match(position - 1, j - 1)
            if found is not None:
                return found
        if key in ACRONYM_SKIP:
            return match(position, j - 1)
        return None

    first = match(len(letters), i - 1)
    return None if first is None or first == i else (first, i)


def _apply_acronym_definitions(text: str, tokens: list[_Token], lex: Lexicon, capitalise) -> None:
    """An acronym defined in the text is upper case ("binge eating disorder (BED)"), and so are
    its later mentions when it is no English word; an organisation's spelled-out name is
    capitalised too ("Ministry of Trade, Industry and Energy (MOTIE)")."""
    defined: set[str] = set()
    candidates = [m.start(1) for m in PARENTHESISED.finditer(text)]
    if not candidates:
        return
    starts = [t.start for t in tokens]
    for position in candidates:
        i = bisect_left(starts, position)
        if i == len(tokens):  # "(1982)" after the last word: digits are no token
            continue
        token = tokens[i]
        if not (token.free and token.start == position and token.text.islower()):
            continue
        if text[token.end : token.end + 1] != ")" or len(token.key) < 2:
            continue
        span = _acronym_expansion(tokens, i)
        if span is None:
            continue
        first, last = span
        stem = token.key[:-1] if len(token.key) > 3 and token.key.endswith("s") else token.key
        token.form = stem.upper() + token.text[len(stem) :]
        token.kind, token.proper = KIND_ACRONYM, True
        defined.add(token.key)
        expansion = tokens[first:last]
        if (
            expansion[0].key in lex.org_words
            or expansion[0].key in ORG_OF
            or (expansion[-1].key in lex.org_words)
        ):
            for part in expansion:
                if part.key not in ACRONYM_SKIP:
                    capitalise(part)
    if not defined:
        return
    for index, token in enumerate(tokens):
        if (
            token.key in defined
            and token.form is None
            and token.free
            and token.text.islower()
            and (not _vocab_has(token.key) or _acronym_slot(text, tokens, index))
        ):
            stem = token.key[:-1] if len(token.key) > 3 and token.key.endswith("s") else token.key
            token.form = stem.upper() + token.text[len(stem) :]
            token.kind, token.proper = KIND_ACRONYM, True


COMPANY_SUFFIXES = frozenset({"inc", "corp", "ltd", "llc", "plc", "co", "gmbh"})
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


DATELINE = re.compile(
    r"^([^\W\d_][^\W\d_ .,]*(?: [^\W\d_]+){0,2}),?(?: [^\W\d_.]+\.?)? ?\((?:reuters|ap|afp|upi|"
    r"bloomberg|cnn|xinhua)\) ?[-–—]",
    re.IGNORECASE | re.MULTILINE,
)
WIRE_SERVICE = re.compile(r"\((?:reuters|ap|afp|upi|bloomberg|cnn|xinhua)\)", re.IGNORECASE)


def _apply_datelines(text: str, tokens: list[_Token]) -> None:
    """A wire-service dateline keeps its place in capitals: "WASHINGTON (Reuters) -"."""
    if not WIRE_SERVICE.search(text):
        return  # most texts: no agency, and no scan with the (slow to try) dateline regex
    for match in DATELINE.finditer(text):
        start, end = match.span(1)
        for token in tokens[bisect_left([t.start for t in tokens], start) :]:
            if token.start >= end:
                break
            token.form, token.proper = token.text.upper(), True


DOUBLE_INITIALS = re.compile(r"(?<![\w.])[^\W\d_]\. [^\W\d_]\. [^\W\d_]")
DOUBLE_INITIALS_HINT = re.compile(r"\. [^\W\d_]\. [^\W\d_]")  # DOUBLE_INITIALS from its period
NOT_INITIALS = frozenset({("i", "e"), ("e", "g"), ("a", "m"), ("p", "m"), ("a", "k")})


def _apply_double_initials(text: str, tokens: list[_Token], capitalise) -> None:
    """Two initials and a word are a name: "w. m. keck", "h. g. wells" ("i. e." and "a. m." are
    abbreviations, and the pipeline's capital after them is positional)."""
    # The regex opens with a letter, so it is tried at every position; ". x. y" opens with a
    # period and is found by a fast literal scan. Most texts have none: no scan of the tokens.
    hint = DOUBLE_INITIALS_HINT.search(text)
    if hint is None or not DOUBLE_INITIALS.search(text, max(0, hint.start() - 1)):
        return
    for i in range(len(tokens) - 2):
        first, second, word = tokens[i], tokens[i + 1], tokens[i + 2]
        if len(first.key) != 1 or len(second.key) != 1 or len(word.key) < 2:
            continue
        if (first.key, second.key) in NOT_INITIALS or not (first.free and second.free):
            continue
        if text[first.end : second.start] != ". " or text[second.end : word.start] != ". ":
            continue
        if i and text[tokens[i - 1].end : first.start] in (".", "-"):
            continue  # part of a longer dotted sequence
        if word.key in STARTERS or word.key in FUNCTION_WORDS:
            continue
        for token in (first, second, word):
            capitalise(token)


def _acronym_slot(text: str, tokens: list[_Token], index: int) -> bool:
    """A defined acronym that is also a word ("bed") is the acronym where the word would need
    a determiner: "diagnosed with bed" yes, "the bed", "his bed", "to bed" no."""
    if not index:
        return False
    prev = tokens[index - 1]
    gap = text[prev.end : tokens[index].start]
    return gap == " " and not prev.possessive and prev.key not in ARTICLES | ACRONYM_NOUN_CUES


ACRONYM_NOUN_CUES = frozenset({"to", "in", "into", "out", "from", "under", "on", "of", "per"})


# "Â" + "ˆ" is how a UTF-8 control character reads as Windows-1252; "â" + "ˆ" is not. Recasing
# "âˆ" would make damage the unicode pass then removes, so cleaning twice would differ.
MOJIBAKE_PAIR = re.compile(f"[\u00c0-\u00df][{_CONTINUATION}]")


def _makes_mojibake(form: str) -> bool:
    """Whether a recased word (with the character after it) reads as mis-decoded UTF-8."""
    return bool(MOJIBAKE_PAIR.search(form))
