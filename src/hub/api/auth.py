"""Bearer API keys: the middleware that resolves them and the guards that check scopes.

What each scope may call is decided in ``hub.domain.scopes``; a guard only asks whether
the key may call the route at all. Handlers whose data belongs to a channel (orders,
fulfilments, a channel's available to sell) then narrow what they read with
``Principal.channels(scope)``: another channel's record answers 404, as if it did not exist.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from hub.errors import Forbidden
from hub.services.keys import KeyRefused, Principal

#: no bearer key here; ``/console`` signs in with a key for a session cookie (hub.console)
PUBLIC_PATHS = ["^/health$", "^/ready$", "^/schema", "^/webhooks/", "^/track/", "^/console"]


class BearerKeyMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException("send an API key as 'Authorization: Bearer <key>'")
        try:
            principal = await connection.app.state.hub.keys.authenticate(token.strip())
        except KeyRefused as refused:
            raise NotAuthorizedException(str(refused)) from None
        return AuthenticationResult(user=principal, auth=None)


def requires(scope: str, *, every_channel: bool = False) -> Any:
    """A guard: the caller's key must grant ``scope`` (for at least its own channel; with
    ``every_channel``, for every channel's records: a channel's own key is refused).

    ``OPTIONS`` passes: the authentication middleware does not run for it (it only answers
    which methods a path has), so there is no key to check.
    """

    # async on purpose: litestar runs a sync guard in a thread pool, a hop on every request
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if "user" not in connection.scope:  # a method the middleware lets through unread
            if connection.scope.get("method") == "OPTIONS":
                return  # litestar answers it: 204 with Allow, nothing else
            raise NotAuthorizedException("send an API key as 'Authorization: Bearer <key>'")
        principal: Principal = connection.user
        if not principal.allows(scope) or (every_channel and not principal.every_channel(scope)):
            raise Forbidden(f"the key {principal.name!r} lacks the {scope!r} scope")

    return guard
