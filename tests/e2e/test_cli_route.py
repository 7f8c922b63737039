"""``hub route simulate`` against a real database: a report, and one-line errors."""

from __future__ import annotations

from pathlib import Path

from hub.store.database import Database
from tests.e2e.test_cli_jobs import hub
from tests.integration.test_route_simulation import checksum, setup

RULES = """
rules:
  - name: us-west
    when: {country: [US], region: [CA]}
    strategy: {locations: [ca]}
  - name: europe
    when: {country: [DE]}
    strategy: {locations: [de], ship_complete: required}
"""


async def test_simulate_reports_per_rule_and_writes_nothing(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    await setup(db)
    rules = tmp_path / "routing.yaml"
    rules.write_text(RULES)
    before = await checksum(db)
    result = await hub(
        database_url,
        "route",
        "simulate",
        str(rules),
        "--since",
        "2025-05-01",
        "--until",
        "2025-05-04",
    )
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split()[1:] for line in result.output.splitlines() if line}
    # us-west: order 1 (A x1 from ca) routes; order 3 (a KIT of A and B) finds ca short of A.
    assert rows["us-west"][:4] == ["1", "0", "1", "ca"]
    # europe: order 4 takes both C at de; order 5 then finds none.
    assert rows["europe"][:4] == ["1", "0", "2", "de"]
    assert rows["unroutable"][0] == "4"
    assert "europe: no candidate location has C x1 (ship complete required)" in result.output
    assert await checksum(db) == before


async def test_simulate_names_a_bad_rules_file_and_a_bad_date(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    rules = tmp_path / "routing.yaml"
    rules.write_text("rules:\n  - name: x\n    strategy: {max_splits: 0}\n")
    result = await hub(database_url, "route", "simulate", str(rules), "--since", "2025-03-01")
    assert result.exit_code == 1
    assert "routing.yaml: rules[0] (x).strategy.max_splits" in result.output
    rules.write_text(RULES)
    result = await hub(database_url, "route", "simulate", str(rules), "--since", "yesterday")
    assert result.exit_code == 1
    assert "--since: 'yesterday' is not an ISO date" in result.output


def test_serve_and_worker_refuse_a_bad_rules_file_on_one_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from hub.cli import main

    rules = tmp_path / "routing.yaml"
    rules.write_text("rules:\n  - name: x\n    strategy: {split: maybe}\n")
    env = {"HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}", "HUB_ROUTING": str(rules)}
    for command in (["serve"], ["worker"]):
        result = CliRunner().invoke(main, command, env=env)
        assert result.exit_code == 1, result.output
        assert result.output.strip() == (
            f"Error: {rules}: rules[0] (x).strategy.split: expected true or false"
        )
    env["HUB_ROUTING"] = str(tmp_path / "missing.yaml")
    result = CliRunner().invoke(main, ["worker"], env=env)
    assert result.exit_code == 1
    assert "missing.yaml: No such file or directory" in result.output
