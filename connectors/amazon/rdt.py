"""Restricted Data Tokens (Tokens API 2021-03-01): the buyer's name, street address and phone
of a merchant-fulfilled order come only to getOrders / getOrderItems called with one.

- ``POST /tokens/2021-03-01/restrictedDataToken`` (sent with the LWA token) with
  ``{"restrictedResources": [{"method", "path", "dataElements"}]}`` answers
  ``{"restrictedDataToken", "expiresIn"}`` (seconds; 3600). The RDT is then sent as
  ``x-amz-access-token`` to the operations it names, instead of the LWA token.
- One RDT for ``/orders/v0/orders`` covers the PII of every order getOrders lists; the generic
  path ``/orders/v0/orders/{orderId}/orderItems`` covers getOrderItems of any order, so one
  RDT serves a whole poll (not one per order).
- ``RdtCache`` keeps an RDT per (connection, resource set) until ``MARGIN`` seconds before it
  expires, and a refusal (the app lacks the PII role) for ``REFUSAL_SECONDS``, so that a
  connection without the role does not ask (and refresh its LWA token) on every page.

A token never goes into an error message or a repr.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import httpx
import msgspec

from connectors.amazon.ratelimit import Clock
from hub.sdk import FatalError

TOKENS_PATH = "/tokens/2021-03-01/restrictedDataToken"
ORDERS_PATH = "/orders/v0/orders"
#: a generic path: the RDT authorises getOrderItems for any order id
ITEMS_PATH = "/orders/v0/orders/{orderId}/orderItems"
MARGIN = 60.0  # seconds before expiry that a cached RDT is no longer used
REFUSAL_SECONDS = 600.0  # how long a refusal is believed before asking again
#: statuses of createRestrictedDataToken that mean "not for this app" (a missing role):
#: 400 InvalidInput "Application does not have access to one or more requested data
#: elements", 403 Unauthorized "Access to requested resource is denied"
REFUSALS = (400, 403)
#: the only data element an order item carries (gift wrap and customisation)
ITEM_ELEMENTS = ("buyerInfo",)


class RestrictedResource(msgspec.Struct, frozen=True):
    method: str
    path: str
    dataElements: tuple[str, ...]


Resources = tuple[RestrictedResource, ...]


def order_resources(data_elements: Sequence[str]) -> Resources:
    """The resources a poll reads PII through: getOrders with ``data_elements``, and
    getOrderItems (generic path) when buyerInfo is among them. None without elements."""
    if not data_elements:
        return ()
    resources = [RestrictedResource("GET", ORDERS_PATH, tuple(data_elements))]
    items = tuple(e for e in data_elements if e in ITEM_ELEMENTS)
    if items:
        resources.append(RestrictedResource("GET", ITEMS_PATH, items))
    return tuple(resources)


def covers(resources: Resources, path: str) -> bool:
    """Whether an RDT for ``resources`` authorises ``path`` (a template like ITEMS_PATH)."""
    return any(resource.path == path for resource in resources)


def request_body(resources: Resources) -> dict[str, object]:
    return {"restrictedResources": msgspec.to_builtins(list(resources))}


def refusal(resources: Resources, status: int | None) -> str:
    """Why PII is withheld when Amazon refuses the RDT: the role the app lacks, for the
    quarantine reason of a merchant-fulfilled order that came without its address."""
    elements = resources[0].dataElements
    text = (
        "the app lacks the Amazon PII role (Direct-to-Consumer Shipping): "
        f"createRestrictedDataToken for {', '.join(elements)} answered {status}"
    )
    if "buyerInfo" in elements:
        text += (
            " (buyerInfo also needs Tax Invoicing or Tax Remittance; settings.pii_data_elements:"
            " [shippingAddress] asks without it)"
        )
    return text


#: why PII is withheld when the connection asks for none
NOT_ASKED = "settings.pii_data_elements is empty: no Restricted Data Token was asked for"


class _Answer(msgspec.Struct):
    restrictedDataToken: str
    expiresIn: float | str = 3600.0  # an integer in the model; text in some SDKs


def parse(response: httpx.Response) -> tuple[str, float]:
    """The RDT and its lifetime in seconds; an answer that is not one is fatal (and clean)."""
    try:
        answer = msgspec.json.decode(response.content, type=_Answer)
        lifetime = float(answer.expiresIn)
    except (msgspec.MsgspecError, ValueError):
        raise FatalError(
            "amazon createRestrictedDataToken: the response is not understood"
        ) from None
    return answer.restrictedDataToken, lifetime


class Grant:
    """What the cache holds for a key: an RDT, or why there is none (``withheld``)."""

    __slots__ = ("token", "until", "withheld")

    def __init__(self, token: str | None, withheld: str | None, until: float) -> None:
        self.token = token
        self.withheld = withheld
        self.until = until

    def __repr__(self) -> str:  # never the token
        return f"Grant(token={'<hidden>' if self.token else None}, withheld={self.withheld!r})"


class RdtCache:
    """RDTs and refusals per (connection code, resource set), each until its time is up."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._grants: dict[tuple[str, Resources], Grant] = {}

    def get(self, connection: str, resources: Resources) -> Grant | None:
        grant = self._grants.get((connection, resources))
        if grant is None or self._clock() >= grant.until:
            return None
        return grant

    def keep(self, connection: str, resources: Resources, token: str, lifetime: float) -> Grant:
        until = self._clock() + max(0.0, lifetime - MARGIN)
        grant = self._grants[(connection, resources)] = Grant(token, None, until)
        return grant

    def refuse(self, connection: str, resources: Resources, withheld: str) -> Grant:
        until = self._clock() + REFUSAL_SECONDS
        grant = self._grants[(connection, resources)] = Grant(None, withheld, until)
        return grant

    def forget(self, connection: str, resources: Resources) -> None:
        self._grants.pop((connection, resources), None)
