"""The loopback server the sandbox partners answer on, and the way they call the hub back.

One plain ASGI app: ``/shopify/...``, ``/shipbob/...`` and ``/easypost/...`` each go to that
partner's ``handle(Call)``, which answers a ``Reply`` (JSON). Served by uvicorn on
127.0.0.1 (a port the OS picks), in the demo's own event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import msgspec
import uvicorn

log = logging.getLogger(__name__)


class Call(msgspec.Struct, frozen=True):
    """One request to a partner: the path after the partner's prefix."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return msgspec.json.decode(self.body) if self.body else None


class Reply(msgspec.Struct, frozen=True):
    status: int
    body: Any = None


Handler = Callable[[Call], Awaitable[Reply]]


class Sandbox:
    """The ASGI app: the first path segment names the partner."""

    def __init__(self, partners: dict[str, Handler]) -> None:
        self.partners = partners

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        prefix, _, rest = scope["path"].lstrip("/").partition("/")
        call = Call(
            method=scope["method"],
            path="/" + rest,
            query=parse_qs(scope.get("query_string", b"").decode()),
            headers={k.decode().lower(): v.decode() for k, v in scope["headers"]},
            body=body,
        )
        handler = self.partners.get(prefix)
        reply = await handler(call) if handler else Reply(404, {"error": "no such partner"})
        payload = msgspec.json.encode(reply.body)
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": payload})


class QuietServer(uvicorn.Server):
    """uvicorn without its own signal handling: the demo decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def install_signal_handlers(self) -> None:  # uvicorn before 0.29
        return None


class CannotListen(OSError):
    """The address is taken or not this machine's; the message says which."""


def listen(host: str, port: int) -> socket.socket:
    """A bound, listening socket (port 0: one the OS picks)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise CannotListen(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def start_server(app: Any, sock: socket.socket) -> tuple[QuietServer, asyncio.Task[None]]:
    """Serve ``app`` on ``sock`` in this loop; set ``server.should_exit`` to stop it."""
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="auto")
    server = QuietServer(config)
    return server, asyncio.create_task(server.serve(sockets=[sock]))


class HubLine:
    """How a partner calls the hub's webhook endpoint: POST, retried a few times the way
    partners retry a delivery that was not answered with 2xx."""

    def __init__(self, hub_url: str) -> None:
        self.hub_url = hub_url
        self.client = httpx.AsyncClient(timeout=10.0)

    async def deliver(self, connection: str, body: bytes, headers: dict[str, str]) -> bool:
        url = f"{self.hub_url}/webhooks/{connection}"
        for attempt in range(5):
            try:
                answer = await self.client.post(
                    url, content=body, headers={**headers, "Content-Type": "application/json"}
                )
                if answer.is_success:
                    return True
                log.warning("the hub answered %s to a %s webhook", answer.status_code, connection)
            except httpx.HTTPError as exc:
                log.warning("the hub did not take a %s webhook: %s", connection, type(exc).__name__)
            await asyncio.sleep(0.5 * (attempt + 1))
        return False

    async def close(self) -> None:
        await self.client.aclose()
