"""hub.sdk's Standard Webhooks verifier and signer, against the scheme's published vector.

The vector (secret, id, timestamp, payload, signature) is the one the Standard Webhooks
reference library's own test signs; the rest build deliveries with it and change one thing.
"""

from __future__ import annotations

import base64
import time

import pytest

from hub.sdk import (
    SignatureError,
    WebhookRequest,
    sign_standard_webhook,
    standard_webhook_headers,
    standard_webhook_key,
    verify_standard_webhook,
)

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
AT = 1614265330
PAYLOAD = b'{"test": 2432232314}'
SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
OTHER = "whsec_" + base64.b64encode(b"another-secret-of-24-byte").decode()


def delivery(
    body: bytes = PAYLOAD, *, signature: str = SIGNATURE, **headers: str | None
) -> WebhookRequest:
    given = {"webhook-id": MSG_ID, "webhook-timestamp": str(AT), "webhook-signature": signature}
    given.update({k.replace("_", "-"): v for k, v in headers.items() if v is not None})
    for name in [k.replace("_", "-") for k, v in headers.items() if v is None]:
        given.pop(name)
    return WebhookRequest(url="https://hub.example/webhooks/x", headers=given, body=body)


def test_signing_gives_the_published_signature() -> None:
    assert sign_standard_webhook(SECRET, MSG_ID, AT, PAYLOAD) == SIGNATURE
    bare = SECRET.removeprefix("whsec_")
    assert sign_standard_webhook(bare, MSG_ID, AT, PAYLOAD) == SIGNATURE  # prefix optional
    assert standard_webhook_key(SECRET) == base64.b64decode(bare)


def test_the_published_delivery_verifies_within_five_minutes_either_way() -> None:
    for now in (AT, AT + 300, AT - 300):
        verify_standard_webhook(delivery(), [SECRET], now=now)
    for now in (AT + 301, AT - 301):
        with pytest.raises(SignatureError, match="tolerance"):
            verify_standard_webhook(delivery(), [SECRET], now=now)


def test_the_tolerance_is_a_parameter_and_the_clock_defaults_to_now() -> None:
    verify_standard_webhook(delivery(), [SECRET], now=AT + 3600, tolerance=3600)
    with pytest.raises(SignatureError, match="tolerance"):
        verify_standard_webhook(delivery(), [SECRET])  # signed in 2021
    fresh = int(time.time())
    headers = standard_webhook_headers([SECRET], MSG_ID, fresh, PAYLOAD)
    verify_standard_webhook(
        WebhookRequest(url="https://hub.example/w", headers=headers, body=PAYLOAD), [SECRET]
    )


def test_the_reference_librarys_near_miss_is_refused() -> None:
    near = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="
    with pytest.raises(SignatureError, match="does not match"):
        verify_standard_webhook(delivery(signature=near), [SECRET], now=AT)


def test_a_changed_body_id_or_timestamp_is_refused() -> None:
    changed = [
        delivery(PAYLOAD.replace(b"4}", b"5}")),
        delivery(PAYLOAD + b" "),
        delivery(webhook_id="msg_other"),
        delivery(webhook_timestamp=str(AT + 1)),
    ]
    for request in changed:
        with pytest.raises(SignatureError):
            verify_standard_webhook(request, [SECRET], now=AT)


def test_a_wrong_secret_is_refused() -> None:
    with pytest.raises(SignatureError, match="does not match"):
        verify_standard_webhook(delivery(), [OTHER], now=AT)


@pytest.mark.parametrize("missing", ["webhook_id", "webhook_timestamp", "webhook_signature"])
def test_a_missing_header_is_refused(missing: str) -> None:
    with pytest.raises(SignatureError):
        verify_standard_webhook(delivery(**{missing: None}), [SECRET], now=AT)


@pytest.mark.parametrize("value", ["", "hello", f"{AT}.0", f"-{AT}", f" {AT}x", "١٦١٤٢٦٥٣٣٠"])
def test_a_timestamp_that_is_not_unix_seconds_is_refused(value: str) -> None:
    with pytest.raises(SignatureError, match="malformed"):
        verify_standard_webhook(delivery(webhook_timestamp=value), [SECRET], now=AT)


def test_any_v1_entry_of_the_list_may_match_and_only_v1() -> None:
    digest = SIGNATURE.removeprefix("v1,")
    listed = f"v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,{digest} {SIGNATURE} nocomma v1,"
    verify_standard_webhook(delivery(signature=listed), [SECRET], now=AT)
    for only_others in (f"v2,{digest}", f"v1a,{digest}", digest, f"v1={digest}", "v1, v1,,"):
        with pytest.raises(SignatureError):
            verify_standard_webhook(delivery(signature=only_others), [SECRET], now=AT)


def test_several_secrets_rotate_without_downtime() -> None:
    """The receiver keeps old and new; the sender signs with both, then with the new only."""
    for secrets in ([SECRET, OTHER], [OTHER, SECRET]):
        verify_standard_webhook(delivery(), secrets, now=AT)  # signed with one of them
    both = standard_webhook_headers([OTHER, SECRET], MSG_ID, AT, PAYLOAD)
    assert both["webhook-signature"].split() == [
        sign_standard_webhook(OTHER, MSG_ID, AT, PAYLOAD),
        SIGNATURE,
    ]
    request = WebhookRequest(url="https://hub.example/w", headers=both, body=PAYLOAD)
    verify_standard_webhook(request, [SECRET], now=AT)
    verify_standard_webhook(request, [OTHER], now=AT)
    with pytest.raises(SignatureError):
        verify_standard_webhook(delivery(), [OTHER], now=AT)  # the old one retired


def test_any_body_bytes_are_signed_as_they_are() -> None:
    body = b"\xff\xfe\x00 not utf-8"
    headers = standard_webhook_headers([SECRET], MSG_ID, AT, body)
    verify_standard_webhook(WebhookRequest(url="u", headers=headers, body=body), [SECRET], now=AT)


def test_a_secret_that_is_not_base64_is_a_signature_error_naming_no_value() -> None:
    for bad in ("whsec_not base64!", "whsec_%%%%"):
        with pytest.raises(SignatureError, match="not a whsec_") as raised:
            verify_standard_webhook(delivery(), [bad], now=AT)
        assert bad.removeprefix("whsec_") not in str(raised.value)
    with pytest.raises(SignatureError, match="empty"):
        verify_standard_webhook(delivery(), ["whsec_"], now=AT)
    with pytest.raises(SignatureError, match="no webhook secret"):
        verify_standard_webhook(delivery(), [], now=AT)
    with pytest.raises(ValueError, match="at least one secret"):
        standard_webhook_headers([], MSG_ID, AT, PAYLOAD)
