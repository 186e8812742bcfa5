"""Cleanup pass: casing. Restores capitals that a content-farm pipeline lowercased.

Two regimes. A document is recased only when it shows casing damage (`CasingDamage`): two or
more different known names (acronyms, countries, months, names news capitalises, first names,
and the names of its cased title and page) written lowercase mid-sentence, most of their
mentions lowercase, while its sentences start with capitals, as the pipeline leaves them; and
when few of its name-like mid-sentence words carry a capital. Otherwise:
- well cased: only a broken dotted acronym ("u. S." → "U.S.") is repaired; a lone lowercase "i"
  and a name the document itself writes differently at least twice elsewhere ("putin" → "Putin",
  "Nato’s" → "NATO’s" in a text that says "NATO") only in a text that shows damage. House styles
  ("Nato"), manuals ("the i option", "openssl" beside "OpenSSL") and lowercase lists stay as
  they are;
- lowercased: truecasing. Evidence in order: the cased title (words and runs of words; of a Title
  Case title only the parts that hold a name word or end in a head word), the page's cased names
  (`Document.names`, bot/evidence.py), capitalised mentions
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
Non-English text gets no truecasing (the vocabulary is English), nor do lines of another
language in an English text. Words in protected spans (URLs, code, identifiers: bot/clean/protect.py)
are never recased.

Only letters change case here (offsets are stable), except dotted acronyms which drop their spaces.
Resources load once per process (`load_lexicon`, cached); the vocabulary is held as CRC-32s.

Modules: `tokens` (words, sentence starts, spans never recased), `lexicon` (bot/data/ resources),
`evidence` (per-word decisions from the title, the text and the lexicon), and the rule families
`acronyms`, `names` and `fixups`, which run in the order of `LOWERCASED_RULES` below.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from bot.clean.casing.acronyms import (
    LINK_HINT,
    LINK_START,
    _alnum_edits,
    _apply_acronym_definitions,
    _apply_datelines,
    _dotted_edits,
    _lone_i,
    _makes_mojibake,
    _mark_dotted,
    _single_letters,
)
from bot.clean.casing.evidence import (
    _decide_words,
    _inconsistent_names,
    _is_title_case,
    casing_damage,
    page_evidence,
    title_names,
)
from bot.clean.casing.fixups import (
    _apply_headings,
    _lower_epithets,
    _lower_syllables,
    _undo_false_starts,
    _undo_quote_starts,
)
from bot.clean.casing.lexicon import ENGLISH_RATIO, Lexicon, _name_like, _vocab_has, load_lexicon
from bot.clean.casing.names import (
    _apply_company_suffixes,
    _apply_context_rules,
    _apply_teams,
    _capitalise,
)
from bot.clean.casing.tokens import KIND_CASING, _mark_sentence_starts, _Token, _tokens
from bot.clean.casing.words import FOREIGN_FUNCTION_WORDS, FUNCTION_WORDS
from bot.clean.edits import Edit
from bot.clean.protect import protected_spans

if TYPE_CHECKING:
    from bot.clean import CleanContext

__all__ = ["LOWERCASED_RULES", "find_edits", "load_lexicon"]


Rule = Callable[[str, list[_Token], Lexicon, "CleanContext"], None]


def _headings(text: str, tokens: list[_Token], lex: Lexicon, context: CleanContext) -> None:
    """Heading lines get Title Case back only where the cased title shows the site's style."""
    if _is_title_case(context.title):
        _apply_headings(text, tokens, _capitalise)


# The rules for a lowercased document, in the order they run: each sees the forms and `proper`
# marks the ones before it set. Per-word evidence first, then rules across words, then the rules
# that undo a capital the earlier ones (or the lowercasing pipeline) gave.
LOWERCASED_RULES: tuple[Rule, ...] = (
    lambda text, tokens, lex, context: _decide_words(text, tokens, lex, context),
    lambda text, tokens, lex, context: _single_letters(text, tokens),
    lambda text, tokens, lex, context: _apply_acronym_definitions(text, tokens, lex, _capitalise),
    lambda text, tokens, lex, context: _apply_datelines(text, tokens),
    lambda text, tokens, lex, context: _apply_context_rules(text, tokens, lex),
    lambda text, tokens, lex, context: _apply_company_suffixes(text, tokens, lex, _capitalise),
    lambda text, tokens, lex, context: _lower_epithets(text, tokens, lex),
    lambda text, tokens, lex, context: _apply_teams(tokens, lex),
    _headings,
    lambda text, tokens, lex, context: _lower_syllables(text, tokens, lex),
    lambda text, tokens, lex, context: _undo_false_starts(text, tokens, lex),
    lambda text, tokens, lex, context: _undo_quote_starts(text, tokens, lex),
)


