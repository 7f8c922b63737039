"""Hot reload, written once: a value built from files, built again when one of them changes.

Running processes pick up an edited mapping, rules or warehouse file without a restart.
Whether anything changed is a ``stat`` per file (modification time in nanoseconds and size),
looked at no more than once per ``every`` seconds; the value is rebuilt only when a stamp
differs. A build that fails raises to the caller and the next ``get`` tries again, so a
half-saved file is never cached as good.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")

Stamp = tuple[tuple[str, int, int], ...]


def stamp(files: Sequence[Path]) -> Stamp:
    """Each file's name, modification time (ns) and size; a missing file raises OSError."""
    out = []
    for f in files:
        st = f.stat()
        out.append((str(f), st.st_mtime_ns, st.st_size))
    return tuple(out)


class Reloading(Generic[T]):
    """``get()`` the value built by ``build()`` from ``files()``, rebuilt when they change.

    ``files`` is called on each check, so a folder's new or removed files count as a
    change; ``clock`` is injectable for tests.
    """

    def __init__(
        self,
        files: Callable[[], Sequence[Path]],
        build: Callable[[], T],
        *,
        every: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._files = files
        self._build = build
        self.every = every
        self._clock = clock
        self._stamp: Stamp | None = None
        self._value: T | None = None
        self._checked = float("-inf")

    def get(self) -> T:
        now = self._clock()
        if self._stamp is not None and now - self._checked < self.every:
            return self._value  # type: ignore[return-value]
        current = stamp(self._files())
        if current != self._stamp:
            self._value = self._build()
            self._stamp = current
        self._checked = now
        return self._value  # type: ignore[return-value]

    def forget(self) -> None:
        """Build again on the next ``get`` (tests, and callers that know a file changed)."""
        self._stamp = None
        self._value = None
        self._checked = float("-inf")
