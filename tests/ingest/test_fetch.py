"""Fetcher against a real local HTTP server: happy paths, every error path and the SSRF guard."""

from __future__ import annotations

import gzip
import socket
import ssl
import tracemalloc
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest
import trustme

from bot.config import Settings
from bot.errors import (
    FetchError,
    FetchTimeoutError,
    HTTPStatusError,
    InputError,
    PrivateAddressError,
    TooLargeError,
    TooManyRedirectsError,
    UnreachableError,
    UnsupportedContentError,
)
from bot.ingest.fetch import FEED_TYPES, HTML_TYPES, Fetcher, refusal_reason, system_resolver
from testsupport.pages import (
    ARTICLE_PARAGRAPHS,
    ETAG,
    FR_PARAGRAPHS,
    LAST_MODIFIED,
    PDF_BYTES,
    RU_TITLE,
    PageServer,
    article_html,
)
from testsupport.pdfs import article_pdf

PUBLIC_IP = "93.184.216.34"  # a global unicast address: passes the guard, never dialled


@pytest.fixture(scope="module")
def srv() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


@pytest.fixture
async def fetcher() -> Fetcher:
    f = Fetcher(allow_private=True, timeout=5.0)
    yield f
    await f.aclose()


# --- happy paths ------------------------------------------------------------------------------


async def test_fetches_and_decodes_a_page(srv: PageServer, fetcher: Fetcher) -> None:
    got = await fetcher.fetch(srv.url("/article"))
    assert got.status == 200
    assert got.content_type == "text/html"
    assert got.url == got.requested_url == srv.url("/article")
    assert ARTICLE_PARAGRAPHS[0] in got.text
    sent = srv.requests_to("/article")[-1]
    assert "NewsFixBot" in sent.header("user-agent")
    assert "text/html" in sent.header("accept")


async def test_news_dev_page_is_served_whole(srv: PageServer, fetcher: Fetcher) -> None:
    page_id = srv.news_ids[0]
    got = await fetcher.fetch(srv.url(f"/news/{page_id}"))
    assert got.text == srv.news_html(page_id)


