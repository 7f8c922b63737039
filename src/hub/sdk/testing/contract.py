"""The suite class a connector's ``tests/test_contract.py`` inherits."""

from __future__ import annotations

from typing import ClassVar

import pytest

from hub.sdk import Capability
from hub.sdk.testing.checks import (
    check_bad_documents,
    check_capabilities,
    check_describe,
    check_normalize,
    check_webhook,
    is_channel,
)
from hub.sdk.testing.partner import check_partner_retries
from hub.sdk.testing.returns import check_return_reports
from hub.sdk.testing.secrets import check_no_secret_leaks
from hub.sdk.testing.subject import ContractSubject


class ConnectorContract:
    """The suite a connector's ``tests/test_contract.py`` inherits (as ``class Test...``).

    A warehouse or carrier connector (no ``normalize``) inherits it too: the order checks
    skip, the webhook checks run for ``receive_events`` as for ``receive_webhook``."""

    subject: ClassVar[ContractSubject]

    def _declares(self, capability: Capability) -> bool:
        return capability in self.subject.connector.capabilities

    def test_capabilities_match_the_protocols(self) -> None:
        check_capabilities(self.subject.connector)

    def _channel_only(self) -> None:
        if not is_channel(self.subject.connector):
            pytest.skip("not a sales channel: maps no orders")

    def _webhooks_only(self) -> None:
        if not self.subject.connector.capabilities & {
            Capability.RECEIVE_WEBHOOK,
            Capability.RECEIVE_EVENTS,
        }:
            pytest.skip("does not receive webhooks")

    def test_normalize_is_deterministic_and_gives_valid_orders(self) -> None:
        self._channel_only()
        check_normalize(self.subject)

    def test_a_bad_document_is_a_mapping_error(self) -> None:
        self._channel_only()
        check_bad_documents(self.subject)

    def test_no_secret_in_errors_logs_or_repr(self) -> None:
        check_no_secret_leaks(self.subject)

    def test_webhook_signature(self) -> None:
        self._webhooks_only()
        check_webhook(self.subject)

    def test_webhook_dedupe_key_is_stable(self) -> None:
        self._webhooks_only()
        check_describe(self.subject)

    @pytest.mark.asyncio
    async def test_partner_calls_retry_on_429_and_5xx_only(self) -> None:
        if self.subject.partner_call is None:
            assert not self._declares(Capability.POLL_ORDERS), (
                "a polling connector must supply a partner_call for the retry check"
            )
            pytest.skip("makes no partner call of its own")
        await check_partner_retries(self.subject.partner_call)

    @pytest.mark.asyncio
    async def test_return_reports_map_or_are_refused(self) -> None:
        if not self._declares(Capability.REPORT_RETURNS):
            pytest.skip("reports no returns")
        await check_return_reports(self.subject)
