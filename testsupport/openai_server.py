"""An OpenAI-compatible chat server on 127.0.0.1 for tests and benchmarks.

Real HTTP, so the real `openai` client's retries, timeouts and error mapping are exercised:

    with FakeOpenAI(reply="- Someone said something.") as llm:
        settings = Settings(openai_base_url=llm.base_url, openai_api_key="k", ...)
        ...
        llm.fail_next(500, times=2)        # the next two requests get HTTP 500
        llm.fail_next(429, retry_after=0.01)
        llm.delay_next(2.0)                # the next request waits 2 s before answering
        llm.reply = lambda request: "..."  # answer as a function of the request JSON
        llm.finish_reason = "content_filter"  # what every answer's choice says (default "stop")
        llm.raw_next(b"<html>proxy login</html>", "text/html")  # a 200 that is not the API
        assert llm.requests[-1].json["model"] == "gpt-4o-mini"

It runs in a background thread, so it works from sync and async tests alike.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = str | Callable[["RecordedRequest"], str]

DEFAULT_REPLY = (
    "- **Someone** said: “something important”.\n- The essential fact happened on Monday."
)


@dataclass
class RecordedRequest:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    json: dict[str, Any]
    status: int = 0  # what the server answered

    @property
    def messages(self) -> list[dict[str, str]]:
        """The chat messages of a completion request."""
        return list(self.json.get("messages", []))

    @property
    def text(self) -> str:
        """All message contents joined, for easy `in` assertions."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)


@dataclass
class _Failure:
    status: int
    retry_after: float | None
    body: dict[str, Any] | None


@dataclass
class _Raw:
    body: bytes
    content_type: str


@dataclass
class _State:
    failures: deque[_Failure] = field(default_factory=deque)
    raws: deque[_Raw] = field(default_factory=deque)
    delays: deque[float] = field(default_factory=deque)
    always_delay: float = 0.0


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


class FakeOpenAI:
    """A programmable OpenAI-compatible server: POST /v1/chat/completions, GET /v1/models."""

    def __init__(self, reply: Reply = DEFAULT_REPLY, *, model: str | None = None) -> None:
        self.reply: Reply = reply
        self.model = model  # answer with this model name instead of the requested one
        self.finish_reason = "stop"
        self.requests: list[RecordedRequest] = []
        self._state = _State()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- programming -----------------------------------------------------------------------
    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        retry_after: float | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        """Answer the next `times` completion requests with HTTP `status`.

        `retry_after` (seconds) is sent as `retry-after-ms`, which the openai client honours, so
        retry tests do not wait for the default backoff.
        """
        with self._lock:
            for _ in range(times):
                self._state.failures.append(_Failure(status, retry_after, body))

    def recover(self) -> None:
        """Forget the failures still queued: the service is back."""
        with self._lock:
            self._state.failures.clear()

    def raw_next(
        self, body: bytes, content_type: str = "application/json", *, times: int = 1
    ) -> None:
        """Answer the next `times` completion requests with HTTP 200 and this body as is
        (invalid JSON, an HTML login page from a proxy, JSON of another shape)."""
        with self._lock:
            self._state.raws.extend([_Raw(body, content_type)] * times)

    def delay_next(self, seconds: float, *, times: int = 1) -> None:
        """Wait `seconds` before answering each of the next `times` completion requests."""
        with self._lock:
            self._state.delays.extend([seconds] * times)

    def delay_all(self, seconds: float) -> None:
        """Wait `seconds` before answering every completion request (0 to stop)."""
        with self._lock:
            self._state.always_delay = seconds

    @property
    def completions(self) -> list[RecordedRequest]:
        """Only the chat completion requests."""
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """The URL to give OPENAI_BASE_URL, ending in /v1."""
        if self._server is None:
            raise RuntimeError("FakeOpenAI is not started; use it as a context manager")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeOpenAI:
        """Listen on a random loopback port in a daemon thread."""
        handler = _make_handler(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- request handling (server threads) -------------------------------------------------
    def _next_plan(self) -> tuple[float, _Failure | None, _Raw | None]:
        with self._lock:
            delay = self._state.delays.popleft() if self._state.delays else self._state.always_delay
            failure = self._state.failures.popleft() if self._state.failures else None
            raw = None
            if failure is None and self._state.raws:
                raw = self._state.raws.popleft()
        return delay, failure, raw

    def _completion(self, request: RecordedRequest) -> dict[str, Any]:
        reply = self.reply
        text = reply(request) if callable(reply) else reply
        prompt_tokens = sum(_estimate_tokens(str(m.get("content", ""))) for m in request.messages)
        completion_tokens = _estimate_tokens(text)
        with self._lock:
            number = len(self.requests)
        return {
            "id": f"chatcmpl-fake{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model or request.json.get("model", "fake-model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text, "refusal": None},
                    "logprobs": None,
                    "finish_reason": self.finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
            "system_fingerprint": "fake",
        }


_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "permission_error",
    404: "invalid_request_error",
    429: "rate_limit_exceeded",
}


def _make_handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

        def _send_json(self, status: int, payload: dict[str, Any], headers: dict[str, str]) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/models"):
                model = fake.model or "fake-model"
                self._send_json(
                    200, {"object": "list", "data": [{"id": model, "object": "model"}]}, {}
                )
            else:
                self._send_json(404, {"error": {"message": "not found"}}, {})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                payload = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                payload = {"_raw": raw.decode("utf-8", "replace")}
            request = RecordedRequest(
                method="POST",
                path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                json=payload,
            )
            with fake._lock:
                fake.requests.append(request)
            if not self.path.rstrip("/").endswith("/chat/completions"):
                request.status = 404
                self._send_json(404, {"error": {"message": f"no route {self.path}"}}, {})
                return
            delay, failure, raw = fake._next_plan()
            if delay:
                time.sleep(delay)
            if failure is not None:
                request.status = failure.status
                headers = {}
                if failure.retry_after is not None:
                    headers["retry-after-ms"] = str(int(failure.retry_after * 1000))
                body = failure.body or {
                    "error": {
                        "message": f"fake failure {failure.status}",
                        "type": _ERROR_TYPES.get(failure.status, "server_error"),
                        "param": None,
                        "code": None,
                    }
                }
                self._send_json(failure.status, body, headers)
                return
            if raw is not None:
                request.status = 200
                self.send_response(200)
                self.send_header("Content-Type", raw.content_type)
                self.send_header("Content-Length", str(len(raw.body)))
                self.end_headers()
                self.wfile.write(raw.body)
                return
            try:
                answer = fake._completion(request)
            except Exception as exc:  # a reply function bug should show up as a 500, loudly
                request.status = 500
                self._send_json(500, {"error": {"message": f"reply function failed: {exc}"}}, {})
                return
            request.status = 200
            self._send_json(200, answer, {})

    return Handler