async def test_without_the_corpus_the_server_serves_stand_in_stories(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    # A user's checkout has no ../shared corpus: feeds and /news/ pages must still be there.
    with PageServer(news_dir=tmp_path / "absent") as server:
        ids = server.news_ids
        assert len(ids) >= 5 and all(i.startswith("stand-in-") for i in ids)
        feed = await fetcher.fetch(server.url("/feed.rss"), accept=FEED_TYPES)
        assert all(server.url(f"/news/{i}") in feed.text for i in ids[:5])
        page = await fetcher.fetch(server.url(f"/news/{ids[0]}"))
        assert server.ground_truth(ids[0]).split("\n")[0] in page.text
        with pytest.raises(HTTPStatusError):
            await fetcher.fetch(server.url("/news/no-such-story"))


async def test_follows_redirects_up_to_the_limit(srv: PageServer, fetcher: Fetcher) -> None:
    got = await fetcher.fetch(srv.url("/redirect/5"))
    assert got.url == srv.url("/article")
    assert got.requested_url == srv.url("/redirect/5")


async def test_too_many_redirects(srv: PageServer, fetcher: Fetcher) -> None:
    with pytest.raises(TooManyRedirectsError, match="more than 5 times"):
        await fetcher.fetch(srv.url("/redirect/6"))


async def test_redirect_limit_is_configurable(srv: PageServer) -> None:
    f = Fetcher(allow_private=True, max_redirects=0)
    try:
        with pytest.raises(TooManyRedirectsError):
            await f.fetch(srv.url("/redirect/1"))
    finally:
        await f.aclose()


async def test_relative_and_absolute_redirects(srv: PageServer, fetcher: Fetcher) -> None:
    srv.add_redirect("/rel", "article?x=1", status=301)
    srv.add_redirect("/abs", srv.url("/rel"), status=308)
    got = await fetcher.fetch(srv.url("/abs"))
    assert got.url == srv.url("/article?x=1")


async def test_cookies_are_never_kept(srv: PageServer, fetcher: Fetcher) -> None:
    srv.add_route("/set-cookie", article_html(), headers={"Set-Cookie": "session=abc; Path=/"})
    await fetcher.fetch(srv.url("/set-cookie"))
    await fetcher.fetch(srv.url("/set-cookie"))
    assert all(not r.header("cookie") for r in srv.requests_to("/set-cookie"))


async def test_plain_text_response(srv: PageServer, fetcher: Fetcher) -> None:
    got = await fetcher.fetch(srv.url("/text"))
    assert got.content_type == "text/plain"
    assert ARTICLE_PARAGRAPHS[1] in got.text


async def test_feed_types_are_accepted_only_when_asked(srv: PageServer, fetcher: Fetcher) -> None:
    got = await fetcher.fetch(srv.url("/feed.rss"), accept=FEED_TYPES)
    assert got.content_type == "application/rss+xml"
    assert "<rss" in got.text
    atom = await fetcher.fetch(srv.url("/feed.atom"), accept=FEED_TYPES)
    assert atom.content_type == "application/atom+xml"
    with pytest.raises(UnsupportedContentError):
        await fetcher.fetch(srv.url("/feed.rss"))  # HTML_TYPES by default
    with pytest.raises(UnsupportedContentError):
        await fetcher.fetch(srv.url("/article"), accept=FEED_TYPES)


async def test_missing_content_type_is_treated_as_html(srv: PageServer, fetcher: Fetcher) -> None:
    srv.add_route("/no-type", article_html(), content_type="")
    got = await fetcher.fetch(srv.url("/no-type"))
    assert got.content_type == "text/html"


async def test_pdf_is_kept_as_bytes(srv: PageServer, fetcher: Fetcher) -> None:
    got = await fetcher.fetch(srv.url("/doc.pdf"))
    assert (got.content_type, got.body, got.text) == ("application/pdf", PDF_BYTES, "")
    assert "application/pdf" in srv.requests_to("/doc.pdf")[-1].header("accept")


@pytest.mark.parametrize(
    ("path", "content_type", "headers"),
    [
        ("/files/report.PDF", "application/octet-stream", {}),
        (
            "/download",
            "binary/octet-stream",
            {"Content-Disposition": 'attachment; filename="r.pdf"'},
        ),
        (
            "/get?id=7",
            "application/force-download",
            {"Content-Disposition": "inline; filename=a.pdf"},
        ),
        ("/legacy", "application/x-pdf", {}),
        ("/untyped", "", {}),
    ],
)
async def test_pdf_sent_as_a_download_or_untyped(
    srv: PageServer, fetcher: Fetcher, path: str, content_type: str, headers: dict[str, str]
) -> None:
    data = article_pdf()
    srv.add_route(path.split("?")[0], data, content_type=content_type, headers=headers)
    got = await fetcher.fetch(srv.url(path))
    assert (got.content_type, got.body) == ("application/pdf", data)


async def test_download_named_pdf_without_a_pdf_header_is_refused(
    srv: PageServer, fetcher: Fetcher
) -> None:
    srv.add_route("/fake.pdf", b"MZ\x90\x00 not a pdf", content_type="application/octet-stream")
    with pytest.raises(UnsupportedContentError, match="download that is not a PDF"):
        await fetcher.fetch(srv.url("/fake.pdf"))


async def test_download_without_a_pdf_name_is_refused_unread(
    srv: PageServer, fetcher: Fetcher
) -> None:
    srv.add_route("/setup.exe", article_pdf(), content_type="application/octet-stream")
    with pytest.raises(UnsupportedContentError, match="application/octet-stream"):
        await fetcher.fetch(srv.url("/setup.exe"))


async def test_pdf_over_the_cap(srv: PageServer) -> None:
    data = article_pdf()
    srv.add_route("/big.pdf", data, content_type="application/pdf", chunked=True)
    f = Fetcher(allow_private=True, pdf_max_bytes=len(data) - 1)
    try:
        with pytest.raises(TooLargeError, match="The PDF is larger"):
            await f.fetch(srv.url("/big.pdf"))
    finally:
        await f.aclose()


async def test_pdf_declared_over_its_cap_is_refused_unread(srv: PageServer) -> None:
    data = article_pdf()
    srv.add_route("/declared.pdf", data, content_type="application/pdf")
    f = Fetcher(allow_private=True, max_bytes=len(data) // 4, pdf_max_bytes=len(data) - 1)
    try:
        with pytest.raises(TooLargeError) as caught:
            await f.fetch(srv.url("/declared.pdf"))
        assert caught.value.detail.endswith(f"{len(data)} bytes")  # the Content-Length check
    finally:
        await f.aclose()


@pytest.mark.parametrize(
    ("path", "content_type", "headers"),
    [
        ("/report.pdf", "application/pdf", {}),
        ("/report-dl.pdf", "application/octet-stream", {}),
        ("/report-untyped", "", {}),
        ("/report-gz.pdf", "application/pdf", {"Content-Encoding": "gzip"}),
        ("/report-raw.pdf", "application/pdf", {"Content-Encoding": "deflate"}),
    ],
)
async def test_pdf_over_the_page_cap_but_under_the_pdf_cap(
    srv: PageServer, path: str, content_type: str, headers: dict[str, str]
) -> None:
    data = article_pdf()
    encoding = headers.get("Content-Encoding", "")
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)  # raw deflate, as some servers send it
    body = {"gzip": gzip.compress(data), "deflate": raw.compress(data) + raw.flush()}.get(
        encoding, data
    )
    srv.add_route(path, body, content_type=content_type, headers=headers, chunked=True)
    f = Fetcher(allow_private=True, max_bytes=len(data) // 4, pdf_max_bytes=len(data))
    try:
        got = await f.fetch(srv.url(path))
        assert (got.content_type, got.body) == ("application/pdf", data)
    finally:
        await f.aclose()


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/liar.pdf", "application/pdf"),  # claims to be a PDF
        ("/liar-dl.pdf", "application/octet-stream"),  # a download named .pdf
        ("/liar-untyped", ""),  # no Content-Type at all
    ],
)
async def test_a_page_posing_as_a_pdf_keeps_the_page_cap(
    srv: PageServer, path: str, content_type: str
) -> None:
    page = article_html(paragraphs=["Not a PDF at all. " * 40] * 40).encode()
    srv.add_route(path, page, content_type=content_type, chunked=True)
    f = Fetcher(allow_private=True, max_bytes=len(page) // 4, pdf_max_bytes=len(page) * 4)
    try:
        with pytest.raises(TooLargeError, match="The page is larger"):
            await f.fetch(srv.url(path))
    finally:
        await f.aclose()


async def test_page_cap_holds_while_streaming_a_body_that_claims_to_be_a_pdf(
    srv: PageServer,
) -> None:
    # 64 MiB of HTML gzipped to about 64 KB, sent as a PDF, under a 1 GiB PDF cap: the page cap
    # must cut it off as it inflates, not after the whole body sits in memory.
    bomb = gzip.compress(b"<p>" + b"x" * (64 * 1024 * 1024), compresslevel=9)
    srv.add_route(
        "/bomb.pdf", bomb, content_type="application/pdf", headers={"Content-Encoding": "gzip"}
    )
    f = Fetcher(allow_private=True, max_bytes=1024 * 1024, pdf_max_bytes=1024 * 1024 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(TooLargeError, match="1 MB"):
            await f.fetch(srv.url("/bomb.pdf"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        await f.aclose()
    assert peak < 16 * 1024 * 1024


async def test_empty_body(srv: PageServer, fetcher: Fetcher) -> None:
    got = await fetcher.fetch(srv.url("/empty"))
    assert got.text == ""


# --- conditional GET --------------------------------------------------------------------------


async def test_etag_and_last_modified_are_reported(srv: PageServer, fetcher: Fetcher) -> None:
    got = await fetcher.fetch(srv.url("/etag"))
    assert (got.status, got.etag, got.last_modified) == (200, ETAG, LAST_MODIFIED)


async def test_not_modified_with_etag(srv: PageServer, fetcher: Fetcher) -> None:
    got = await fetcher.fetch(srv.url("/etag"), etag=ETAG)
    assert (got.status, got.text) == (304, "")
    assert got.etag == ETAG
    assert srv.requests_to("/etag")[-1].header("if-none-match") == ETAG


async def test_not_modified_with_last_modified(srv: PageServer, fetcher: Fetcher) -> None:
    got = await fetcher.fetch(srv.url("/etag"), last_modified=LAST_MODIFIED)
    assert (got.status, got.text) == (304, "")


async def test_stale_etag_gets_the_page(srv: PageServer, fetcher: Fetcher) -> None:
    got = await fetcher.fetch(srv.url("/etag"), etag='"old"')
    assert got.status == 200
    assert ARTICLE_PARAGRAPHS[0] in got.text


async def test_unconditional_304_is_an_error(srv: PageServer, fetcher: Fetcher) -> None:
    srv.add_route("/odd-304", b"", status=304)
    with pytest.raises(HTTPStatusError):
        await fetcher.fetch(srv.url("/odd-304"))


# --- charsets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["cp1251-meta", "cp1251-bare"])
async def test_cyrillic_without_header(srv: PageServer, fetcher: Fetcher, variant: str) -> None:
    got = await fetcher.fetch(srv.url(f"/charset/{variant}"))
    assert RU_TITLE in got.text


@pytest.mark.parametrize("variant", ["latin1-bare", "latin1-header"])
async def test_latin1(srv: PageServer, fetcher: Fetcher, variant: str) -> None:
    got = await fetcher.fetch(srv.url(f"/charset/{variant}"))
    assert FR_PARAGRAPHS[2] in got.text


async def test_header_charset_wins_over_meta(srv: PageServer, fetcher: Fetcher) -> None:
    html = article_html("Ручная работа", ["Текст статьи."], meta_charset="utf-8")
    srv.add_route("/koi8", html.encode("koi8-r"), content_type="text/html; charset=koi8-r")
    got = await fetcher.fetch(srv.url("/koi8"))
    assert "Ручная работа" in got.text


# --- compression and the size cap -------------------------------------------------------------


async def test_gzip_and_deflate_bodies_are_decoded(srv: PageServer, fetcher: Fetcher) -> None:
    html = article_html().encode()
    srv.add_route("/gz", gzip.compress(html), headers={"Content-Encoding": "gzip"})
    srv.add_route("/zl", zlib.compress(html), headers={"Content-Encoding": "deflate"})
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    srv.add_route("/raw", raw.compress(html) + raw.flush(), headers={"Content-Encoding": "deflate"})
    for path in ("/gz", "/zl", "/raw"):
        assert (await fetcher.fetch(srv.url(path))).text == html.decode(), path


async def test_unknown_content_encoding(srv: PageServer, fetcher: Fetcher) -> None:
    srv.add_route("/br", b"\x00\x01", headers={"Content-Encoding": "br"})
    with pytest.raises(UnsupportedContentError, match="compression"):
        await fetcher.fetch(srv.url("/br"))


@pytest.mark.parametrize("path", ["/big", "/big-declared"])
async def test_over_the_cap(srv: PageServer, fetcher: Fetcher, path: str) -> None:
    with pytest.raises(TooLargeError, match="5 MB"):
        await fetcher.fetch(srv.url(path))


async def test_gzip_bomb_stops_at_the_cap(srv: PageServer, fetcher: Fetcher) -> None:
    with pytest.raises(TooLargeError):
        await fetcher.fetch(srv.url("/bomb"))


async def test_cap_counts_decoded_bytes(srv: PageServer) -> None:
    # 3000 bytes that compress to a few dozen: the compressed size alone would pass.
    srv.add_route("/small-bomb", gzip.compress(b"x" * 3000), headers={"Content-Encoding": "gzip"})
    f = Fetcher(allow_private=True, max_bytes=2000)
    try:
        with pytest.raises(TooLargeError):
            await f.fetch(srv.url("/small-bomb"))
        srv.add_route("/fits", gzip.compress(b"x" * 2000), headers={"Content-Encoding": "gzip"})
        assert len((await f.fetch(srv.url("/fits"))).text) == 2000
    finally:
        await f.aclose()


async def test_streamed_body_over_a_small_cap(srv: PageServer) -> None:
    srv.add_route("/chunked", article_html(), chunked=True)
    f = Fetcher(allow_private=True, max_bytes=500)
    try:
        with pytest.raises(TooLargeError):
            await f.fetch(srv.url("/chunked"))
    finally:
        await f.aclose()


# --- HTTP and network errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "says"),
    [
        (403, "refused"),
        (404, "no such page"),
        (410, "no such page"),
        (429, "limiting"),
        (500, "internal error"),
        (503, "internal error"),
        (418, "check that the link"),
    ],
)
async def test_http_errors(srv: PageServer, fetcher: Fetcher, status: int, says: str) -> None:
    with pytest.raises(HTTPStatusError) as info:
        await fetcher.fetch(srv.url(f"/status/{status}"))
    assert info.value.status == status
    assert str(status) in info.value.user_message
    assert says in info.value.user_message


async def test_non_article_content(srv: PageServer, fetcher: Fetcher) -> None:
    with pytest.raises(UnsupportedContentError, match="image/png, not a web page, text or PDF"):
        await fetcher.fetch(srv.url("/image.png"))


async def test_html_only_callers_still_refuse_pdf(srv: PageServer, fetcher: Fetcher) -> None:
    with pytest.raises(UnsupportedContentError, match="application/pdf, which is not one of"):
        await fetcher.fetch(srv.url("/doc.pdf"), accept=HTML_TYPES)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_unreachable_host(fetcher: Fetcher) -> None:
    with pytest.raises(UnreachableError, match="could not be reached"):
        await fetcher.fetch(f"http://127.0.0.1:{_closed_port()}/")


async def test_unknown_host_name() -> None:
    async def nothing(host: str, port: int) -> list[str]:
        return []

    f = Fetcher(resolver=nothing)
    try:
        with pytest.raises(UnreachableError, match=r"no-such\.test could not be found"):
            await f.fetch("http://no-such.test/")
    finally:
        await f.aclose()


async def test_slow_site_times_out(srv: PageServer) -> None:
    f = Fetcher(allow_private=True, timeout=0.5)
    try:
        with pytest.raises(FetchTimeoutError, match=r"0\.5 seconds"):
            await f.fetch(srv.url("/slow?seconds=3"))
        # A body that trickles in defeats per-read timeouts; the total deadline still holds.
        with pytest.raises(FetchTimeoutError):
            await f.fetch(srv.url("/drip?seconds=3"))
    finally:
        await f.aclose()


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/file.txt",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "example.com/article",
        "http://",
        "http://user:secret@example.com/",
        "",
    ],
)
async def test_bad_urls(fetcher: Fetcher, url: str) -> None:
    with pytest.raises(InputError):
        await fetcher.fetch(url)


async def test_redirect_to_another_scheme_is_refused(srv: PageServer, fetcher: Fetcher) -> None:
    srv.add_redirect("/to-file", "file:///etc/passwd")
    with pytest.raises(FetchError, match=r"non-web address \(file:\)"):
        await fetcher.fetch(srv.url("/to-file"))


# --- SSRF guard -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("8.8.8.8", ""),
        ("2606:4700:4700::1111", ""),
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("::ffff:192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-public"),
    ],
)
def test_refusal_reasons(address: str, reason: str) -> None:
    assert refusal_reason(address) == reason


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8080/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://100.64.0.1/",
    ],
)
async def test_literal_private_addresses_are_refused(url: str) -> None:
    f = Fetcher()
    try:
        with pytest.raises(PrivateAddressError, match="network address"):
            await f.fetch(url)
    finally:
        await f.aclose()


