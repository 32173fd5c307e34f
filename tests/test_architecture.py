"""
The shape of the house (STYLE.md §1, docs/architecture.md), checked on every run.

- Imports go one way — realtime → webinars → rooms → forum — and the domain
  apps never import realtime, Channels, Daphne or Redis, nor the demo data:
  the contracts in pyproject.toml, checked by import-linter.
- A name that starts with ``_`` is private to its module: no other app
  imports it.
"""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("config", "forum", "rooms", "webinars", "realtime", "demo")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)},
    )


def test_the_import_contracts_are_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


def test_an_import_against_the_layers_breaks_the_contract(tmp_path):
    """The check can fail: rooms importing webinars is caught."""
    for app in APPS:
        if (ROOT / app).is_dir():
            shutil.copytree(
                ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__")
            )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    kinds = tmp_path / "rooms" / "kinds.py"
    kinds.write_text(kinds.read_text() + "\nfrom webinars import models as _upward  # noqa\n")

    result = lint_imports(tmp_path)

    assert result.returncode != 0
    assert "rooms is not allowed to import webinars" in result.stdout


def _imports_of_private_names(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    own_app = path.relative_to(ROOT).parts[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            app = node.module.split(".")[0]
            if app in APPS and app != own_app:
                found += [
                    f"{path.relative_to(ROOT)}: from {node.module} import {alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_")
                ]
                if any(part.startswith("_") for part in node.module.split(".")[1:]):
                    found.append(f"{path.relative_to(ROOT)}: from {node.module} import …")
    return found


def test_no_app_imports_another_apps_private_names():
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")) if (ROOT / app).is_dir() else []:
            if "migrations" not in path.parts:
                found += _imports_of_private_names(path)
    assert found == []
