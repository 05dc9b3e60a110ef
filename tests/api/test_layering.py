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


def test_the_pre_loan_service_holds_no_rule_definition():
    """Thresholds, relation weights and motif logic live once, in risk_rules: the check's service
    holds no number other than 0 and 1, names no relationship type, and imports no algorithm or
    projection (it reads profiles and calls ``risk_rules.findings``)."""
    path = API / "services" / "preloan.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    floats = sorted(
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, float) and n.value not in (0.0, 1.0)
    )
    assert floats == []
    schema_names = {
        n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and getattr(n.value, "id", "") == "S"
    }
    assert schema_names == set()
    forbidden = (
        "risk_rules.algorithms",
        "risk_rules.projection",
        "risk_rules.rules",
        "networkx",
        "graph_model.schema",
    )
    assert sorted(m for m in _imports(path) if m.startswith(forbidden)) == []
    strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    assert not strings & {"GUARANTEES", "HOLDS_SHARES", "CONTROLS", "HAS_PHONE", "HAS_ADDRESS", "SERVES_AS"}
