"""Which database a command uses: ``hub --database``, else ``HUB_DATABASE_URL``, else
``./hub.db``, resolved once (a relative SQLite path against the current folder).

Light on purpose (no SQLAlchemy): ``hub`` with no arguments shows the database too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import click

from hub import config


class Chosen(NamedTuple):
    url: str  # normalised, a SQLite path made absolute
    source: str  # where it came from, for messages


def option_url(value: str) -> str:
    """``--database``: a URL, or the path of a SQLite file."""
    return value if "://" in value or value.startswith("sqlite:") else f"sqlite:///{value}"


def database_option() -> str | None:
    """The group's ``--database`` of the running command, if it was given."""
    ctx = click.get_current_context(silent=True)
    value = ctx.find_root().params.get("database") if ctx is not None else None
    return str(value) if value else None


def environment() -> tuple[dict[str, str], str]:
    """The environment settings are read from (``--database`` put in as HUB_DATABASE_URL),
    and where the database URL comes from."""
    env = dict(os.environ)
    given = database_option()
    if given is not None:
        env["HUB_DATABASE_URL"] = option_url(given)
        return env, "--database"
    if env.get("HUB_DATABASE_URL"):
        return env, "HUB_DATABASE_URL"
    return env, "the default, ./hub.db"


def chosen() -> Chosen:
    """The database the running command would use; ``ConfigError`` for a bad URL."""
    env, source = environment()
    url = env.get("HUB_DATABASE_URL") or config.DEFAULT_DATABASE_URL
    return Chosen(config.resolve_database_url(url), source)


def shown(url: str) -> str:
    """The database for a person: a SQLite file's path, or the URL without its password."""
    path = config.sqlite_file(url)
    if path is not None:
        return str(path)
    if url.startswith("sqlite"):
        return url
    scheme, _, rest = url.partition("://")
    auth, at, where = rest.rpartition("@")
    if at and ":" in auth:
        rest = f"{auth.split(':', 1)[0]}:***@{where}"
    return f"{scheme.split('+')[0]}://{rest}"


def missing_file(url: str) -> Path | None:
    """The SQLite file ``url`` names when it does not exist (connecting would create it)."""
    path = config.sqlite_file(url)
    return path if path is not None and not path.exists() else None
