"""A local HTTP server on 127.0.0.1 that serves article pages and misbehaving routes for tests.

Usage::

    from testsupport.pages import PageServer

    with PageServer() as srv:
        srv.url("/news/<id>")                     # a news-dev page (gunzipped, text/html; utf-8)
        srv.add_route("/a", "<html>…</html>")     # programmable routes (override built-ins)
        srv.add_route("/x", b"...", status=503, headers={"Retry-After": "1"})
        srv.add_redirect("/go", "http://10.0.0.1/") # Location may be any URL
        srv.add_handler("/dyn", lambda req: Response(200, b"hi"))
        srv.requests                              # every request seen, oldest first

    PageServer(ssl_context=ctx) serves https instead (e.g. with a `trustme` certificate).

Built-in routes (all on the same server):

    /news/<id>                 news-dev page; srv.news_ids lists the ids, srv.ground_truth(id)
    /article                   a small, plainly extractable article (ARTICLE_TEXT paragraphs)
    /status/<code>             empty-ish HTML body with that status (404, 500, …)
    /slow?seconds=S            waits S seconds before answering with /article
    /drip?seconds=S            sends /article's headers, then its body in ten chunks over S seconds
    /image.png                 non-HTML content
    /doc.pdf                   application/pdf with no pages (a damaged PDF; testsupport/pdfs.py
                               makes real ones to serve with add_route)
    /big?bytes=N               HTML of N bytes (default 6 MiB), streamed chunked, no Content-Length
    /big-declared?bytes=N      the same with Content-Length declared
    /bomb?bytes=N              gzip-encoded body that inflates to N bytes (default 64 MiB)
    /paywall                   a page with a headline, one teaser line and a subscribe box
    /empty                     200 text/html with an empty body
    /text                      text/plain article (title line, blank line, paragraphs)
    /charset/cp1251-meta       windows-1251 Russian article, charset only in <meta>
    /charset/cp1251-bare       windows-1251 Russian article, no charset anywhere
    /charset/latin1-bare       iso-8859-1 French article, no charset anywhere
    /charset/latin1-header     iso-8859-1 French article, charset only in the Content-Type header
    /redirect/<n>              redirects n times (302), then lands on /article
    /feed.rss, /feed.atom      feeds whose items link to /news/<id> pages on this server
                               (ETag "feed-v1": a matching If-None-Match gets 304)
    /etag                      /article with ETag and Last-Modified; answers 304 to a matching
                               If-None-Match or If-Modified-Since

Threads, not asyncio, so the server works from sync tests, async tests and subprocesses alike.
"""

from __future__ import annotations

import functools
import gzip
import json
import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

from testsupport.corpora import NEWS_DEV

ARTICLE_TITLE = "City council approves new river bridge"
ARTICLE_PARAGRAPHS = (
    "The city council voted on Tuesday to approve a new pedestrian bridge across the river, "
    "ending a debate that has lasted almost a decade.",
    '"This bridge will connect two neighbourhoods that have been cut off from each other for '
    'far too long," said Mayor Anna Keller after the vote, which passed by nine votes to four.',
    "Opponents argued that the projected cost of 42 million euros was too high and that the money "
    "should go to repairing existing roads. Councillor Tom Brandt called the plan "
    '"a vanity project" and said he would ask for an independent audit.',
    "Construction is expected to begin next spring and to take about two years. The regional "
    "government has promised to cover a third of the cost, according to the council's "
    "published budget documents.",
)
ARTICLE_TEXT = "\n\n".join(ARTICLE_PARAGRAPHS)

