"""Settings from the environment (``HUB_*``), validated at start; errors name the variable."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import msgspec

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///hub.db"
_SQLITE = "sqlite+aiosqlite:///"


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the variable."""


Positive = Annotated[float, msgspec.Meta(gt=0)]
PositiveInt = Annotated[int, msgspec.Meta(gt=0)]


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """The hub's process settings; each is read from ``HUB_<NAME>`` (see ``VARIABLES``)."""

    database_url: str = DEFAULT_DATABASE_URL
    config_path: str | None = None  # HUB_CONFIG: the connections file
    routing_path: str | None = None  # HUB_ROUTING: the routing rules file (domain/routing)
    job_lease_seconds: Positive = 60.0
    job_max_attempts: PositiveInt = 8
    job_backoff_base_seconds: Positive = 2.0
    job_backoff_cap_seconds: Positive = 3600.0
    worker_poll_seconds: Positive = 1.0
    worker_batch: PositiveInt = 64
    worker_concurrency: PositiveInt = 8
    job_timeout_seconds: Positive = 300.0  # one job's run, then it is a failed attempt
    partner_timeout_seconds: Positive = 30.0  # one partner request (connect: at most 10 s)
    partner_retry_hours: Positive = 24.0  # how long a job for a partner is tried
    breaker_failures: PositiveInt = 3  # timeouts in a row that put a connection aside
    breaker_open_seconds: Positive = 30.0  # its first pause; doubles, up to the next
    breaker_max_open_seconds: Positive = 600.0
    plugins: tuple[str, ...] = ()  # HUB_PLUGINS: module names, comma-separated
    max_body_bytes: PositiveInt = 1024 * 1024
    key_cache_seconds: Positive = 10.0
    idempotency_retention_hours: Positive = 48.0
    done_job_retention_hours: Positive = 168.0
    #: the worker runs the forecasts every night after this hour (UTC), unless turned off
    forecast_nightly: bool = True
    forecast_hour_utc: Annotated[int, msgspec.Meta(ge=0, le=23)] = 2
    #: signs the console's session cookies; unset: a random one kept in the database
    console_secret: str | None = None
    console_session_hours: Positive = 8.0  # a console session ends this long after sign-in
    #: outbound webhooks: plain http allowed to loopback (127.0.0.1, ::1, localhost) only
    webhook_allow_http_loopback: bool = False
    #: how long a process trusts its cached list of subscriptions (the timeline tap's)
    webhook_cache_seconds: Positive = 5.0
    #: deliveries to one subscriber in flight at once, per worker
    webhook_per_subscriber: PositiveInt = 4
    #: outbound webhooks: the most deliveries one worker claims and holds at once
    webhook_in_flight: PositiveInt = 256
    #: buyer mail (hub.notifications): the SMTP server; unset: mails are kept in the database
    smtp_url: str | None = None
    mail_from: str | None = None  # unset: Shop <shop@localhost>; a connection's mail_from wins
    public_url: str | None = None  # where buyers reach /track/{ref}; unset: localhost:8000
    templates_path: str | None = None  # HUB_TEMPLATES: brand folders over the shipped defaults

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


#: each setting's environment variable
VARIABLES: dict[str, str] = {
    f.name: {
        "config_path": "HUB_CONFIG",
        "routing_path": "HUB_ROUTING",
        "templates_path": "HUB_TEMPLATES",
    }.get(f.name, f"HUB_{f.name.upper()}")
    for f in msgspec.structs.fields(Settings)
}
#: the numeric settings and their kind (the type of their default)
_NUMBERS: dict[str, type] = {
    f.name: type(f.default)
    for f in msgspec.structs.fields(Settings)
    if type(f.default) in (int, float)
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


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names (None for PostgreSQL or an in-memory database)."""
    if not url.startswith(_SQLITE):
        return None
    name = url[len(_SQLITE) :].partition("?")[0]
    return None if name in ("", ":memory:") else Path(name)


def resolve_database_url(url: str, cwd: Path | None = None) -> str:
    """``url`` with a relative SQLite path made absolute (against ``cwd``, default the
    current folder), so that every part of a process uses the one file it named at start."""
    url = normalise_database_url(url)
    path = sqlite_file(url)
    if path is None or path.is_absolute():
        return url
    _, query, options = url[len(_SQLITE) :].partition("?")
    return f"{_SQLITE}{(cwd or Path.cwd()) / path}{query}{options}"


def load(env: Mapping[str, str] | None = None, *, cwd: Path | None = None) -> Settings:
    """The settings from ``env`` (default: the process environment), converted by msgspec
    (numbers from their text); a ``ConfigError`` naming the variable when one is wrong.
    A relative SQLite path (the default ``hub.db`` among them) is resolved against ``cwd``
    (default: the current folder) here, once."""
    env = os.environ if env is None else env
    raw: dict[str, object] = {}
    for name, var in VARIABLES.items():
        value = env.get(var)
        if value is None or (not value and name != "database_url"):
            continue  # unset, or set empty: the default
        raw[name] = value.strip() if name in _NUMBERS else value
    if "plugins" in raw:
        raw["plugins"] = [p.strip() for p in env["HUB_PLUGINS"].split(",") if p.strip()]
    raw["database_url"] = resolve_database_url(
        env.get("HUB_DATABASE_URL", DEFAULT_DATABASE_URL), cwd
    )
    try:
        return msgspec.convert(raw, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise ConfigError(_message(exc, raw)) from None


def _message(exc: msgspec.ValidationError, raw: Mapping[str, object]) -> str:
    reason, _, path = str(exc).partition(" - at `$.")
    name = path.rstrip("`").split(".")[0].split("[")[0]
    if name not in VARIABLES:
        return reason
    var = VARIABLES[name]
    if name in _NUMBERS:
        if ", got `" in reason:  # not a number of the kind at all
            return f"{var}: {raw[name]!r} is not a {_NUMBERS[name].__name__}"
        bound = re.search(r"(>=|<=|<) (\S+)$", reason)
        if bound and (bound[1] != ">=" or bound[2] == "0"):  # an upper bound, or 0 allowed
            return f"{var}: must be {_BOUNDS[bound[1]]} {bound[2]}"
        return f"{var}: must be greater than 0"
    if "`bool`" in reason:
        return f"{var}: must be true or false"
    return f"{var}: {reason}"


_BOUNDS = {">=": "at least", "<=": "at most", "<": "less than"}
