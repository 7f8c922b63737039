"""Settings from the environment, and the identifiers the hub hands out."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from hub.config import ConfigError, load, sqlite_file
from hub.domain.ids import new_id, order_number, public_ref


def test_defaults_to_embedded_sqlite() -> None:
    assert load({}).database_url.startswith("sqlite+aiosqlite:///")


@pytest.mark.parametrize(
    ("given", "resolved"),
    [
        (None, "sqlite+aiosqlite:////srv/shop/hub.db"),  # the default, ./hub.db
        ("sqlite:///data/hub.db?timeout=5", "sqlite+aiosqlite:////srv/shop/data/hub.db?timeout=5"),
        ("sqlite:////var/hub.db", "sqlite+aiosqlite:////var/hub.db"),
        ("sqlite+aiosqlite:///:memory:", "sqlite+aiosqlite:///:memory:"),
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
    ],
)
def test_a_relative_sqlite_path_is_resolved_once_against_the_folder(
    given: str | None, resolved: str
) -> None:
    env = {} if given is None else {"HUB_DATABASE_URL": given}
    url = load(env, cwd=Path("/srv/shop")).database_url
    assert url == resolved
    assert load({"HUB_DATABASE_URL": url}, cwd=Path("/elsewhere")).database_url == url
    assert sqlite_file(url) == (
        None if "sqlite" not in url or ":memory:" in url else Path(resolved[20:].split("?")[0])
    )


def test_plain_urls_get_async_drivers() -> None:
    assert load({"HUB_DATABASE_URL": "postgresql://u@h/db"}).database_url == (
        "postgresql+asyncpg://u@h/db"
    )
    assert load({"HUB_DATABASE_URL": "sqlite:////tmp/x.db"}).database_url == (
        "sqlite+aiosqlite:////tmp/x.db"
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"HUB_DATABASE_URL": "mysql://x"}, "HUB_DATABASE_URL"),
        ({"HUB_JOB_MAX_ATTEMPTS": "many"}, "HUB_JOB_MAX_ATTEMPTS"),
        ({"HUB_JOB_LEASE_SECONDS": "0"}, "HUB_JOB_LEASE_SECONDS"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load(env)


def test_database_url_error_does_not_echo_credentials() -> None:
    with pytest.raises(ConfigError) as err:
        load({"HUB_DATABASE_URL": "mysql://user:s3cret@db/x"})
    assert "s3cret" not in str(err.value)


def test_public_refs_are_unguessable_and_readable() -> None:
    refs = {public_ref() for _ in range(5000)}
    assert len(refs) == 5000
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", r) for r in refs)


def test_ids_sort_by_creation() -> None:
    ids = [new_id() for _ in range(10_000)]
    assert ids == sorted(ids)  # in creation order ...
    assert len(set(ids)) == len(ids)  # ... strictly
    # The first 10 characters are the millisecond: many ids share one, and still sort.
    per_millisecond = Counter(i[:10] for i in ids)
    assert max(per_millisecond.values()) > 10
    assert order_number(100001) == "H-100001"


def test_numbers_are_read_from_their_text_and_must_be_positive() -> None:
    loaded = load({"HUB_WORKER_BATCH": " 16 ", "HUB_JOB_LEASE_SECONDS": "2.5"})
    assert (loaded.worker_batch, loaded.job_lease_seconds) == (16, 2.5)
    with pytest.raises(ConfigError, match=r"^HUB_WORKER_BATCH: must be greater than 0$"):
        load({"HUB_WORKER_BATCH": "-3"})
    with pytest.raises(ConfigError, match=r"^HUB_WORKER_BATCH: '1\.5' is not a int$"):
        load({"HUB_WORKER_BATCH": "1.5"})


def test_paths_and_plugins() -> None:
    loaded = load({"HUB_CONFIG": "hub.yaml", "HUB_ROUTING": "", "HUB_PLUGINS": "a, b,,"})
    assert (loaded.config_path, loaded.routing_path, loaded.plugins) == (
        "hub.yaml",
        None,
        ("a", "b"),
    )
