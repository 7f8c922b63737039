"""Send one buyer mail over SMTP (aiosmtplib) and say what happened, in three words.

``HUB_SMTP_URL`` forms::

    smtp://user:pass@host:587             STARTTLS when the server offers it
    smtp://user:pass@host:587?starttls=1  STARTTLS required (refuse to send without it)
    smtp://host:25?starttls=0             plain, e.g. a relay on the same machine
    smtps://user:pass@host:465            implicit TLS
    ...&timeout=30                        seconds per SMTP step (default 30)

User and password are percent-decoded (``p%40ss`` for ``p@ss``). A password is never sent
over a connection without TLS unless the server is on loopback.

Outcomes (``SendResult.outcome``):

- ``accepted``: the server took the message (250 after DATA). Commit the sent marker now.
- ``permanent``: a 5xx answer to this message (MAIL FROM, RCPT TO or DATA), e.g. ``550 no
  such user``. The server's code and words are kept in ``reason``; never retry it.
- ``retriable``: everything else: a 4xx answer (``451 try later``), a refused or dropped
  connection, a timeout, a TLS failure, a login refused (``535``; a wrong password
  is the hub's problem, not this mail's, so it must not fail the mail for good). Retry with
  backoff; the job schedule parks it as dead after its last attempt.

``stage`` says where it ended (connect, auth, mail, rcpt, data, done). No error text, log
line or repr ever carries the password: ``SmtpSettings`` hides it and every reason passes
through ``_redact``.
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
import msgspec

Outcome = Literal["accepted", "permanent", "retriable"]
Stage = Literal["connect", "auth", "mail", "rcpt", "data", "done"]
TlsMode = Literal["starttls-if-offered", "starttls", "implicit", "none"]


class SmtpUrlError(ValueError):
    """``HUB_SMTP_URL`` cannot be read (the message never holds the password)."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: TlsMode
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0

    def redacted(self) -> str:
        """The URL for logs: ``smtp://user:***@host:587``."""
        scheme = "smtps" if self.tls == "implicit" else "smtp"
        auth = f"{self.username}:***@" if self.username else ""
        return f"{scheme}://{auth}{self.host}:{self.port}"


_TLS_FLAG = {"1": "starttls", "true": "starttls", "0": "none", "false": "none"}


def parse_smtp_url(url: str) -> SmtpSettings:
    """Read ``smtp://`` / ``smtps://`` URLs (see the module docstring)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise SmtpUrlError("HUB_SMTP_URL is not a valid URL (host or port)") from None
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise SmtpUrlError("HUB_SMTP_URL must look like smtp://user:pass@host:587 or smtps://...")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    tls: TlsMode = "implicit" if parts.scheme == "smtps" else "starttls-if-offered"
    if "starttls" in query:
        if parts.scheme == "smtps" or query["starttls"].lower() not in _TLS_FLAG:
            raise SmtpUrlError("starttls= takes 1 or 0, and only with smtp://")
        tls = _TLS_FLAG[query["starttls"].lower()]  # type: ignore[assignment]
    try:
        timeout = float(query.get("timeout", 30))
    except ValueError:
        raise SmtpUrlError("timeout= must be a number of seconds") from None
    return SmtpSettings(
        host=parts.hostname,
        port=port or (465 if tls == "implicit" else 587),
        tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        timeout=timeout,
    )


class SendResult(msgspec.Struct, frozen=True):
    outcome: Outcome
    stage: Stage
    code: int | None  # the server's reply code, when there was one
    reason: str  # the server's words, or what went wrong on the way

    @property
    def retriable(self) -> bool:
        return self.outcome == "retriable"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _redact(text: str, settings: SmtpSettings) -> str:
    if settings.password:
        text = text.replace(settings.password, "***")
    return text


def _from_response(
    exc: aiosmtplib.SMTPResponseException, stage: Stage, s: SmtpSettings
) -> SendResult:
    code = exc.code
    reason = _redact(f"{code} {exc.message}".strip(), s)
    permanent = 500 <= code < 600 and stage in ("mail", "rcpt", "data")
    return SendResult("permanent" if permanent else "retriable", stage, code, reason)


def _client(settings: SmtpSettings, tls_context: ssl.SSLContext | None) -> aiosmtplib.SMTP:
    start_tls = {"starttls-if-offered": None, "starttls": True, "implicit": False, "none": False}
    return aiosmtplib.SMTP(
        hostname=settings.host,
        port=settings.port,
        use_tls=settings.tls == "implicit",
        start_tls=start_tls[settings.tls],
        timeout=settings.timeout,
        tls_context=tls_context,
    )


async def _login(client: aiosmtplib.SMTP, settings: SmtpSettings) -> None:
    if settings.username is None:
        return
    encrypted = client.get_transport_info("sslcontext") is not None
    if not encrypted and not _is_loopback(settings.host):
        raise aiosmtplib.SMTPNotSupported(
            "the server offered no TLS; the password is not sent in clear text"
        )
    await client.login(settings.username, settings.password or "")


async def send_message(
    message: EmailMessage, settings: SmtpSettings, *, tls_context: ssl.SSLContext | None = None
) -> SendResult:
    """Send one mail on a fresh connection and classify the outcome; never raises for SMTP.

    The envelope comes from the From and To headers. ``tls_context`` replaces the system's
    trust store (tests, a private CA).
    """
    client = _client(settings, tls_context)
    stage: Stage = "connect"
    try:
        await client.connect()
        stage = "auth"
        await _login(client, settings)
        stage = "mail"
        _errors, reply = await client.send_message(message)
        stage = "done"
    except aiosmtplib.SMTPRecipientsRefused as exc:
        first = exc.recipients[0]
        return _from_response(first, "rcpt", settings)
    except aiosmtplib.SMTPSenderRefused as exc:
        return _from_response(exc, "mail", settings)
    except aiosmtplib.SMTPDataError as exc:
        return _from_response(exc, "data", settings)
    except aiosmtplib.SMTPResponseException as exc:
        return _from_response(exc, stage, settings)
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        text = _redact(str(exc) or type(exc).__name__, settings)
        return SendResult("retriable", stage, None, f"{type(exc).__name__}: {text}")
    finally:
        await _close(client)
    return SendResult("accepted", stage, 250, _redact(reply, settings))


async def _close(client: aiosmtplib.SMTP) -> None:
    if not client.is_connected:
        return
    try:
        await client.quit()
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        client.close()