RU_TITLE = "Городской совет одобрил строительство нового моста"
RU_PARAGRAPHS = (
    "Городской совет во вторник одобрил строительство нового пешеходного моста через реку, "
    "завершив споры, которые продолжались почти десять лет.",
    "«Этот мост соединит два района, которые слишком долго были отрезаны друг от друга», — "
    "заявила мэр Анна Келлер после голосования. Решение поддержали девять депутатов из тринадцати.",
    "Противники проекта считают, что его стоимость в сорок два миллиона евро слишком высока и что "
    "деньги лучше направить на ремонт существующих дорог. Депутат Том Брандт назвал план "
    "«проектом ради тщеславия» и потребовал независимой проверки.",
    "Строительство должно начаться следующей весной и продлится около двух лет. Региональное "
    "правительство пообещало покрыть треть расходов.",
)
FR_TITLE = "Le conseil municipal approuve un nouveau pont sur la rivière"
FR_PARAGRAPHS = (
    "Le conseil municipal a approuvé mardi la construction d'une nouvelle passerelle piétonne "
    "au-dessus de la rivière, mettant fin à un débat qui durait depuis près de dix ans.",
    "« Ce pont reliera deux quartiers qui ont été séparés l'un de l'autre bien trop longtemps », "
    "a déclaré la maire Anne Keller après le vote, acquis par neuf voix contre quatre.",
    "Les opposants estiment que le coût prévu de quarante-deux millions d'euros est trop élevé et "
    "que l'argent devrait plutôt servir à réparer les routes existantes. Le conseiller Thomas "
    "Brandt a qualifié le projet de « caprice » et réclame un audit indépendant.",
    "Les travaux devraient débuter au printemps prochain et durer environ deux ans. Le "
    "gouvernement régional a promis de financer un tiers du coût, selon les documents budgétaires.",
)

# Stand-ins for the news-dev pages when that corpus is absent (a user's checkout has only the
# repository): /news/<id> and the feeds serve these instead, so feed, digest and CLI tests do not
# depend on it. Each is a different story, so near-duplicate merging keeps them apart.
STAND_IN_STORIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "stand-in-harbour": (
        "Harbour authority orders two electric ferries",
        (
            "The harbour authority signed a contract on Monday for two battery-powered ferries "
            "that will replace the diesel boats crossing the bay from 2027.",
            '"Every crossing will be quieter and cleaner," said chair Maria Lindqvist, adding '
            "that the boats will charge at both piers during the ten-minute stops.",
            "The shipyard in the north of the country won the tender against three bidders, and "
            "the order is worth 38 million euros including the charging stations.",
        ),
    ),
    "stand-in-school": (
        "Schools in the valley will start an hour later",
        (
            "Secondary schools in the valley district will begin lessons at nine o'clock from "
            "September, the education board decided after a year-long trial.",
            "Teachers reported fewer late arrivals and better concentration in the first "
            'lessons, said headteacher Omar Farouk: "The pupils are simply more awake."',
            "Parents' groups were split, with some warning that the later end of the school day "
            "clashes with sports clubs and part-time jobs.",
        ),
    ),
    "stand-in-orchard": (
        "Late frost cuts the apple harvest by a third",
        (
            "Orchards across the southern hills lost about a third of this year's apple crop "
            "after two nights of frost in late April damaged the blossom.",
            '"We have not seen a spring like this in twenty years," said grower Ingrid Holm, '
            "whose family farm will pick fewer than half the usual number of crates.",
            "The farmers' union asked the regional government for emergency loans and said cider "
            "makers will have to buy fruit from abroad.",
        ),
    ),
    "stand-in-library": (
        "City library opens its doors around the clock",
        (
            "The central library became the first in the country to stay open day and night, "
            "using staffed evenings and a card-operated entrance after midnight.",
            "Librarian Chen Wei said students had asked for quiet study space during exams and "
            "that the night hours cost less than expected because of new lighting.",
            "Security guards will patrol the building, and the children's floor closes at eight "
            "in the evening, the council said.",
        ),
    ),
    "stand-in-marathon": (
        "Record field expected for Sunday's marathon",
        (
            "More than eighteen thousand runners have registered for Sunday's marathon, the "
            "largest field since the race was first held in 1986.",
            "Organisers moved the start thirty minutes earlier because of the forecast heat and "
            "will add six water stations along the river path.",
            "Last year's winner, Amina Yusuf, said she hopes to break the course record: \"The new "
            'route is flat and fast, so anything is possible."',
        ),
    ),
    "stand-in-observatory": (
        "Observatory telescope returns after a long repair",
        (
            "The mountain observatory's largest telescope took its first images in two years "
            "after engineers replaced the cracked support of its main mirror.",
            "Astronomer Lucas Moreau said the first target was a nearby galaxy cluster, chosen to "
            "check that the optics are aligned before the survey resumes.",
            "The repair cost four million euros, paid by the university and a science "
            "foundation, and the observing schedule is already full until spring.",
        ),
    ),
}

LAST_MODIFIED = "Tue, 01 Oct 2024 08:00:00 GMT"
ETAG = '"article-v1"'
BIG_DEFAULT = 6 * 1024 * 1024
BOMB_DEFAULT = 64 * 1024 * 1024


