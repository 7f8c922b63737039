"""Login with Amazon (LWA) access tokens: a refresh_token grant, cached per connection.

Tokens last an hour (``expires_in``); one is reused until ``MARGIN`` seconds before it
expires, and dropped at once when the API refuses it. No token or secret ever goes into an
error message: failures name the endpoint path and the status only (``PartnerHttp``).
"""

from __future__ import annotations

import time

import msgspec

from connectors.amazon.settings import secrets
from hub.sdk import Clock, Connection, FatalError, PartnerHttp

MARGIN = 60.0  # seconds before expiry that a cached token is no longer used


class _TokenResponse(msgspec.Struct):
    access_token: str
    expires_in: float = 3600.0


class LwaTokens:
    """Access tokens per connection code, refreshed when due or when refused."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._cache: dict[str, tuple[str, float]] = {}

    async def token(
        self, connection: Connection, http: PartnerHttp, lwa_url: str
    ) -> tuple[str, bool]:
        """An access token, and whether it came from the cache (then it may have been
        revoked or have expired early: worth one refresh if the API refuses it)."""
        cached = self._cache.get(connection.code)
        if cached is not None and self._clock() < cached[1]:
            return cached[0], True
        return await self.refresh(connection, http, lwa_url), False

    async def refresh(self, connection: Connection, http: PartnerHttp, lwa_url: str) -> str:
        """A new access token from the LWA endpoint, cached."""
        self._cache.pop(connection.code, None)
        creds = secrets(connection)
        response = await http.post(
            lwa_url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": creds["refresh_token"],
                "client_id": creds["client_id"],
                "client_secret": creds["client_secret"],
            },
            headers={"accept": "application/json"},
        )
        try:
            token = msgspec.json.decode(response.content, type=_TokenResponse)
        except msgspec.MsgspecError:
            raise FatalError("amazon LWA: the token response is not understood") from None
        expires = self._clock() + max(0.0, token.expires_in - MARGIN)
        self._cache[connection.code] = (token.access_token, expires)
        return token.access_token

    def forget(self, connection: Connection) -> None:
        self._cache.pop(connection.code, None)
