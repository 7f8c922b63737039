"""A webhook receiver for tests: ``http.server`` in a thread on 127.0.0.1, port 0.

Paths: ``/ok`` verifies the Standard Webhooks signature with every secret it was given
(204 when one matches, 401 otherwise); ``/status/<code>`` answers that code;
``/redirect`` answers 302 to ``/ok``; ``/big`` answers 1 MB; ``/hang`` waits until the
test releases it; ``/switch`` answers ``receiver.switch`` (503 until the test changes
it). Every request is recorded with its headers, body, client port and, over
TLS, the SNI name the client sent.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError


@dataclass
class Seen:
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes
    client_port: int
    verified_with: list[int] = field(default_factory=list)  # indexes of secrets that verify
    at: float = field(default_factory=time.monotonic)  # when it arrived


class Receiver:
    def __init__(self, signing_secrets: Sequence[str] = ()) -> None:
        self.secrets = list(signing_secrets)
        self.seen: list[Seen] = []
        self.sni: list[str | None] = []
        self.release = threading.Event()
        self.switch = 503  # what ``/switch`` answers now
        self.port = 0

    def url(self, path: str, host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, code: int, body: bytes = b"", headers: dict[str, str] | None = None):
            self.send_response(code)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            seen = Seen(self.path, headers, body, self.client_address[1])
            for i, secret in enumerate(receiver.secrets):
                try:
                    Webhook(secret).verify(body, seen.headers)
                    seen.verified_with.append(i)
                except WebhookVerificationError:
                    pass
            receiver.seen.append(seen)
            self._route(seen)

        def _route(self, seen: Seen) -> None:
            if self.path == "/ok":
                self._answer(204 if seen.verified_with else 401)
            elif self.path.startswith("/status/"):
                code = int(self.path.rsplit("/", 1)[1])
                self._answer(code, b"nope", {"Retry-After": "7"} if code in (429, 503) else {})
            elif self.path == "/switch":
                self._answer(receiver.switch)
            elif self.path == "/redirect":
                self._answer(302, b"", {"Location": receiver.url("/ok")})
            elif self.path == "/big":
                self._answer(200, b"x" * 1_000_000)
            elif self.path == "/hang":
                receiver.release.wait(30)
                self._answer(200)
            else:
                self._answer(404)

    return Handler


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default 5 drops concurrent connects (SYN retried after 1 s)
    daemon_threads = True
    block_on_close = False


@contextmanager
def receiving(
    signing_secrets: Sequence[str] = (), tls: ssl.SSLContext | None = None
) -> Iterator[Receiver]:
    """Run a receiver for the block; ``tls`` (a server context) makes it https."""
    receiver = Receiver(signing_secrets)
    server = _Server(("127.0.0.1", 0), _handler(receiver))
    if tls is not None:
        tls.sni_callback = lambda sock, name, ctx: receiver.sni.append(name)  # type: ignore[assignment]
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
        thread.join()
