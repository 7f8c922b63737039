"""Loading a mapping file: every mistake is found at load time and names the file and the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hub.mapping import Mapping, MappingError
from tests.unit.mapping.conftest import DELETE, FIXTURES, MAPPINGS, variant


def load_error(path: Path) -> MappingError:
    with pytest.raises(MappingError) as err:
        Mapping.load(path)
    return err.value


def test_the_fixture_mappings_load(shop: Mapping) -> None:
    assert shop.name == "test_shop"
    assert Mapping.load(MAPPINGS / "test_minor.yml").name == "test_minor"


def test_an_error_names_the_file_as_typed_and_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    variant(tmp_path / "mappings", (("order", "payment.status", "table"), "pay"))
    monkeypatch.chdir(tmp_path)
    err = load_error(Path("mappings/test_shop.yaml"))
    assert str(err) == "mappings/test_shop.yaml: order.payment.status: unknown table 'pay'"
    assert (err.mapping, err.field, err.reason) == (
        "mappings/test_shop.yaml",
        "order.payment.status",
        "unknown table 'pay'",
    )


def test_malformed_yaml_names_the_line() -> None:
    err = load_error(FIXTURES / "broken" / "not_yaml.yaml")
    assert err.mapping.endswith("not_yaml.yaml")
    assert err.field == "line 6"
    assert "not allowed here" in err.reason


def test_a_key_given_twice_is_an_error_not_a_silent_override() -> None:
    err = load_error(FIXTURES / "broken" / "duplicate_key.yaml")
    assert (err.field, err.reason) == ("line 10", "duplicate key 'sku'")


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ((("colour",), "red"), "colour", "unknown key"),
        ((("amounts",), DELETE), "amounts", "required key is missing"),
        ((("amounts",), "cents"), "amounts", "expected one of"),
        ((("name",), "Has Spaces"), "name", "expected `str` matching"),
        ((("lines", "each_of"), "items"), "lines.each_of", "unknown key"),
        (
            (("order", "note"), {"path": "note", "colour": "red"}),
            "order.note.colour",
            "unknown key",
        ),
        ((("order", "note"), {"table": "country"}), "order.note.path", "required key is missing"),
        ((("order", "note"), {"path": "note", "required": "yes"}), "order.note.required", "bool"),
        ((("order", "note"), True), "order.note", "got true/false"),
        ((("tables", "country", "unmapped"), "drop"), "tables.country.unmapped", "expected one of"),
        ((("tables", "country", "colour"), "red"), "tables.country.colour", "unknown key"),
    ],
)
def test_the_file_structure_is_checked(
    tmp_path: Path, change: tuple[tuple[str, ...], Any], field: str, reason: str
) -> None:
    err = load_error(variant(tmp_path, change))
    assert err.field == field
    assert reason in err.reason


@pytest.mark.parametrize(
    ("key", "rule", "reason"),
    [
        (("order", "note"), "items[", "invalid JMESPath 'items[': unexpected end of expression"),
        (("order", "note"), "foo bar", "invalid JMESPath 'foo bar': unexpected 'bar'"),
        (("order", "note"), "`abc", "Unclosed ` delimiter"),
        (("order", "note"), "", "empty JMESPath expression"),
        (("order", "note"), "dsumm(items[].price)", "unknown function dsumm()"),
        (("order", "note"), "dadd(`1`)", "dadd() takes 2 arguments, 1 given"),
        (("order", "note"), "join(' ', [a, dneg(`1`, `2`)])", "dneg() takes 1 argument, 2 given"),
        (("lines", "fields", "sku"), "upper(sku)", "unknown function upper()"),
        (("lines", "each"), "items[?", "invalid JMESPath 'items[?'"),
        (("state",), {"path": "status ==", "table": "order_state"}, "invalid JMESPath"),
        (("currency",), "money.", "invalid JMESPath 'money.'"),
    ],
)
def test_jmespath_is_compiled_at_load_time(
    tmp_path: Path, key: tuple[str, ...], rule: Any, reason: str
) -> None:
    err = load_error(variant(tmp_path, (key, rule)))
    assert err.field == ".".join(key)
    assert reason in err.reason


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        ("channel", "channel is never mapped: it is the connection's code"),
        ("currency", "currency is mapped by the top-level `currency:` key"),
        ("lines.sku", "lines are mapped in the top-level `lines:` section"),
        ("customer.nmae", "unknown canonical field 'customer.nmae'; did you mean 'customer.name'?"),
        ("status", "unknown canonical field 'status'"),  # assigned by the hub
    ],
)
def test_order_keys_are_canonical_fields(tmp_path: Path, field: str, reason: str) -> None:
    err = load_error(variant(tmp_path, (("order", field), "x")))
    assert (err.field, err.reason) == (f"order.{field}", reason)


def test_line_keys_are_line_fields(tmp_path: Path) -> None:
    err = load_error(variant(tmp_path, (("lines", "fields", "colour"), "colour")))
    assert err.field == "lines.fields.colour"
    assert err.reason.startswith("unknown line field 'colour'; one of line_id, sku")


def test_a_required_line_field_must_be_mapped(tmp_path: Path) -> None:
    err = load_error(variant(tmp_path, (("lines", "fields", "unit_price"), DELETE)))
    assert (err.field, err.reason) == (
        "lines.fields.unit_price",
        "required canonical field is not mapped",
    )


def test_a_default_table_needs_its_default(tmp_path: Path) -> None:
    err = load_error(variant(tmp_path, (("tables", "order_state", "default"), DELETE)))
    assert (err.field, err.reason) == (
        "tables.order_state.default",
        "required when unmapped is default",
    )


def test_table_values_are_scalars(tmp_path: Path) -> None:
    err = load_error(variant(tmp_path, (("tables", "country", "values", "Germany"), ["DE"])))
    assert err.field == "tables.country.values.Germany"


def test_a_file_that_is_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- name: x\n")
    err = load_error(path)
    assert (err.field, err.reason) == (
        "file",
        "expected an object at the top level, got list [{'name': 'x'}]",
    )


def test_a_missing_file(tmp_path: Path) -> None:
    err = load_error(tmp_path / "nope.yaml")
    assert err.field == "file"
    assert "No such file" in err.reason


def test_the_deprecated_unquoted_string_literal_is_refused(tmp_path: Path) -> None:
    err = load_error(variant(tmp_path, (("order", "shipping.method"), "`Standard`")))
    assert err.field == "order.shipping.method"
    assert "a string literal is written 'text'" in err.reason
