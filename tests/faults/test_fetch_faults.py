"""Fetcher faults: redirects to non-web addresses, 6to4-wrapped private addresses, bare schemes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.errors import FetchError, InputError, PrivateAddressError
from bot.ingest.fetch import Fetcher, refusal_reason
from bot.pipeline import Pipeline
from bot.services import build_pipeline
from bot.storage.db import Database
from testsupport.pages import PageServer


@pytest.fixture
def pages() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


@pytest.mark.parametrize(
    "location",
    ["javascript:alert(1)", "mailto:a@b.example", "data:text/html,<b>hi</b>", "ftp://x.example/"],
)
async def test_redirect_to_a_non_web_address_is_refused_clearly(
    pages: PageServer, location: str
) -> None:
    """Item 8: httpx raised InvalidURL while building the next request of the redirect."""
    pages.add_redirect("/r", location)
    fetcher = Fetcher(allow_private=True)
    try:
        with pytest.raises(FetchError) as err:
            await fetcher.fetch(pages.url("/r"))
    finally:
        await fetcher.aclose()
    assert "redirects to a non-web address" in err.value.user_message


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("2002:a9fe:a9fe::", "link-local"),  # 169.254.169.254, the cloud metadata service
        ("2002:7f00:1::", "loopback"),  # 127.0.0.1
        ("2002:0a00:0001::1", "private"),  # 10.0.0.1
        ("2002:c0a8:0101::", "private"),  # 192.168.1.1
    ],
)
def test_6to4_addresses_are_judged_by_the_ipv4_they_wrap(address: str, reason: str) -> None:
    """Item 14: 2002::/16 passed the SSRF guard."""
    assert refusal_reason(address).startswith(reason)


def test_6to4_of_a_public_ipv4_is_still_allowed() -> None:
    assert refusal_reason("2002:0808:0808::1") == ""


async def test_6to4_literal_in_a_link_is_refused_before_connecting() -> None:
    fetcher = Fetcher(allow_private=False)
    try:
        with pytest.raises(PrivateAddressError):
            await fetcher.fetch("http://[2002:a9fe:a9fe::]/latest/meta-data/")
    finally:
        await fetcher.aclose()


@pytest.mark.parametrize("link", ["http://", "https://", "http:///path"])
async def test_a_bare_scheme_is_called_a_link_without_a_site(link: str, settings) -> None:  # type: ignore[no-untyped-def]
    """Smaller: 'http://' alone got 'Only http and https links are supported, not http:'."""
    db = await Database.open(settings.database_url)
    pipeline: Pipeline = build_pipeline(settings, db=db)
    try:
        with pytest.raises(InputError) as err:
            await pipeline.document(link)
    finally:
        await pipeline.aclose()
        await db.close()
    assert "no site name" in err.value.user_message
