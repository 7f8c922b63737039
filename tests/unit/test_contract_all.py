"""Every connector runs the connector contract, and the contract catches what it claims to.

The first tests make the contract unavoidable: each connector that ``hub.plugins.discover()``
finds must have ``tests/test_contract.py`` in its folder with a ``Test...`` class that
inherits ``hub.sdk.testing.ConnectorContract`` with that connector as its subject, and each
connector package in ``connectors/`` must be discoverable. The rest break a working connector
(Shopify, on its own fixtures) one way at a time and show that the matching check fails.
"""

from __future__ import annotations

import importlib
import json
import uuid
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import msgspec
import pytest

from connectors.shopify.connector import ShopifyConnector
from hub.plugins import GROUP, discover
from hub.sdk import (
    Capability,
    Connection,
    FatalError,
    PartnerHttp,
    SignatureError,
    UnexpectedAnswer,
    WebhookInfo,
    WebhookRequest,
)
from hub.sdk.testing import (
    ConnectorContract,
    ContractSubject,
    PartnerCall,
    SignedSample,
    check_bad_documents,
    check_capabilities,
    check_describe,
    check_no_secret_leaks,
    check_normalize,
    check_partner_retries,
    check_webhook,
)

ROOT = Path(__file__).resolve().parents[2]
CONNECTORS = ROOT / "connectors"
SHOPIFY = CONNECTORS / "shopify" / "fixtures"
SIGNED: dict[str, Any] = json.loads((SHOPIFY / "orders_create.headers.json").read_bytes())
SECRET: str = SIGNED["secret"]
PARTNER = "https://partner.example/api/orders"


def connector_folder(name: str) -> Path:
    """The folder of the package a connector's entry point names."""
    module = importlib.import_module(entry_point(name).module)
    assert module.__file__ is not None
    return Path(module.__file__).resolve().parent


def entry_point(name: str) -> EntryPoint:
    (ep,) = [ep for ep in entry_points(group=GROUP) if ep.name == name]
    return ep


def contract_module(name: str) -> ModuleType | None:
    """The ``tests.test_contract`` module beside the connector's package, if it has one."""
    package = importlib.import_module(entry_point(name).module).__package__
    try:
        return importlib.import_module(f"{package}.tests.test_contract")
    except ModuleNotFoundError as exc:
        if exc.name is None or not f"{package}.tests.test_contract".startswith(exc.name):
            raise  # the module exists but imports something missing: show that
        return None


def suites_for(module: ModuleType, connector: Any) -> list[type[ConnectorContract]]:
    """The classes in ``module`` pytest collects that run the contract on ``connector``.

    ``connector`` is what the entry point names: the connector object (its subject's
    connector must be it, or another instance of its class) or a class (an instance of it).
    """
    found = []
    for name, value in vars(module).items():
        if not (
            name.startswith("Test")
            and isinstance(value, type)
            and issubclass(value, ConnectorContract)
            and value is not ConnectorContract
        ):
            continue
        subject = getattr(value, "subject", None)
        if not isinstance(subject, ContractSubject):
            continue
        given = subject.connector
        if isinstance(connector, type):
            tests_it = isinstance(given, connector)
        else:
            tests_it = given is connector or type(given) is type(connector)
        if tests_it:
            found.append(value)
    return found


def test_every_discovered_connector_runs_the_contract() -> None:
    missing = []
    for name, connector in sorted(discover().items()):
        module = contract_module(name)
        if module is None or not suites_for(module, connector):
            test = connector_folder(name) / "tests" / "test_contract.py"
            missing.append(
                f"{name} ({test.relative_to(ROOT) if test.is_relative_to(ROOT) else test})"
            )
    assert not missing, (
        "connectors without a tests/test_contract.py whose Test class inherits "
        "hub.sdk.testing.ConnectorContract with that connector as its subject: "
        + ", ".join(missing)
    )


