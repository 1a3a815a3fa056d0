"""docs/security.md maps each control to the tests that show it: every test it names exists, so
the mapping cannot silently point at a test that was renamed or removed."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"
# `tests/x/test_y.py`, `tests/x/test_y.py::test_z`, and `::test_z` naming a test of the file
# named last (the doc's shorthand for several tests of one file).
REFERENCE = re.compile(r"`((?:tests/[\w/]+\.py)?)(?:::(\w+))?`")


def _references() -> list[tuple[str, str | None]]:
    found, current = [], None
    for path, name in REFERENCE.findall(DOC.read_text(encoding="utf-8")):
        if path:
            current = path
        elif not name:
            continue
        assert current, f"`::{name}` names no file before it"
        found.append((current, name or None))
    return found


def _tests_of(path: Path) -> set[str]:
    """The test functions and classes a test file defines at its top level."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }


def test_every_test_the_security_mapping_names_exists():
    references = _references()
    assert len(references) > 50
    missing = []
    for path, name in references:
        file = ROOT / path
        if not file.is_file():
            missing.append(path)
        elif name is not None and name not in _tests_of(file):
            missing.append(f"{path}::{name}")
    assert missing == []
