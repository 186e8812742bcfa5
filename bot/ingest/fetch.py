"""Download a page safely: SSRF guard on every hop, size cap on decoded bytes, charset detection.

The only module of the pipeline that imports httpx. Redirects are followed here, not by httpx,
so that every hop is resolved, checked and pinned: the request goes to the very address that
passed the check (the URL host is replaced by the IP, the Host header and TLS SNI keep the name),
which closes the DNS-rebinding gap between checking a name and connecting to it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import zlib
from collections.abc import Awaitable, Callable, Sequence
from email.message import Message
from http.cookiejar import CookieJar, DefaultCookiePolicy
from urllib.parse import urljoin, urlsplit

import httpx

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
from bot.ingest.html import decode_body
from bot.ingest.pdf import MAGIC_WINDOW, looks_like_pdf
from bot.ingest.text import looks_binary
from bot.models import Fetched

HTML_TYPES: tuple[str, ...] = ("text/html", "application/xhtml+xml", "text/plain")
PDF_TYPE = "application/pdf"
# What a link to an article may return: a page, plain text or a PDF.
ARTICLE_TYPES: tuple[str, ...] = (*HTML_TYPES, PDF_TYPE)
# Servers send PDFs as generic downloads too; with a .pdf name and a PDF header, they are PDFs.
DOWNLOAD_TYPES = frozenset(
    {
        "application/octet-stream",
        "binary/octet-stream",
        "application/download",
        "application/force-download",
        "application/x-download",
    }
)
FEED_TYPES: tuple[str, ...] = (
    "application/rss+xml",
    "application/atom+xml",
    "application/xml",
    "text/xml",
)
DEFAULT_USER_AGENT = "Mozilla/5.0 (compatible; NewsFixBot/0.1; +https://github.com/newsfix/bot)"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

# host, port -> IP address strings. The seam for tests and for custom DNS.
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve a host name with the event loop's getaddrinfo (non-blocking)."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnreachableError(
            f"The site name {host} could not be found; check the link.", detail=str(exc)
        ) from exc
    seen: dict[str, None] = {}
    for _family, _type, _proto, _name, sockaddr in infos:
        seen.setdefault(str(sockaddr[0]), None)
    return list(seen)


def refusal_reason(address: str) -> str:
    """Why an IP address must not be fetched ("" when it is a public address)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            # 6to4 (2002::/16) wraps an IPv4 address, which is what a relay would reach:
            # 2002:a9fe:a9fe:: is 169.254.169.254. Python's is_global does not look inside.
            inner = refusal_reason(str(ip.sixtofour))
            return f"{inner} (6to4-wrapped)" if inner else ""
    for reason, flag in (
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
    ):
        if flag:
            return reason
    # Catches what the flags above miss, e.g. carrier-grade NAT 100.64.0.0/10 and Teredo.
    return "" if ip.is_global else "non-public"


def parse_http_url(url: str) -> httpx.URL:
    """Parse a user-given link; InputError unless it is an absolute http(s) URL with a host."""
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise InputError("That link is not a valid web address.", detail=str(exc)) from exc
    if not parsed.scheme:
        raise InputError(
            "That link does not start with http:// or https://, so it can't be fetched."
        )
    if parsed.scheme not in ("http", "https"):
        raise InputError(f"Only http and https links can be fetched, not {parsed.scheme}.")
    if not parsed.host:
        raise InputError("That link has no site name in it.")
    if parsed.userinfo:
        raise InputError("Links with a user name or password in them are not fetched.")
    return parsed.copy_with(fragment=None)


def _non_web_redirect(requested: str, exc: BaseException, scheme: str = "") -> FetchError:
    where = f" ({scheme}:)" if scheme.isalnum() and len(scheme) <= 20 else ""
    return FetchError(
        f"The link redirects to a non-web address{where}, so it was not followed.",
        detail=f"{requested}: redirect refused: {exc}",
    )


def _redirect_target(location: str, requested: str) -> httpx.URL:
    """The next hop of a redirect; FetchError unless it is an http(s) URL with a host."""
    try:
        return parse_http_url(location)
    except InputError as exc:
        scheme = urlsplit(location).scheme.lower()
        if scheme in ("http", "https"):
            raise
        raise _non_web_redirect(requested, exc, scheme) from exc


def _media_type(content_type: str) -> tuple[str, str]:
    """("text/html", "utf-8") from a Content-Type header value."""
    msg = Message()
    msg["content-type"] = content_type or "application/octet-stream"
    charset = msg.get_param("charset")
    return msg.get_content_type().lower(), str(charset).strip() if isinstance(charset, str) else ""