def test_the_subclass_check_wants_a_suite_on_the_connector_itself() -> None:
    shopify = ShopifyConnector()
    on = subject  # the Shopify fixtures with the connector given

    def module(**members: Any) -> ModuleType:
        made = ModuleType("fake_test_contract")
        vars(made).update(members)
        return made

    class TestOnShopify(ConnectorContract):
        subject = on(shopify)

    class TestOnAnother(ConnectorContract):
        subject = on(object())

    class NotCollected(ConnectorContract):  # pytest collects Test* classes only
        subject = on(shopify)

    class TestWithoutSubject(ConnectorContract):
        pass

    class TestNotTheSuite:  # the same tests copied, not inherited
        subject = on(shopify)

    assert suites_for(module(TestOnShopify=TestOnShopify), shopify) == [TestOnShopify]
    assert suites_for(module(TestOnShopify=TestOnShopify), ShopifyConnector) == [TestOnShopify]
    assert suites_for(module(TestOnShopify=TestOnShopify), ShopifyConnector()) == [TestOnShopify]
    for lacking in (
        module(),
        module(ConnectorContract=ConnectorContract),
        module(TestOnAnother=TestOnAnother),
        module(NotCollected=NotCollected),
        module(TestWithoutSubject=TestWithoutSubject),
        module(TestNotTheSuite=TestNotTheSuite),
    ):
        assert suites_for(lacking, shopify) == []


def test_every_connector_package_is_discoverable() -> None:
    discovered = {connector_folder(name) for name in discover()}
    packages = sorted(p.parent for p in CONNECTORS.glob("*/__init__.py"))
    unregistered = [p.name for p in packages if p.resolve() not in discovered]
    assert not unregistered, (
        f"connector packages with no {GROUP!r} entry point in pyproject.toml (so the contract "
        f"check above cannot see them; reinstall after adding it): {', '.join(unregistered)}"
    )


# --------------------------------------------------------------------------- the checks bite


def subject(connector: Any) -> ContractSubject:
    """The Shopify fixtures, with ``connector`` in place of the real one."""
    body = (SHOPIFY / "orders_create.json").read_bytes()
    return ContractSubject(
        connector=connector,
        connection=Connection(
            code="shopify-eu", connector="shopify", secrets={"webhook_secret": SECRET}
        ),
        documents=[body, (SHOPIFY / "orders_cancelled.json").read_bytes()],
        webhook=SignedSample(
            request=WebhookRequest(
                url="https://oms.example.com/webhooks/shopify-eu",
                headers={k.lower(): v for k, v in SIGNED["headers"].items()},
                body=body,
            ),
            signature_header="X-Shopify-Hmac-Sha256",
        ),
    )


def test_the_real_shopify_connector_passes_every_check() -> None:
    good = subject(ShopifyConnector())
    check_capabilities(good.connector)
    check_normalize(good)
    check_bad_documents(good)
    check_webhook(good)
    check_describe(good)
    check_no_secret_leaks(good)


def test_a_capability_declared_but_not_implemented_fails() -> None:
    class ClaimsToPoll(ShopifyConnector):
        capabilities = frozenset({Capability.RECEIVE_WEBHOOK, Capability.POLL_ORDERS})

    with pytest.raises(AssertionError, match="declares poll_orders"):
        check_capabilities(ClaimsToPoll())


def test_a_protocol_implemented_but_not_declared_fails() -> None:
    class Undeclared(ShopifyConnector):
        capabilities = frozenset()

    with pytest.raises(AssertionError, match="does not declare receive_webhook"):
        check_capabilities(Undeclared())


def test_an_order_that_changes_from_run_to_run_fails() -> None:
    class Stamps(ShopifyConnector):
        def normalize(self, documents: list[bytes], **kw: Any) -> Any:
            return [
                msgspec.structs.replace(
                    r, order=msgspec.structs.replace(r.order, note=uuid.uuid4().hex)
                )
                for r in super().normalize(documents, **kw)
            ]

    with pytest.raises(AssertionError, match="second time"):
        check_normalize(subject(Stamps()))


def test_an_order_on_another_channel_fails() -> None:
    class WrongChannel(ShopifyConnector):
        def normalize(self, documents: list[bytes], **kw: Any) -> Any:
            return super().normalize(documents, **{**kw, "channel": "shopify"})

    with pytest.raises(AssertionError, match="channel 'shopify'"):
        check_normalize(subject(WrongChannel()))


def test_a_bad_document_that_is_not_a_mapping_error_fails() -> None:
    class Careless(ShopifyConnector):
        def normalize(self, documents: list[bytes], **kw: Any) -> Any:
            if not documents[0].startswith(b"{"):
                raise KeyError("id")
            return super().normalize(documents, **kw)

    with pytest.raises(AssertionError, match="raised KeyError, not MappingError"):
        check_bad_documents(subject(Careless()))


def test_a_verify_that_accepts_anything_fails() -> None:
    class Trusting(ShopifyConnector):
        def verify(self, connection: Connection, request: WebhookRequest) -> None:
            return None

    with pytest.raises(pytest.fail.Exception, match="DID NOT RAISE"):
        check_webhook(subject(Trusting()))


