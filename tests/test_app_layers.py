"""The apps depend one way and through public names only.

authorities ← targets ← returns ← reports; riep wires them (settings, urls, API) and none of them
imports riep. A module never imports another app's private name (``_name``) nor a private
module of another app (``app._module``): what one app offers another is what it names publicly,
so it can reshape its insides without breaking its readers. Read from the source with ``ast``
(imports inside functions too); no database.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Each layered app's rank: an app may import only from apps of a lower rank.
LAYERS = {"authorities": 0, "targets": 1, "returns": 2, "reports": 3}
APPS = (*LAYERS, "riep")


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def problems(app: str, source: str) -> list[str]:
    """What a module of ``app`` imports against the layers, one message per import."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [(node.module, [alias.name for alias in node.names])]
        elif isinstance(node, ast.Import):
            modules = [(alias.name, []) for alias in node.names]
        else:
            continue
        for module, names in modules:
            other = module.split(".")[0]
            if other not in APPS or other == app:
                continue
            where = f"line {node.lineno}: {module}"
            if other == "riep" or LAYERS.get(other, 0) > LAYERS.get(app, len(LAYERS)):
                found.append(f"{where}: {app} may not depend on {other}")
            if any(_private(part) for part in module.split(".")):
                found.append(f"{where}: a private module of {other}")
            found.extend(
                f"{where}: {other}'s private name {name}" for name in names if _private(name)
            )
    return found


def test_every_module_imports_other_apps_one_way_and_publicly():
    found, read = {}, 0
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            # Migrations are frozen history: they import what existed when they were written.
            if "migrations" in path.parts:
                continue
            read += 1
            if wrong := problems(app, path.read_text(encoding="utf-8")):
                found[str(path.relative_to(ROOT))] = wrong
    assert read > 100  # the walk found the apps' modules
    assert found == {}


@pytest.mark.parametrize(
    ("app", "source", "expected"),
    [
        ("returns", "from targets.rating import computed_rating", []),
        ("returns", "from returns.services import _bump_version", []),  # its own app
        ("riep", "from reports.dashboards import overview", []),
        ("targets", "from returns.models import ReturnLine", ["targets may not depend on returns"]),
        ("reports", "import riep.api", ["reports may not depend on riep"]),
        ("reports", "from returns.overall import _slices", ["returns's private name _slices"]),
        ("reports", "from returns._helpers import x", ["a private module of returns"]),
        ("reports", "def f():\n    from returns.selectors import _READ", ["private name _READ"]),
    ],
)
def test_the_check_catches_what_it_names(app, source, expected):
    found = problems(app, source)
    assert len(found) == len(expected)
    for message, words in zip(found, expected, strict=True):
        assert words in message
