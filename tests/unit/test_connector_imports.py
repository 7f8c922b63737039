"""Connectors import only ``hub.sdk`` of the hub, and never each other (their tests aside).

Every import statement of every module under ``connectors/`` counts, those inside
functions too; a connector's ``tests/`` may use the hub's test tools and entry points.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONNECTORS = ROOT / "connectors"


def imported(source: str, module: str) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``source``, the text of ``module``;
    relative imports resolved."""
    package = module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            found.append((node.lineno, ".".join(p for p in (base, node.module or "") if p)))
    return sorted(found)


def violations(source: str, module: str) -> list[str]:
    """The imports of ``module`` (``connectors.<name>....``) a connector may not make."""
    own = module.split(".")[1]
    wrong = []
    for line, name in imported(source, module):
        parts = name.split(".")
        outside_sdk = parts[0] == "hub" and parts[:2] != ["hub", "sdk"]
        other_connector = parts[0] == "connectors" and parts[1:2] != [own]
        if outside_sdk or other_connector:
            wrong.append(f"{module}:{line} imports {name}")
    return wrong


def test_connectors_import_only_the_sdk_and_themselves() -> None:
    modules = [
        p for p in sorted(CONNECTORS.glob("*/**/*.py")) if "tests" not in p.relative_to(ROOT).parts
    ]
    assert len(modules) > 50
    wrong = []
    for path in modules:
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        wrong += violations(path.read_text("utf-8"), module)
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_function_level_and_relative_imports() -> None:
    source = (
        "from hub.sdk import Capability\n"
        "import hub.sdk.cursor\n"
        "from connectors.acme import api\n"
        "from . import wire\n"
        "def f():\n"
        "    from hub.domain.order import check\n"
        "    import connectors.shopify\n"
        "from ..shopify import stock\n"
        "import connectors\n"
    )
    found = violations(source, "connectors.acme.connector")
    assert found == [
        "connectors.acme.connector:6 imports hub.domain.order",
        "connectors.acme.connector:7 imports connectors.shopify",
        "connectors.acme.connector:8 imports connectors.shopify",
        "connectors.acme.connector:9 imports connectors",
    ]
