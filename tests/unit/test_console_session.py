"""The console's session cookie, CSRF token and sign-in brake; payloads shown with their
credentials removed. Pure: no server, no database."""

from __future__ import annotations

import json

from hub.console.session import Brake, csrf_ok, csrf_token, new_session, sign, unsign
from hub.services.console.redact import HIDDEN, redacted

SECRET = b"s" * 32


def test_a_signed_session_reads_back_until_it_ends() -> None:
    session = new_session("ab" * 32, 3600, now=1000.0)
    cookie = sign(SECRET, session)
    assert unsign(SECRET, cookie, now=1001.0) == session
    assert unsign(SECRET, cookie, now=1000.0 + 3600) is None  # over
    assert "ab" * 32 not in cookie.split(".")[1]


def test_a_forged_or_mangled_cookie_is_no_session() -> None:
    cookie = sign(SECRET, new_session("ab" * 32, 3600, now=1000.0))
    payload, mac = cookie.split(".")
    assert unsign(b"t" * 32, cookie, now=1001.0) is None  # another secret
    longer = sign(SECRET, new_session("ab" * 32, 10**9, now=1000.0)).split(".")[0]
    assert unsign(SECRET, f"{longer}.{mac}", now=1001.0) is None  # a payload swapped in
    for broken in ("", "x", f"{payload}.", f"{payload}.{mac}.x", "a.b", None):
        assert unsign(SECRET, broken, now=1001.0) is None


def test_the_csrf_token_belongs_to_its_session() -> None:
    one, two = new_session("a", 60), new_session("a", 60)
    assert csrf_ok(SECRET, one, csrf_token(SECRET, one))
    assert not csrf_ok(SECRET, one, csrf_token(SECRET, two))
    assert not csrf_ok(SECRET, one, None) and not csrf_ok(SECRET, one, "")


def test_the_brake_stops_an_address_after_five_wrong_keys_for_a_minute() -> None:
    brake = Brake(limit=5, window=60.0)
    for i in range(5):
        assert brake.wait("10.0.0.1", now=100.0 + i) == 0
        brake.failed("10.0.0.1", now=100.0 + i)
    assert brake.wait("10.0.0.1", now=105.0) == 55.0
    assert brake.wait("10.0.0.2", now=105.0) == 0  # another address
    assert brake.wait("10.0.0.1", now=160.5) == 0  # the first wrong key is a minute old


def test_credentials_are_removed_from_a_payload() -> None:
    body = {"id": 7, "access_token": "tok", "customer": {"name": "Ada", "password": "pw"},
            "payment": [{"card_number": "4111", "amount": 5}], "Authorization": "Bearer x",
            "api_key": None}  # fmt: skip
    shown = json.loads(redacted(json.dumps(body).encode()))
    assert shown == {"id": 7, "access_token": HIDDEN,
                     "customer": {"name": "Ada", "password": HIDDEN},
                     "payment": [{"card_number": HIDDEN, "amount": 5}],
                     "Authorization": HIDDEN, "api_key": None}  # fmt: skip
    form = redacted(b"order=5&client_secret=abc&name=Ada")
    assert form == f"order=5&client_secret={HIDDEN}&name=Ada"
