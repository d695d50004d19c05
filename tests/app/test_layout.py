"""The shape of the house: one import name, every package installed, no Qt below the UI."""

from __future__ import annotations

import ast
import tomllib

from tests.conftest import REPO

FOLDERS = {"app": "claimdesk", "models": "claimdesk.models", "services": "claimdesk.services", "ui": "claimdesk.ui",
           "migrations": "claimdesk.migrations", "resources": "claimdesk.resources"}


def test_every_package_folder_is_listed_in_pyproject():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = set()
    for folder, name in FOLDERS.items():
        for init in (REPO / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO / folder)
            found.add(".".join([name, *rel.parts]))
    assert found - listed == set(), "packages missing from pyproject.toml"
    assert all(p == "claimdesk" or p.startswith("claimdesk.") for p in listed)


def test_services_and_models_never_import_qt():
    offenders = []
    for folder in ("services", "models"):
        for path in (REPO / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                if any(n.split(".")[0] in ("PySide6", "shiboken6") for n in names):
                    offenders.append(str(path.relative_to(REPO)))
    assert offenders == []


def test_no_floats_near_money_in_services():
    import re

    pattern = re.compile(r"float\((amount|price|paid|allowed|premium|balance)|: *float *= *0")
    hits = [str(p) for folder in ("services", "models") for p in (REPO / folder).rglob("*.py") if pattern.search(p.read_text())]
    assert hits == []
