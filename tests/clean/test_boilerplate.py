"""Boilerplate pass: comment forms and share/related lines go, only at the ends of the text."""

from __future__ import annotations

import re

import pytest

from bot.clean import CleanContext
from bot.clean.boilerplate import find_edits, load_patterns
from bot.clean.edits import apply_edits

ARTICLE = "The minister spoke on Tuesday.\n\nShe said the plan would be ready next year."


def _strip(text: str) -> str:
    return apply_edits(text, find_edits(text, CleanContext()))[0]


@pytest.mark.parametrize(
    "tail",
    [
        "Leave a Reply\n\nYour email address will not be published.",
        "Leave a Reply Cancel reply\nYour email address will not be published. Required fields are "
        "marked *\nComment *\nName *\nEmail *\nWebsite\nSave my name, email, and website in this "
        "browser for the next time I comment.\nΔ",
        "Δ",
        "Share this:\nTwitter\nFacebook\nLike this:\nLoading...",
        "Sign up for our newsletter to get the latest news delivered to your inbox.",
        "We use cookies to give you the best experience on our website. Accept all cookies",
        "Related posts\nThe Minister's Other Plan\nWhy It Matters Now\nFive Things to Know.",
        "You may also like\n\nA Headline Here\n\nAnother Headline | Site\n\nLeave a comment",
        "Tags: politics, budget\nFiled under: News\nAdvertisement",
    ],
)
def test_trailing_boilerplate_is_removed(tail: str) -> None:
    assert _strip(f"{ARTICLE}\n\n{tail}") == ARTICLE


def test_comment_form_glued_to_the_last_paragraph_is_removed() -> None:
    glued = (
        f"{ARTICLE} Leave a Reply Cancel reply Your email address will not be published. Required"
        " fields are marked * Comment * Name * Email * Website Save my name, email, and website in"
        " this browser for the next time I comment. Δ\nShare on Facebook"
    )
    assert _strip(glued) == ARTICLE
    # Without sentence punctuation before it, two comment-form items are needed.
    assert _strip(
        "Posted October 9, 2018 Leave a Reply Your email address will not be published."
    ) == ("Posted October 9, 2018")


def test_leading_boilerplate_is_removed() -> None:
    assert _strip(f"Share this article\n\nAdvertisement\n{ARTICLE}") == ARTICLE


@pytest.mark.parametrize(
    "text",
    [
        # Boilerplate-looking lines in the middle of the article stay.
        f"Leave a Reply\n{ARTICLE}\n\nShare this:\n\nThe vote is on Friday, officials said.",
        f"{ARTICLE}\n\nRelated posts\nThe committee will meet again on Friday, she said, adding that "
        "the plan had broad support among members of all parties and would pass easily.",
        # Credit lines and prose that mention comments belong to the article.
        f"{ARTICLE}\n\nOriginally published on Live Science.",
        f"{ARTICLE}\n\n(Reporting by Will Dunham; Editing by Tom Brown)\n\n© Reuters",
        f"{ARTICLE} He declined to comment",
        f"{ARTICLE} A spokesman did not respond to a request for comment.",
        f"{ARTICLE}\n\nFTC: We use income earning auto affiliate links. More.",
        f"{ARTICLE}\n\nStory Timeline\n\nA Headline Here\nAnother Headline",
    ],
)
def test_article_text_is_kept(text: str) -> None:
    assert _strip(text) == text


def test_text_that_is_all_boilerplate_is_left_for_a_human() -> None:
    text = "Leave a Reply\nYour email address will not be published."
    assert _strip(text) == text


def test_every_removed_piece_is_logged_with_its_line() -> None:
    text = f"{ARTICLE}\n\nLeave a Reply\n\nYour email address will not be published."
    edits = list(find_edits(text, CleanContext()))
    assert [text[e.start : e.end] for e in edits] == [
        "\n\nLeave a Reply",
        "\n\nYour email address will not be published.",
    ]
    assert {e.kind for e in edits} == {"boilerplate"}


def test_data_file_patterns_compile_and_sections_are_populated() -> None:
    patterns = load_patterns()
    for pattern in (patterns.comment, patterns.line, patterns.header, patterns.glued):
        assert isinstance(pattern, re.Pattern)
    assert patterns.comment.fullmatch("Required fields are marked *")
    assert patterns.header.fullmatch("Related Posts")
    assert patterns.line.fullmatch("Share on Twitter")


@pytest.mark.parametrize(
    "tail",
    [
        "Comments are closed.",
        "2 thoughts on “The Minister’s Plan”\nReply\nLeave a Reply to Jane Cancel reply",
        "Logged in as editor. Log out?\nYour comment is awaiting moderation.",
        "Print Friendly, PDF & Email\nShare this story",
        "Subscribe to our YouTube channel for more videos.\nPowered by WordPress",
    ],
)
def test_other_theme_wordings_are_removed(tail: str) -> None:
    assert _strip(f"{ARTICLE}\n\n{tail}") == ARTICLE


def test_breadcrumbs_at_the_start_are_removed() -> None:
    assert _strip(f"Home » News » Politics\n\n{ARTICLE}") == ARTICLE
