"""A local HTTP server on 127.0.0.1 that answers like Gemini or OpenAI.

Tests queue scripted replies; each request pops the next one (the last one repeats).
Replies: ``("json", text)`` a normal answer carrying ``text`` as the model's message,
``("429", seconds)`` a rate limit with ``Retry-After``, ``("sleep", seconds)`` an answer
held back longer than the client's timeout, ``("500", None)`` a server error.
Requests (path, headers, JSON body) are recorded for assertions.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float


@dataclass
class FakeLLM:
    replies: list[tuple[str, Any]] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    url: str = ""

    def queue(self, *replies: tuple[str, Any]) -> FakeLLM:
        self.replies = list(replies)
        self.requests.clear()
        return self

    def _next(self) -> tuple[str, Any]:
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    def prompts(self) -> list[str]:
        """Every text sent (system and user parts), per request, in either wire format."""
        out = []
        for r in self.requests:
            out.append(json.dumps(r.body))
        return out


def gemini_body(text: str) -> dict[str, Any]:
    return {"candidates": [{"content": {"parts": [{"text": text}], "role": "model"},
                            "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 10,
                              "totalTokenCount": 20},
            "modelVersion": "gemini-2.5-flash"}


def openai_body(text: str) -> dict[str, Any]:
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000,
            "model": "gpt-4o-mini",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}}


def start(fake: FakeLLM) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            n = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(n)
            body = json.loads(raw) if raw else {}
            fake.requests.append(Request(self.path, {k.lower(): v for k, v in
                                                     self.headers.items()}, body, time.monotonic()))
            kind, arg = fake._next()
            gemini = ":generateContent" in self.path
            if kind == "429":
                err = ({"error": {"code": 429, "message": "Resource has been exhausted",
                                  "status": "RESOURCE_EXHAUSTED"}} if gemini else
                       {"error": {"message": "Rate limit reached", "type": "requests",
                                  "code": "rate_limit_exceeded"}})
                self._send(429, err, {"Retry-After": str(arg)})
                return
            if kind == "500":
                self._send(500, {"error": {"code": 500, "message": "boom", "status": "INTERNAL"}})
                return
            if kind == "sleep":
                time.sleep(arg)
                text = '{"late": true}'
            else:
                text = arg
            self._send(200, gemini_body(text) if gemini else openai_body(text))

        def _send(self, code: int, doc: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            data = json.dumps(doc).encode()
            try:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fake.url = f"http://127.0.0.1:{server.server_port}"
    return server
