"""The ``hub`` group: every command is found, ``hub --help`` lists them from ``COMMANDS``
without importing them, and each command loads only what it uses."""

from __future__ import annotations

import inspect
import subprocess
import sys

import click
import pytest

from hub.cli import COMMANDS, main


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_summary_is_the_commands_own_help(name: str) -> None:
    command = main.get_command(click.Context(main), name)
    assert command is not None and command.name == name
    assert name in main.commands and main.commands[name] is command
    first_paragraph = inspect.cleandoc(command.help or "").split("\n\n")[0].replace("\n", " ")
    assert COMMANDS[name].summary == first_paragraph


def test_the_group_knows_every_command_by_name() -> None:
    assert list(main.commands) == sorted(COMMANDS) == main.list_commands(click.Context(main))
    assert "no-such-command" not in main.commands


def loaded_after(*args: str) -> set[str]:
    """The modules a fresh interpreter has imported after running ``hub ARGS``."""
    code = (
        "import sys\nfrom hub.cli import main\n"
        f"try:\n    main({list(args)!r})\nexcept SystemExit:\n    pass\n"
        "print('\\n' + ' '.join(sorted(sys.modules)))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(run.stdout.splitlines()[-1].split())


def test_help_imports_no_command_and_no_database_layer() -> None:
    loaded = loaded_after("--help")
    assert not {m for m in loaded if m.startswith(("hub.cli.", "sqlalchemy", "hub.store"))}


def test_an_offline_command_loads_no_database_layer() -> None:
    loaded = loaded_after("mappings", "check")
    assert "hub.cli.mappings" in loaded and "hub.mapping" in loaded
    assert not {m for m in loaded if m.startswith(("sqlalchemy", "hub.store", "alembic"))}


def test_a_database_command_loads_neither_the_api_nor_the_worker() -> None:
    loaded = loaded_after("jobs", "--help")
    assert "hub.cli.jobs" in loaded and "hub.services.jobs" in loaded
    assert not {"hub.api.app", "hub.worker", "hub.bootstrap", "uvicorn"} & loaded
