"""Standard Webhooks signing, byte for byte, and the URL and address rules."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta, timezone

import pytest
from standardwebhooks import Webhook

from hub.subscriptions.delivery import event_body, new_secret, sign, webhook_headers
from hub.subscriptions.guard import UnsafeUrl, address_allowed, address_kind, check_url

# The example published with the Standard Webhooks reference libraries.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TS = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_published_example_signs_to_the_published_signature() -> None:
    assert sign(SPEC_ID, SPEC_TS, SPEC_BODY, [SPEC_SECRET]) == SPEC_SIG


def test_the_scheme_is_hmac_sha256_over_id_timestamp_body() -> None:
    key = base64.b64decode(SPEC_SECRET.removeprefix("whsec_"))
    mac = hmac.new(key, f"{SPEC_ID}.{SPEC_TS}.".encode() + SPEC_BODY, hashlib.sha256).digest()
    assert SPEC_SIG == "v1," + base64.b64encode(mac).decode()


def test_two_secrets_give_two_signatures_and_each_verifies() -> None:
    old, new = new_secret(), new_secret()
    body = event_body("order.created", datetime.now(UTC), {"id": "ord_1"})
    stamp = int(datetime.now(UTC).timestamp())
    headers = webhook_headers("msg_1", stamp, body, [new, old])
    assert headers["webhook-signature"].count("v1,") == 2
    for secret in (old, new):
        assert Webhook(secret).verify(body, headers)["data"] == {"id": "ord_1"}


def test_secrets_and_ids() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    assert new_secret() != secret
    with pytest.raises(ValueError):
        new_secret(8)
    for bad in ("", "msg.1", "msg 1\n", "méssage"):
        with pytest.raises(ValueError):
            sign(bad, SPEC_TS, SPEC_BODY, [SPEC_SECRET])
    with pytest.raises(ValueError):
        sign(SPEC_ID, SPEC_TS, SPEC_BODY, [])


def test_the_body_is_type_timestamp_data_in_utc() -> None:
    at = datetime(2025, 3, 14, 10, 22, 30, 123456, tzinfo=timezone(timedelta(hours=1)))
    assert event_body("tracking.updated", at, {"n": 1}) == (
        b'{"type":"tracking.updated","timestamp":"2025-03-14T09:22:30.123456Z","data":{"n":1}}'
    )


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("8.8.8.8", "public"),
        ("2606:4700::1111", "public"),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.0.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),  # noqa: S104
        ("100.64.0.1", "non-public"),
    ],
)
def test_address_kinds(address: str, kind: str) -> None:
    assert address_kind(address) == kind
    assert address_allowed(address, "public") is (kind == "public")
    assert address_allowed(address, "loopback") is (kind == "loopback")
    assert address_allowed(address, "private") is (kind not in ("multicast", "unspecified"))


def test_url_rules() -> None:
    assert check_url("https://hooks.example/x") == "public"
    assert check_url("https://hooks.example/x", allow_private=True) == "private"
    assert check_url("http://127.0.0.1:8080/x", allow_http_loopback=True) == "loopback"
    assert check_url("http://[::1]/x", allow_http_loopback=True) == "loopback"
    for url, kw in [
        ("http://127.0.0.1/x", {}),
        ("http://hooks.example/x", {"allow_http_loopback": True}),
        ("http://10.0.0.1/x", {"allow_http_loopback": True, "allow_private": True}),
        ("https://u:p@hooks.example/x", {}),
        ("https:///x", {}),
        ("gopher://hooks.example/", {}),
    ]:
        with pytest.raises(UnsafeUrl):
            check_url(url, **kw)  # type: ignore[arg-type]
