"""A misbehaving partner at the socket level: a real HTTP/1.1 server on 127.0.0.1.

Each request takes the next step of a script (the last step repeats): answer with a status,
hang (accept, read the request, never answer), or drop the connection halfway through the
answer. The server runs in the test's event loop; processes started by the test (workers)
reach it by its port. Every request is recorded; hung connections are closed at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Step:
    kind: str  # "answer", "hang", "drop"
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


def answer(status: int, body: Any = None, **headers: str) -> Step:
    data = b"" if body is None else json.dumps(body).encode()
    extra = (("Content-Type", "application/json"),) if body is not None else ()
    return Step("answer", status, (*extra, *headers.items()), data)


HANG = Step("hang")
DROP = Step("drop", 200, (("Content-Type", "application/json"),), b'{"id": "WH-1", "stat')


@dataclass(slots=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic()


@dataclass
class Partner:
    """The server; ``script`` may be changed while it runs."""

    script: list[Step] = field(default_factory=lambda: [answer(200, {})])
    seen: list[Seen] = field(default_factory=list)
    port: int = 0
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def calls(self, path: str | None = None) -> list[Seen]:
        return [s for s in self.seen if path is None or s.path.split("?")[0] == path]

    def _next(self) -> Step:
        return self.script.pop(0) if len(self.script) > 1 else self.script[0]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                self.seen.append(request)
                step = self._next()
                if step.kind == "hang":
                    await reader.read()  # until the client gives up and closes
                    return
                writer.write(_head(step, len(step.body) * (2 if step.kind == "drop" else 1)))
                writer.write(step.body)
                await writer.drain()
                if step.kind == "drop":
                    return  # mid-answer: fewer bytes than Content-Length, then the close
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self._writers.discard(writer)
            writer.close()

    def close_all(self) -> None:
        for writer in list(self._writers):
            writer.close()


def _head(step: Step, length: int) -> bytes:
    lines = [f"HTTP/1.1 {step.status} Status", f"Content-Length: {length}"]
    lines += [f"{k}: {v}" for k, v in step.headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _read_request(reader: asyncio.StreamReader) -> Seen | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    first, *rest = head.decode("latin-1").split("\r\n")
    method, path, _ = first.split(" ", 2)
    headers = {}
    for line in rest:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
    return Seen(method, path, headers, body, time.monotonic())


@contextlib.asynccontextmanager
async def running(*script: Step) -> AsyncIterator[Partner]:
    """A partner on a free port of 127.0.0.1, following ``script``."""
    partner = Partner(script=list(script) or [answer(200, {})])
    server = await asyncio.start_server(partner._serve, "127.0.0.1", 0)
    partner.port = server.sockets[0].getsockname()[1]
    try:
        yield partner
    finally:
        server.close()
        partner.close_all()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.wait_closed(), 5)
