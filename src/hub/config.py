"""Settings from the environment (``HUB_*``), validated at start; errors name the variable."""

from __future__ import annotations

import os
from collections.abc import Mapping

import msgspec

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///hub.db"


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the variable."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str = DEFAULT_DATABASE_URL
    config_path: str | None = None  # HUB_CONFIG: the connections file
    routing_path: str | None = None  # HUB_ROUTING: the routing rules file (domain/routing)
    job_lease_seconds: float = 60.0
    job_max_attempts: int = 8
    job_backoff_base_seconds: float = 2.0
    job_backoff_cap_seconds: float = 3600.0
    worker_poll_seconds: float = 1.0
    worker_batch: int = 64
    worker_concurrency: int = 8
    plugins: tuple[str, ...] = ()
    max_body_bytes: int = 1024 * 1024
    key_cache_seconds: float = 10.0
    idempotency_retention_hours: float = 48.0
    done_job_retention_hours: float = 168.0

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


_NUMBERS: dict[str, type] = {
    "job_lease_seconds": float,
    "job_max_attempts": int,
    "job_backoff_base_seconds": float,
    "job_backoff_cap_seconds": float,
    "worker_poll_seconds": float,
    "worker_batch": int,
    "worker_concurrency": int,
    "max_body_bytes": int,
    "key_cache_seconds": float,
    "idempotency_retention_hours": float,
    "done_job_retention_hours": float,
}


def normalise_database_url(url: str) -> str:
    """Accept plain ``sqlite:///`` and ``postgresql://`` URLs and pick the async driver."""
    if url.startswith("sqlite:"):
        return "sqlite+aiosqlite:" + url[len("sqlite:") :]
    for plain in ("postgresql:", "postgres:"):
        if url.startswith(plain):
            return "postgresql+asyncpg:" + url[len(plain) :]
    if url.startswith(("sqlite+aiosqlite:", "postgresql+asyncpg:")):
        return url
    raise ConfigError(
        "HUB_DATABASE_URL: expected a sqlite:/// or postgresql:// URL, "
        f"got one starting {url.split(':', 1)[0]!r}"
    )


def load(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    if "HUB_DATABASE_URL" in env:
        values["database_url"] = normalise_database_url(env["HUB_DATABASE_URL"])
    for name, kind in _NUMBERS.items():
        var = f"HUB_{name.upper()}"
        if var in env:
            try:
                number = kind(env[var])
            except ValueError:
                raise ConfigError(f"{var}: {env[var]!r} is not a {kind.__name__}") from None
            if number <= 0:
                raise ConfigError(f"{var}: must be greater than 0")
            values[name] = number
    if env.get("HUB_CONFIG"):
        values["config_path"] = env["HUB_CONFIG"]
    if env.get("HUB_ROUTING"):
        values["routing_path"] = env["HUB_ROUTING"]
    if env.get("HUB_PLUGINS"):
        values["plugins"] = tuple(p.strip() for p in env["HUB_PLUGINS"].split(",") if p.strip())
    return Settings(**values)