class _Inflater:
    """Content-Encoding decoder that never produces more than the cap (gzip bombs stop early).

    With a `pdf_cap`, the body may be a PDF: it gets that cap if its first KB holds the PDF
    header and `cap` otherwise. Until that KB is decoded, decoding stops at it, so a compressed
    page posing as a PDF cannot inflate past `cap` before the header is seen.
    """

    def __init__(self, encoding: str, cap: int, pdf_cap: int | None = None) -> None:
        self.page_cap = cap
        self.pdf_cap = pdf_cap
        self.cap = cap if pdf_cap is None else max(cap, pdf_cap)
        self.what = "page" if pdf_cap is None else "PDF"  # named in the too-large message
        self.header_pending = pdf_cap is not None
        self.head = bytearray()  # the first MAGIC_WINDOW decoded bytes while the header is pending
        self.size = 0
        self.encoding = encoding
        if encoding in ("gzip", "x-gzip"):
            self._z: zlib._Decompress | None = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = zlib.decompressobj()  # zlib-wrapped; raw deflate handled on first error
        elif encoding in ("", "identity"):
            self._z = None
        else:
            raise UnsupportedContentError(
                f"The site sent the page in an unsupported compression ({encoding})."
            )
        self._first = True

    def feed(self, data: bytes) -> bytes:
        """Decode one raw chunk; TooLargeError as soon as decoded output passes the cap."""
        if not self.header_pending:
            return self._account(self._decode(data, self.cap - self.size + 1)[0])
        pieces: list[bytes] = []
        while data or self.header_pending:
            # max_length = room left + 1: producing that extra byte proves the cap is passed.
            room = self.cap - self.size + 1
            if self.header_pending:
                room = min(room, MAGIC_WINDOW - len(self.head))
            out, data = self._decode(data, room)
            pieces.append(self._account(out))
            if len(out) < room and not data:
                break  # all input decoded; zlib holds nothing back
        return b"".join(pieces)

    def finish(self) -> None:
        """End of the body: a body shorter than the header window is judged by what came."""
        if self.header_pending:
            self._judge_header()
            if self.size > self.cap:  # only under a page cap smaller than the window
                raise TooLargeError(_too_large(self.cap, self.what))

    def _account(self, out: bytes) -> bytes:
        self.size += len(out)
        if self.header_pending:
            self.head += out[: MAGIC_WINDOW - len(self.head)]
            if len(self.head) >= MAGIC_WINDOW:
                self._judge_header()
        if self.size > self.cap:
            raise TooLargeError(_too_large(self.cap, self.what))
        return out

    def _judge_header(self) -> None:
        self.header_pending = False
        if looks_like_pdf(self.head):
            assert self.pdf_cap is not None
            self.cap, self.what = self.pdf_cap, "PDF"
        else:
            self.cap, self.what = self.page_cap, "page"
        self.head = bytearray()

    def _decode(self, data: bytes, room: int) -> tuple[bytes, bytes]:
        """At most `room` decoded bytes of `data`, and the input left over."""
        if self._z is None:
            return data[:room], data[room:]
        try:
            out = self._z.decompress(data, room)
        except zlib.error:
            if self._first and self.encoding == "deflate":
                # Some servers send raw deflate without the zlib header.
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                self._first = False
                return self._decode(data, room)
            raise FetchError("The site sent a corrupt compressed page.") from None
        self._first = False
        return out, self._z.unconsumed_tail


