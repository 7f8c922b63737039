"""The console's buyer-mail pages show a recipient masked: enough to tell mails apart."""

from __future__ import annotations

from hub.console.pages.notifications import masked


def test_the_recipient_is_masked() -> None:
    assert masked("Jana Müller <jana@ex.org>") == "j***@ex.org"
    assert masked("grace@example.com") == "g***@example.com"
    assert masked(None) == "—" and masked("") == "—"
    assert masked("no address at all") == "***"
