"""The API package stands on its own: nothing under api/ imports the composition root ``riskgraph``,
and keys are made in one place only (the user/key store, called by the account service)."""

from __future__ import annotations

import ast
from pathlib import Path

API = Path(__file__).resolve().parents[2] / "api"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


def test_no_module_under_api_imports_riskgraph():
    offenders = {
        str(p.relative_to(API.parent)): sorted(
            m for m in _imports(p) if m == "riskgraph" or m.startswith("riskgraph.")
        )
        for p in API.rglob("*.py")
    }
    assert {p: m for p, m in offenders.items() if m} == {}


def test_only_the_account_service_issues_keys():
    """``issue_key`` of the store is called only by api/services/accounts.py (the checked path)."""
    callers = set()
    for p in API.rglob("*.py"):
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "issue_key"
                and isinstance(node.value, ast.Name)
                and node.value.id in ("store", "users", "repo")
            ):
                callers.add(str(p.relative_to(API.parent)))
    assert callers == {"api/services/accounts.py"}
