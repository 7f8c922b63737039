"""Ingest benchmark: ``POST /orders`` against the real hub, next to a bare litestar baseline.

Each case starts a server as a subprocess on a free port, waits for ``GET /health``, then a
load generator in another process (raw asyncio protocol speaking HTTP/1.1 keep-alive, on
uvloop when importable) keeps ``--concurrency`` connections busy, each sending a realistic
3-line order with a unique ``external_id`` as soon as the previous answer arrived. The first
``--warmup`` seconds are not measured; then every answer completed within ``--duration``
seconds is counted and its latency recorded. Non-2xx answers and broken connections are
errors. After the server has stopped, the number of orders in the database is compared
with the number of 201s received (warm-up included).

Cases: the bare baseline (``bench/bare_app.py`` under uvicorn), and ``hub serve`` with and
without the in-process worker, on SQLite (a fresh file) and PostgreSQL (a fresh database at
``--pg-url``, migrated with ``hub db upgrade`` and dropped afterwards)::

    .venv/bin/python bench/ingest.py                  # every case, 10 s each
    .venv/bin/python bench/ingest.py --only bare --only sqlite --duration 3
    .venv/bin/python bench/ingest.py --only sqlite --subscribe   # one webhook subscription
    .venv/bin/python bench/ingest.py --scale-out      # + separate `hub worker` processes
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import http.server
import json
import math
import multiprocessing as mp
import os
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Literal, cast

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
HOST = "127.0.0.1"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432"
_ID_PLACEHOLDER = "@@EXTERNAL_ID@@"

Kind = Literal["bare", "sqlite", "postgres"]


# --------------------------------------------------------------------------- the order body


def order_document() -> dict[str, Any]:
    """A realistic 3-line order whose totals add up (tax on top: ``tax_included`` false)."""
    lines = [
        {"line_id": "1", "sku": "TEE-ORG-BLK-M", "name": "Organic tee, black, M",
         "quantity": 2, "unit_price": 2900, "discount": 580, "tax": 441},
        {"line_id": "2", "sku": "MUG-CER-350", "name": "Ceramic mug 350 ml",
         "quantity": 1, "unit_price": 1450, "discount": 145, "tax": 248},
        {"line_id": "3", "sku": "TOTE-CNV-NAT", "name": "Canvas tote, natural",
         "quantity": 3, "unit_price": 990, "discount": 0, "tax": 564},
    ]  # fmt: skip
    shipping = {"method": "DHL Paket", "price": 490, "discount": 0, "tax": 93}
    subtotal = sum(int(line["unit_price"]) * int(line["quantity"]) for line in lines)
    discount = sum(int(line["discount"]) for line in lines) + shipping["discount"]
    tax = sum(int(line["tax"]) for line in lines) + shipping["tax"]
    total = subtotal - discount + shipping["price"] + tax
    address = {
        "name": "Renée Müller-Øberg", "company": None, "line1": "Torstraße 12",
        "line2": "Hinterhaus, 3. OG", "city": "Berlin", "region": None,
        "postal_code": "10119", "country": "DE", "phone": "+49 30 1234567",
    }  # fmt: skip
    return {
        "external_id": _ID_PLACEHOLDER,
        "external_number": "#B-1042",
        "placed_at": "2025-03-14T10:22:30+01:00",
        "currency": "EUR",
        "customer": {
            "name": "Renée Müller-Øberg",
            "email": "renee@example.com",
            "phone": "+49 30 1234567",
        },
        "shipping_address": address,
        "billing_address": {**address, "line2": None},
        "lines": lines,
        "shipping": shipping,
        "totals": {
            "subtotal": subtotal,
            "discount": discount,
            "shipping": shipping["price"],
            "tax": tax,
            "tax_included": False,
            "total": total,
        },
        "payment": {"status": "paid"},
        "tags": ["bench", "phone"],
        "note": "Leave at the door",
    }


def body_parts() -> tuple[bytes, bytes]:
    """The JSON body split around ``external_id``'s value."""
    raw = json.dumps(order_document(), ensure_ascii=False, separators=(",", ":")).encode()
    prefix, suffix = raw.split(_ID_PLACEHOLDER.encode())
    return prefix, suffix


