"""The contract's secrets check: no secret in repr, in an error or in a log line."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from hub.sdk import SignatureError, WebhookRequest, hmac_sha256_base64, hmac_sha256_hex
from hub.sdk.testing.checks import flip_byte, is_channel, normalize_documents, with_changes
from hub.sdk.testing.subject import ContractSubject, SignedSample


@contextmanager
def captured_logs() -> Iterator[list[str]]:
    """Every log record (DEBUG and up) written inside the block, formatted with tracebacks."""
    lines: list[str] = []

    class _Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = _Keep(logging.DEBUG)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def exception_text(exc: BaseException) -> str:
    """What a log line could show of ``exc``: the message, repr and args of it and its chain."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += [*traceback.format_exception_only(current), repr(current), repr(current.args)]
        current = current.__cause__ or current.__context__
    return "".join(parts)


def _signatures(secrets: list[str], body: bytes) -> list[str]:
    """Valid signatures of ``body`` in the usual encodings: an error must not tell them."""
    return [f(s, body) for s in secrets for f in (hmac_sha256_base64, hmac_sha256_hex)]


def _bad_requests(sample: SignedSample, secrets: list[str]) -> list[WebhookRequest]:
    request, header = sample.request, sample.signature_header
    bad = [
        with_changes(request, body=flip_byte(request.body, len(request.body) // 2)),
        with_changes(request, **{header: None}),
        with_changes(request, **{header: ""}),
        with_changes(request, **{header: "sha256=0000"}),
        with_changes(request, body=b"\x00\xff not json"),
        WebhookRequest(url=request.url, headers={}, body=b""),
    ]
    bad += [with_changes(request, body=request.body + b"\n", **{header: s}) for s in secrets]
    return bad


def _assert_clean(where: str, text: str, forbidden: list[str]) -> None:
    for value in forbidden:
        assert value not in text, f"{where} shows a secret or a valid signature:\n{text}"


def check_no_secret_leaks(subject: ContractSubject) -> None:
    """No secret in repr(connection), nor in exceptions or log lines on bad input."""
    conn = subject.connection
    secrets = [v for v in conn.secrets.values() if v]
    for text in (repr(conn), str(conn)):
        _assert_clean("repr(connection)", text, secrets)
    with captured_logs() as logs:
        if subject.webhook is not None:
            for request in _bad_requests(subject.webhook, secrets):
                forbidden = [*secrets, *_signatures(secrets, request.body)]
                with pytest.raises(SignatureError) as raised:
                    subject.connector.verify(conn, request)
                _assert_clean("verify's error", exception_text(raised.value), forbidden)
                try:
                    subject.connector.describe(conn, request)
                except Exception as exc:
                    _assert_clean("describe's error", exception_text(exc), forbidden)
        for document in subject.bad_documents if is_channel(subject.connector) else ():
            try:
                normalize_documents(subject, [document])
            except Exception as exc:
                _assert_clean("normalize's error", exception_text(exc), secrets)
    _assert_clean("a log line", "\n".join(logs), secrets)
