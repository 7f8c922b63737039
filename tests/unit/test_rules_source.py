"""The routing rules file in force: the default without one, read again when it changes,
errors that name the file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hub.domain.routing import DEFAULT_RULES, RulesError
from hub.services.routing.rules_source import RulesSource, load_rules, load_rules_file

FIRST = "rules:\n  - name: first\n    when: {channel: [web]}\n"
SECOND = "rules:\n  - name: second\n"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def write(path: Path, text: str, stamp: int) -> None:
    path.write_text(text)
    os.utime(path, ns=(stamp, stamp))  # a distinct mtime, whatever the clock's resolution


def test_without_a_file_every_location_by_priority() -> None:
    assert RulesSource(None).get() is DEFAULT_RULES


def test_the_file_is_read_again_when_it_changes_at_most_once_a_second(tmp_path: Path) -> None:
    path = tmp_path / "routing.yaml"
    write(path, FIRST, 1_000_000_000)
    clock = Clock()
    source = RulesSource(str(path), clock=clock)
    first = source.get()
    assert [r.name for r in first.rules] == ["first"] and first.source == str(path)
    write(path, SECOND, 2_000_000_000)
    clock.now = 0.5
    assert source.get() is first  # not looked at yet
    clock.now = 1.5
    assert [r.name for r in source.get().rules] == ["second"]


def test_a_bad_edit_names_the_file_and_the_field_and_is_tried_again(tmp_path: Path) -> None:
    path = tmp_path / "routing.yaml"
    write(path, FIRST, 1_000_000_000)
    clock = Clock()
    source = RulesSource(str(path), clock=clock)
    source.get()
    write(path, "rules:\n  - name: x\n    strategy: {split: maybe}\n", 2_000_000_000)
    clock.now = 2.0
    with pytest.raises(RulesError) as caught:
        source.get()
    assert str(caught.value) == f"{path}: rules[0] (x).strategy.split: expected true or false"
    write(path, SECOND, 3_000_000_000)
    assert [r.name for r in source.get().rules] == ["second"]


def test_a_missing_file_raises_its_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        RulesSource(str(tmp_path / "missing.yaml")).get()
    with pytest.raises(RulesError, match=r"missing\.yaml: No such file or directory"):
        load_rules_file(tmp_path / "missing.yaml")


def test_malformed_yaml_names_the_source_and_line() -> None:
    with pytest.raises(RulesError) as caught:
        load_rules("rules:\n  - [a\n", source="routing.yaml")
    assert str(caught.value).startswith("routing.yaml: line ")