# --------------------------------------------------------------------------- load generator


@dataclass(frozen=True, slots=True)
class ClientConfig:
    port: int
    key: str | None
    connections: int
    warmup: float
    duration: float
    tag: str  # makes external_id unique across processes and runs
    drain_timeout: float = 30.0


@dataclass(slots=True)
class ClientResult:
    latencies_ms: array[float] = field(default_factory=lambda: array("d"))
    window_status: Counter[int] = field(default_factory=Counter)  # answers in the window
    total_status: Counter[int] = field(default_factory=Counter)  # all answers, warm-up too
    conn_errors: int = 0  # connections lost or refused
    unknown_outcome: int = 0  # requests in flight when their connection broke
    undrained: int = 0  # requests still unanswered after drain_timeout
    samples: list[str] = field(default_factory=list)  # the first few error answers
    cpu_seconds: float = 0.0  # the load generator's own CPU time in the window

    def merge(self, other: ClientResult) -> None:
        self.latencies_ms.extend(other.latencies_ms)
        self.window_status.update(other.window_status)
        self.total_status.update(other.total_status)
        self.conn_errors += other.conn_errors
        self.unknown_outcome += other.unknown_outcome
        self.undrained += other.undrained
        self.cpu_seconds += other.cpu_seconds
        self.samples.extend(other.samples[: max(0, 5 - len(self.samples))])


_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)")


class _Conn(asyncio.Protocol):
    """One keep-alive connection with at most one request in flight."""

    def __init__(self, load: _Load) -> None:
        self.load = load
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.body_start = -1  # -1: headers not yet complete
        self.body_end = -1  # -1 with body_start set: chunked, look for the terminator
        self.sent_at = 0.0
        self.in_flight = False
        self.keep_alive = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast("asyncio.Transport", transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        if self.body_start < 0:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buf[:end]).lower()
            self.body_start = end + 4
            match = _CONTENT_LENGTH.search(head)
            if match:
                self.body_end = self.body_start + int(match.group(1))
            elif b"transfer-encoding: chunked" in head:
                self.body_end = -1
            else:
                self.body_end = self.body_start
            self.keep_alive = b"\r\nconnection: close" not in head
        if self.body_end < 0:
            term = buf.find(b"\r\n0\r\n\r\n", self.body_start - 2)
            if term < 0:
                return
            end = term + 7
        else:
            end = self.body_end
            if len(buf) < end:
                return
        status = int(buf[9:12])
        body = bytes(buf[self.body_start : end]) if not 200 <= status < 300 else b""
        del buf[:end]
        self.body_start = self.body_end = -1
        self.in_flight = False
        if not self.keep_alive and self.transport is not None:
            self.transport.close()  # the server said so: answered() sends nothing more here
        self.load.answered(self, status, body)

    def connection_lost(self, exc: Exception | None) -> None:
        self.load.lost(self)


