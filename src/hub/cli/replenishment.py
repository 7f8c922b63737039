"""``hub replenishment``: what to reorder where, as a table or a CSV for purchasing, and its
inputs (suppliers' defaults, settings per SKU and location)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from hub.cli._common import console, load_settings, run
from hub.cli.db import migrate_embedded
from hub.services import replenishment
from hub.services.replenishment import Plan

DAYS = click.IntRange(0, 730)
LEVEL = click.FloatRange(0.5, 1.0, max_open=True)


@click.group("replenishment")
def replenishment_group() -> None:
    """Reorder suggestions per SKU and location, and their inputs."""


def _plan(location: str | None) -> Plan:
    settings = load_settings()
    migrate_embedded(settings)
    return run(settings, lambda db: replenishment.get_plan(db, location=location))


@replenishment_group.command("list")
@click.option("--location", help="Only this location.")
@click.option("--due", is_flag=True, help="Only what should be ordered now.")
def replenishment_list(location: str | None, due: bool) -> None:
    """Print the list, shortest days of cover first."""
    found = _plan(location)
    table = Table("sku", "location", "cover", "demand/day", "on hand", "on order", "ROP", "order")
    for ln in found.lines:
        if due and not ln.reorder_now:
            continue
        cover = "" if ln.days_of_cover is None else f"{ln.days_of_cover:.1f}"
        order = str(ln.quantity) if ln.reorder_now else ""
        table.add_row(
            ln.sku,
            ln.location,
            cover,
            f"{ln.demand_per_day:.2f}",
            str(ln.on_hand - ln.reserved),
            str(ln.on_order),
            str(ln.reorder_point),
            order,
        )
    console.print(table)
    if found.history_end is None:
        click.echo("no forecast run yet: demand is 0 until `hub forecast run`", err=True)


@replenishment_group.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--location", help="Only this location.")
@click.option("--all", "everything", is_flag=True, help="Every row, not only those to order now.")
def replenishment_export(path: Path, location: str | None, everything: bool) -> None:
    """Write the list as CSV for purchasing: by default what should be ordered now."""
    found = _plan(location)
    lines = [ln for ln in found.lines if everything or ln.reorder_now]
    path.write_text(replenishment.to_csv(lines), encoding="utf-8")
    click.echo(f"wrote {len(lines)} rows to {path}")


@replenishment_group.command("supplier")
@click.argument("code")
@click.option("--name", help="Default: the code.")
@click.option("--lead-time", "lead_time_days", type=DAYS, required=True, help="Days.")
@click.option("--review", "review_period_days", type=DAYS, required=True, help="Days.")
@click.option("--service-level", type=LEVEL, default=0.95, show_default=True)
def replenishment_supplier(code: str, name: str | None, **values: Any) -> None:
    """Create or replace a supplier and its default lead time, review period, service level."""
    settings = load_settings()
    migrate_embedded(settings)
    values["name"] = name or code
    run(settings, lambda db: replenishment.put_supplier(db, code, values))
    click.echo(f"supplier {code} stored")


@replenishment_group.command("set")
@click.argument("sku")
@click.option("--location", default="", help="Default: every location of the SKU.")
@click.option("--supplier")
@click.option("--lead-time", "lead_time_days", type=DAYS, help="Days.")
@click.option("--review", "review_period_days", type=DAYS, help="Days.")
@click.option("--service-level", type=LEVEL)
def replenishment_set(sku: str, location: str, **values: Any) -> None:
    """Set a SKU's supplier, lead time, review period or service level (at one location,
    or every one); what is left out falls back to the supplier, then the hub's default."""
    settings = load_settings()
    migrate_embedded(settings)
    row = {"sku": sku, "location": location, **values}
    run(settings, lambda db: replenishment.put_settings(db, [row]))
    click.echo(f"settings of {sku} at {location or 'every location'} stored")
