"""The connector contract: the test suite every connector inherits (install ``hub[testing]``).

As ``singer_sdk.testing`` does for taps, this package lets any connector, built in or shipped
by a third party with pip, prove it keeps the hub's rules. A connector's
``tests/test_contract.py`` describes itself once, as a ``ContractSubject`` (the connector, a
``Connection`` with test secrets, sample documents, a signed sample webhook for webhook
connectors, a partner call for polling connectors), and inherits the suite::

    from hub.sdk.testing import ConnectorContract, ContractSubject, SignedSample

    class TestAcmeContract(ConnectorContract):
        subject = ContractSubject(connector=connector, connection=..., documents=[...])

The checks are also plain functions (``check_capabilities``, ``check_normalize``,
``check_webhook``, ``check_no_secret_leaks``, ``check_partner_retries``,
``check_return_reports``) for tests that want
one of them on other fixtures. The hub's own ``tests/unit/test_contract_all.py`` fails while a
discovered connector has no ``tests/test_contract.py`` with a ``ConnectorContract`` subclass
for it.

What is checked:

- capabilities: declared exactly when the matching ``hub.sdk`` protocol is implemented;
- normalize: deterministic and idempotent (the same documents twice give equal orders, one
  at a time the same as all at once), every order valid (``check``, UTC, the ``POST /orders``
  schema) and on the connection's channel; a bad document is a ``MappingError`` (quarantined)
  or gives valid orders, never another exception;
- webhooks: the signed sample verifies; one changed body byte, a missing or empty signature,
  and a wrong secret raise ``SignatureError``; ``describe`` gives a stable dedupe key;
- secrets: no secret value of the connection (nor a valid signature of a bad request) in
  ``repr(connection)``, in the text or traceback of any exception ``verify``, ``describe`` or
  ``normalize`` raise on bad input, nor in any log record they write;
- return reports (``report_returns``): each ``return_reports`` sample is a return topic and
  maps, the same twice, to valid ``ChannelReturn``/``ReportedRefund`` (a state and reason
  the hub knows, units, a positive refund); a bad body is a ``ValueError`` (quarantined);
- partner calls (respx): 429 and 5xx retried, timeouts retried, other 4xx fatal at once, and
  error texts without the partner's body or headers.

It imports only ``hub.sdk`` of the hub, and pytest and respx, which the product does not
need: without them the import fails and says to install ``hub[testing]``.
"""

try:
    import pytest  # noqa: F401
    import respx  # noqa: F401
except ImportError as exc:
    raise ImportError(
        f"hub.sdk.testing needs {exc.name or 'the test tools'}: install hub[testing]"
    ) from exc

from hub.sdk.testing.checks import (
    PROTOCOLS,
    check_bad_documents,
    check_capabilities,
    check_describe,
    check_normalize,
    check_order,
    check_webhook,
    flip_byte,
    is_channel,
)
from hub.sdk.testing.contract import ConnectorContract
from hub.sdk.testing.partner import (
    ATTEMPTS,
    FATAL_STATUSES,
    PARTNER_MARKER,
    RETRIED_STATUSES,
    check_partner_retries,
    failing,
    run_partner_call,
)
from hub.sdk.testing.returns import check_return_reports
from hub.sdk.testing.secrets import captured_logs, check_no_secret_leaks, exception_text
from hub.sdk.testing.subject import BAD_DOCUMENTS, ContractSubject, PartnerCall, SignedSample

__all__ = [
    "ATTEMPTS",
    "BAD_DOCUMENTS",
    "FATAL_STATUSES",
    "PARTNER_MARKER",
    "PROTOCOLS",
    "RETRIED_STATUSES",
    "ConnectorContract",
    "ContractSubject",
    "PartnerCall",
    "SignedSample",
    "captured_logs",
    "check_bad_documents",
    "check_capabilities",
    "check_describe",
    "check_no_secret_leaks",
    "check_normalize",
    "check_order",
    "check_partner_retries",
    "check_return_reports",
    "check_webhook",
    "exception_text",
    "failing",
    "flip_byte",
    "is_channel",
    "run_partner_call",
]
