"""``hub subscriptions``: the merchant systems that receive signed webhooks, and their
deliveries. The same as ``/subscriptions`` over HTTP: the secret is printed once, when a
subscription is made or its secret rotated."""

from __future__ import annotations

from typing import Any

import click
import msgspec

from hub.cli._columns import echo_json, json_option, render, when
from hub.cli._common import load_settings, run
from hub.domain.webhooks import DeliveryStatus, EventType
from hub.services.subscriptions import manage
from hub.store.subscriptions import Delivery, Subscription


@click.group()
def subscriptions() -> None:
    """Outbound webhooks: subscriptions and their deliveries."""


def _shown(sub: Subscription) -> dict[str, Any]:
    """A subscription as the API shows it: never its secret."""
    return {
        "id": sub.id, "url": sub.url, "event_types": sub.event_types,
        "allow_private": sub.allow_private, "description": sub.description,
        "created_at": sub.created_at, "updated_at": sub.updated_at,
        "previous_secret_valid_until": sub.previous_until if sub.previous_secret else None,
    }  # fmt: skip


def _delivery(d: Delivery) -> dict[str, Any]:
    shown = msgspec.structs.asdict(d)
    shown["event"] = msgspec.json.decode(shown.pop("body"))
    shown["http_status"] = shown.pop("status_code")
    return shown


@subscriptions.command("list")
@click.option("--limit", default=100, show_default=True)
@json_option
def subscriptions_list(limit: int, as_json: bool) -> None:
    """List the subscriptions, oldest first; the event types under each."""
    items = run(load_settings(), lambda db: manage.list_all(db, after=None, limit=limit))
    if as_json:
        echo_json([_shown(s) for s in items])
        return
    rows = [[s.id, s.url, s.description or "", when(s.created_at)] for s in items]
    notes = [" ".join(s.event_types) for s in items]
    click.echo(render(["ID", "URL", "DESCRIPTION", "CREATED (UTC)"], rows, shrink=(1, 2),
                      notes=notes))  # fmt: skip


@subscriptions.command("create")
@click.argument("url")
@click.option("--event", "events", multiple=True, required=True,
              type=click.Choice([e.value for e in EventType]),
              help="An event type to receive; repeat for several.")  # fmt: skip
@click.option("--description", help="What the subscriber is, for the operator.")
@click.option("--allow-private", is_flag=True, help="May reach private addresses.")
@json_option
def subscriptions_create(
    url: str, events: tuple[str, ...], description: str | None, allow_private: bool, as_json: bool
) -> None:
    """Subscribe URL to event types; print its signing secret once (keep it)."""
    settings = load_settings(writes=True)
    sub = run(settings, lambda db: manage.create(
        db, url=url, event_types=events, allow_private=allow_private, description=description,
        allow_http_loopback=settings.webhook_allow_http_loopback,
    ))  # fmt: skip
    if as_json:
        echo_json(_shown(sub) | {"secret": sub.secret})
        return
    click.echo(f"subscription {sub.id}: {url}", err=True)
    click.echo(sub.secret)


@subscriptions.command("delete")
@click.argument("subscription_id")
def subscriptions_delete(subscription_id: str) -> None:
    """Delete a subscription: no new deliveries, those queued parked; history kept."""
    run(load_settings(writes=True), lambda db: manage.delete(db, subscription_id))
    click.echo(f"subscription {subscription_id} deleted")


@subscriptions.command("rotate-secret")
@click.argument("subscription_id")
@json_option
def subscriptions_rotate(subscription_id: str, as_json: bool) -> None:
    """Print a new signing secret once; the old one also signs for 24 h."""
    sub = run(load_settings(writes=True), lambda db: manage.rotate(db, subscription_id))
    if as_json:
        echo_json(_shown(sub) | {"secret": sub.secret})
        return
    click.echo(f"the old secret also signs until {when(sub.previous_until)} UTC", err=True)
    click.echo(sub.secret)


@subscriptions.command("deliveries")
@click.argument("subscription_id")
@click.option("--state", "states", multiple=True, help="Repeat for several.",
              type=click.Choice([s.value for s in DeliveryStatus]))  # fmt: skip
@click.option("--limit", default=100, show_default=True)
@json_option
def subscriptions_deliveries(
    subscription_id: str, states: tuple[str, ...], limit: int, as_json: bool
) -> None:
    """List a subscription's deliveries, oldest first; each last error under it."""
    items = run(load_settings(), lambda db: manage.deliveries(
        db, subscription_id, status=list(states) or None, after=None, limit=limit))  # fmt: skip
    if as_json:
        echo_json([_delivery(d) for d in items])
        return
    rows = [
        [d.id, d.event_type, d.status.value, str(d.attempts),
         str(d.status_code or ""), "" if d.response_ms is None else str(d.response_ms),
         when(d.delivered_at or d.updated_at)]
        for d in items
    ]  # fmt: skip
    headers = ["ID", "EVENT", "STATUS", "TRIES", "HTTP", "MS", "AT (UTC)"]
    click.echo(render(headers, rows, shrink=(1,), notes=[d.error for d in items]))


@subscriptions.command("replay")
@click.argument("subscription_id")
@click.argument("delivery_id", required=False)
@click.option("--failed", is_flag=True, help="Replay every failed (dead) delivery.")
def subscriptions_replay(subscription_id: str, delivery_id: str | None, failed: bool) -> None:
    """Send DELIVERY_ID again (same body and webhook-id), or --failed: every dead one."""
    if failed == (delivery_id is not None):
        raise click.UsageError("name one DELIVERY_ID, or --failed")
    settings = load_settings(writes=True)
    if delivery_id is not None:
        again = run(settings, lambda db: manage.replay_one(db, subscription_id, delivery_id))
        click.echo(f"delivery {again.id} queued again")
        return
    n = run(settings, lambda db: manage.replay_failed(db, subscription_id))
    click.echo(f"{n} failed deliveries queued again")
