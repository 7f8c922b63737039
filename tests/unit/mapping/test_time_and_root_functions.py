"""The date and time functions (unix_time, unix_time_ms, parse_time, local_time) and the
document functions (root, lookup) of the mapping engine."""

from __future__ import annotations

from typing import Any

import pytest

from hub.mapping.expressions import ExpressionError, compile_expression, search
from hub.mapping.functions import document_root


def run(expression: str, document: Any = None) -> Any:
    with document_root(document):
        return search(compile_expression(expression), document)


@pytest.mark.parametrize(
    ("expression", "document", "result"),
    [
        ("unix_time(t)", {"t": 1741944150}, "2025-03-14T09:22:30Z"),
        ("unix_time(t)", {"t": "1741944150"}, "2025-03-14T09:22:30Z"),  # numeric text
        ("unix_time(t)", {"t": 1741944150.25}, "2025-03-14T09:22:30.250000Z"),
        ("unix_time_ms(t)", {"t": 1741944150123}, "2025-03-14T09:22:30.123000Z"),
        # Berlin is UTC+1 in March and UTC+2 in July
        (
            "parse_time(t, '%d.%m.%Y %H:%M', 'Europe/Berlin')",
            {"t": "14.03.2025 10:22"},
            "2025-03-14T09:22:00Z",
        ),
        ("local_time(t, 'Europe/Berlin')", {"t": "2025-07-01T10:00:00"}, "2025-07-01T08:00:00Z"),
        # an offset in the text wins over the zone
        ("local_time(t, 'Asia/Tokyo')", {"t": "2025-07-01T10:00:00+02:00"}, "2025-07-01T08:00:00Z"),
        (
            "parse_time(t, '%Y-%m-%dT%H:%M:%S%z', `null`)",
            {"t": "2025-03-14T10:22:30+0100"},
            "2025-03-14T09:22:30Z",
        ),
    ],
)
def test_times_become_iso_utc(expression: str, document: Any, result: str) -> None:
    assert run(expression, document) == result


@pytest.mark.parametrize(
    ("expression", "document", "reason"),
    [
        ("unix_time(t)", {"t": -1}, "outside 1970-2200"),
        ("unix_time(t)", {"t": 1741944150123}, "outside 1970-2200"),  # ms read as seconds
        ("unix_time(t)", {"t": "soon"}, "'soon' is not a number"),
        ("parse_time(t, '%Y-%m-%d', `null`)", {"t": "2025-03-14"}, "has no UTC offset"),
        ("parse_time(t, '%Y-%m-%d', 'UTC')", {"t": "14/03/2025"}, "does not match '%Y-%m-%d'"),
        ("local_time(t, 'Mars/Olympus')", {"t": "2025-03-14T10:00:00"}, "unknown time zone"),
    ],
)
def test_bad_times_are_errors_naming_the_function(
    expression: str, document: Any, reason: str
) -> None:
    with pytest.raises(ExpressionError, match=reason) as caught:
        run(expression, document)
    assert str(caught.value).startswith(expression.split("(")[0] + "()")


def test_root_reaches_the_document_from_inside_a_projection() -> None:
    doc = {"gross": True, "lines": [{"p": "10.00", "t": "1.90"}, {"p": "5.00", "t": "0.95"}]}
    assert run("lines[?root().gross].dadd(p, t)", doc) == ["11.90", "5.95"]
    doc["gross"] = False
    assert run("lines[?root().gross].dadd(p, t)", doc) == []
    assert run("root()") is None  # outside a mapping run there is no document


def test_lookup_indexes_by_a_computed_key() -> None:
    doc = {"catalog": {"V1": "TEE-M", "7": "MUG"}, "lines": [{"id": "V1"}, {"id": 7}, {"id": "X"}]}
    found = (
        "[lookup(catalog, lines[0].id), lookup(catalog, lines[1].id), lookup(catalog, lines[2].id)]"
    )
    assert run(found, doc) == ["TEE-M", "MUG", None]
    assert run("lines[*].lookup(root().catalog, id)", doc) == ["TEE-M", "MUG"]  # nulls dropped
    assert run("lookup(`null`, 'a')", doc) is None


def test_function_arity_is_checked_when_a_mapping_loads() -> None:
    with pytest.raises(ExpressionError, match=r"parse_time\(\) takes 3 arguments, 2 given"):
        compile_expression("parse_time(a, '%Y')")
    with pytest.raises(ExpressionError, match=r"root\(\) takes 0 arguments, 1 given"):
        compile_expression("root(a)")
