"""File operations the connector relies on: atomic writes, moves that never overwrite, and
OS errors turned into clean ``RetriableError``s (the path and the OS reason, nothing more)."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from hub.sdk import RetriableError


def os_error(action: str, path: Path, exc: OSError) -> RetriableError:
    """``exc`` as a retriable error: disk full, permissions and the like may be fixed later."""
    reason = exc.strerror or type(exc).__name__
    return RetriableError(f"csv_warehouse: cannot {action} {path}: {reason}")


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the whole new one.

    The temporary file is a hidden ``.<name>.<random>.tmp`` in the same folder (so a warehouse
    reading ``*.csv`` never takes it), fsynced, then renamed over ``path`` with ``os.replace``.
    """
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise os_error("write", path, exc) from None
    _fsync_dir(path.parent)


def read_if_exists(path: Path) -> bytes | None:
    """The file's bytes, or None when there is no such file."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise os_error("read", path, exc) from None


def free_name(folder: Path, name: str) -> Path:
    """``folder/name``, or ``folder/<stem>~<n><suffix>`` when that name is taken."""
    target = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{stem}~{n}{suffix}"
    return target


def move_to(path: Path, folder: Path) -> Path:
    """Move ``path`` into ``folder`` without overwriting a file already there."""
    target = free_name(folder, path.name)
    try:
        shutil.move(path, target)
    except OSError as exc:
        raise os_error("move", path, exc) from None
    _fsync_dir(folder)
    return target
