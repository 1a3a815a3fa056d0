"""How the packages depend on each other, read from the source: `common` is below every domain,
and the domains' models import each other without a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import mobile_hall

PACKAGE = Path(mobile_hall.__file__).parent
DOMAINS = sorted(
    path.name
    for path in PACKAGE.iterdir()
    if path.is_dir() and (path / "__init__.py").exists() and path.name != "common"
)


def _imported_packages(module: Path) -> set[str]:
    """The top-level packages of `mobile_hall` that a module imports (TYPE_CHECKING included)."""
    depth = len(module.relative_to(PACKAGE).parts) - 1  # dots that lead back to mobile_hall
    found = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level > depth and node.module:
            found.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("mobile_hall.")
        ):
            found.add(node.module.split(".")[1])
    return found


def test_common_imports_no_domain():
    imports = {
        module.name: _imported_packages(module) & set(DOMAINS)
        for module in (PACKAGE / "common").glob("*.py")
    }
    assert {name: found for name, found in imports.items() if found} == {}


def test_the_domains_models_import_each_other_without_a_cycle():
    graph = {
        domain: _imported_packages(PACKAGE / domain / "models.py") & set(DOMAINS) - {domain}
        for domain in DOMAINS
        if (PACKAGE / domain / "models.py").exists()
    }

    def reaches(start: str, target: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(
            nxt == target or (nxt not in seen and reaches(nxt, target, seen | {nxt}))
            for nxt in graph.get(start, ())
        )

    assert [domain for domain in graph if reaches(domain, domain)] == []
