"""The contract's partner-call check: 429, 5xx and timeouts retried, other 4xx fatal at once,
a redirect never a success."""

from __future__ import annotations

import httpx
import respx

from hub.sdk import FatalError, PartnerHttp, RetriableError, UnexpectedAnswer
from hub.sdk.testing.secrets import exception_text
from hub.sdk.testing.subject import PartnerCall

#: put in partner answers' bodies and headers; must never reach an error text
PARTNER_MARKER = "partner-private-7f3a9c"
RETRIED_STATUSES = (429, 500, 502, 503, 504)
FATAL_STATUSES = (400, 401, 403, 404, 422)
#: attempts the check gives PartnerHttp
ATTEMPTS = 3


async def run_partner_call(
    partner: PartnerCall, failures: list[httpx.Response | type[httpx.TimeoutException]]
) -> tuple[object, int]:
    """Make the call once, the first answers at ``partner.url`` being ``failures``.

    Returns what the call returned or raised, and how many requests reached ``partner.url``.
    """
    seen = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal seen
        seen += 1
        if seen > len(failures):
            return partner.respond(request)
        failure = failures[seen - 1]
        if isinstance(failure, httpx.Response):
            return failure
        raise failure("timed out", request=request)

    async with respx.mock(assert_all_called=False) as router:
        router.route(method=partner.method, url__startswith=partner.url).mock(side_effect=answer)
        if partner.other_routes is not None:
            partner.other_routes(router)
        async with httpx.AsyncClient() as client:
            http = PartnerHttp(client, attempts=ATTEMPTS, max_wait=5.0, backoff=0.001)
            try:
                outcome: object = await partner.call(http)
            except Exception as exc:
                outcome = exc
    return outcome, seen


def failing(status: int) -> httpx.Response:
    """A partner's error answer with private data in its body and headers."""
    return httpx.Response(
        status,
        headers={"x-request-id": PARTNER_MARKER, "set-cookie": f"session={PARTNER_MARKER}"},
        json={"error": "nope", "customer": {"email": f"{PARTNER_MARKER}@example.com"}},
    )


def _assert_no_partner_data(exc: BaseException) -> None:
    text = exception_text(exc)
    assert PARTNER_MARKER not in text, f"an error carries the partner's body or headers:\n{text}"


async def check_partner_retries(partner: PartnerCall) -> None:
    """429, 5xx and timeouts are retried; other 4xx are fatal at once; a redirect is an
    ``UnexpectedAnswer`` (not retried in place, never a success); errors stay clean."""
    for failure in [*(failing(s) for s in RETRIED_STATUSES), httpx.ReadTimeout]:
        outcome, seen = await run_partner_call(partner, [failure])
        what = getattr(failure, "status_code", failure)
        assert not isinstance(outcome, BaseException), f"{what} then OK raised {outcome!r}"
        assert seen >= 2, f"{what} was not retried"
    for status in FATAL_STATUSES:
        outcome, seen = await run_partner_call(partner, [failing(status)])
        assert seen == 1, f"{status} was retried ({seen} requests)"
        assert isinstance(outcome, FatalError), f"{status} gave {outcome!r}, not a FatalError"
        _assert_no_partner_data(outcome)
    outcome, seen = await run_partner_call(partner, [failing(503) for _ in range(ATTEMPTS)])
    assert isinstance(outcome, RetriableError), f"503 every time gave {outcome!r}"
    assert seen == ATTEMPTS, f"{seen} requests for {ATTEMPTS} attempts"
    _assert_no_partner_data(outcome)
    redirect = httpx.Response(
        302, headers={"location": f"https://elsewhere.example/login?session={PARTNER_MARKER}"}
    )
    outcome, seen = await run_partner_call(partner, [redirect])
    assert isinstance(outcome, UnexpectedAnswer), f"a 302 gave {outcome!r}, not a failure"
    assert seen == 1, f"a 302 was retried in place ({seen} requests)"
    _assert_no_partner_data(outcome)