def _is_tls_error(exc: BaseException) -> bool:
    """True when a connection failed in the TLS handshake (certificate, protocol)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _status_message(status: int) -> str:
    """One sentence that tells the user what an HTTP error status means for them."""
    if status in (401, 403, 451):
        return (
            f"The site refused to show the page to the bot (HTTP {status}); paste the text instead."
        )
    if status in (404, 410):
        return f"The site has no such page (HTTP {status}); check that the link is right."
    if status == 429:
        return "The site is limiting requests right now (HTTP 429); try again in a few minutes."
    if status >= 500:
        return f"The site had an internal error (HTTP {status}); try again later."
    return f"The site answered with HTTP {status}; check that the link is right."


def _names_pdf(url: httpx.URL, disposition: str) -> bool:
    """True when the URL path or a Content-Disposition file name ends in .pdf."""
    if url.path.lower().endswith(".pdf"):
        return True
    msg = Message()
    msg["content-disposition"] = disposition or "inline"
    name = msg.get_filename() or ""
    return name.strip().lower().endswith(".pdf")


def _too_large(cap: int, what: str = "page") -> str:
    return f"The {what} is larger than {cap / (1024 * 1024):g} MB, more than the bot processes."


DEFAULT_PDF_MAX_BYTES = 20 * 1024 * 1024  # the largest file the Bot API hands to a bot


class Fetcher:
    """Downloads pages over http(s) with the guards the bot needs; one per process, closed at exit."""

    def __init__(
        self,
        *,
        max_bytes: int = 5 * 1024 * 1024,
        pdf_max_bytes: int = DEFAULT_PDF_MAX_BYTES,
        timeout: float = 20.0,
        max_redirects: int = 5,
        user_agent: str = DEFAULT_USER_AGENT,
        allow_private: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self.pdf_max_bytes = pdf_max_bytes
        self.timeout = timeout
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        self.allow_private = allow_private
        self._resolve = resolver or system_resolver
        if transport is None:
            # No keep-alive, see "Connection: close" in _fetch.
            transport = httpx.AsyncHTTPTransport(
                limits=httpx.Limits(max_keepalive_connections=0), retries=0
            )
        self._client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,
            trust_env=False,  # a proxy from the environment would bypass the address checks
            # Stateless: one user's fetch must not carry cookies that another user's fetch set.
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Fetcher:
        """A Fetcher configured from FETCH_* settings."""
        return cls(
            max_bytes=settings.fetch_max_bytes,
            pdf_max_bytes=settings.pdf_max_bytes,
            timeout=settings.fetch_timeout,
            max_redirects=settings.fetch_max_redirects,
            user_agent=settings.fetch_user_agent,
            allow_private=settings.fetch_allow_private,
        )

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()

    async def fetch(
        self,
        url: str,
        *,
        accept: tuple[str, ...] = ARTICLE_TYPES,
        etag: str = "",
        last_modified: str = "",
    ) -> Fetched:
        """Download `url` (following up to max_redirects checked redirects) and decode it."""
        start = parse_http_url(url)
        try:
            async with asyncio.timeout(self.timeout):
                return await self._fetch(url, start, accept, etag, last_modified)
        except TimeoutError as exc:
            raise FetchTimeoutError(
                f"The site did not send the page within {self.timeout:g} seconds.",
                detail=f"{url}: {exc!r}",
            ) from exc

    async def _fetch(
        self, requested: str, current: httpx.URL, accept: tuple[str, ...], etag: str, lm: str
    ) -> Fetched:
        headers = {
            "User-Agent": self.user_agent,
            "Accept": ", ".join(accept) + ", */*;q=0.1",
            "Accept-Encoding": "gzip, deflate",
            "Accept-Language": "en;q=0.9, *;q=0.5",
            # Connections are keyed by the pinned IP: one set up (and TLS-verified) for one
            # host name must never carry a request for another name on the same address.
            "Connection": "close",
        }
        if etag:
            headers["If-None-Match"] = etag
        if lm:
            headers["If-Modified-Since"] = lm
        for _hop in range(self.max_redirects + 1):
            response = await self._send(current, headers)
            try:
                if response.status_code in REDIRECT_STATUSES and "location" in response.headers:
                    location = urljoin(str(current), response.headers["location"].strip())
                    current = _redirect_target(location, requested)
                    continue
                return await self._read(requested, current, response, accept, bool(etag or lm))
            finally:
                await response.aclose()
        raise TooManyRedirectsError(
            f"The link redirects more than {self.max_redirects} times, so it was not followed.",
            detail=requested,
        )

    async def _addresses(self, url: httpx.URL) -> list[str]:
        """Addresses to connect to for this URL, IPv4 first; PrivateAddressError if any is bad."""
        host = url.raw_host.decode("ascii")  # IDNA-encoded, as DNS and TLS expect it
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            ipaddress.ip_address(host)
            addresses: Sequence[str] = [host]
        except ValueError:
            addresses = await self._resolve(host, port)
        if not addresses:
            raise UnreachableError(f"The site name {host} could not be found; check the link.")
        if not self.allow_private:
            for address in addresses:
                reason = refusal_reason(address)
                if reason:
                    # Refuse if ANY address is bad: a name with one public and one private
                    # record could otherwise be steered to the private one.
                    raise PrivateAddressError(
                        f"The link leads to {host}, a {reason} network address, "
                        "which the bot does not fetch.",
                        detail=f"{url} -> {address}",
                    )
        return sorted(addresses, key=lambda a: ":" in a)

    async def _send(self, url: httpx.URL, headers: dict[str, str]) -> httpx.Response:
        addresses = await self._addresses(url)
        host_header = url.netloc.decode("ascii")
        last_error: Exception | None = None
        for address in addresses:
            pinned = url.copy_with(host=address.split("%", 1)[0])
            request = self._client.build_request(
                "GET",
                pinned,
                headers={**headers, "Host": host_header},
                extensions={"sni_hostname": url.raw_host.decode("ascii")},
            )
            try:
                return await self._client.send(request, stream=True)
            except httpx.InvalidURL as exc:
                # httpx builds the next request of a redirect even when it does not follow it,
                # and a Location such as javascript:… or mailto:… cannot be one.
                raise _non_web_redirect(str(url), exc) from exc
            except httpx.ConnectError as exc:
                if _is_tls_error(exc):
                    raise UnreachableError(
                        f"The site {url.host} did not prove its identity (bad TLS certificate), "
                        "so it was not read.",
                        detail=f"{url}: {exc!r}",
                    ) from exc
                last_error = exc  # try the next address, as a browser would
            except httpx.TimeoutException as exc:
                raise FetchTimeoutError(
                    f"The site did not answer within {self.timeout:g} seconds.",
                    detail=f"{url}: {exc!r}",
                ) from exc
            except httpx.HTTPError as exc:
                raise UnreachableError(
                    f"The connection to {url.host} failed; check the link or try again later.",
                    detail=f"{url}: {exc!r}",
                ) from exc
        raise UnreachableError(
            f"The site {url.host} could not be reached; check the link or try again later.",
            detail=f"{url}: {last_error!r}",
        )

    async def _read(
        self,
        requested: str,
        url: httpx.URL,
        response: httpx.Response,
        accept: tuple[str, ...],
        conditional: bool,
    ) -> Fetched:
        etag = response.headers.get("etag", "")
        last_modified = response.headers.get("last-modified", "")
        if response.status_code == 304 and conditional:
            return Fetched(
                url=str(url),
                requested_url=requested,
                content_type="",
                text="",
                status=304,
                etag=etag,
                last_modified=last_modified,
            )
        if not 200 <= response.status_code < 300:
            status = response.status_code
            raise HTTPStatusError(status, _status_message(status), detail=str(url))
        media, charset = _media_type(response.headers.get("content-type", ""))
        # A PDF known only by its name or sniffed from an untyped body must prove it by its header.
        must_sniff = False
        if media == "application/x-pdf":
            media = PDF_TYPE  # the pre-registration name, still sent by some servers
        if "content-type" not in response.headers and "text/html" in accept:
            media = "text/html"  # old servers omit it; the body is checked by extraction
            must_sniff = PDF_TYPE in accept
        elif (
            media in DOWNLOAD_TYPES
            and PDF_TYPE in accept
            and _names_pdf(url, response.headers.get("content-disposition", ""))
        ):
            media, must_sniff = PDF_TYPE, True
        if media not in accept:
            raise UnsupportedContentError(
                f"The link returns {media}, not a web page, text or PDF, so it can't be summarised."
                if accept is ARTICLE_TYPES
                else f"The link returns {media}, which is not one of {', '.join(accept)}.",
                detail=str(url),
            )
        # A PDF has its own cap (PDF_MAX_BYTES), which applies only once its first KB shows the
        # PDF header; without one the page cap does, so a server that calls a huge page
        # "application/pdf" is still cut off at FETCH_MAX_BYTES while streaming.
        maybe_pdf = media == PDF_TYPE or must_sniff
        pdf_cap = self.pdf_max_bytes if maybe_pdf else None
        encoding = response.headers.get("content-encoding", "").strip().lower()
        inflater = _Inflater(encoding, self.max_bytes, pdf_cap)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > inflater.cap:
            raise TooLargeError(
                _too_large(inflater.cap, inflater.what), detail=f"{url}: {declared} bytes"
            )
        body = bytearray()
        try:
            async for chunk in response.aiter_raw():
                body += inflater.feed(chunk)
            inflater.finish()
        except httpx.TimeoutException as exc:
            raise FetchTimeoutError(
                f"The site stopped sending the page for over {self.timeout:g} seconds.",
                detail=f"{url}: {exc!r}",
            ) from exc
        except httpx.HTTPError as exc:
            raise UnreachableError(
                "The site broke off the connection while sending the page; try again later.",
                detail=f"{url}: {exc!r}",
            ) from exc
        if must_sniff:
            if looks_like_pdf(body):
                media = PDF_TYPE
            elif media == PDF_TYPE:
                raise UnsupportedContentError(
                    "The link returns a download that is not a PDF, so it can't be summarised.",
                    detail=str(url),
                )
        if media == PDF_TYPE:
            return Fetched(
                url=str(url),
                requested_url=requested,
                content_type=media,
                text="",
                status=response.status_code,
                etag=etag,
                last_modified=last_modified,
                body=bytes(body),
            )
        if media == "text/plain" and looks_binary(bytes(body)):
            # An image or archive mislabelled as text would be "summarised" as garbage.
            raise UnsupportedContentError(
                "The link says it is text, but it returns binary data, so it can't be summarised.",
                detail=f"{requested}: binary body served as text/plain",
            )
        text = decode_body(bytes(body), charset, html=media != "text/plain")
        return Fetched(
            url=str(url),
            requested_url=requested,
            content_type=media,
            text=text,
            status=response.status_code,
            etag=etag,
            last_modified=last_modified,
        )
