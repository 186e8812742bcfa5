"""Casing pass: truecasing of lowercased documents, and leaving well-cased text alone."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.clean import CleanContext, casing, clean_text
from bot.clean.edits import apply_edits
from testsupport.corpora import NEWS_DEV

SPUN_BODY = (
    "Russia has been unwilling to have interaction in talks over ukraine, stated u. S. secretary "
    "of state antony blinken in an interview. “we’ve got now not seen any interest on the part of "
    "vladimir putin in carrying out any type of significant diplomatic initiative,” blinken said. "
    "The conversation was part of a panel held by the atlantic council in madrid, and featured "
    "each blinken and spanish foreign minister josé manuel albares. When asked about russia’s "
    "recent attacks and whether blinken thinks they’re meant as signals to nato, he responded: "
    "“there was a fiction that vladimir putin attempted to boost.” on how nato is dealing with "
    "china: “the relationship is complicated,” blinken said. Nato’s emerging from this summit "
    "more united, and i think the pro-russian voices lost."
)

WELL_CASED = [
    # House style "Nato", lowercase jargon, brands, an e-mail and a URL: nothing to repair.
    "Nato’s secretary general, Jens Stoltenberg, said on Monday that the alliance would meet in "
    "Madrid. The hormone ghrelin rises before meals, researchers at the Mayo Clinic found.",
    "Apple’s iPhone 15 sold well in the U.S., according to analysts at Counterpoint. Write to "
    "news@example.com or see https://example.com/iphone for details. i.e. not much changed.",
    "The company said it would cut 9% of its staff. Its chief executive, Jane Smith, told "
    "reporters at 9.30 A.M. that the decision was “painful but necessary”.",
]


def _cased(text: str, title: str = "") -> tuple[str, CleanContext]:
    # These snippets test one rule each and are too short to show casing damage on their own.
    context = CleanContext(title=title, notes={"assume_casing_damage": True})
    new_text, _ = apply_edits(text, casing.find_edits(text, context))
    return new_text, context


@pytest.mark.parametrize(
    "expected",
    [
        "U.S. Secretary of State Antony Blinken",
        "Vladimir Putin",
        "Ukraine",
        "Madrid",
        "Atlantic Council",
        "Spanish Foreign Minister José Manuel Albares",
        "Russia’s recent attacks",
        "signals to NATO,",
        "NATO’s emerging",
        "how NATO is dealing with China:",
        "“We’ve got",
        "responded: “There was",
        "” On how",
        "and I think",
        "the pro-Russian voices",
        "Blinken said",
    ],
)
def test_lowercased_news_is_truecased(expected: str) -> None:
    text, context = _cased(SPUN_BODY)
    assert context.notes["casing_regime"] == "lowercased"
    assert expected in text


def test_ordinary_words_stay_lowercase() -> None:
    text, _ = _cased(SPUN_BODY)
    for phrase in ("was part of a panel held by the", "recent attacks and whether", "he responded"):
        assert phrase in text


@pytest.mark.parametrize("text", WELL_CASED)
def test_well_cased_text_is_left_alone(text: str) -> None:
    result, context = _cased(text)
    assert context.notes["casing_regime"] == "well-cased"
    assert result == text


def test_broken_dotted_acronym_is_repaired_even_in_well_cased_text() -> None:
    text = "Officials in the U.S. and the U.K. met. Later, u. S. Officials in Paris said so."
    result, context = _cased(text)
    assert context.notes["casing_regime"] == "well-cased"
    assert result == text.replace("u. S.", "U.S.")


def test_lone_lowercase_i_is_repaired_in_well_cased_text() -> None:
    text = "When Maria Lopez called, i said I’d come to Boston, and i’m glad I did."
    result, _ = _cased(text)
    assert result == "When Maria Lopez called, I said I’d come to Boston, and I’m glad I did."


def test_non_english_text_is_left_alone() -> None:
    text = "o presidente lula disse que o brasil vai crescer. a economia de são paulo está forte."
    result, context = _cased(text)
    assert context.notes["casing_english"] is False
    assert result == text


def test_title_is_evidence_for_ordinary_words() -> None:
    body = (
        "Today only, amazon offers apple’s refurbished laptops for $700. The deal includes "
        "free shipping and the discount applies to apple accessories too, says the retailer."
    )
    without, _ = _cased(body)
    with_title, _ = _cased(body, title="Best deals on Apple laptops from $700 at Amazon")
    assert "apple’s" in without
    assert "Apple’s" in with_title and "Apple accessories" in with_title
    assert "Amazon offers" in with_title


def test_months_that_are_words_need_a_date_context() -> None:
    text, _ = _cased("The vote may be delayed to may 5 or later in may. Troops march north.")
    assert text == "The vote may be delayed to May 5 or later in May. Troops march north."


def test_capitals_after_a_broken_acronym_are_undone() -> None:
    text, _ = _cased(
        "Sales in the u. S. Rose sharply, said sarah lee of gartner. It was 1 p. M. Then."
    )
    assert "the U.S. rose sharply" in text
    assert "Sarah Lee of Gartner" in text
    assert "1 p.m. Then" in text  # "Then" usually opens a sentence: kept
    text, _ = _cased("via the so-called l. A. Declaration and the u.s. Army, said putin.")
    assert "the so-called L.A. Declaration and the U.S. Army" in text


def test_urls_emails_and_codes() -> None:
    text, _ = _cased(
        "see www.example.org and mail bob@example.com about the 256gb model with 5g and wi-fi, "
        "said john smith. the airbus a350 flew to kenya."
    )
    assert "www.example.org" in text and "bob@example.com" in text
    assert "256GB" in text and "5G" in text and "Wi-Fi" in text
    assert "John Smith" in text and "A350" in text and "Kenya" in text


def test_edits_only_change_case_except_dotted_acronyms() -> None:
    for edit in casing.find_edits(SPUN_BODY, CleanContext()):
        before = SPUN_BODY[edit.start : edit.end]
        if edit.kind == "acronym" and "." in before:
            assert before.replace(" ", "").lower() == edit.replacement.lower()
        else:
            assert before.lower() == edit.replacement.lower()
            assert edit.kind in ("casing", "acronym")


def test_resources_load_once() -> None:
    assert casing.load_lexicon() is casing.load_lexicon()


_words = st.sampled_from(
    "the a nato putin said u. s. i may will china apple secretary of state minister john "
    "blinken council atlantic www.x.com 5g “ ” . , : \n pro-russian it’s putin’s ghrelin".split(" ")
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_words, max_size=40), st.sampled_from(["", "Putin and Apple meet in China"]))
def test_casing_is_idempotent_and_only_recases(words: list[str], title: str) -> None:
    text = " ".join(words)
    once, _ = _cased(text, title)
    twice, _ = _cased(once, title)
    assert twice == once
    assert re.sub(r"\s", "", once).lower() == re.sub(r"\s", "", text).lower()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_casing_never_raises_and_only_recases_any_text(text: str) -> None:
    once, _ = _cased(text)
    # Case changes, plus the spaces a broken dotted acronym loses ("u. s." → "U.S.").
    assert re.sub(r"\s", "", once).lower() == re.sub(r"\s", "", text).lower()


@pytest.mark.skipif(not (NEWS_DEV / "ground-truth.json").exists(), reason="no news-dev corpus")
def test_published_news_gets_no_casing_edits() -> None:
    truth = json.loads((NEWS_DEV / "ground-truth.json").read_text(encoding="utf-8"))
    edits = []
    for doc_id, item in truth.items():
        body = item["articleBody"]
        edits += [(doc_id, e) for e in casing.find_edits(body, CleanContext())]
    assert edits == []


def test_brand_products_name_the_brand_but_not_describing_words() -> None:
    text, _ = _cased(
        "Today only, amazon offers apple’s 12-inch macbook and the new ipad for less. An apple a "
        "day is a saying, and apple pie is a dessert."
    )
    assert "Apple’s 12-inch MacBook" in text
    assert "the new iPad" in text  # "new" describes the product; it is no name
    assert "An Apple a day" in text  # the whole document now reads "apple" as the company


def test_state_codes_and_party_names_need_their_context() -> None:
    text, _ = _cased(
        "the band plays shoreline amphitheatre in palo alto, ca and then seattle, wa or "
        "portland, or. the democratic candidate praised a democratic process."
    )
    assert "Alto, CA and" in text and "Seattle, WA or" in text
    assert "Portland, or." in text  # "or" is a word before it is Oregon
    assert "The Democratic candidate praised a democratic process" in text


def test_name_continuations_but_not_roles() -> None:
    text, _ = _cased(
        "the atlantic council met in madrid. pittsburgh center maurkice pouncey was suspended "
        "by the nfl, and the los angeles lakers won."
    )
    assert "Atlantic Council" in text
    assert "Pittsburgh center Maurkice Pouncey" in text
    assert "NFL" in text and "Los Angeles Lakers" in text


def test_derived_words_are_not_names_but_mc_and_o_names_are() -> None:
    text, _ = _cased(
        "the thermostat is customizable and charges wirelessly, said john mcfee and pat o'brien "
        "of the steelers in a us prison interview."
    )
    assert "customizable" in text and "wirelessly" in text
    assert "John McFee" in text and "O'Brien" in text
    assert "a US prison" in text


def test_places_that_are_also_things_follow_the_determiner() -> None:
    text, _ = _cased("officials in turkey said the turkey was roasted and a jersey was signed.")
    assert "in Turkey said the turkey was roasted and a jersey was signed" in text


def test_first_names_and_surnames_that_are_words() -> None:
    text, _ = _cased(
        "in london, prime minister rishi sunak met keir starmer, and john young met gordon brown. "
        "john said it would rain. will you come? mark my words."
    )
    assert "Prime Minister Rishi Sunak met Keir Starmer" in text
    assert "John Young met Gordon Brown" in text
    assert "John said it" in text and "Will you come? Mark my words." in text


def test_towns_before_a_state_or_country() -> None:
    text, _ = _cased(
        "the team worked in greenbelt, maryland, and in mountain view, california. in the "
        "morning, texas time, it rained in new south wales, australia."
    )
    assert "in Greenbelt, Maryland" in text and "in Mountain View, California" in text
    assert "In the morning, Texas time" in text
    assert "in New South Wales, Australia" in text


def test_addresses_services_and_initials() -> None:
    text, _ = _cased(
        "officers from the columbus police department arrested elizabeth a. burton, 32, of 1119 "
        "eighth st., near 17th street and 1909 jolinda drive. it was a long road and the main "
        "street was closed."
    )
    assert "the Columbus Police Department arrested Elizabeth A. Burton" in text
    assert "1119 Eighth St." in text and "17th Street" in text and "1909 Jolinda Drive" in text
    assert "a long road and the main street was closed" in text


def test_labelled_letters_slashed_names_and_of_names() -> None:
    text, _ = _cased(
        "path a: iceland, bulgaria/israel/hungary and the republic of ireland. a group of fans "
        "and/or a plan, see /usr/share/dict."
    )
    assert "Path A: Iceland, Bulgaria/Israel/Hungary and the Republic of Ireland" in text
    assert "A group of fans and/or a plan, see /usr/share/dict." in text
    text, _ = _cased("england (group a): 10th appearance. the model s is fast; take vitamin d too.")
    assert "England (Group A)" in text and "The Model S is" in text and "vitamin D too" in text


def test_title_runs_and_their_leading_parts_are_phrase_evidence() -> None:
    body = (
        "star wars jedi: fallen order is a game. fallen order’s story is long, and star wars "
        "fans will like it, she said, “because it is fun.” the order was placed."
    )
    text, _ = _cased(body, title="Star Wars Jedi: Fallen Order review - shoots for the moon")
    assert "Star Wars Jedi: Fallen Order is a game. Fallen Order’s story" in text
    assert "and Star Wars fans" in text
    assert "she said, “because it is fun.” The order was placed." in text


def test_parties_and_public_bodies() -> None:
    text, _ = _cased(
        "the mouthpiece of the communist party warned conservative voters, and the federal "
        "bureau of prisons moved him. labor costs rose."
    )
    assert "the Communist Party warned conservative voters" in text
    assert "the Federal Bureau of Prisons moved him. Labor costs rose." in text


def test_well_cased_text_repairs_names_it_writes_differently_elsewhere() -> None:
    text, context = _cased(
        "President Vladimir Putin met NATO leaders in Madrid, and Mr Putin spoke. Later, putin "
        "said Nato’s plans were a threat, and NATO answered. She ate an apple on an Apple stand."
    )
    assert context.notes["casing_regime"] == "well-cased"
    assert "Later, Putin said NATO’s plans" in text
    assert "an apple on an Apple stand" in text  # an ordinary word may be both


def test_ordinary_words_between_a_name_and_a_head_word_join_the_name() -> None:
    text, _ = _cased(
        "She studied at the getty conservation institute, then joined nasa's ames research "
        "center. Later the minnesota tourism agency and a delhi-based council hired her, and "
        "she met the us space agency twice."
    )
    assert "the Getty Conservation Institute" in text
    assert "NASA's Ames Research Center" in text
    # A place or a state before a descriptive noun: not a name ("Minnesota tourism agency").
    assert "the Minnesota tourism agency" in text
    assert "Delhi-based council" in text
    assert "the US space agency" in text


def test_us_before_a_word_about_the_state() -> None:
    text, _ = _cased("Us lawmakers met us farmers and told us plainly. Us and them, he said.")
    assert text.startswith("US lawmakers met US farmers and told us plainly. Us and them")


def test_title_case_title_parts_that_name_something() -> None:
    body = (
        "The event opens today. Visitors of the lantern festival saw binge eating art about "
        "binge eating."
    )
    title = "Lantern Festival Shows Binge Eating Art"
    text, _ = _cased(body, title=title)
    assert "the Lantern Festival saw" in text
    assert "binge eating art about binge eating" in text  # a topic, not a name
    assert "the lantern festival saw" in _cased(body)[0]


def test_attribution_after_a_quoted_question_or_exclamation_goes_on_the_sentence() -> None:
    text, _ = _cased('"Get out!" an officer shouted. "Why?" said okafor. "Go!" The crowd ran.')
    assert '"Get out!" an officer shouted.' in text
    assert '"Why?" said Okafor.' in text
    assert '"Go!" The crowd ran.' in text


def test_common_words_that_are_first_names_before_a_surname_in_a_name_slot() -> None:
    text, _ = _cased(
        "politicians such as bill clinton came, said mark quinlan, and matt grzelcyk scored. "
        "Then wales beat hungary, and the bill clinton signed passed."
    )
    assert "such as Bill Clinton came, said Mark Quinlan, and Matt Grzelcyk scored" in text
    assert "Wales beat Hungary" in text
    assert "the bill Clinton signed" in text


def test_planet_earth_without_an_article() -> None:
    text, _ = _cased(
        "the probe left earth in may and will study earth's magnetic field far from earth. "
        "what on earth, he asked, about the earth and rare earth metals?"
    )
    assert "left Earth in May" in text and "study Earth's magnetic" in text
    assert "far from Earth." in text
    assert "What on earth" in text and "the earth and rare earth metals" in text


def test_well_known_names_of_ordinary_words() -> None:
    text, _ = _cased("since the big bang, real madrid and the royal navy met at the hall of fame.")
    assert "the Big Bang, Real Madrid and the Royal Navy met at the Hall of Fame." in text


def test_a_brand_needs_its_product_right_after_it() -> None:
    text, _ = _cased(
        "recent samsung smart tvs have the apple tv app. expensive smart speakers are not "
        "the right gift, but apple’s 12-inch macbook is."
    )
    assert "smart TVs" in text and "Expensive smart speakers" in text  # "TVs" is no brand
    assert "Apple’s 12-inch MacBook" in text


def test_uncommon_words_capitalised_mid_title_are_names_alone_too() -> None:
    body = "Teachers filled the statehouse on tuesday. They want to surrender nothing, he said."
    text, _ = _cased(
        body, title="Thousands of teachers fill Ohio Statehouse, warn SURRENDER is no option"
    )
    assert "filled the Statehouse on Tuesday" in text
    assert "want to surrender nothing" in text


def test_wordnet_names_but_not_phrases_of_frequent_words() -> None:
    text, _ = _cased(
        "data from the drug enforcement administration reached inner mongolia and the south pole."
    )
    assert "the Drug Enforcement Administration reached Inner Mongolia" in text
    assert "the south pole." in text


def test_the_house_chamber_and_party_cues() -> None:
    text, _ = _cased(
        "house democrats met the house speaker. they avoided democratic criticism, and he sold "
        "a house vote? no, his house floor was wet in the democratic republic of congo."
    )
    assert "House Democrats met the House speaker" in text
    assert "avoided Democratic criticism" in text
    assert "his house floor" in text
    assert "the Democratic Republic of Congo" in text


def test_species_words_of_latin_binomials_stay_lowercase() -> None:
    text, _ = _cased("the plague is caused by yersinia pestis. Those with y. pestis fall ill.")
    assert "by Yersinia pestis." in text and "with Y. pestis fall" in text


def test_ordinary_words_with_a_demonym_ending_are_no_nationality() -> None:
    text, _ = _cased("the apple watch series 5 beat the russian army.")
    assert "Apple Watch Series 5" in text
    assert "the Russian army" in text  # a nationality before a head word: no name


def test_a_determiner_makes_a_possessive_or_speaker_a_thing() -> None:
    text, _ = _cased("she says the unions said the galaxy's disk grew.")
    assert "the unions said the galaxy's disk grew" in text
    text, _ = _cased("she says galaxy's chief executive spoke.")
    assert "Galaxy's chief executive" in text  # no determiner: the company


def test_short_syllables_after_a_hyphen_in_east_asian_names() -> None:
    text, _ = _cased(
        "on a warm day she walked down daehak-ro with her friend pierre-luc dubois, and they "
        "talked about the news for an hour."
    )
    assert "Daehak-ro" in text and "Pierre-Luc Dubois" in text


def test_links_the_pipeline_capitalised_go_back_to_lowercase() -> None:
    text, _ = _cased(
        "the air is bad in delhi, said the expert. Pic.twitter.com/abc123 Www.example.com has more."
    )
    assert "pic.twitter.com/abc123 www.example.com has more" in text


def test_dotted_state_abbreviations() -> None:
    text, _ = _cased("COLUMBIA, s. C. (ap) — a dozen women met in columbia, s.c., on monday.")
    assert text.startswith("COLUMBIA, S.C. (AP)") and "Columbia, S.C., on Monday" in text


def test_state_codes_that_are_words_where_a_list_item_ends() -> None:
    text, _ = _cased(
        "the band will play on these dates.\njune 26 – cleveland, oh @ the big arena\n"
        "july 3 – denver, co\nthey said that in cleveland, oh my, it rained."
    )
    assert "Cleveland, OH @" in text and "Denver, CO\n" in text
    assert "Cleveland, oh my" in text


def test_a_team_named_once_after_its_city_is_the_team_alone() -> None:
    text, _ = _cased(
        "the oklahoma city thunder lost again, and late in the game the thunder scored."
    )
    assert "Oklahoma City Thunder lost" in text and "the Thunder scored" in text
    text, _ = _cased("the storm brought thunder and rain to the city for a day.")
    assert "brought thunder and rain" in text  # no team named: the weather


def test_letters_glued_to_a_sign_keep_their_case() -> None:
    assert _cased("we paid x€ there and y$ here, said the man.")[0] == (
        "We paid x€ there and y$ here, said the man."
    )


def test_acronyms_defined_in_the_text_and_their_later_mentions() -> None:
    text, _ = _cased(
        "People with binge eating disorder (bed) eat fast. Those diagnosed with bed often "
        "hide it, and they sleep in bed. South korea’s ministry of trade, industry and energy "
        "(motie) agreed, as did the intensive care units (icus). A fee (tax) is no acronym."
    )
    assert "binge eating disorder (BED)" in text  # spelled out: not a name
    assert "diagnosed with BED often" in text
    assert "sleep in bed." in text  # after a preposition it is the word
    assert "Ministry of Trade, Industry and Energy (MOTIE)" in text
    assert "intensive care units (ICUs)" in text
    assert "A fee (tax) is" in text


def test_a_parenthesised_number_after_the_last_word_is_no_acronym() -> None:
    assert _cased("helicopters during the falklands war (1982)")[0] == (
        "Helicopters during the Falklands War (1982)"
    )
    # Too short to show casing damage by itself: the whole stage leaves it as it is.
    assert clean_text("helicopters during the falklands war (1982)").text == (
        "helicopters during the falklands war (1982)"
    )


def test_company_suffixes_and_double_initials_name_the_words_before() -> None:
    text, _ = _cased(
        "nasa chose tyvak nano-satellite systems inc. and ceres robotics inc for the job, and "
        "the w. m. keck observatory saw it, e. g. not the co-op."
    )
    assert "Tyvak Nano-Satellite Systems Inc. and Ceres Robotics Inc for" in text
    assert "the W. M. Keck Observatory saw it" in text
    assert "e. g. not the co-op" in text


def test_wire_datelines_keep_their_capitals() -> None:
    text, _ = _cased("Washington (reuters) - scientists said.\nSan francisco (ap) — he said.")
    assert text.startswith("WASHINGTON (Reuters) - scientists said.\nSAN FRANCISCO (AP) —")


def test_headings_follow_a_title_case_title() -> None:
    body = (
        "The car goes on sale in may, the maker said on monday.\nRange and charging\nIt "
        "charges in an hour.\nThe price is what matters most, according to the maker."
    )
    title_case, _ = _cased(body, title="Audi Reveals Its New Electric Car for Europe")
    assert "\nRange and Charging\n" in title_case
    # A sentence-case title shows the site writes headings as sentences: left alone.
    sentence_case, _ = _cased(body, title="Audi reveals its new electric car for Europe")
    assert "\nRange and charging\n" in sentence_case
    assert "The price is what matters most, according to the maker." in title_case


def test_tokens_keep_offsets_and_mark_codes_and_links_as_not_prose() -> None:
    # Expected values recorded from the tokeniser before its speed rewrite.
    text = "Eu5g rav4’s x, see www.site.com/a-b and don’t miss Bob’s 7"
    tokens = [
        (t.start, t.end, t.text, t.key, t.free, t.possessive, t.contraction)
        for t in casing._tokens(text)
    ]
    assert tokens == [
        (0, 2, "Eu", "eu", False, False, False),  # glued to a digit after it
        (3, 4, "g", "g", False, False, False),  # glued to a digit before it
        (5, 8, "rav", "rav", False, False, False),
        (10, 11, "s", "s", True, False, False),
        (12, 13, "x", "x", True, False, False),
        (15, 18, "see", "see", True, False, False),
        (19, 22, "www", "www", False, False, False),  # inside a link
        (23, 27, "site", "site", False, False, False),
        (28, 31, "com", "com", False, False, False),
        (32, 33, "a", "a", False, False, False),
        (34, 35, "b", "b", False, False, False),
        (36, 39, "and", "and", True, False, False),
        (40, 45, "don’t", "don't", True, False, True),
        (46, 50, "miss", "miss", True, False, False),
        (51, 54, "Bob", "bob", True, True, False),  # the possessive is not part of the stem
    ]
    assert casing._tokens("") == [] and casing._tokens("7 8") == []
    mojibake = [(t.text, t.free) for t in casing._tokens("x â\x81 y \x85b")]
    assert mojibake == [("x", True), ("â", False), ("y", True), ("b", False)]  # next to C1
