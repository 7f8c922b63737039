"""A posted console form read into the API's own input type, so the console checks what
the API checks (and nothing else): a field the type refuses is a 422 naming it."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from hub.domain.order import FieldError
from hub.errors import Unprocessable

T = TypeVar("T")


def as_input(data: dict[str, Any], kind: type[T]) -> T:
    """``data`` (empty fields left out) as ``kind``; Unprocessable says what is wrong."""
    try:
        return msgspec.convert({k: v for k, v in data.items() if v not in ("", None)}, kind)
    except msgspec.ValidationError as exc:
        text = str(exc)
        field = text.rsplit("$.", 1)[-1].split("`")[0].split("[")[0] if "$." in text else "form"
        raise Unprocessable(f"not done: {text}", [FieldError(field, text)]) from None


def whole(text: str | None, name: str) -> int | None:
    """A whole number from a form field ('' -> None); Unprocessable when it is not one."""
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise Unprocessable(f"{name}: give a whole number", [FieldError(name, "not a number")])
    return int(text)
