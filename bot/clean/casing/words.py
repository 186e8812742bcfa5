"""Casing: the small word lists the rules test against (closed classes and cue words)."""

from __future__ import annotations

CONTRACTIONS = frozenset({"t", "re", "ve", "ll", "d", "m"})


# "." after these does not end a sentence.
ABBREVIATIONS = frozenset(
    "mr mrs ms dr st jr sr vs etc inc co corp ltd gen sen rep gov rev lt col capt sgt maj adm "
    "no nos vol fig approx est dept univ assn ave blvd jan feb mar apr jun jul aug sep sept oct nov "
    "dec mt ft pp ca cf al km kg mm cm ml mg lb lbs hr hrs yd yds pt pts oz qt sq mph rpm th nd "
    "rd pct mln bln tbsp tsp".split()
)


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


FUNCTION_WORDS = frozenset(
    "the of and to in a is that for it on with as was by at from be this have are not but or an "
    "his her they their he she we you has had were will would been which who its said".split()
)


# Places that are also things news writes about; after a determiner they are the thing.
COUNTRY_OR_THING = frozenset({"turkey", "jersey", "guinea", "phoenix", "chile", "java"})


DETERMINERS = frozenset(
    "the a an this that these those his her their our my your its every each no some roast "
    "wild fine bone".split()
)


LOWER_IN_NAMES = frozenset(
    {"of", "the", "for", "and", "de", "la", "del", "van", "von", "da", "bin"}
)


TITLE_BREAKS = (":", "|", "—", "–", "-", "?", "!", ".", "“", '"', "'", "‘", "[", "(")


# Words that usually open a sentence: after "U.S." they mean the sentence ended there.
STARTERS = frozenset(
    "the a an it its he she they we i you in on at but and or so this that these those there his "
    "her their our my as if when while after before however meanwhile still yet now then what why "
    "how who for with by from some many most all one two no not last next".split()
)


LABELS = frozenset(
    "path group plan type class series grade vitamin model section part article pool division "
    "category option exhibit appendix figure table phase stage level tier gate terminal "
    "platform route row building zone team version size round pot".split()
)


CAPITAL_LABELS = frozenset({"group", "pool", "path", "model", "division", "class", "series"})


ACRONYM_SKIP = frozenset({"of", "and", "the", "for", "on", "in", "to", "at", "a", "de", "du"})


NOT_INITIALS = frozenset({("i", "e"), ("e", "g"), ("a", "m"), ("p", "m"), ("a", "k")})


ACRONYM_NOUN_CUES = frozenset({"to", "in", "into", "out", "from", "under", "on", "of", "per"})


ARTICLES = frozenset(
    "the a an this that these those his her their its our my your every each no some any".split()
)


HONORIFICS = frozenset({"mr", "mrs", "ms", "dr", "sen", "rep", "gov", "gen", "rev", "st", "sir"})


MONTH_CUES = frozenset({"in", "since", "until", "early", "late", "mid", "last", "next", "by"})


DEMONYM_ENDINGS = ("ian", "ean", "ese", "ish", "an", "ch", "ss", "i", "u")


VERB_ENDINGS = ("ed", "ing", "ly")  # "nato posed", "john quickly": not surnames


# Words after which a person's name is usual and a verb or a noun is not ("and Matt Roberts",
# "said Mark Quinlan"); after a name a common word is a verb ("Wales beat Hungary").
BEFORE_NAMES = frozenset(
    "and or said says by with as from of for like including between among than against "
    "versus vs told former late actor actress singer player coach manager star chef "
    "leader founder".split()
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


TOWN_CUES = frozenset({"in", "of", "from", "near", "outside", "to", "at", "suburban"})


COMPANY_SUFFIXES = frozenset({"inc", "corp", "ltd", "llc", "plc", "co", "gmbh"})


# Words a Title Case heading keeps lowercase unless they open it (AP and Chicago styles agree).
HEADING_SMALL = frozenset(
    "a an the and but or nor for so yet as at by in of on to up via vs per from with into onto "
    "over off out than".split()
)


HEADING_END = (".", "!", "?", ":", ";", ",", "”", '"', "’", "'", "…")
