"""The house's direction: nothing in schools/ or pupils/ imports funding/ or clusters/.

A page that combines them lives in the higher app, or asks `schools.extensions` (a registry the
higher apps fill from their `AppConfig.ready()`). Every .py file is parsed with ast, so lazy
imports inside functions and `importlib.import_module("funding...")` count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOWER_APPS = ("schools", "pupils")
HIGHER_APPS = ("funding", "clusters")


def _higher(module: str | None) -> bool:
    return bool(module) and module.split(".")[0] in HIGHER_APPS


def forbidden_imports(source: str) -> list[tuple[int, str]]:
    """(line, module) of every import of funding/ or clusters/ in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if _higher(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and _higher(node.module):
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if (
                name in ("import_module", "__import__")
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and _higher(first.value)
            ):
                found.append((node.lineno, first.value))
    return found


def _python_files():
    for app in LOWER_APPS:
        yield from sorted((ROOT / app).rglob("*.py"))


def test_the_check_finds_every_kind_of_import():
    source = (
        "import funding.models\n"
        "from clusters.models import Cluster\n"
        "def f():\n"
        "    from funding.panel import selectors\n"
        "    importlib.import_module('funding.returns.selectors')\n"
        "from schools import extensions\n"
        "from . import funding\n"
    )
    assert [line for line, _ in forbidden_imports(source)] == [1, 2, 4, 5]


@pytest.mark.parametrize("path", list(_python_files()), ids=lambda p: str(p.relative_to(ROOT)))
def test_schools_and_pupils_never_import_funding_or_clusters(path):
    found = forbidden_imports(path.read_text(encoding="utf-8"))
    assert not found, f"{path.relative_to(ROOT)} imports " + ", ".join(
        f"{module} (line {line})" for line, module in found
    )
