"""Outbound webhooks benchmark: ``WebhookSender`` from one process to a local receiver.

The receiver runs in its own process (raw asyncio HTTP/1.1 keep-alive server on 127.0.0.1,
uvloop when installed, answers 204; it verifies the Standard Webhooks signature of every
``--verify-every``-th request with the standardwebhooks library and counts failures). The
sender is the hub's own code path: ``WebhookSender.deliver`` per event (body encoded,
signed with two secrets as during a rotation, address policy, pooled keep-alive connection,
answer read) with ``--concurrency`` deliveries in flight. Prints deliveries/s, p50/p99 per
delivery, errors, the signature check and the sender's CPU. No database: the outbox
claim/commit around each delivery is not in these figures.

    .venv/bin/python bench/webhooks_out.py --sender-only   # 2 s warm-up + 10 s
    .venv/bin/python bench/webhooks_out.py --sender-only --concurrency 32 --per-origin 16

The default (outbox) mode runs the whole path on a fresh SQLite file: one subscription to the
local receiver, deliveries queued as the timeline tap queues them (a delivery row and its
``webhook.deliver`` job), and one hub ``Worker`` that claims them in batches (up to
``HUB_WEBHOOK_IN_FLIGHT``), signs and sends them ``--per-subscriber`` at a time over
keep-alive connections, and records the outcomes many to a commit. It prints

- deliveries/s: ``--backlog`` deliveries queued at once, drained by the one worker;
- commit -> delivery: events committed one per transaction at ``--rate`` per second for
  ``--duration`` seconds, each timed from its commit to its arrival at the receiver
  (p50/p99/max).

    .venv/bin/python bench/webhooks_out.py                 # outbox: backlog 5000, 200/s x 10 s
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import resource
import socket
import statistics
import time
from datetime import UTC, datetime

from hub.subscriptions.delivery import WebhookSender, new_secret

ANSWER = b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n"


async def _serve_one(reader, writer, secret: str, every: int, counts: dict, arrivals=None) -> None:  # type: ignore[no-untyped-def]
    from standardwebhooks import Webhook

    hook = Webhook(secret)
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {
                k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            counts["n"] += 1
            if arrivals is not None:
                arrivals.append((headers.get("webhook-id", ""), time.time()))
            if counts["n"] % every == 0:
                try:
                    hook.verify(body, headers, json_parse=False)
                    counts["ok"] += 1
                except Exception:
                    counts["bad"] += 1
            writer.write(ANSWER)
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def _receiver(sock: socket.socket, secret: str, every: int, result) -> None:  # type: ignore[no-untyped-def]
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    counts = {"n": 0, "ok": 0, "bad": 0}
    arrivals: list[tuple[str, float]] = []

    async def main() -> None:
        server = await asyncio.start_server(
            lambda r, w: _serve_one(r, w, secret, every, counts, arrivals), sock=sock
        )
        async with server:
            while True:
                await asyncio.sleep(0.2)
                result.update(counts)
                if result.get("dump"):
                    result["arrivals"] = list(arrivals)
                    result["dump"] = False

    asyncio.run(main())


async def _run(
    port: int, secrets: list[str], concurrency: int, per_origin: int, warmup: float, duration: float
):  # type: ignore[no-untyped-def]
    url = f"http://127.0.0.1:{port}/hooks"
    latencies: list[float] = []
    errors: dict[str, int] = {}
    data = {"id": "ord_01JPSAMPLE", "number": "#1042", "status": "shipped", "parcels": 1}
    async with WebhookSender(allow_http_loopback=True, per_origin=per_origin) as sender:
        measure_from = time.perf_counter() + warmup
        stop = measure_from + duration
        counter = 0

        async def worker() -> None:
            nonlocal counter
            while (now := time.perf_counter()) < stop:
                counter += 1
                result = await sender.deliver(
                    url,
                    msg_id=f"msg_{counter}",
                    event_type="order.status_changed",
                    occurred_at=datetime.now(UTC),
                    data=data,
                    signing_secrets=secrets,
                )
                if now >= measure_from:
                    latencies.append(result.elapsed_ms)
                    if not result.ok:
                        errors[result.error or str(result.status_code)] = (
                            errors.get(result.error or "", 0) + 1
                        )

        cpu0 = time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        cpu = time.process_time() - cpu0
    return latencies, errors, cpu


async def _outbox(port: int, secrets: list[str], args: argparse.Namespace, shared) -> dict:  # type: ignore[no-untyped-def]
    """The whole path through the outbox (see the module docstring); returns the figures."""
    import tempfile
    from datetime import timedelta

    from sqlalchemy import func, select

    from hub.bootstrap import build_registry
    from hub.clock import utcnow
    from hub.config import Settings
    from hub.store import subscriptions as store
    from hub.store.database import Database
    from hub.store.migrate import upgrade
    from hub.store.webhook_tables import webhook_deliveries as wd
    from hub.subscriptions.delivery import event_body
    from hub.worker import Worker

    url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    upgrade(url)
    settings = Settings(
        database_url=url,
        webhook_allow_http_loopback=True,
        worker_concurrency=args.concurrency,
        webhook_per_subscriber=args.per_subscriber,
        worker_batch=max(64, 2 * args.concurrency),
        forecast_nightly=False,
    )
    db = Database(url)
    now = utcnow()
    async with db.write() as conn:
        sub = await store.add(
            conn, url=f"http://127.0.0.1:{port}/hooks", event_types=["order.status_changed"],
            allow_private=False, description="bench", secret=secrets[0], now=now,
        )  # fmt: skip
        await store.rotate(conn, sub.id, secret=secrets[1], grace_until=now + timedelta(1), now=now)
    data = {"order_id": "01JPSAMPLE", "kind": "release", "from_status": "allocated",
            "to_status": "released", "actor": "worker", "detail": None}  # fmt: skip

    def queue(n: int):  # type: ignore[no-untyped-def]
        def run(conn):  # type: ignore[no-untyped-def]
            body = event_body("order.status_changed", utcnow(), data)
            return store.queue_sync(
                conn, [(sub.id, "order.status_changed", body)] * n, now=utcnow()
            )

        return run

    async def received(n: int) -> None:
        while shared.get("n", 0) < n:  # noqa: ASYNC110 (another process's count)
            await asyncio.sleep(0.05)

    registry = build_registry(settings)
    worker = Worker(db, registry, settings)
    stop = asyncio.Event()
    out: dict = {}
    try:
        await db.run_write(queue(args.backlog))
        cpu0, started = time.process_time(), datetime.now(UTC)
        running = asyncio.create_task(worker.run(stop))
        await received(args.backlog)
        async with db.read() as conn:
            last = (await conn.execute(select(func.max(wd.c.delivered_at)))).scalar_one()
        out["drain_s"] = (last - started).total_seconds()
        out["drain_cpu"] = time.process_time() - cpu0
        committed: dict[str, float] = {}
        total = int(args.rate * args.duration)
        t0 = time.perf_counter()
        for i in range(total):
            (delivery_id,) = await db.run_write(queue(1))
            committed[delivery_id] = time.time()
            db.signal_jobs()
            await asyncio.sleep(max(0.0, t0 + (i + 1) / args.rate - time.perf_counter()))
        await received(args.backlog + total)
        shared["dump"] = True
        while shared.get("dump"):  # noqa: ASYNC110 (another process's flag)
            await asyncio.sleep(0.05)
        arrived = dict(shared["arrivals"])
        out["latency_ms"] = sorted((arrived[k] - v) * 1000 for k, v in committed.items())
        stop.set()
        await running
    finally:
        for close in registry.closers:
            await close()
        await db.dispose()
    return out


def _print_outbox(args: argparse.Namespace, out: dict, counts: dict, load: float) -> None:  # type: ignore[type-arg]
    lat = out["latency_ms"]
    q = statistics.quantiles(lat, n=100)
    print(
        f"webhooks out through the outbox: 1 worker ({args.per_subscriber} in flight to the "
        f"subscriber), SQLite, 1 subscription -> local receiver (cpus: {os.cpu_count()}, "
        f"load before: {load:.1f})"
    )
    print(
        f"  deliveries/s      {args.backlog / out['drain_s']:10.0f}   "
        f"({args.backlog} queued, drained in {out['drain_s']:.2f} s, "
        f"worker CPU {out['drain_cpu'] * 1e6 / args.backlog:.0f} µs per delivery)"
    )
    print(
        f"  commit->delivery  p50 {q[49]:.1f} ms, p99 {q[98]:.1f} ms, max {lat[-1]:.1f} ms "
        f"({len(lat)} events at {args.rate:g}/s, one per transaction)"
    )
    print(
        f"  signatures        {counts.get('ok', 0)} verified, {counts.get('bad', 0)} failed "
        f"(every {args.verify_every}th of {counts.get('n', 0)} received)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--per-origin", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--verify-every", type=int, default=10)
    parser.add_argument("--sender-only", action="store_true", help="WebhookSender alone")
    parser.add_argument("--backlog", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument(
        "--per-subscriber", type=int, default=8, help="HUB_WEBHOOK_PER_SUBSCRIBER (outbox mode)"
    )
    args = parser.parse_args()
    secrets = [new_secret(), new_secret()]
    load = os.getloadavg()[0]  # other work on the machine lowers every figure below
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    port = sock.getsockname()[1]
    manager = mp.Manager()
    shared = manager.dict()
    proc = mp.get_context("fork").Process(
        target=_receiver, args=(sock, secrets[1], args.verify_every, shared), daemon=True
    )
    proc.start()
    if not args.sender_only:
        try:
            out = asyncio.run(_outbox(port, secrets, args, shared))
            counts = dict(shared)
        finally:
            proc.terminate()
            proc.join()
        _print_outbox(args, out, counts, load)
        raise SystemExit(1 if counts.get("bad") else 0)
    try:
        latencies, errors, cpu = asyncio.run(
            _run(port, secrets, args.concurrency, args.per_origin, args.warmup, args.duration)
        )
        time.sleep(0.5)
        counts = dict(shared)
    finally:
        proc.terminate()
        proc.join()
    latencies.sort()
    n = len(latencies)
    q = statistics.quantiles(latencies, n=100) if n > 1 else [0.0] * 99
    print(
        f"webhooks out: 1 sender process -> local receiver, {args.concurrency} in flight "
        f"over at most {args.per_origin} keep-alive connections, "
        f"{args.duration:g} s measured (cpus: {os.cpu_count()}, load average before: {load:.1f})"
    )
    print(f"  deliveries/s      {n / args.duration:10.0f}")
    print(f"  p50 / p99 (ms)    {q[49]:10.2f} / {q[98]:.2f}")
    print(f"  errors            {sum(errors.values()):10d} {errors if errors else ''}")
    print(
        f"  sender CPU        {cpu / (args.duration + args.warmup) * 100:9.0f} %  "
        f"({cpu * 1e6 / max(counts.get('n', 1), 1):.0f} µs per delivery)"
    )
    print(
        f"  signatures        {counts.get('ok', 0)} verified, {counts.get('bad', 0)} failed "
        f"(every {args.verify_every}th of {counts.get('n', 0)} received)"
    )
    print(f"  max RSS (MB)      {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:10.0f}")
    raise SystemExit(1 if errors or counts.get("bad") else 0)


if __name__ == "__main__":
    main()