class _Load:
    def __init__(self, cfg: ClientConfig) -> None:
        self.cfg = cfg
        self.result = ClientResult()
        prefix, suffix = body_parts()
        self.prefix = prefix
        self.suffix = suffix
        auth = f"Authorization: Bearer {cfg.key}\r\n" if cfg.key else ""
        self.head = (
            f"POST /orders HTTP/1.1\r\nHost: {HOST}:{cfg.port}\r\n{auth}"
            "Content-Type: application/json\r\nContent-Length: "
        ).encode()
        self.seq = 0
        self.start = self.warm_end = self.end = 0.0
        self.conns: set[_Conn] = set()
        self.stopping = False
        self.loop = asyncio.get_running_loop()
        self.idle = asyncio.Event()
        self.tasks: set[asyncio.Task[None]] = set()

    async def connect(self) -> _Conn:
        _, conn = await self.loop.create_connection(lambda: _Conn(self), HOST, self.cfg.port)
        self.conns.add(conn)
        return conn

    def send(self, conn: _Conn) -> None:
        now = time.perf_counter()
        if now >= self.end or conn.transport is None or conn.transport.is_closing():
            if not any(c.in_flight for c in self.conns):
                self.idle.set()
            return
        self.seq += 1
        body = b"%s%s-%d%s" % (self.prefix, self.cfg.tag.encode(), self.seq, self.suffix)
        conn.sent_at = now
        conn.in_flight = True
        conn.transport.write(b"%s%d\r\n\r\n%s" % (self.head, len(body), body))

    def answered(self, conn: _Conn, status: int, body: bytes) -> None:
        now = time.perf_counter()
        res = self.result
        res.total_status[status] += 1
        if self.warm_end <= now < self.end:
            res.window_status[status] += 1
            res.latencies_ms.append((now - conn.sent_at) * 1000.0)
        if body and len(res.samples) < 5:
            res.samples.append(f"{status} {body[:300].decode(errors='replace')}")
        self.send(conn)

    def lost(self, conn: _Conn) -> None:
        self.conns.discard(conn)
        if conn.in_flight:
            conn.in_flight = False
            self.result.unknown_outcome += 1
        if self.stopping or time.perf_counter() >= self.end:
            if not any(c.in_flight for c in self.conns):
                self.idle.set()
            return
        if conn.keep_alive:  # not a close the server announced
            self.result.conn_errors += 1
        task = self.loop.create_task(self._reconnect())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _reconnect(self) -> None:
        while time.perf_counter() < self.end:
            try:
                conn = await self.connect()
            except OSError:
                self.result.conn_errors += 1
                await asyncio.sleep(0.05)
                continue
            self.send(conn)
            return

    async def run(self, pipe: Connection) -> ClientResult:
        conns = [await self.connect() for _ in range(self.cfg.connections)]
        self.start = time.perf_counter()
        self.warm_end = self.start + self.cfg.warmup
        self.end = self.warm_end + self.cfg.duration
        self.loop.call_at(self.loop.time() + self.cfg.warmup, pipe.send, ("warm", time.time()))
        self.loop.call_at(
            self.loop.time() + self.cfg.warmup + self.cfg.duration, pipe.send, ("end", None)
        )
        for conn in conns:
            self.send(conn)
        await asyncio.sleep(self.cfg.warmup)
        cpu0 = time.process_time()
        await asyncio.sleep(self.cfg.duration)
        self.result.cpu_seconds = time.process_time() - cpu0
        try:
            await asyncio.wait_for(self.idle.wait(), self.cfg.drain_timeout)
        except TimeoutError:
            self.result.undrained = sum(1 for c in self.conns if c.in_flight)
        self.stopping = True
        for conn in list(self.conns):
            if conn.transport is not None:
                conn.transport.close()
        return self.result


def client_main(cfg: ClientConfig, pipe: Connection) -> None:
    """Entry point of a load-generator process: reports ready, warm, end, then its result."""

    async def main() -> ClientResult:
        load = _Load(cfg)
        pipe.send(("ready", None))
        return await load.run(pipe)

    try:
        import uvloop

        factory: Any = uvloop.new_event_loop
    except ImportError:
        factory = None
    try:
        with asyncio.Runner(loop_factory=factory) as runner:
            result = runner.run(main())
        pipe.send(("result", result))
    except BaseException as exc:
        pipe.send(("error", f"{type(exc).__name__}: {exc}"))
        raise


