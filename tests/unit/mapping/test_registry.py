"""Mapping sets: a folder by name, where the folder is, the cached default, `hub mappings check`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli import main
from hub.mapping import MappingError, MappingSet, load_default, mappings_dir
from tests.unit.mapping.conftest import MAPPINGS, variant

REPO_MAPPINGS = Path(__file__).resolve().parents[3] / "mappings"


def test_a_folder_loads_by_name_yaml_and_yml() -> None:
    mappings = MappingSet.load_dir(MAPPINGS)
    assert mappings.names() == ["test_minor", "test_shop"]
    assert mappings.get("test_shop").name == "test_shop"


def test_an_unknown_name_says_which_names_exist() -> None:
    with pytest.raises(KeyError) as err:
        MappingSet.load_dir(MAPPINGS).get("shopify")
    assert err.value.args[0] == "no mapping named 'shopify' (known: test_minor, test_shop)"


def test_two_files_with_one_name_are_an_error(tmp_path: Path) -> None:
    shutil.copy(MAPPINGS / "test_shop.yaml", tmp_path / "a.yaml")
    shutil.copy(MAPPINGS / "test_shop.yaml", tmp_path / "b.yml")
    with pytest.raises(MappingError) as err:
        MappingSet.load_dir(tmp_path)
    assert err.value.mapping == str(tmp_path / "b.yml")
    assert err.value.field == "name"
    assert err.value.reason == f"'test_shop' is already the name of {tmp_path / 'a.yaml'}"


def test_a_broken_file_stops_the_set_loading(tmp_path: Path) -> None:
    variant(tmp_path, (("order", "note"), "dsumm(x)"))
    with pytest.raises(MappingError, match=r"order\.note: unknown function dsumm\(\)"):
        MappingSet.load_dir(tmp_path)


def test_the_default_folder_is_the_repository_mappings(fresh_default: None) -> None:
    assert mappings_dir() == REPO_MAPPINGS


def test_every_mapping_in_the_repository_loads(fresh_default: None) -> None:
    mappings = load_default()
    assert "example_partner_order" in mappings.names()
    assert len(mappings.names()) == len(list(REPO_MAPPINGS.glob("*.y*ml")))


def test_the_default_set_honours_the_environment_and_is_cached(
    fresh_default: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_MAPPINGS_DIR", str(MAPPINGS))
    first = load_default()
    assert first.names() == ["test_minor", "test_shop"]
    assert load_default() is first
    load_default.cache_clear()
    assert load_default() is not first


def check(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["mappings", "check", *args])
    return result.exit_code, result.stdout, result.stderr


def test_mappings_check_prints_each_name() -> None:
    code, out, err = check("--dir", str(MAPPINGS))
    assert (code, out, err) == (0, "test_minor OK\ntest_shop OK\n", "")


def test_mappings_check_prints_one_line_per_error(tmp_path: Path) -> None:
    shutil.copy(MAPPINGS / "test_minor.yml", tmp_path / "test_minor.yml")
    variant(tmp_path, (("order", "payment.status", "table"), "pay"))
    (tmp_path / "b_broken.yaml").write_text("name: [\n")
    code, out, err = check("--dir", str(tmp_path))
    assert code == 1
    assert out == "test_minor OK\n"
    assert err.splitlines() == [
        f"{tmp_path / 'b_broken.yaml'}: line 2: "
        "expected the node content, but found '<stream end>'",
        f"{tmp_path / 'test_shop.yaml'}: order.payment.status: unknown table 'pay'",
    ]


def test_mappings_check_on_a_missing_folder(tmp_path: Path) -> None:
    code, _, err = check("--dir", str(tmp_path / "nope"))
    assert code == 1
    assert "does not exist" in err
