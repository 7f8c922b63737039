"""hub.sdk.testing is the one piece of test code in the wheel: it needs the ``testing`` extra,
the product does not, and the suite leans on nothing of the hub but ``hub.sdk``."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import hub.sdk.testing

TESTING = Path(hub.sdk.testing.__file__).parent


def run_without(modules: list[str], code: str) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter where importing any of ``modules`` fails."""
    blocked = "".join(f"sys.modules[{name!r}] = None; " for name in modules)
    return subprocess.run(
        [sys.executable, "-c", f"import sys; {blocked}{code}"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_without_pytest_the_import_says_to_install_the_extra() -> None:
    for missing in ("pytest", "respx"):
        done = run_without([missing], "import hub.sdk.testing")
        assert done.returncode != 0
        assert "ImportError: hub.sdk.testing needs" in done.stderr
        assert f"needs {missing}: install hub[testing]" in done.stderr


def test_the_product_and_every_connector_load_without_the_test_tools() -> None:
    code = (
        "import hub.sdk, hub.bootstrap, hub.api.app, hub.plugins; "
        "print(len(hub.plugins.discover()))"
    )
    done = run_without(["pytest", "respx", "hypothesis"], code)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 10


def hub_imports(path: Path) -> set[str]:
    """Every ``hub...`` module ``path`` imports, at any level of the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "hub"}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] == "hub":
                found.add(node.module)
    return found


def test_the_suite_imports_only_the_sdk_of_the_hub() -> None:
    for path in sorted(TESTING.glob("*.py")):
        outside = {m for m in hub_imports(path) if m != "hub.sdk" and not m.startswith("hub.sdk.")}
        assert not outside, f"{path.name} imports {sorted(outside)}"