def drive(
    port: int,
    key: str | None,
    args: argparse.Namespace,
    *,
    on_warm: Callable[[], None],
    on_end: Callable[[], None],
) -> ClientResult:
    """Run the load from ``args.client_procs`` processes; call the hooks at window edges."""
    ctx = mp.get_context("spawn")
    procs: list[tuple[Any, Connection]] = []
    run_tag = secrets.token_hex(3)
    per, extra = divmod(args.concurrency, args.client_procs)
    for i in range(args.client_procs):
        n = per + (1 if i < extra else 0)
        if n == 0:
            continue
        parent, child = ctx.Pipe()
        cfg = ClientConfig(port, key, n, args.warmup, args.duration, f"bench-{run_tag}-{i}")
        proc = ctx.Process(target=client_main, args=(cfg, child), daemon=True)
        proc.start()
        child.close()
        procs.append((proc, parent))
    total = ClientResult()
    deadline = time.monotonic() + args.warmup + args.duration + 120
    pending = {id(p): p for _, p in procs}
    seen_warm = seen_end = False
    while pending:
        ready = wait(list(pending.values()), timeout=max(0.1, deadline - time.monotonic()))
        if not ready:
            raise RuntimeError("the load generator did not finish in time")
        for pipe in ready:
            assert isinstance(pipe, Connection)
            try:
                what, value = pipe.recv()
            except EOFError:
                raise RuntimeError("a load generator process died") from None
            if what == "warm" and not seen_warm:
                seen_warm = True
                on_warm()
            elif what == "end" and not seen_end:
                seen_end = True
                on_end()
            elif what == "result":
                total.merge(value)
                del pending[id(pipe)]
            elif what == "error":
                raise RuntimeError(f"load generator failed: {value}")
    for proc, pipe in procs:
        proc.join(10)
        pipe.close()
    return total


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def hub_exe() -> str:
    candidate = Path(sys.executable).parent / "hub"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("hub")
    if not found:
        raise SystemExit("no `hub` executable next to this python or on PATH")
    return found


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path
    _log: Any

    @classmethod
    def start(cls, cmd: list[str], env: dict[str, str], port: int, log_path: Path) -> Server:
        log = log_path.open("wb")
        proc = subprocess.Popen(cmd, env=env, cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT)
        server = cls(proc, port, log_path, log)
        server.wait_healthy()
        return server

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
            conn = http.client.HTTPConnection(HOST, self.port, timeout=1)
            try:
                conn.request("GET", "/health")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer /health in {timeout:.0f} s:\n{self.log_tail()}")

    def pids(self) -> list[int]:
        """The server and its child processes (``hub serve --processes N``)."""
        found = [self.proc.pid]
        with contextlib.suppress(OSError):
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
            found += [int(c) for c in children.split()]
        return found

    def cpu_seconds(self) -> float:
        total = 0.0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def rss_mib(self) -> list[float]:
        """The RSS of each process (the uvicorn supervisor of ``--processes N`` included)."""
        found: list[float] = []
        for pid in self.pids():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        found.append(int(line.split()[1]) / 1024)
        return found

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()
        return self.proc.returncode

    def log_tail(self, n: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        return ""

    def first_traceback(self, max_lines: int = 40) -> str:
        """The first traceback in the log, with the line before it."""
        with contextlib.suppress(OSError):
            lines = self.log_path.read_text(errors="replace").splitlines()
            for i, line in enumerate(lines):
                if line.startswith("Traceback"):
                    block = [lines[i - 1]] if i else []
                    for follow in lines[i : i + max_lines]:
                        block.append(follow)
                        if block[-1] and not block[-1].startswith((" ", "Traceback")):
                            if len(block) > 2 and not follow.startswith("During"):
                                break
                    return "\n".join(block)
        return ""

    def log_issues(self) -> list[str]:
        """Log lines at WARNING or above, tracebacks, and anything that looks like an error."""
        marks = ("WARNING", "ERROR", "CRITICAL", "Traceback", "Exception")
        with contextlib.suppress(OSError):
            lines = self.log_path.read_text(errors="replace").splitlines()
            return [line for line in lines if any(m in line for m in marks)]
        return []


# --------------------------------------------------------------------------- databases


def _pg_dsn(base: str, db: str) -> str:
    return f"{base.rstrip('/')}/{db}"


def pg_admin(base: str, *statements: str) -> None:
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(_pg_dsn(base, "postgres"))
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(run())


def pg_counts(dsn: str) -> tuple[int, dict[str, int]]:
    import asyncpg

    async def run() -> tuple[int, dict[str, int]]:
        conn = await asyncpg.connect(dsn)
        try:
            orders = await conn.fetchval("SELECT count(*) FROM orders")
            rows = await conn.fetch("SELECT state, count(*) FROM jobs GROUP BY state")
            return int(orders), {r[0]: int(r[1]) for r in rows}
        finally:
            await conn.close()

    return asyncio.run(run())


def sqlite_counts(path: Path) -> tuple[int, dict[str, int]]:
    conn = sqlite3.connect(path)
    try:
        orders = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
        jobs = dict(conn.execute("SELECT state, count(*) FROM jobs GROUP BY state").fetchall())
        return int(orders), {str(k): int(v) for k, v in jobs.items()}
    finally:
        conn.close()


@contextlib.contextmanager
def database(kind: Kind, args: argparse.Namespace, workdir: Path) -> Iterator[str | None]:
    """A fresh database for one case; yields its plain URL (None for the bare app)."""
    if kind == "bare":
        yield None
    elif kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.db'}"
    else:
        name = f"hub_bench_{secrets.token_hex(4)}"
        pg_admin(args.pg_url, f'CREATE DATABASE "{name}"')
        try:
            yield _pg_dsn(args.pg_url, name)
        finally:
            pg_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _Hooks(http.server.BaseHTTPRequestHandler):
    """The ``--subscribe`` receiver: answers every delivery 204 at once."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def webhook_receiver() -> int:
    """A local receiver in a thread of this process; returns its port."""
    server = http.server.ThreadingHTTPServer((HOST, 0), _Hooks)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return int(server.server_address[1])


def subscribe(port: int, key: str, receiver_port: int) -> None:
    """One subscription to ``order.created`` at the local receiver."""
    body = json.dumps({"url": f"http://{HOST}:{receiver_port}/hooks",
                       "event_types": ["order.created"]})  # fmt: skip
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    conn.request("POST", "/subscriptions", body=body, headers=headers)
    answer = conn.getresponse()
    if answer.status != 201:
        raise RuntimeError(f"POST /subscriptions: {answer.status} {answer.read()!r}")
    conn.close()


def hub_cli(env: dict[str, str], *argv: str) -> str:
    done = subprocess.run(
        [hub_exe(), *argv], env=env, cwd=str(ROOT), capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        raise RuntimeError(f"hub {' '.join(argv)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    name: str
    kind: Kind
    worker: bool = False  # the in-process worker of each API process
    processes: int = 0  # API processes (``hub serve --processes``); 0: ``--processes``
    workers: int = 0  # separate ``hub worker`` processes beside ``hub serve --no-worker``


CASES = [
    Case("bare", "bare"),
    Case("hub sqlite no-worker", "sqlite"),
    Case("hub sqlite with worker", "sqlite", worker=True),
    Case("hub postgres no-worker", "postgres"),
    Case("hub postgres with worker", "postgres", worker=True),
]

#: ``--scale-out``: separate worker processes beside ``hub serve --no-worker``
SCALE_CASES = [
    Case("sqlite 1 API + 1 worker", "sqlite", processes=1, workers=1),
    Case("pg 1 API + 1 worker", "postgres", processes=1, workers=1),
    Case("pg 2 API + 2 workers", "postgres", processes=2, workers=2),
    Case("pg 2 API + 4 workers", "postgres", processes=2, workers=4),
]


@dataclass
class Outcome:
    case: Case
    rate: float = 0.0
    p50: float = 0.0
    p99: float = 0.0
    errors: int = 0
    cpu_pct: float = 0.0
    rss_mib: float = 0.0  # the largest process
    procs: int = 1
    result: ClientResult | None = None
    stored: int | None = None
    jobs: dict[str, int] = field(default_factory=dict)
    log_issues: list[str] = field(default_factory=list)
    traceback: str = ""
    exit_code: int | None = None
    failure: str | None = None


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))
    return sorted_values[index]


def _serve_cmd(case: Case, args: argparse.Namespace, port: int) -> list[str]:
    cmd = [hub_exe(), "serve", "--host", HOST, "--port", str(port)]
    if not case.worker:
        cmd.append("--no-worker")
    processes = case.processes or args.processes
    if processes > 1:
        cmd += ["--processes", str(processes)]
    return cmd


def _start_workers(case: Case, env: dict[str, str], workdir: Path) -> list[subprocess.Popen[bytes]]:
    """``case.workers`` separate ``hub worker`` processes, each started and running."""
    procs = []
    for i in range(case.workers):
        log = (workdir / f"worker-{i}.log").open("wb")
        procs.append(
            subprocess.Popen(
                [hub_exe(), "worker"], env=env, cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT
            )
        )
    deadline = time.monotonic() + 60
    for i, proc in enumerate(procs):
        while b"started" not in (workdir / f"worker-{i}.log").read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"hub worker {i} did not start")
            time.sleep(0.1)
    return procs


def _proc_stats(pids: list[int]) -> tuple[float, list[float]]:
    """CPU seconds (summed) and each process's RSS in MiB."""
    cpu, rss = 0.0, []
    for pid in pids:
        with contextlib.suppress(OSError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss.append(int(line.split()[1]) / 1024)
    return cpu, rss


def _server_cmd(
    case: Case, args: argparse.Namespace, env: dict[str, str], url: str | None, port: int
) -> tuple[list[str], str | None]:
    """The server's command line and the bench key (None for the bare app)."""
    if url is None:
        return [
            sys.executable, "-m", "uvicorn", "--app-dir", str(BENCH_DIR),
            "bare_app:app", "--host", HOST, "--port", str(port),
            "--no-access-log", "--log-level", "info",
        ], None  # fmt: skip
    env["HUB_DATABASE_URL"] = url
    hub_cli(env, "db", "upgrade")
    key = hub_cli(env, "keys", "create", "--name", "bench", "--scope", "admin")
    return _serve_cmd(case, args, port), key.strip().splitlines()[-1].strip()


def run_case(case: Case, args: argparse.Namespace) -> Outcome:
    outcome = Outcome(case)
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        workdir = Path(tmp)
        with database(case.kind, args, workdir) as url:
            env = dict(os.environ)
            port = free_port()
            cmd, key = _server_cmd(case, args, env, url, port)
            if args.subscribe and url is not None:
                env["HUB_WEBHOOK_ALLOW_HTTP_LOOPBACK"] = "1"
            server = Server.start(cmd, env, port, workdir / "server.log")
            workers: list[subprocess.Popen[bytes]] = []
            try:
                workers = _start_workers(case, env, workdir)
            except Exception:
                server.stop()
                raise
            if args.subscribe and key is not None:
                subscribe(port, key, args.subscribe)
            cpu: dict[str, float] = {}

            def pids() -> list[int]:
                return server.pids() + [w.pid for w in workers]

            def on_warm() -> None:
                cpu["t0"], cpu["c0"] = time.monotonic(), _proc_stats(pids())[0]

            def on_end() -> None:
                cpu["t1"] = time.monotonic()
                cpu["c1"], rss = _proc_stats(pids())
                outcome.rss_mib, outcome.procs = max(rss, default=0.0), len(rss)

            try:
                result = drive(port, key, args, on_warm=on_warm, on_end=on_end)
            finally:
                outcome.exit_code = server.stop()
                for w in workers:
                    w.send_signal(signal.SIGINT)
                for w in workers:
                    try:
                        w.wait(30)
                    except subprocess.TimeoutExpired:
                        w.kill()
                outcome.log_issues = server.log_issues()
                outcome.traceback = server.first_traceback()
            _summarise(outcome, result, args)
            if "t1" in cpu and cpu["t1"] > cpu["t0"]:
                outcome.cpu_pct = 100 * (cpu["c1"] - cpu["c0"]) / (cpu["t1"] - cpu["t0"])
            if case.kind == "sqlite":
                outcome.stored, outcome.jobs = sqlite_counts(workdir / "bench.db")
            elif url is not None:
                outcome.stored, outcome.jobs = pg_counts(url)
    return outcome


def _summarise(outcome: Outcome, result: ClientResult, args: argparse.Namespace) -> None:
    outcome.result = result
    lat = sorted(result.latencies_ms)
    answered = sum(result.window_status.values())
    outcome.rate = answered / args.duration
    outcome.p50 = percentile(lat, 0.50)
    outcome.p99 = percentile(lat, 0.99)
    outcome.errors = (
        sum(n for s, n in result.window_status.items() if not 200 <= s < 300) + result.conn_errors
    )


# --------------------------------------------------------------------------- report


def print_report(outcomes: list[Outcome], args: argparse.Namespace) -> bool:
    """Print the table, the stored check and notes; False if a stored count mismatched."""
    bare = next((o for o in outcomes if o.case.kind == "bare" and not o.failure), None)
    header = (
        f"{'case':<26} {'orders/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
        f"{'hub/bare':>8} {'srv CPU%':>8} {'/CPU-s':>7} {'of bare':>7} {'load CPU%':>9} "
        f"{'procs':>5} {'RSS/proc':>8}"
    )
    print()
    print(
        f"POST /orders, {args.concurrency} keep-alive connections, {args.warmup:g} s warm-up "
        f"+ {args.duration:g} s measured, client processes: {args.client_procs}"
    )
    print(f"machine: {os.cpu_count()} CPUs, load average now {os.getloadavg()[0]:.2f} (1 min)")
    print(
        "srv CPU%: every server process of the case; /CPU-s: orders per server CPU second "
        "(steadier than orders/s on a busy machine; PostgreSQL's own CPU not counted), "
        "'of bare' its ratio to bare's; RSS/proc: the largest process (MiB)"
    )
    print(header)
    print("-" * len(header))
    for o in outcomes:
        if o.failure:
            print(f"{o.case.name:<26} FAILED: {o.failure.splitlines()[0]}")
            continue
        load_cpu = 100 * o.result.cpu_seconds / args.duration if o.result else 0.0
        per_cpu = 100 * o.rate / o.cpu_pct if o.cpu_pct else 0.0
        bare_cpu = 100 * bare.rate / bare.cpu_pct if bare and bare.cpu_pct else 0.0
        cpu_ratio = f"{per_cpu / bare_cpu:.3f}" if bare_cpu and o.case.kind != "bare" else "-"
        ratio = f"{o.rate / bare.rate:.3f}" if bare and o.case.kind != "bare" and bare.rate else "-"
        print(
            f"{o.case.name:<26} {o.rate:>9,.0f} {o.p50:>8.2f} {o.p99:>8.2f} {o.errors:>7} "
            f"{ratio:>8} {o.cpu_pct:>8.0f} {per_cpu:>7,.0f} {cpu_ratio:>7} {load_cpu:>9.0f} "
            f"{o.procs:>5} {o.rss_mib:>8.0f}"
        )
    checked = [o for o in outcomes if not o.failure and o.case.kind != "bare" and o.result]
    if checked:
        print()
        print("Stored check (201s received, warm-up included, vs orders in the database):")
    all_ok = True
    for o in checked:
        assert o.result is not None
        created = o.result.total_status.get(201, 0)
        unknown = o.result.unknown_outcome + o.result.undrained
        if o.stored == created:
            verdict = "OK"
        elif unknown and created <= (o.stored or 0) <= created + unknown:
            verdict = f"OK within {unknown} requests of unknown outcome"
        else:
            verdict = "MISMATCH"
            all_ok = False
        jobs = ", ".join(f"{k} {v}" for k, v in sorted(o.jobs.items())) or "none"
        print(
            f"  {o.case.name:<26} 201s {created:>7}  stored {o.stored:>7}  {verdict}"
            f"   (jobs: {jobs})"
        )
    if not all_ok:
        print("  some cases stored a different number of orders than they acknowledged")
    notes: list[str] = []
    for o in outcomes:
        if o.failure:
            notes.append(f"{o.case.name}: failed:\n{o.failure}")
            continue
        res = o.result
        assert res is not None
        other = {s: n for s, n in res.total_status.items() if s != 201}
        if other:
            notes.append(f"{o.case.name}: non-201 answers (warm-up included): {other}")
        for sample in res.samples:
            notes.append(f"{o.case.name}: sample error answer: {sample}")
        if res.conn_errors or res.unknown_outcome or res.undrained:
            notes.append(
                f"{o.case.name}: connection errors {res.conn_errors}, in flight when a "
                f"connection broke {res.unknown_outcome}, unanswered at the end {res.undrained}"
            )
        if o.exit_code not in (0, None):
            notes.append(f"{o.case.name}: server exit code {o.exit_code}")
        if o.log_issues:
            shown = "\n    ".join(o.log_issues[:8])
            notes.append(f"{o.case.name}: {len(o.log_issues)} server log issue(s):\n    {shown}")
        if o.traceback:
            shown = o.traceback.replace("\n", "\n    ")
            notes.append(f"{o.case.name}: first traceback in the server log:\n    {shown}")
    if notes:
        print()
        print("Notes:")
        for note in notes:
            print(f"  {note}")
    return all_ok


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per case")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds first")
    parser.add_argument("--concurrency", type=int, default=32, help="keep-alive connections")
    parser.add_argument(
        "--only",
        action="append",
        choices=["bare", "sqlite", "postgres"],
        help="run only these cases (repeatable); default: all",
    )
    parser.add_argument(
        "--client-procs", type=int, default=1, help="load-generator processes (default 1)"
    )
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL server (no db)")
    parser.add_argument(
        "--processes", type=int, default=1, help="hub serve --processes N (API processes)"
    )
    parser.add_argument(
        "--match", action="append", help="run only the cases whose name contains this (repeatable)"
    )
    parser.add_argument(
        "--scale-out",
        action="store_true",
        help="also separate worker processes: SQLite 1 API + 1 worker; PostgreSQL 1 + 1, "
        "2 API + 2 workers, 2 API + 4 workers",
    )
    parser.add_argument(
        "--subscribe",
        action="store_const",
        const=-1,
        default=0,
        help="one outbound webhook subscription (order.created) to a local receiver",
    )
    args = parser.parse_args(argv)
    if args.subscribe:
        args.subscribe = webhook_receiver()
    if args.duration <= 0 or args.warmup < 0 or args.concurrency < 1 or args.client_procs < 1:
        parser.error("--duration, --concurrency and --client-procs must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    kinds = set(args.only or ["bare", "sqlite", "postgres"])
    outcomes: list[Outcome] = []
    for case in CASES + (SCALE_CASES if args.scale_out else []):
        if case.kind not in kinds or (args.match and not any(m in case.name for m in args.match)):
            continue
        print(f"running {case.name} ...", file=sys.stderr, flush=True)
        try:
            outcome = run_case(case, args)
        except Exception as exc:
            outcome = Outcome(case, failure=f"{type(exc).__name__}: {exc}")
        outcomes.append(outcome)
    consistent = print_report(outcomes, args)
    failed = any(o.failure for o in outcomes)
    return 0 if consistent and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