def test_a_dedupe_key_that_changes_fails() -> None:
    class Fresh(ShopifyConnector):
        def describe(self, connection: Connection, request: WebhookRequest) -> WebhookInfo:
            return WebhookInfo(dedupe_key=uuid.uuid4().hex, topic="orders/create")

    with pytest.raises(AssertionError):
        check_describe(subject(Fresh()))


def test_a_secret_in_an_error_fails() -> None:
    class Chatty(ShopifyConnector):
        def verify(self, connection: Connection, request: WebhookRequest) -> None:
            try:
                super().verify(connection, request)
            except SignatureError:
                raise SignatureError(f"bad signature (key {connection.secrets})") from None

    with pytest.raises(AssertionError, match="verify's error shows a secret"):
        check_no_secret_leaks(subject(Chatty()))


def test_the_expected_signature_in_an_error_fails() -> None:
    class Helpful(ShopifyConnector):
        def verify(self, connection: Connection, request: WebhookRequest) -> None:
            from hub.sdk import hmac_sha256_base64

            expected = hmac_sha256_base64(connection.secret("webhook_secret"), request.body)
            if request.header("X-Shopify-Hmac-Sha256") != expected:
                raise SignatureError(f"expected {expected}")

    with pytest.raises(AssertionError, match="valid signature"):
        check_no_secret_leaks(subject(Helpful()))


def test_a_secret_in_a_log_line_fails() -> None:
    import logging

    class Logs(ShopifyConnector):
        def normalize(self, documents: list[bytes], **kw: Any) -> Any:
            logging.getLogger("connectors.test").debug("using %s", SECRET)
            return super().normalize(documents, **kw)

    with pytest.raises(AssertionError, match="a log line shows a secret"):
        check_no_secret_leaks(subject(Logs()))


# --------------------------------------------------------------------------- partner calls


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"orders": []})


async def fetch(http: PartnerHttp) -> Any:
    return (await http.get(PARTNER, params={"since": "2025-03-14T00:00:00Z"})).json()


async def test_a_call_through_partner_http_passes_the_retry_check() -> None:
    await check_partner_retries(PartnerCall(call=fetch, url=PARTNER, respond=ok))


async def test_a_call_that_swallows_fatal_errors_fails_the_retry_check() -> None:
    async def forgiving(http: PartnerHttp) -> Any:
        try:
            return await fetch(http)
        except FatalError:
            return {"orders": []}

    with pytest.raises(AssertionError, match="not a FatalError"):
        await check_partner_retries(PartnerCall(call=forgiving, url=PARTNER, respond=ok))


async def test_a_call_that_takes_a_redirect_for_success_fails_the_retry_check() -> None:
    async def lenient(http: PartnerHttp) -> Any:
        try:
            return await fetch(http)
        except UnexpectedAnswer:
            return {"orders": []}

    with pytest.raises(AssertionError, match="a 302 gave"):
        await check_partner_retries(PartnerCall(call=lenient, url=PARTNER, respond=ok))


async def test_a_call_that_retries_on_its_own_fails_the_retry_check() -> None:
    async def stubborn(http: PartnerHttp) -> Any:
        for _ in range(3):
            try:
                return await fetch(http)
            except FatalError:
                continue
        raise FatalError("gave up")

    with pytest.raises(AssertionError, match="was retried"):
        await check_partner_retries(PartnerCall(call=stubborn, url=PARTNER, respond=ok))


async def test_a_call_that_bypasses_partner_http_fails_the_retry_check() -> None:
    async def raw(http: PartnerHttp) -> Any:
        response = await http.client.get(PARTNER)
        response.raise_for_status()
        return response.json()

    with pytest.raises(AssertionError):
        await check_partner_retries(PartnerCall(call=raw, url=PARTNER, respond=ok))


async def test_an_error_that_quotes_the_partner_fails_the_retry_check() -> None:
    async def quoting(http: PartnerHttp) -> Any:
        try:
            response = await http.client.get(PARTNER)
        except httpx.TimeoutException:
            return await fetch(http)
        if 400 <= response.status_code < 500 and response.status_code != 429:
            raise FatalError(f"partner answered {response.status_code}: {response.text}")
        return await fetch(http)  # 429 and 5xx: asked again, through PartnerHttp

    with pytest.raises(AssertionError, match="partner's body or headers"):
        await check_partner_retries(PartnerCall(call=quoting, url=PARTNER, respond=ok))
