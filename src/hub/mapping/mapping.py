"""``Mapping``: one loaded mapping file, turning partner documents into canonical orders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hub.domain.channel import ChannelOrder
from hub.mapping.build import build
from hub.mapping.compiled import Plan
from hub.mapping.errors import FieldFailure, MappingError
from hub.mapping.loader import load_plan


class Mapping:
    """A validated, compiled mapping. Build one with ``Mapping.load(path)``."""

    def __init__(self, plan: Plan) -> None:
        self._plan = plan

    @classmethod
    def load(cls, path: Path) -> Mapping:
        """Load and compile the file at ``path``; a MappingError names the file and the key."""
        return cls(load_plan(Path(path)))

    @property
    def name(self) -> str:
        return self._plan.name

    @property
    def description(self) -> str:
        return self._plan.description

    @property
    def path(self) -> Path:
        return self._plan.path

    def to_order(self, document: Any, *, channel: str) -> ChannelOrder:
        """The canonical order one partner ``document`` stands for, for connection ``channel``.

        Raises MappingError naming this mapping and the canonical field at fault.
        """
        try:
            return build(self._plan, document, channel=channel)
        except FieldFailure as exc:
            raise MappingError(self.name, exc.field, exc.reason) from None

    def __repr__(self) -> str:
        return f"Mapping({self.name!r}, {str(self.path)!r})"
