"""Offline answers: the best sentences, in article order, or an honest 'not in the article'."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.groups.questions import answer_offline, split_sentences, stem

ARTICLE = (
    "The city council voted on Tuesday to approve a new pedestrian bridge across the river. "
    "Mayor Ana Lopez said the bridge would cost 12 million euros and open in 2028. "
    "Residents of the east bank have asked for a crossing for a decade.\n"
    "Opposition councillor Ben Okafor voted against, saying the money should go to schools. "
    "Construction is expected to start next spring, according to the city's engineers."
)


def test_cost_question_finds_the_cost_sentence() -> None:
    answer = answer_offline("How much will the bridge cost?", ARTICLE)
    assert answer.found
    assert any("12 million euros" in s for s in answer.sentences)


def test_who_voted_against_finds_the_opposition() -> None:
    answer = answer_offline("Who voted against it?", ARTICLE)
    assert any("Ben Okafor" in s for s in answer.sentences)


def test_sentences_come_back_in_article_order() -> None:
    answer = answer_offline(
        "When does construction of the bridge start and when does it open?", ARTICLE
    )
    positions = [ARTICLE.index(s) for s in answer.sentences]
    assert positions == sorted(positions) and len(answer.sentences) <= 3


def test_a_question_the_article_does_not_answer_is_said_to_be_unanswered() -> None:
    assert not answer_offline(
        "What did the football coach say about the transfer window?", ARTICLE
    ).found
    assert not answer_offline("?", ARTICLE).found
    assert not answer_offline("What happened?", "").found


def test_stemming_matches_word_forms() -> None:
    assert stem("voted") == stem("votes") == stem("voting") == stem("vote")


def test_split_sentences_keeps_abbreviated_numbers_whole() -> None:
    assert split_sentences("It cost 3.5 million. Then it rose.") == [
        "It cost 3.5 million.",
        "Then it rose.",
    ]


@given(st.text(max_size=300), st.text(max_size=2000))
def test_never_raises_and_answers_only_with_article_text(question: str, article: str) -> None:
    answer = answer_offline(question, article)
    assert all(s in article for s in answer.sentences)
