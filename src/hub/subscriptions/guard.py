"""Where a webhook may go: the URL rules and the address check made at connect time.

- URLs must be ``https``. Plain ``http`` is allowed only to a loopback host
  (``127.0.0.1``, ``::1``, ``localhost``) and only when the hub's setting allows it.
- A host name is resolved when a connection is opened, every address it resolves to is
  checked, and the connection goes to an address that passed: a name that resolves to a
  private, loopback, link-local, shared, reserved or multicast address is refused unless the
  subscription says ``allow_private``. Since the check and the connect use the same answer,
  DNS rebinding between them cannot get through. TLS still uses the host name (SNI and
  certificate check), and the Host header is the URL's.
- Keep-alive pools are kept apart per policy (public / private / loopback) and per origin:
  a connection opened for a subscription that allows private addresses is never reused by
  one that does not, and a subscriber that hangs holds only its own few connections.

``GuardedTransport`` is an ``httpx`` transport that does all of this; it replaces the
connection pool's network backend (httpx does not take one as a parameter), which the
tests cover so an httpx upgrade that changes it fails loudly.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Literal

import httpcore
import httpx

Policy = Literal["public", "private", "loopback"]
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
POLICY_EXTENSION = "hub_address_policy"
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "127.0.0.1", "::1"})


class UnsafeUrl(ValueError):
    """A webhook URL the hub refuses to call (scheme, host or credentials)."""


class UnsafeAddress(httpcore.ConnectError):
    """A host that resolves to an address the subscription may not reach."""


async def system_resolver(host: str, port: int) -> list[str]:
    """The machine's resolver (getaddrinfo), addresses in its order, duplicates removed."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    addr = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def address_kind(text: str) -> str:
    """``public``, or why not: ``loopback``, ``private``, ``link-local``, ``multicast`` ..."""
    addr = _ip(text)
    for kind in ("loopback", "link_local", "multicast", "unspecified", "private", "reserved"):
        if getattr(addr, f"is_{kind}"):
            return kind.replace("_", "-")
    return "public" if addr.is_global else "non-public"


def address_allowed(text: str, policy: Policy) -> bool:
    kind = address_kind(text)
    if policy == "loopback":
        return kind == "loopback"
    if policy == "private":
        return kind not in ("multicast", "unspecified")
    return kind == "public"


def check_url(
    url: str, *, allow_http_loopback: bool = False, allow_private: bool = False
) -> Policy:
    """The address policy for ``url``, or ``UnsafeUrl`` saying why it is refused."""
    try:
        u = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        raise UnsafeUrl("not a valid URL") from None
    if not u.host:
        raise UnsafeUrl("the URL has no host")
    if u.userinfo:
        raise UnsafeUrl("credentials in the URL are not allowed; the signature authenticates")
    if u.scheme == "https":
        return "private" if allow_private else "public"
    if u.scheme == "http":
        if not allow_http_loopback:
            raise UnsafeUrl("webhook URLs must be https")
        if u.host.lower() not in _LOOPBACK_NAMES:
            raise UnsafeUrl("plain http is allowed only to loopback (127.0.0.1, ::1, localhost)")
        return "loopback"
    raise UnsafeUrl("webhook URLs must be https")


async def resolve_checked(host: str, port: int, policy: Policy, resolver: Resolver) -> list[str]:
    """Every address ``host`` resolves to, if all of them are allowed under ``policy``."""
    try:
        addrs = [str(_ip(host))]
    except ValueError:
        try:
            addrs = list(await resolver(host, port))
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
    if not addrs:
        raise httpcore.ConnectError(f"{host} does not resolve")
    for addr in addrs:
        if not address_allowed(addr, policy):
            why = (
                "only loopback may be called over http"
                if policy == "loopback"
                else ("the subscription does not allow private addresses")
            )
            said = f"{host} is" if addr == host else f"{host} resolves to {addr},"
            raise UnsafeAddress(f"{said} a {address_kind(addr)} address; {why}")
    return addrs


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks, then connects to the checked address (see the module docstring)."""

    def __init__(self, policy: Policy, resolver: Resolver, inner: Any = None) -> None:
        self.policy = policy
        self.resolver = resolver
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addrs = await resolve_checked(host, port, self.policy, self.resolver)
        error: Exception | None = None
        for addr in addrs:
            try:
                return await self.inner.connect_tcp(
                    addr,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        raise UnsafeAddress("unix sockets are not webhook targets")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport with one small guarded keep-alive pool per (policy, origin).

    The policy of a request comes from its ``hub_address_policy`` extension; a request
    without one gets ``public`` (the strictest that still reaches the internet). Each
    subscriber's origin has its own pool of at most ``per_origin`` connections, so a
    subscriber that hangs can tie up only its own connections, never another's, and pool
    bookkeeping (which in httpcore grows with the connections in one pool) stays small.
    """

    def __init__(
        self,
        *,
        resolver: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
        per_origin: int = 8,
        keepalive_expiry: float = 30.0,
    ) -> None:
        self._resolver = resolver or system_resolver
        self._ctx = ssl_context or httpx.create_ssl_context(trust_env=False)
        self._per_origin = per_origin
        self._expiry = keepalive_expiry
        self._pools: dict[tuple[str, str, str, int | None], httpx.AsyncHTTPTransport] = {}

    def _pool(self, policy: Policy) -> httpx.AsyncHTTPTransport:
        transport = httpx.AsyncHTTPTransport(verify=self._ctx, trust_env=False)
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=self._ctx,
            max_connections=self._per_origin,
            max_keepalive_connections=self._per_origin,
            keepalive_expiry=self._expiry,
            network_backend=GuardedBackend(policy, self._resolver),  # type: ignore[arg-type]
        )
        return transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        policy = request.extensions.get(POLICY_EXTENSION, "public")
        if policy not in ("public", "private", "loopback"):
            raise ValueError(f"unknown address policy {policy!r}")
        url = request.url
        key = (policy, url.scheme, url.host, url.port)
        transport = self._pools.get(key)
        if transport is None:
            transport = self._pools[key] = self._pool(policy)
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for transport in pools:
            await transport.aclose()
