"""The database a ``hub`` command uses is never a surprise: resolved once (``./hub.db``
against the folder the command runs in), named on stderr by the commands that write,
overridden by ``HUB_DATABASE_URL`` or ``hub --database``, and never made anew by a command
other than ``hub serve``, ``hub worker`` or ``hub db upgrade``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hub.cli import main
from tests.conftest import PAYLOADS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with no hub database, the current one, with no HUB_DATABASE_URL set."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    return folder


def hub(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env={"COLUMNS": "80", **(env or {})})


@pytest.mark.parametrize(
    "command",
    [
        ["import", str(PAYLOADS / "import_orders.csv")],
        ["keys", "create", "--name", "me", "--scope", "admin"],
        ["keys", "list"],
        ["jobs", "list"],
        ["inbound", "list"],
        ["stock", "show", "TEE"],
        ["catalog", "import", str(PAYLOADS / "import_skus.csv")],
    ],
)
def test_a_command_run_elsewhere_refuses_and_names_the_file_it_looked_for(
    elsewhere: Path, command: list[str]
) -> None:
    result = hub(*command)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    expected = elsewhere / "hub.db"
    assert result.stderr.splitlines() == [
        f"Error: no hub database at {expected} (the default, ./hub.db): run this where the hub "
        "keeps it, name it with --database or HUB_DATABASE_URL, or start a hub here with "
        "`hub serve`"
    ]
    assert list(elsewhere.iterdir()) == []  # nothing was created


def test_db_upgrade_creates_the_database_and_writes_name_it_once(elsewhere: Path) -> None:
    made = hub("db", "upgrade")
    assert made.exit_code == 0, made.output
    assert made.stderr == f"database: {elsewhere / 'hub.db'}\n"
    assert (elsewhere / "hub.db").exists()

    created = hub("keys", "create", "--name", "me", "--scope", "admin")
    assert created.exit_code == 0, created.output
    assert created.stdout.startswith("hub_") and len(created.stdout.splitlines()) == 1
    assert created.stderr == f"database: {elsewhere / 'hub.db'}\n"

    listed = hub("keys", "list")  # reading names nothing
    assert listed.exit_code == 0 and listed.stderr == ""
    assert "me" in listed.stdout


def test_the_option_overrides_the_variable_and_a_relative_path_is_resolved_once(
    elsewhere: Path, tmp_path: Path
) -> None:
    real = tmp_path / "real"
    real.mkdir()
    assert hub("--database", str(real / "hub.db"), "db", "upgrade").exit_code == 0
    wrong = {"HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'nowhere.db'}"}

    refused = hub("keys", "create", "--name", "a", "--scope", "admin", env=wrong)
    assert refused.exit_code == 1
    assert f"no hub database at {tmp_path / 'nowhere.db'} (HUB_DATABASE_URL)" in refused.stderr

    # --database wins over HUB_DATABASE_URL; a relative path is taken from the current folder
    relative = Path("..") / "real" / "hub.db"
    made = hub("--database", str(relative), "keys", "create", "--name", "a", "--scope", "admin",
               env=wrong)  # fmt: skip
    assert made.exit_code == 0, made.output
    assert made.stderr == f"database: {elsewhere / relative}\n"
    url = {"HUB_DATABASE_URL": f"sqlite:///{real / 'hub.db'}"}
    assert "a " in hub("keys", "list", env=url).stdout
    assert not (tmp_path / "nowhere.db").exists()


def test_a_postgresql_url_is_named_without_its_password(postgres_url: str) -> None:
    url = postgres_url.replace("postgres@", "postgres:s3cret@")  # trust auth ignores it
    made = hub("--database", url, "keys", "create", "--name", "pg", "--scope", "admin")
    assert made.exit_code == 0, made.output
    assert made.stderr.startswith("database: postgresql://postgres:***@127.0.0.1")
    assert "s3cret" not in made.stderr


def test_hub_alone_prints_where_to_start_in_80_columns(elsewhere: Path) -> None:
    result = hub()
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "hub serve" in text and "hub keys create --name me --scope admin" in text
    assert "README.md#a-quick-tour" in text
    assert "## A quick tour" in (ROOT / "README.md").read_text()  # the anchor exists
    where = "The database (the default, ./hub.db; not created yet):"
    assert f"{where}\n  {elsewhere / 'hub.db'}\n" in text
    path = f"  {elsewhere / 'hub.db'}"
    assert max(len(line) for line in text.splitlines() if line != path) <= 80
    assert list(elsewhere.iterdir()) == []


def test_hub_alone_loads_no_database_layer() -> None:
    code = (
        "import sys\nfrom hub.cli import main\n"
        "try:\n    main([])\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(run.stdout.splitlines()[-1].split())
    assert not {m for m in loaded if m.startswith(("sqlalchemy", "hub.store", "alembic"))}