def article_html(
    title: str = ARTICLE_TITLE,
    paragraphs: Iterable[str] = ARTICLE_PARAGRAPHS,
    *,
    lang: str = "en",
    meta_charset: str = "",
    author: str = "Jane Reporter",
    date: str = "2024-10-01",
    site: str = "Riverside Gazette",
) -> str:
    """A realistic small news page: navigation, article with metadata, footer."""
    meta = f'<meta charset="{meta_charset}">' if meta_charset else ""
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head>{meta}
<title>{escape(title)} | {escape(site)}</title>
<meta property="og:title" content="{escape(title)}">
<meta property="og:site_name" content="{escape(site)}">
<meta name="author" content="{escape(author)}">
<meta property="article:published_time" content="{date}T08:00:00Z">
</head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<main><article>
<h1>{escape(title)}</h1>
<p class="byline">By {escape(author)}, {date}</p>
{body}
</article></main>
<footer><p>© 2024 {escape(site)}. All rights reserved.</p></footer>
</body></html>
"""


PAYWALL_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Exclusive: the full story | Daily Ledger</title>
</head><body>
<nav><a href="/">Home</a> <a href="/subscribe">Subscribe</a></nav>
<article><h1>Exclusive: the full story behind the merger</h1>
<p>Executives met in secret for months before the deal.</p>
<div class="paywall"><p>Subscribe to continue reading.</p>
<p>Already a subscriber? <a href="/login">Log in</a></p></div>
</article></body></html>
"""

TEXT_BODY = ARTICLE_TITLE + "\n\n" + ARTICLE_TEXT + "\n"

# 1x1 transparent PNG and a minimal PDF: real magic bytes so sniffers agree with the header.
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass(frozen=True, slots=True)
class Request:
    """One request as the server saw it."""

    method: str
    path: str  # path without the query string
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names

    def header(self, name: str, default: str = "") -> str:
        """A request header by case-insensitive name."""
        return self.headers.get(name.lower(), default)


