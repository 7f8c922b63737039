"""Outbound webhooks benchmark: ``WebhookSender`` from one process to a local receiver.

The receiver runs in its own process (raw asyncio HTTP/1.1 keep-alive server on 127.0.0.1,
uvloop when installed, answers 204; it verifies the Standard Webhooks signature of every
``--verify-every``-th request with the standardwebhooks library and counts failures). The
sender is the hub's own code path: ``WebhookSender.deliver`` per event (body encoded,
signed with two secrets as during a rotation, address policy, pooled keep-alive connection,
answer read) with ``--concurrency`` deliveries in flight. Prints deliveries/s, p50/p99 per
delivery, errors, the signature check and the sender's CPU. No database: the outbox
claim/commit around each delivery is not in these figures.

    .venv/bin/python bench/webhooks_out.py                 # 2 s warm-up + 10 s
    .venv/bin/python bench/webhooks_out.py --concurrency 32 --per-origin 16 --duration 5
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


async def _serve_one(reader, writer, secret: str, every: int, counts: dict) -> None:  # type: ignore[no-untyped-def]
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

    async def main() -> None:
        server = await asyncio.start_server(
            lambda r, w: _serve_one(r, w, secret, every, counts), sock=sock
        )
        async with server:
            while True:
                await asyncio.sleep(0.2)
                result.update(counts)

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--per-origin", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--verify-every", type=int, default=10)
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