# Share of name-like mid-sentence words that carry a capital: >= 0.83 in every English news-dev
# article, <= 0.07 in every one of them lowercased.
WELL_CASED_SHARE = 0.4


FOREIGN_LINE_MIN_WORDS = 5  # lowercase words a line needs before its own language is judged
FOREIGN_MIN_WORDS = 3  # foreign function words a text needs before its lines are judged
FOREIGN_SHARE = 0.15  # ... this share of another language's function words, under it of English


def _hold_foreign_lines(text: str, tokens: list[_Token]) -> None:
    """Words on a line of another language are not recased (nor counted as evidence): a manual
    page or an article may be English only in part."""
    line_start = 0
    line: list[_Token] = []
    for token in [*tokens, None]:
        if token is not None and text.find("\n", line_start, token.start) < 0:
            line.append(token)
            continue
        keys = [t.key for t in line if t.free and t.text.islower() and len(t.key) > 1]
        # Another language's function words tell its prose from a line of (lowercased) names.
        if (
            len(keys) >= FOREIGN_LINE_MIN_WORDS
            and sum(key in FOREIGN_FUNCTION_WORDS for key in keys) >= FOREIGN_SHARE * len(keys)
            and sum(key in FUNCTION_WORDS for key in keys) < FOREIGN_SHARE * len(keys)
        ):
            for held in line:
                held.free = False
        if token is None:
            break
        line_start = text.rfind("\n", 0, token.start) + 1
        line = [token]


def find_edits(text: str, context: CleanContext) -> Iterable[Edit]:
    """Propose casing edits for `text` (see the module docstring for the two regimes)."""
    if not text or not any(ch.isalpha() for ch in text):
        return []
    lex = load_lexicon()
    protected = context.notes.get("protected")
    tokens = _tokens(text, protected_spans(text) if protected is None else protected)  # type: ignore[arg-type]
    _mark_sentence_starts(text, tokens)
    dotted = _mark_dotted(text, tokens, lex)
    # Most texts have almost no foreign function words: their lines need no judging.
    if "\n" in text and sum(t.key in FOREIGN_FUNCTION_WORDS for t in tokens) >= FOREIGN_MIN_WORDS:
        _hold_foreign_lines(text, tokens)
    # One pass over mid-sentence words: how many are English words or function words (is the
    # text English?), how many carry a capital, how many lowercase ones look like names.
    capitals = known = function = lowercase_names = 0
    starts = capital_starts = 0
    lowercase_keys: list[str] = []
    capital_keys: list[str] = []
    for t in tokens:
        # Starts the pipeline capitalises: a word right after ". " or at a line's start (after a
        # quote or a bracket it left the word lowercase: "“we").
        if t.start_of_sentence and t.free and (t.start == 0 or text[t.start - 1] in " \n"):
            starts += 1
            capital_starts += t.text[0].isupper()
        if t.start_of_sentence or t.after_stop or not t.free or len(t.key) < 2:
            continue
        if t.text.islower():
            if not t.contraction:
                lowercase_keys.append(t.key)
        elif t.text[0].isupper():
            capitals += 1
            capital_keys.append(t.key)
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
    damage = casing_damage(
        lowercase_keys,
        capital_keys,
        starts,
        capital_starts,
        title_names(context.title, lex) | frozenset(page_evidence(context.names)[0]),
    )
    context.notes["casing_damage"] = damage
    # Names are what casing is about: in well-cased text most mid-sentence words that look like
    # names carry their capital; after a lowercasing pipeline almost none do. And only a text
    # that shows the damage is recased: known names written lowercase while its sentences start
    # with capitals (a text with few names, or lowercase by its author's choice, is left alone).
    # A caller that knows the source lowercases its texts says so (tests of single rules do).
    shown = damage.shown or context.notes.get("assume_casing_damage") is True
    if not shown or (capitals and capitals >= WELL_CASED_SHARE * (capitals + lowercase_names)):
        context.notes["casing_regime"] = "well-cased"
        edits = _dotted_edits(text, dotted, well_cased=True)
        if shown:
            # A lone "i" or a name written otherwise elsewhere ("putin" beside "Putin") is a slip
            # only in a text with other damage: manuals write "the i option", "openssl" beside
            # "OpenSSL", on purpose.
            edits += _lone_i(text, tokens) + _inconsistent_names(tokens, lex)
        return edits
    context.notes["casing_regime"] = "lowercased"
    edits = _dotted_edits(text, dotted, well_cased=False)
    for rule in LOWERCASED_RULES:
        rule(text, tokens, lex, context)
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