async def test_local_server_is_refused_by_default(srv: PageServer) -> None:
    before = len(srv.requests_to("/article"))
    f = Fetcher()
    try:
        with pytest.raises(PrivateAddressError, match="loopback"):
            await f.fetch(srv.url("/article"))
    finally:
        await f.aclose()
    assert len(srv.requests_to("/article")) == before  # refused before connecting


async def test_localhost_name_is_resolved_and_refused() -> None:
    assert "127.0.0.1" in await system_resolver("localhost", 80)
    f = Fetcher()
    try:
        with pytest.raises(PrivateAddressError, match="localhost"):
            await f.fetch("http://localhost/")
    finally:
        await f.aclose()


class FakeDNS:
    """Resolver seam: fixed answers, and a log of what was asked."""

    def __init__(self, table: dict[str, Sequence[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.asked.append(host)
        return self.table.get(host, [])


class PretendInternet(httpx.AsyncBaseTransport):
    """Delivers requests for public addresses to the local server; records the dialled hosts.

    This stands in for the internet: the guard and pinning in Fetcher run unchanged.
    """

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.dialled: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.dialled.append(request.url.host)
        if refusal_reason(request.url.host) == "":
            request.url = request.url.copy_with(host="127.0.0.1")
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
async def guarded() -> tuple[Fetcher, FakeDNS, PretendInternet]:
    dns = FakeDNS(
        {
            "public.test": [PUBLIC_IP],
            "internal.test": ["192.168.1.10"],
            "mixed.test": [PUBLIC_IP, "10.0.0.5"],
            "metadata.test": ["169.254.169.254"],
            "xn--mnchen-3ya.test": [PUBLIC_IP],
        }
    )
    net = PretendInternet()
    f = Fetcher(resolver=dns, transport=net)
    yield f, dns, net
    await f.aclose()


async def test_public_host_is_fetched_from_the_checked_address(
    srv: PageServer, guarded: tuple[Fetcher, FakeDNS, PretendInternet]
) -> None:
    f, dns, net = guarded
    url = f"http://public.test:{srv.port}/article"
    got = await f.fetch(url)
    assert got.url == url
    assert ARTICLE_PARAGRAPHS[0] in got.text
    assert dns.asked == ["public.test"]
    assert net.dialled == [PUBLIC_IP]  # pinned: no second lookup between check and connect
    assert srv.requests_to("/article")[-1].header("host") == f"public.test:{srv.port}"


async def test_international_host_names_are_resolved_in_idna(
    srv: PageServer, guarded: tuple[Fetcher, FakeDNS, PretendInternet]
) -> None:
    f, dns, _net = guarded
    got = await f.fetch(f"http://münchen.test:{srv.port}/article")
    assert got.status == 200
    assert dns.asked == ["xn--mnchen-3ya.test"]
    assert srv.requests_to("/article")[-1].header("host") == f"xn--mnchen-3ya.test:{srv.port}"


async def test_missing_scheme_message(fetcher: Fetcher) -> None:
    with pytest.raises(InputError, match=r"does not start with http://"):
        await fetcher.fetch("example.com/article")


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/article",
        "http://localhost:{port}/article",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://internal.test/",
        "http://metadata.test/",
        "http://mixed.test/",
    ],
)
async def test_redirect_to_a_private_address_is_refused(
    srv: PageServer, guarded: tuple[Fetcher, FakeDNS, PretendInternet], target: str
) -> None:
    f, dns, net = guarded
    dns.table["localhost"] = ["127.0.0.1"]
    path = f"/hop-{abs(hash(target))}"
    srv.add_redirect(path, target.format(port=srv.port))
    with pytest.raises(PrivateAddressError, match="network address"):
        await f.fetch(f"http://public.test:{srv.port}{path}")
    assert net.dialled == [PUBLIC_IP]  # the private hop was never dialled


async def test_allow_private_lets_loopback_through(srv: PageServer, settings: Settings) -> None:
    f = Fetcher.from_settings(settings.model_copy(update={"fetch_allow_private": True}))
    try:
        assert (await f.fetch(srv.url("/article"))).status == 200
    finally:
        await f.aclose()


async def test_from_settings_keeps_the_guard_on_by_default(
    srv: PageServer, settings: Settings
) -> None:
    f = Fetcher.from_settings(settings)
    try:
        assert (f.max_bytes, f.max_redirects, f.allow_private) == (5 * 1024 * 1024, 5, False)
        assert f.pdf_max_bytes == 20 * 1024 * 1024
        with pytest.raises(PrivateAddressError):
            await f.fetch(srv.url("/article"))
    finally:
        await f.aclose()


async def test_next_address_is_tried_when_one_refuses(srv: PageServer) -> None:
    # 127.0.0.3 is loopback too, but nothing listens there on this port.
    dns = FakeDNS({"multi.test": ["127.0.0.3", "127.0.0.1"]})
    f = Fetcher(allow_private=True, resolver=dns)
    try:
        got = await f.fetch(f"http://multi.test:{srv.port}/article")
        assert got.status == 200
    finally:
        await f.aclose()


def test_type_tuples() -> None:
    assert "text/html" in HTML_TYPES and "text/plain" in HTML_TYPES
    assert "text/html" not in FEED_TYPES


# --- TLS with the pinned address --------------------------------------------------------------


@pytest.fixture(scope="module")
def tls() -> Iterator[tuple[PageServer, ssl.SSLContext]]:
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("public.test").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    with PageServer(ssl_context=server_ctx) as server:
        yield server, client_ctx


async def test_https_checks_the_certificate_against_the_name(
    tls: tuple[PageServer, ssl.SSLContext],
) -> None:
    srv, client_ctx = tls
    dns = FakeDNS({"public.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
    f = Fetcher(
        allow_private=True, resolver=dns, transport=httpx.AsyncHTTPTransport(verify=client_ctx)
    )
    try:
        # Connected to 127.0.0.1, yet TLS SNI and verification used the name in the link.
        got = await f.fetch(f"https://public.test:{srv.port}/article")
        assert ARTICLE_PARAGRAPHS[0] in got.text
        assert srv.requests_to("/article")[-1].header("host") == f"public.test:{srv.port}"
        # Same address, a name the certificate does not cover: refused by verification.
        with pytest.raises(UnreachableError, match="TLS certificate"):
            await f.fetch(f"https://other.test:{srv.port}/article")
    finally:
        await f.aclose()
