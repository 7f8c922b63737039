"""``normalize`` with the example partner mapping, directly and through ``hub normalize``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from click.testing import CliRunner, Result

from connectors.generic_json import connector
from hub.cli import main
from hub.sdk import FatalError, MappingError, load_default

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ORDER = FIXTURES / "example_partner_order.json"
BATCH = FIXTURES / "example_partner_batch.json"
SETTINGS = {"mapping": "example_partner_order"}


@pytest.fixture(autouse=True)
def repo_mappings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("HUB_MAPPINGS_DIR", raising=False)
    load_default.cache_clear()
    yield
    load_default.cache_clear()


def expected() -> Any:
    return json.loads((FIXTURES / "example_partner_order.canonical.json").read_text("utf-8"))


def test_one_order_becomes_the_canonical_order() -> None:
    [result] = connector.normalize([ORDER.read_bytes()], channel="partner-x", settings=SETTINGS)
    assert msgspec.to_builtins(result.order) == expected()
    assert result.state == "open"


def test_an_array_is_several_orders_with_their_states() -> None:
    documents = [ORDER.read_bytes(), BATCH.read_bytes()]
    results = connector.normalize(documents, channel="partner-x", settings=SETTINGS)
    assert [(r.order.external_id, r.state, r.order.payment.status) for r in results] == [
        ("EXP-20931", "open", "paid"),
        ("EXP-20932", "open", "pending"),
        ("EXP-20911", "cancelled", "voided"),
    ]
    assert [r.order.totals.total for r in results] == [7015, 4350, 3250]


def test_a_bad_order_in_a_batch_says_which() -> None:
    batch = json.loads(BATCH.read_bytes())
    batch[1]["payment_state"] = "bartered"
    with pytest.raises(MappingError) as err:
        connector.normalize([json.dumps(batch).encode()], channel="partner-x", settings=SETTINGS)
    assert err.value.field == "payment.status"
    assert err.value.reason == (
        "'bartered' is not in table 'payment_status' (document 1 of 1, order 2 of 2)"
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"webhook_id=12", "not JSON"),
        (b'"just text"', "expected a JSON object or an array of objects"),
        (b"[1, 2]", "expected a JSON object or an array of objects"),
    ],
)
def test_a_body_that_is_not_orders_is_a_mapping_error(body: bytes, reason: str) -> None:
    with pytest.raises(MappingError) as err:
        connector.normalize([body], channel="partner-x", settings=SETTINGS)
    assert (err.value.mapping, err.value.field) == ("example_partner_order", "document")
    assert err.value.reason.startswith(reason)


def test_the_mapping_must_be_named_and_exist() -> None:
    with pytest.raises(FatalError, match="missing required field `mapping`"):
        connector.normalize([ORDER.read_bytes()], channel="partner-x", settings={})
    with pytest.raises(FatalError, match="no mapping named 'nope'"):
        connector.normalize([ORDER.read_bytes()], channel="partner-x", settings={"mapping": "nope"})


def hub(*args: str) -> Result:
    return CliRunner().invoke(main, ["normalize", *args])


def test_hub_normalize_prints_the_orders_as_a_json_array() -> None:
    result = hub("generic_json", str(ORDER), str(BATCH), "--mapping", "example_partner_order")
    assert result.exit_code == 0, result.output
    orders = json.loads(result.stdout)
    assert orders[0] == {**expected(), "channel": "generic_json"}  # channel defaults to CONNECTOR
    assert [o["external_id"] for o in orders] == ["EXP-20931", "EXP-20932", "EXP-20911"]
    assert result.stdout.startswith("[\n  {\n")  # pretty-printed
    assert result.stderr == "EXP-20911: the channel says cancelled\n"


def test_hub_normalize_takes_the_channel_code() -> None:
    result = hub(
        "generic_json", str(ORDER), "--mapping", "example_partner_order", "--channel", "partner-x"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [expected()]


def test_hub_normalize_reports_a_mapping_error_on_one_line(tmp_path: Path) -> None:
    bad = json.loads(ORDER.read_bytes())
    bad["items"][0]["qty"] = "two"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    result = hub("generic_json", str(path), "--mapping", "example_partner_order")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: example_partner_order: lines[0].quantity: "
        "expected a whole number of units, got 'two'\n"
    )


def test_hub_normalize_without_a_mapping_says_so() -> None:
    result = hub("generic_json", str(ORDER))
    assert result.exit_code == 1
    assert "missing required field `mapping`" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_hub_normalize_with_an_unknown_connector() -> None:
    result = hub("no_such_partner", str(ORDER))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: unknown connector 'no_such_partner' (installed: ")
    assert "generic_json" in result.stderr
