"""Buyer mail over real SMTP: an aiosmtpd server on 127.0.0.1, started by each test.

Accepted mail is checked as the server received it (headers, both parts, the PDF, RFC 2047
subjects); 550 is permanent, 451 and a dropped connection are retriable; STARTTLS and
AUTH run against a certificate from a throwaway CA (trustme)."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from hub.notifications.message import Attachment, build_message, message_id
from hub.notifications.smtp import SmtpSettings, SmtpUrlError, parse_smtp_url, send_message
from hub.notifications.templates import RenderedMail

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PASSWORD = "s3cr3t-p@ss"


class Recorder:
    """Keeps what arrives; ``rcpt_reply``/``data_reply`` let a test make the server say no."""

    def __init__(self, rcpt_reply: str | None = None, drop_on_data: bool = False) -> None:
        self.rcpt_reply = rcpt_reply
        self.drop_on_data = drop_on_data
        self.messages: list[tuple[Envelope, Session]] = []

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        if self.drop_on_data:
            server.transport.close()
            return "250 OK"
        self.messages.append((envelope, session))
        return "250 2.0.0 queued as 42"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def smtp_server(handler: Recorder, **kwargs: Any) -> Iterator[int]:
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port(), **kwargs)
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


def _mail(subject: str = "Ihre Bestellung für Müller nach 東京") -> Any:
    return build_message(
        RenderedMail(
            subject,
            "Hallo Müller,\nIhr Paket ist unterwegs.\n",
            "<p>Hallo Müller,</p><p>Ihr Paket ist unterwegs.</p>",
        ),
        sender="Müller & Söhne <shop@shop.example>",
        to="Jana Müller <jana@example.org>",
        reply_to="help@shop.example",
        message_id=message_id("ord_1", "invoice_issued", None, "shop.example"),
        attachments=[Attachment("RE-2025-000042.pdf", PDF)],
    )


async def test_an_accepted_mail_arrives_whole() -> None:
    handler = Recorder()
    with smtp_server(handler) as port:
        result = await send_message(_mail(), parse_smtp_url(f"smtp://127.0.0.1:{port}"))
        again = await send_message(_mail(), parse_smtp_url(f"smtp://127.0.0.1:{port}"))
    assert (result.outcome, result.stage, result.code) == ("accepted", "done", 250)
    assert "queued as 42" in result.reason and again.outcome == "accepted"
    (envelope, _), (envelope2, _) = handler.messages
    assert envelope.mail_from == "shop@shop.example"
    assert envelope.rcpt_tos == ["jana@example.org"]
    raw = envelope.original_content or b""
    assert raw.isascii() and b"=?utf-8?" in raw.split(b"\r\n\r\n", 1)[0]
    got = message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=policy.default)
    assert got["Subject"] == "Ihre Bestellung für Müller nach 東京"
    assert got["From"].addresses[0].display_name == "Müller & Söhne"
    assert got["To"].addresses[0].addr_spec == "jana@example.org"
    assert got["Reply-To"] == "help@shop.example"
    assert got["Message-ID"] == message_id("ord_1", "invoice_issued", None, "shop.example")
    resent = message_from_bytes(envelope2.original_content or b"", policy=policy.default)
    assert resent["Message-ID"] == got["Message-ID"]  # a resend is the same mail
    assert got.get_body(("plain",)).get_content().startswith("Hallo Müller,")
    assert "<p>Hallo Müller,</p>" in got.get_body(("html",)).get_content()
    (pdf,) = list(got.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == "RE-2025-000042.pdf" and pdf.get_content() == PDF


@pytest.mark.parametrize("subject", ["Müller", "東京", "Plain ASCII"])
async def test_subjects_survive_the_wire(subject: str) -> None:
    handler = Recorder()
    with smtp_server(handler) as port:
        assert (
            await send_message(_mail(subject), parse_smtp_url(f"smtp://127.0.0.1:{port}"))
        ).outcome == "accepted"
    raw = handler.messages[0][0].original_content or b""
    (line,) = [h for h in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n") if h.startswith(b"Subject:")]
    assert (b"=?utf-8?" in line) is (not subject.isascii())
    assert message_from_bytes(raw, policy=policy.default)["Subject"] == subject


async def test_550_is_permanent_with_the_server_reason() -> None:
    with smtp_server(Recorder(rcpt_reply="550 5.1.1 <jana@example.org>: no such user")) as port:
        result = await send_message(_mail(), parse_smtp_url(f"smtp://127.0.0.1:{port}"))
    assert (result.outcome, result.stage, result.code) == ("permanent", "rcpt", 550)
    assert "no such user" in result.reason and not result.retriable


async def test_451_is_retriable() -> None:
    with smtp_server(Recorder(rcpt_reply="451 4.3.0 greylisted, try again later")) as port:
        result = await send_message(_mail(), parse_smtp_url(f"smtp://127.0.0.1:{port}"))
    assert (result.outcome, result.code) == ("retriable", 451)
    assert "greylisted" in result.reason and result.retriable


async def test_a_dropped_connection_is_retriable() -> None:
    with smtp_server(Recorder(drop_on_data=True)) as port:
        result = await send_message(_mail(), parse_smtp_url(f"smtp://127.0.0.1:{port}"))
    assert result.outcome == "retriable" and result.code is None, result


async def test_nobody_listening_is_retriable() -> None:
    result = await send_message(_mail(), parse_smtp_url(f"smtp://127.0.0.1:{_free_port()}"))
    assert (result.outcome, result.stage) == ("retriable", "connect")


# ------------------------------------------------------------------------- STARTTLS + AUTH


@pytest.fixture(scope="module")
def tls() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return server, client


def _authenticator(
    server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data == (b"shop", PASSWORD.encode())
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


async def test_starttls_and_login(tls: tuple[ssl.SSLContext, ssl.SSLContext]) -> None:
    server_ctx, client_ctx = tls
    handler = Recorder()
    url_password = PASSWORD.replace("@", "%40")
    with smtp_server(
        handler,
        tls_context=server_ctx,
        require_starttls=True,
        authenticator=_authenticator,
        auth_required=True,
    ) as port:
        settings = parse_smtp_url(f"smtp://shop:{url_password}@127.0.0.1:{port}?starttls=1")
        result = await send_message(_mail(), settings, tls_context=client_ctx)
    assert result.outcome == "accepted", result
    _, session = handler.messages[0]
    assert session.ssl is not None and session.authenticated


async def test_starttls_is_used_when_offered(tls: tuple[ssl.SSLContext, ssl.SSLContext]) -> None:
    server_ctx, client_ctx = tls
    handler = Recorder()
    with smtp_server(handler, tls_context=server_ctx) as port:
        result = await send_message(
            _mail(), parse_smtp_url(f"smtp://127.0.0.1:{port}"), tls_context=client_ctx
        )
    assert result.outcome == "accepted"
    assert handler.messages[0][1].ssl is not None


async def test_a_refused_login_is_retriable_and_never_shows_the_password(
    tls: tuple[ssl.SSLContext, ssl.SSLContext],
) -> None:
    server_ctx, client_ctx = tls
    with smtp_server(
        Recorder(), tls_context=server_ctx, authenticator=_authenticator, auth_required=True
    ) as port:
        settings = parse_smtp_url(
            f"smtp://shop:wrong-{PASSWORD.replace('@', '%40')}@127.0.0.1:{port}"
        )
        result = await send_message(_mail(), settings, tls_context=client_ctx)
    assert (result.outcome, result.stage, result.code) == ("retriable", "auth", 535)
    for text in (repr(result), str(result.reason), repr(settings), settings.redacted()):
        assert PASSWORD not in text and "wrong-" not in text


async def test_starttls_required_but_not_offered_is_retriable() -> None:
    with smtp_server(Recorder()) as port:
        result = await send_message(_mail(), parse_smtp_url(f"smtp://127.0.0.1:{port}?starttls=1"))
    assert (result.outcome, result.stage) == ("retriable", "connect")


# ------------------------------------------------------------------------------ the URL


def test_smtp_urls() -> None:
    s = parse_smtp_url("smtp://user%40shop:p%40ss@mail.example:2525?timeout=5")
    assert (s.host, s.port, s.tls, s.username, s.password, s.timeout) == (
        "mail.example",
        2525,
        "starttls-if-offered",
        "user@shop",
        "p@ss",
        5.0,
    )
    assert parse_smtp_url("smtp://mail.example").port == 587
    assert parse_smtp_url("smtp://mail.example?starttls=1").tls == "starttls"
    assert parse_smtp_url("smtp://localhost:25?starttls=0").tls == "none"
    implicit = parse_smtp_url("smtps://u:pw@mail.example")
    assert (implicit.tls, implicit.port) == ("implicit", 465)
    assert "pw" not in repr(implicit) and implicit.redacted() == "smtps://u:***@mail.example:465"
    assert isinstance(implicit, SmtpSettings)
    for bad in (
        "http://mail.example",
        "smtp://",
        "smtps://h?starttls=1",
        "smtp://h?timeout=x",
        "smtp://u:secretpw@h:notaport",
    ):
        with pytest.raises(SmtpUrlError) as caught:
            parse_smtp_url(bad)
        assert "secretpw" not in str(caught.value)
