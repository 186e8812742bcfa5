"""One exception tree. Every `BotError` carries a short message that tells the user what to do.

    BotError
    ├── ConfigError            settings are missing or malformed
    ├── InputError             the source itself is unusable (empty text, bad path, bad URL)
    ├── FetchError             the page could not be downloaded
    │   ├── PrivateAddressError    SSRF guard refused the address
    │   ├── FetchTimeoutError
    │   ├── HTTPStatusError        4xx/5xx from the site
    │   ├── TooLargeError          body over the size cap
    │   ├── UnsupportedContentError
    │   ├── TooManyRedirectsError
    │   └── UnreachableError       DNS/connection failure
    ├── ExtractError           no article text in the page (paywall, JavaScript-only, blocked)
    │   │                      or in the PDF (password, scanned images, damaged, too long)
    │   ├── PaywallError           the page shows a teaser and paywall evidence (detail says which)
    │   └── PageTooComplexError    over the element cap, the time or the memory budget
    ├── SummariseError         the LLM could not produce a summary
    │   ├── NeedsKeyError          no or rejected API key (401/403)
    │   ├── LLMRateLimitError      429 after retries / quota at the provider
    │   └── LLMUnavailableError    5xx, timeouts, connection errors after retries
    ├── AccessDeniedError      user or chat not allowed
    ├── ChatGoneError          the chat blocked or removed the bot (a send failed for good)
    ├── ChatMovedError         the group became a supergroup with a new id
    ├── QuotaExceededError     the user's daily token quota is spent
    └── StorageBusyError       the database queue stayed full past its bound (a burst)

Anything that is not a `BotError` is a bug: it is logged with context and the user gets a generic line.
"""

from __future__ import annotations


class BotError(Exception):
    """Base of every error a user may see; `user_message` is safe to show as is."""

    default_message = "Something went wrong. Please try again later."

    def __init__(self, user_message: str | None = None, *, detail: str | None = None) -> None:
        self.user_message = user_message or self.default_message
        # `detail` is for logs only: it may name internals but never secrets.
        self.detail = detail
        super().__init__(self.user_message)

    def __reduce__(self) -> tuple[object, ...]:
        # Errors cross process boundaries (extraction runs in worker processes); rebuilding from
        # `args` alone would lose `detail` and misplace subclass fields such as `status`.
        return (_rebuild, (type(self), self.user_message, dict(self.__dict__)))


def _rebuild(cls: type[BotError], user_message: str, state: dict[str, object]) -> BotError:
    error = cls.__new__(cls)
    Exception.__init__(error, user_message)
    error.__dict__.update(state)
    return error


class ConfigError(BotError):
    default_message = "The bot is misconfigured. Check the settings in .env."


class InputError(BotError):
    default_message = "That input can't be used. Send a link to an article or paste its text."


class FetchError(BotError):
    default_message = "The page could not be downloaded. Check the link and try again."


class PrivateAddressError(FetchError):
    default_message = (
        "That link points to a private or local network address, which the bot does not fetch."
    )


class FetchTimeoutError(FetchError):
    default_message = "The site took too long to answer. Try again later."


class HTTPStatusError(FetchError):
    default_message = "The site answered with an error."

    def __init__(self, status: int, user_message: str | None = None, **kw: object) -> None:
        self.status = status
        super().__init__(
            user_message or f"The site answered with HTTP {status}; check that the link is right.",
            **kw,  # type: ignore[arg-type]
        )


class TooLargeError(FetchError):
    default_message = "The page is too large to process."


class UnsupportedContentError(FetchError):
    default_message = "That link is not a web page, text or PDF (the only kinds the bot reads)."


class TooManyRedirectsError(FetchError):
    default_message = "The link redirects too many times."


class UnreachableError(FetchError):
    default_message = "The site could not be reached. Check the link or try again later."


class ExtractError(BotError):
    default_message = (
        "No article text found on that page (it may be paywalled, need JavaScript, or block bots). "
        "Paste the text instead."
    )


class PaywallError(ExtractError):
    default_message = (
        "That page shows only a teaser and asks to subscribe (paywall); paste the text instead."
    )


class PageTooComplexError(ExtractError):
    default_message = (
        "That page is too large or complex to read safely, so it was skipped; paste the part "
        "that matters instead."
    )


class SummariseError(BotError):
    default_message = "The summariser failed. Try again later."


class NeedsKeyError(SummariseError):
    default_message = (
        "The LLM rejected the API key. Set a valid OPENAI_API_KEY or use the offline summariser."
    )


class LLMRateLimitError(SummariseError):
    default_message = "The LLM is rate-limiting requests right now. Try again in a minute."


class LLMUnavailableError(SummariseError):
    default_message = "The LLM service is not answering right now. Try again later."


class LLMRefusedError(SummariseError):
    default_message = (
        "The LLM declined to summarise this article (its content filter stopped it). "
        "Try the offline summary, or another article."
    )


class AccessDeniedError(BotError):
    default_message = "This bot is private. Ask its owner for access."


class StorageBusyError(BotError):
    default_message = (
        "The bot is very busy right now and could not get to your request; please send it "
        "again in a minute."
    )


class QuotaExceededError(BotError):
    default_message = "You have used today's summary quota. It resets at midnight UTC."


class StorageUnavailableError(BotError):
    """The database cannot be reached or written (down, disk full, read-only)."""

    default_message = (
        "The bot's storage is temporarily unavailable. Please try again in a few minutes."
    )


class DeliveryUnknownError(BotError):
    """The answer to a send was lost after the request went out: it may have been delivered,
    so it is neither sent again nor followed by an error message."""

    def __init__(self, chat_id: int, *, detail: str | None = None) -> None:
        super().__init__("The message may not have been delivered.", detail=detail)
        self.chat_id = chat_id


class ChatGoneError(BotError):
    """Telegram answered Forbidden: the user blocked the bot or the bot left/was removed."""

    default_message = "The bot can no longer write to this chat."

    def __init__(self, chat_id: int, detail: str | None = None) -> None:
        self.chat_id = chat_id
        super().__init__(detail=detail)


class TopicGoneError(ChatGoneError):
    """A forum topic was deleted or closed: the chat is fine, that topic takes no messages."""

    default_message = "That topic was deleted or closed; the bot can no longer write there."

    def __init__(self, chat_id: int, thread_id: int | None, detail: str | None = None) -> None:
        self.thread_id = thread_id
        super().__init__(chat_id, detail=detail)


class ChatMovedError(BotError):
    """The group became a supergroup; `new_chat_id` is where it lives now (data already moved)."""

    default_message = "This group was upgraded to a supergroup."

    def __init__(self, chat_id: int, new_chat_id: int) -> None:
        self.chat_id = chat_id
        self.new_chat_id = new_chat_id
        super().__init__(detail=f"{chat_id} -> {new_chat_id}")
