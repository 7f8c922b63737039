"""Request bodies decoded strictly into their Struct, and when one breaks rules, every error.

The fast path is one strict ``msgspec`` decode of the raw bytes: no float where an integer
belongs, no string where a number belongs. When it fails, the body is read again as plain
JSON and each part is checked against its type on its own, so one answer names every field
that is wrong (msgspec alone stops at the first). If the body can be read leniently (a
``2900.0`` read as ``2900``), the type's rules (an order's totals, say) run too and their
errors join the same answer.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable
from typing import Annotated, Any, Union, get_args, get_origin

import msgspec

from hub.domain.bounds import FieldInvalid, explain
from hub.domain.order import FieldError, OrderData, check
from hub.errors import HubError, Unprocessable


class MalformedBody(HubError):
    status = 400
    title = "Malformed JSON"


#: rules a type's value must keep beyond its fields' types, run on a leniently read body
RULES: dict[type, Callable[[Any], list[FieldError]]] = {OrderData: check}

_DECODERS: dict[Any, msgspec.json.Decoder[Any]] = {}
_AT = re.compile(r"^(?P<reason>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)


def decode_body(body: bytes, target: Any) -> Any:
    """``body`` as a ``target``; ``MalformedBody`` (400) or ``Unprocessable`` (422) naming
    every field that is wrong."""
    decoder = _DECODERS.get(target)
    if decoder is None:
        decoder = _DECODERS[target] = msgspec.json.Decoder(target)
    try:
        return decoder.decode(body)
    except msgspec.ValidationError as exc:
        first = exc
    except msgspec.DecodeError as exc:
        raise MalformedBody(
            f"the request body is not valid JSON: {exc}", [FieldError("body", str(exc))]
        ) from None
    except RecursionError:
        raise _too_deep() from None
    errors = every_error(body, target, first)
    raise Unprocessable("; ".join(f"{e.field}: {e.reason}" for e in errors), errors)


def every_error(body: bytes, target: Any, first: msgspec.ValidationError) -> list[FieldError]:
    """Every field error of a body that is JSON but not a valid ``target``, then the
    rules' errors if the body reads leniently."""
    try:
        raw = msgspec.json.decode(body)
    except RecursionError:
        raise _too_deep() from None
    except msgspec.DecodeError as exc:  # the typed read stopped before the bad bytes
        raise MalformedBody(
            f"the request body is not valid JSON: {exc}", [FieldError("body", str(exc))]
        ) from None
    errors = collect(raw, target) or [field_error(first)]
    try:
        lenient = msgspec.convert(raw, target, strict=False)
    except msgspec.ValidationError:
        return errors
    rules = RULES.get(type(lenient))
    if rules is not None:
        named = {e.field for e in errors}
        errors += [e for e in rules(lenient) if e.field not in named]
    return errors


def collect(value: Any, target: Any, path: str = "") -> list[FieldError]:
    """Every error of ``value`` (plain JSON data) read as ``target``, each at its path."""
    try:
        msgspec.convert(value, target)
    except msgspec.ValidationError as exc:
        return _inner(value, target, path) or [field_error(exc, path)]
    return []


def field_error(exc: msgspec.ValidationError, path: str = "") -> FieldError:
    """msgspec's error as a field (below ``path``) and a reason a person reads."""
    match = _AT.match(str(exc))
    reason, below = (match.group("reason"), match.group("path") or "") if match else (str(exc), "")
    field = _join(path, below)
    cause = exc.__cause__
    if isinstance(cause, FieldInvalid):  # a Struct's own check named its field
        field, reason = _join(field, cause.field), cause.reason
    return FieldError(field or "body", explain(reason).replace("`", ""))


def _inner(value: Any, target: Any, path: str) -> list[FieldError]:
    """The errors inside a Struct, list or dict, each at its own path; [] for a leaf."""
    target, meta = _unwrap(target)
    if value is None:
        return []
    if isinstance(target, type) and issubclass(target, msgspec.Struct):
        return _struct_errors(value, target, path) if isinstance(value, dict) else []
    origin, args = get_origin(target), get_args(target)
    if origin in (list, tuple, set, frozenset) and isinstance(value, list) and args:
        errors = _length_errors(value, meta, path)
        for i, item in enumerate(value):
            errors += collect(item, args[0], f"{path}[{i}]")
        return errors
    if origin is dict and isinstance(value, dict) and len(args) == 2:
        errors = _length_errors(value, meta, path)
        for key, item in value.items():
            where = _join(path, f".{key}")
            errors += [FieldError(where, f"name {e.reason}") for e in collect(key, args[0], where)]
            errors += collect(item, args[1], where)
        return errors
    return []


def _struct_errors(
    value: dict[str, Any], target: type[msgspec.Struct], path: str
) -> list[FieldError]:
    errors: list[FieldError] = []
    known = set()
    for f in msgspec.structs.fields(target):
        known.add(f.encode_name)
        where = _join(path, f".{f.encode_name}")
        if f.encode_name in value:
            errors += collect(value[f.encode_name], f.type, where)
        elif f.required:
            errors.append(FieldError(where, "is required"))
    if target.__struct_config__.forbid_unknown_fields:
        errors += [
            FieldError(_join(path, f".{k}"), "is not a known field")
            for k in value
            if k not in known
        ]
    return errors


def _length_errors(
    value: list[Any] | dict[str, Any], meta: list[msgspec.Meta], path: str
) -> list[FieldError]:
    errors = []
    for m in meta:
        if m.min_length is not None and len(value) < m.min_length:
            errors.append(FieldError(path or "body", f"needs at least {m.min_length} items"))
        if m.max_length is not None and len(value) > m.max_length:
            errors.append(FieldError(path or "body", f"takes at most {m.max_length} items"))
    return errors


def _unwrap(target: Any) -> tuple[Any, list[msgspec.Meta]]:
    """``target`` without ``Annotated`` and an optional ``None``, and its constraints."""
    meta: list[msgspec.Meta] = []
    while True:
        origin = get_origin(target)
        if origin is Annotated:
            target, *extra = get_args(target)
            meta += [m for m in extra if isinstance(m, msgspec.Meta)]
        elif origin in (Union, types.UnionType):
            options = [a for a in get_args(target) if a is not type(None)]
            if len(options) != 1:
                return target, meta
            target = options[0]
        else:
            return target, meta


def _join(path: str, below: str) -> str:
    """``lines[0]`` + ``.sku`` -> ``lines[0].sku``; at the top, ``sku``."""
    return f"{path}{below}".lstrip(".")


def _too_deep() -> MalformedBody:
    return MalformedBody(
        "the request body is nested too deeply to read",
        [FieldError("body", "nested too deeply")],
    )
