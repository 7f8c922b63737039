"""Console sessions: an API key exchanged for a signed cookie, CSRF tokens, and the brake on
wrong keys.

The cookie holds the id of a session kept on the server (``console_sessions``: its key,
its expiry, whether it ended; never the key itself), when it ends and a random nonce,
signed with HMAC-SHA256 under the console secret; it is HttpOnly and SameSite=Strict (and
Secure over HTTPS). Every request reads the session and its key again
(``hub.services.console.sessions``), so sign-out, a revoked key or an expired one ends it
at once, even for a copy of the cookie. The CSRF token of a session is the HMAC of its
nonce: every form carries it, every POST checks it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections import deque

import msgspec

COOKIE = "hub_console"
CSRF_FIELD = "csrf_token"


class Session(msgspec.Struct, frozen=True):
    sid: str  # the server-side session's id (random)
    until: int  # seconds since the epoch
    nonce: str


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, what: str) -> str:
    return _b64(hmac.new(secret, what.encode(), hashlib.sha256).digest())


def new_session(session_id: str, lifetime_seconds: float, now: float | None = None) -> Session:
    start = time.time() if now is None else now
    return Session(session_id, int(start + lifetime_seconds), secrets.token_urlsafe(16))


def sign(secret: bytes, session: Session) -> str:
    payload = _b64(msgspec.json.encode(session))
    return f"{payload}.{_mac(secret, payload)}"


def unsign(secret: bytes, value: str | None, now: float | None = None) -> Session | None:
    """The session a cookie holds, or None when it is absent, forged or over."""
    if not value or value.count(".") != 1:
        return None
    payload, mac = value.split(".")
    if not hmac.compare_digest(mac, _mac(secret, payload)):
        return None
    try:
        session = msgspec.json.decode(_unb64(payload), type=Session)
    except (ValueError, msgspec.DecodeError):
        return None
    return session if session.until > (time.time() if now is None else now) else None


def csrf_token(secret: bytes, session: Session) -> str:
    return _mac(secret, f"csrf:{session.nonce}")


def csrf_ok(secret: bytes, session: Session, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(str(token), csrf_token(secret, session))


class Brake:
    """Wrong keys per client address: after ``limit`` in ``window`` seconds, sign-in is
    refused (429) until the oldest of them is ``window`` seconds old. In-process: each
    ``hub serve`` process counts its own."""

    def __init__(self, limit: int = 5, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[str, deque[float]] = {}

    def wait(self, client: str, now: float | None = None) -> float:
        """Seconds until ``client`` may try again (0: now)."""
        at = time.monotonic() if now is None else now
        seen = self._seen.get(client)
        if not seen:
            return 0.0
        while seen and seen[0] <= at - self.window:
            seen.popleft()
        if len(seen) < self.limit:
            return 0.0
        return seen[0] + self.window - at

    def failed(self, client: str, now: float | None = None) -> None:
        if len(self._seen) > 10_000:
            self._seen.clear()
        self._seen.setdefault(client, deque()).append(time.monotonic() if now is None else now)
