"""README.md's quick tour, run as written against a served hub.

The tour's ``sh`` blocks run in one bash (``set -euo pipefail``) in a fresh folder, where
``hub serve`` (the real command, in its own process, on a free port and the folder's own
``./hub.db``) is already running; only ``http://127.0.0.1:8000`` is rewritten to that port.
Each ``# ->`` line of a block is what the block must print, in order, and nothing else.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text("utf-8")
TOUR = README.split("## A quick tour", 1)[1].split("\n## ", 1)[0]
BLOCKS = re.findall(r"```sh\n(.*?)```", TOUR, re.DOTALL)
MARK = "@@ tour block "


def documented(block: str) -> list[str]:
    """What a block says it prints: its ``# ->`` lines."""
    return [line.split("# -> ", 1)[1] for line in block.splitlines() if "# -> " in line]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def shell_env(tmp_path: Path) -> dict[str, str]:
    """A shell as a newcomer's: ``hub`` on the PATH (the activated .venv), no HUB_* set."""
    for tool in ("bash", "curl", "jq"):
        if shutil.which(tool) is None:
            pytest.fail(f"the quick tour needs {tool}, which is not installed", pytrace=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.fixture
def served(tmp_path: Path, shell_env: dict[str, str]) -> Iterator[int]:
    """``hub serve`` on a free port in ``tmp_path`` (so on ``tmp_path/hub.db``)."""
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        ["hub", "serve", "--port", str(port)],
        cwd=tmp_path, env=shell_env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120  # a loaded CI machine starts it slowly
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, (
                tmp_path / "serve.log"
            ).read_text()
            time.sleep(0.1)
        yield port
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_the_tour_has_blocks_that_say_what_they_print() -> None:
    assert len(BLOCKS) >= 5
    assert all(documented(b) for b in BLOCKS[1:])  # the first only sets the key
    assert "/orders/<id>" not in TOUR  # placeholders are not commands bash can run


def test_the_quick_tour_runs_as_written(
    served: int, tmp_path: Path, shell_env: dict[str, str]
) -> None:
    script = "set -euo pipefail\n" + "".join(
        f"echo '{MARK}{i}'\n{block.replace('http://127.0.0.1:8000', f'http://127.0.0.1:{served}')}"
        for i, block in enumerate(BLOCKS)
    )
    (tmp_path / "tour.sh").write_text(script)
    done = subprocess.run(
        ["bash", "tour.sh"], cwd=tmp_path, env=shell_env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    printed = done.stdout.split(MARK)[1:]
    assert len(printed) == len(BLOCKS)
    for i, (block, output) in enumerate(zip(BLOCKS, printed, strict=True)):
        number, *lines = output.splitlines()
        assert int(number) == i
        assert [line.rstrip("\r") for line in lines] == documented(block), block

    # `hub keys create` named, on stderr, the database `hub serve` made in this folder ...
    assert done.stderr.splitlines() == [f"database: {tmp_path / 'hub.db'}"]
    # ... and from another folder it refuses, naming the file it looked for, and makes none.
    other = tmp_path / "other"
    other.mkdir()
    elsewhere = subprocess.run(
        ["bash", "-c", BLOCKS[0]], cwd=other, env=shell_env, capture_output=True, text=True
    )
    assert f"Error: no hub database at {other / 'hub.db'}" in elsewhere.stderr
    assert list(other.iterdir()) == []