@dataclass(slots=True)
class Response:
    """What a route answers. `chunks` streams the body (chunked, no Content-Length) instead."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunks: Iterable[bytes] | None = None
    delay: float = 0.0  # seconds to wait before sending anything
    chunk_delay: float = 0.0  # seconds between streamed chunks


Handler = Callable[[Request], Response]


def _to_bytes(body: str | bytes, charset: str = "utf-8") -> bytes:
    return body.encode(charset) if isinstance(body, str) else body


@functools.cache
def _gzip_bomb(size: int) -> bytes:
    # Cached: compressing tens of MiB of one byte takes a moment, and the result is ~100 KiB.
    return gzip.compress(b"<html><body><p>" + b"A" * size, compresslevel=9)


class PageServer:
    """Threaded HTTP server on 127.0.0.1 with a random port; use as a context manager."""

    def __init__(
        self, news_dir: Path = NEWS_DEV, *, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self.news_dir = news_dir
        self.ssl_context = ssl_context  # serve https with this server-side context
        self.requests: list[Request] = []
        self._routes: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._truth: dict[str, dict[str, str]] | None = None

    # lifecycle -----------------------------------------------------------------------------
    def start(self) -> PageServer:
        """Bind a free port and serve in a daemon thread."""
        server = self

        class _Handler(_RequestHandler):
            page_server = server

        httpd = _QuietServer(("127.0.0.1", 0), _Handler)
        if self.ssl_context is not None:
            httpd.socket = self.ssl_context.wrap_socket(httpd.socket, server_side=True)
        httpd.daemon_threads = True
        httpd.block_on_close = False  # slow/drip handlers must not hold up shutdown
        self._httpd = httpd
        # A short poll interval makes stop() quick (it waits for the serve loop to notice).
        self._thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> PageServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # addresses -----------------------------------------------------------------------------
    @property
    def port(self) -> int:
        """The bound port."""
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port> (https when serving TLS)"""
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """Absolute URL of a path on this server."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    # corpus --------------------------------------------------------------------------------
    @property
    def news_ids(self) -> list[str]:
        """Ids of the news-dev pages, sorted (the stand-in stories when the corpus is absent)."""
        found = sorted(
            p.name.removesuffix(".html.gz") for p in self.news_dir.glob("html/*.html.gz")
        )
        return found or sorted(STAND_IN_STORIES)

    def ground_truth(self, page_id: str) -> str:
        """The clean article body of a news-dev page (or of a stand-in story)."""
        if page_id in STAND_IN_STORIES:
            return "\n".join(STAND_IN_STORIES[page_id][1])
        if self._truth is None:
            self._truth = json.loads((self.news_dir / "ground-truth.json").read_text("utf-8"))
        return self._truth[page_id]["articleBody"]

    def news_html(self, page_id: str) -> str | None:
        """The page served at /news/<id>, or None for an unknown id."""
        if "/" in page_id:
            return None
        if page_id in STAND_IN_STORIES:
            title, paragraphs = STAND_IN_STORIES[page_id]
            return article_html(title, paragraphs)
        file = self.news_dir / "html" / f"{page_id}.html.gz"
        return gzip.decompress(file.read_bytes()).decode("utf-8") if file.is_file() else None

    # programming ---------------------------------------------------------------------------
    def add_route(
        self,
        path: str,
        body: str | bytes = b"",
        *,
        status: int = 200,
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        chunked: bool = False,
    ) -> str:
        """Serve a fixed body at `path` (exact match, query ignored); returns its URL."""
        data = _to_bytes(body)
        all_headers = dict(headers or {})
        if content_type:
            all_headers.setdefault("Content-Type", content_type)

        def handler(_: Request) -> Response:
            if chunked:
                step = 64 * 1024
                parts = [data[i : i + step] for i in range(0, len(data), step)]
                return Response(status, headers=dict(all_headers), chunks=parts, delay=delay)
            return Response(status, data, dict(all_headers), delay=delay)

        return self.add_handler(path, handler)

    def add_redirect(self, path: str, location: str, *, status: int = 302) -> str:
        """Redirect `path` to `location` (absolute or relative); returns its URL."""
        return self.add_handler(path, lambda _: Response(status, headers={"Location": location}))

    def add_handler(self, path: str, handler: Handler) -> str:
        """Answer `path` with `handler(request)`; returns its URL."""
        with self._lock:
            self._routes[path] = handler
        return self.url(path)

    def requests_to(self, path: str) -> list[Request]:
        """Requests seen for one path."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # dispatch ------------------------------------------------------------------------------
    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def _dispatch(self, request: Request) -> Response:
        with self._lock:
            handler = self._routes.get(request.path)
        if handler is not None:
            return handler(request)
        return self._builtin(request)

    def _builtin(self, req: Request) -> Response:
        path, q = req.path, req.query
        html = {"Content-Type": "text/html; charset=utf-8"}
        if path.startswith("/news/"):
            page = self.news_html(path.removeprefix("/news/"))
            if page is None:
                return Response(404, b"<html><body>Not found</body></html>", html)
            return Response(200, page.encode("utf-8"), html)
        if path == "/article":
            return Response(200, article_html().encode(), html)
        if path.startswith("/status/"):
            code = int(path.removeprefix("/status/"))
            return Response(code, f"<html><body>Error {code}</body></html>".encode(), html)
        if path == "/slow":
            body = article_html().encode()
            return Response(200, body, html, delay=float(q.get("seconds", "2")))
        if path == "/drip":
            body = article_html().encode()
            step = max(1, len(body) // 10)
            parts = [body[i : i + step] for i in range(0, len(body), step)]
            gap = float(q.get("seconds", "2")) / len(parts)
            return Response(200, headers=html, chunks=parts, chunk_delay=gap)
        if path == "/image.png":
            return Response(200, PNG_BYTES, {"Content-Type": "image/png"})
        if path == "/doc.pdf":
            return Response(200, PDF_BYTES, {"Content-Type": "application/pdf"})
        if path in ("/big", "/big-declared"):
            size = int(q.get("bytes", BIG_DEFAULT))
            if path == "/big-declared":
                return Response(200, _big_body(size), html)
            return Response(200, headers=html, chunks=_big_chunks(size))
        if path == "/bomb":
            size = int(q.get("bytes", BOMB_DEFAULT))
            return Response(200, _gzip_bomb(size), {**html, "Content-Encoding": "gzip"})
        if path == "/paywall":
            return Response(200, PAYWALL_HTML.encode(), html)
        if path == "/empty":
            return Response(200, b"", html)
        if path == "/text":
            return Response(200, TEXT_BODY.encode(), {"Content-Type": "text/plain; charset=utf-8"})
        if path.startswith("/charset/"):
            return _charset_page(path.removeprefix("/charset/"))
        if path.startswith("/redirect/"):
            n = int(path.removeprefix("/redirect/"))
            target = "/article" if n <= 1 else f"/redirect/{n - 1}"
            return Response(302, headers={"Location": target})
        if path in ("/feed.rss", "/feed.atom"):
            return self._feed(path, req)
        if path == "/etag":
            headers = {**html, "ETag": ETAG, "Last-Modified": LAST_MODIFIED}
            if req.header("if-none-match") == ETAG or (
                not req.header("if-none-match") and req.header("if-modified-since") == LAST_MODIFIED
            ):
                return Response(304, headers={"ETag": ETAG, "Last-Modified": LAST_MODIFIED})
            return Response(200, article_html().encode(), headers)
        return Response(404, b"<html><body>Not found</body></html>", html)

    def _feed(self, path: str, req: Request) -> Response:
        ids = self.news_ids[:5]
        stamp = formatdate(0, usegmt=True)
        etag = '"feed-v1"'
        base = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
        if req.header("if-none-match") == etag:
            return Response(304, headers=base)
        if path == "/feed.rss":
            items = "".join(
                f"<item><title>Story {i}</title><link>{self.url('/news/' + pid)}</link>"
                f"<guid>{pid}</guid><pubDate>{stamp}</pubDate></item>"
                for i, pid in enumerate(ids)
            )
            body = (
                '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>Local news</title><link>{self.base_url}/</link>"
                f"<description>Test feed</description>{items}</channel></rss>"
            )
            return Response(200, body.encode(), {**base, "Content-Type": "application/rss+xml"})
        entries = "".join(
            f'<entry><title>Story {i}</title><link href="{self.url("/news/" + pid)}"/>'
            f"<id>urn:news:{pid}</id><updated>1970-01-01T00:00:00Z</updated></entry>"
            for i, pid in enumerate(ids)
        )
        body = (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Local news</title><id>urn:local</id><updated>1970-01-01T00:00:00Z</updated>"
            f"{entries}</feed>"
        )
        return Response(200, body.encode(), {**base, "Content-Type": "application/atom+xml"})


def _big_body(size: int) -> bytes:
    return b"".join(_big_chunks(size))


def _big_chunks(size: int) -> Iterator[bytes]:
    head = b"<html><body>"
    yield head
    sent = len(head)
    line = b"<p>" + b"All work and no play makes Jack a dull boy. " * 20 + b"</p>\n"
    while sent < size:
        part = line * max(1, min(64, (size - sent) // len(line)))
        yield part[: size - sent]
        sent += len(part[: size - sent])


def _charset_page(variant: str) -> Response:
    if variant.startswith("cp1251"):
        meta = "windows-1251" if variant == "cp1251-meta" else ""
        html = article_html(RU_TITLE, RU_PARAGRAPHS, lang="ru", meta_charset=meta)
        return Response(200, html.encode("cp1251"), {"Content-Type": "text/html"})
    html = article_html(FR_TITLE, FR_PARAGRAPHS, lang="fr")
    ctype = "text/html; charset=iso-8859-1" if variant == "latin1-header" else "text/html"
    return Response(200, html.encode("latin-1"), {"Content-Type": ctype})


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        # Clients that hang up (size caps, timeouts, closed keep-alive) are expected in tests.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _RequestHandler(BaseHTTPRequestHandler):
    page_server: PageServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # otherwise each small response waits ~40 ms for delayed ACK

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output quiet

    def do_GET(self) -> None:
        self._handle(send_body=True)

    def do_HEAD(self) -> None:
        self._handle(send_body=False)

    def _handle(self, *, send_body: bool) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        req = Request(
            self.command, parts.path, query, {k.lower(): v for k, v in self.headers.items()}
        )
        self.page_server._record(req)
        resp = self.page_server._dispatch(req)
        if resp.delay:
            time.sleep(resp.delay)
        try:
            self.send_response(resp.status)
            for name, value in resp.headers.items():
                self.send_header(name, value)
            if resp.chunks is not None and resp.status != 304:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                if send_body:
                    for chunk in resp.chunks:
                        if resp.chunk_delay:
                            time.sleep(resp.chunk_delay)
                        if chunk:
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.write(b"0\r\n\r\n")
                return
            if resp.status != 304:
                self.send_header("Content-Length", str(len(resp.body)))
            self.end_headers()
            if send_body and resp.status != 304:
                self.wfile.write(resp.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client hung up early, e.g. a size cap or a timeout did its job.
            self.close_connection = True
