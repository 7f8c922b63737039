"""``hub demo``, run as a newcomer runs it (its own process), at a quick pace: orders from
the sandbox shop reach delivered through the real connectors, the shop takes the hub's
stock pushes, and Ctrl-C stops it cleanly."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--order-every", "1", "--ship-after", "0.5", "--step-every", "0.5"]


def demo(*args: str) -> tuple[list[str], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    return [sys.executable, "-m", "hub.cli", "demo", "--port", "0", *FAST, *args], env


def test_orders_reach_delivered_and_the_shop_takes_stock(tmp_path: Path) -> None:
    command, env = demo("--for", "240", "--until-delivered", "1")
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    summary = re.search(
        r"orders placed: (\d+), delivered: (\d+), stock pushes taken by the shop: (\d+)",
        done.stdout,
    )
    assert summary, done.stdout
    placed, delivered, pushes = map(int, summary.groups())
    assert placed >= delivered >= 1 and pushes >= 1
    out = done.stdout
    # what a newcomer watches: each step, told by the shop, the hub, the 3PL and the carrier
    for step in (
        r"shop +order #1001 placed",
        r"hub +H-\d+ received",
        r"hub +H-\d+ reserved",
        r"hub +H-\d+ routed to",
        r"hub +H-\d+ shipped: ",
        r"hub +H-\d+ tracked: \w+ in_transit",
        r"hub +H-\d+ delivered",
        r"shop +stock set: ",
        r"carrier +\w+ \w+: delivered",
    ):
        assert re.search(step, out), f"{step!r} not in:\n{out}"
    assert "/console" in out and re.search(r"admin key \(printed once\): hub_\S+", out)
    assert list(tmp_path.iterdir()) == []  # its database was a temporary one


def test_ctrl_c_stops_it_cleanly(tmp_path: Path) -> None:
    command, env = demo()
    process = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        seen = []
        deadline = time.monotonic() + 120
        assert process.stdout is not None
        for line in process.stdout:
            seen.append(line)
            if "received" in line or time.monotonic() > deadline:
                break  # the hub is taking orders
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, "".join(seen) + out + err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "stopping" in out and "orders placed: " in out


def test_the_readme_quick_tour_starts_with_the_demo() -> None:
    tour = (ROOT / "README.md").read_text("utf-8").split("## A quick tour", 1)[1]
    before_the_first_command = tour.split("```sh", 1)[0]
    assert "$ hub demo\n" in before_the_first_command
