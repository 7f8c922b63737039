"""The one YAML reader of the hub and its connectors: safe YAML, with two traps closed.

Only ``true``/``false`` are booleans (YAML 1.2), so a table keyed by country code keeps
``NO`` (Norway) and ``on`` as strings; and a key written twice in one object is an error
rather than the second silently winning. Errors name the line (``YamlFileError.where``);
callers add the file name. Mappings, routing rules, connections and warehouse mappings
all read their files through ``read_yaml`` / ``parse_yaml``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode

_BOOL_TAG = "tag:yaml.org,2002:bool"


class YamlFileError(ValueError):
    """Malformed YAML; ``where`` is ``line N``."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


class _Loader(yaml.SafeLoader):
    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # unhashable: the base class reports it
                continue
            if duplicate:
                raise ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def read_yaml(path: Path) -> Any:
    """The YAML document in ``path``; a YamlFileError names the line (OSError passes)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise YamlFileError("file", "not UTF-8 text") from None
    return parse_yaml(text)


def parse_yaml(text: str) -> Any:
    """The YAML document in ``text``; a YamlFileError names the line."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}" if mark is not None else "file"
        raise YamlFileError(where, exc.problem or exc.context or "invalid YAML") from None
    except yaml.YAMLError as exc:
        raise YamlFileError("file", str(exc).splitlines()[0]) from None
