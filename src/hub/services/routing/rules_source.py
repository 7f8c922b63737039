"""The routing rules file: read with the hub's one YAML reader, compiled by the pure rules
reader (``hub.domain.routing.compile_rules``), and read again when it changes.

Errors name the file and then the line (bad YAML) or the rule and field (bad rules), e.g.
``routing.yaml: rules[0] (x).strategy.split: expected true or false``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from hub.domain.routing import DEFAULT_RULES, RulesError, RuleSet, compile_rules
from hub.infra.watch import Reloading
from hub.infra.yaml import YamlFileError, parse_yaml, read_yaml


def load_rules(text: str, *, source: str = "<rules>") -> RuleSet:
    """Parse and compile rules text; a RulesError names ``source``, then the line, rule and
    field."""
    try:
        raw = parse_yaml(text)
    except YamlFileError as exc:
        raise RulesError(f"{source}: {exc.where}: {exc.reason}") from None
    return compile_rules(raw, source=source)


def load_rules_file(path: Path) -> RuleSet:
    """Read and compile a rules file; a RulesError names it as given, e.g. routing.yaml
    (a file that cannot be read too)."""
    try:
        return _compile_file(path, str(path))
    except OSError as exc:
        raise RulesError(f"{path}: {exc.strerror}") from None


def _compile_file(path: Path, source: str) -> RuleSet:
    """As ``load_rules_file``, but a file that cannot be read raises its OSError."""
    try:
        raw = read_yaml(path)
    except YamlFileError as exc:
        raise RulesError(f"{source}: {exc.where}: {exc.reason}") from None
    return compile_rules(raw, source=source)


class RulesSource:
    """The rules in force: the file at ``path`` (checked for changes at most once a
    second), or without one every location by priority (``DEFAULT_RULES``).

    A file that cannot be read raises OSError from ``get``, bad rules a RulesError; the
    next ``get`` tries again.
    """

    def __init__(
        self,
        path: str | None,
        *,
        every: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self._watched: Reloading[RuleSet] | None = None
        if path is not None:
            file, source = Path(path), path
            self._watched = Reloading(
                lambda: [file], lambda: _compile_file(file, source), every=every, clock=clock
            )

    def get(self) -> RuleSet:
        return DEFAULT_RULES if self._watched is None else self._watched.get()
