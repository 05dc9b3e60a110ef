"""The packages import each other only in the documented direction, and no files import in a circle.

docs/architecture.md draws the direction: ``graph_model`` and ``entity_resolution`` know no other
package; ``ingest`` uses ``graph_model`` and ``entity_resolution``; ``risk_rules`` uses
``graph_model``; ``api`` uses ``graph_model``, ``risk_rules`` and the shared name normalizer of
``entity_resolution``, never ``riskgraph``; ``explorer`` talks to the API over HTTP and uses only the
vocabulary of ``graph_model.schema`` (the label and type names the API's answers carry); ``riskgraph``, the composition root, may use everything. Every import counts, also one
inside a function or under ``TYPE_CHECKING``: a deferred import is still a dependency.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("graph_model", "entity_resolution", "ingest", "risk_rules", "api", "explorer", "riskgraph")

#: package → the other packages it may import
ALLOWED: dict[str, frozenset[str]] = {
    "graph_model": frozenset(),
    "entity_resolution": frozenset(),
    "ingest": frozenset({"graph_model", "entity_resolution"}),
    "risk_rules": frozenset({"graph_model"}),
    "api": frozenset({"graph_model", "risk_rules", "entity_resolution"}),
    "explorer": frozenset({"graph_model"}),
    "riskgraph": frozenset(PACKAGES) - {"riskgraph"},
}
#: where a package may use another one only in part: (importer, imported) → the modules it may use
ONLY: dict[tuple[str, str], frozenset[str]] = {
    ("api", "entity_resolution"): frozenset({"entity_resolution.normalize"}),
    ("explorer", "graph_model"): frozenset({"graph_model.schema"}),
}


@dataclass(frozen=True)
class Import:
    source: str  # module doing the import
    target: str  # module imported (a module of the tree)
    line: int


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    """Every module of the packages, by dotted name."""
    out: dict[str, Path] = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            out[_module_name(path)] = path
    return out


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The longest prefix of ``name`` that is a module of the tree."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in known:
            return candidate
        parts.pop()
    return None


def imports(known: dict[str, Path]) -> list[Import]:
    """Every import between modules of the tree; a package's ``__init__`` counts only when imported
    itself (importing ``pkg.mod`` runs it too, but so does every import of the package's modules)."""
    out: list[Import] = []
    for mod, path in known.items():
        is_pkg = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    stem = ".".join([*base, node.module] if node.module else base)
                else:
                    stem = node.module or ""
                # ``from pkg import sub`` imports the submodule; ``from mod import name`` the module
                names = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in known else stem for a in node.names]
            for name in names:
                target = _resolve(name, known)
                if target and target != mod:
                    out.append(Import(mod, target, node.lineno))
    return out


def _package(module: str) -> str:
    return module.split(".", 1)[0]


def test_the_walk_sees_every_package_and_their_imports() -> None:
    known = modules()
    found = imports(known)
    assert {_package(m) for m in known} == set(PACKAGES)
    # a known import of each kind: absolute, relative, and a deferred one inside a function
    pairs = {(i.source, i.target) for i in found}
    assert ("risk_rules.rules.mutual_guarantee", "risk_rules.framework") in pairs
    assert ("risk_rules.algorithms.groups", "risk_rules.algorithms._common") in pairs
    assert ("risk_rules.registry", "risk_rules.rules") in pairs


def test_packages_import_only_in_the_documented_direction() -> None:
    known = modules()
    wrong = []
    for imp in imports(known):
        src, dst = _package(imp.source), _package(imp.target)
        if src == dst:
            continue
        only = ONLY.get((src, dst))
        if dst not in ALLOWED[src] or (only is not None and imp.target not in only):
            wrong.append(f"{known[imp.source].relative_to(ROOT)}:{imp.line} imports {imp.target}")
    assert not wrong, "imports against the documented direction:\n" + "\n".join(sorted(set(wrong)))


def test_no_files_import_each_other_in_a_circle() -> None:
    known = modules()
    G: nx.DiGraph = nx.DiGraph()
    G.add_nodes_from(known)
    G.add_edges_from((i.source, i.target) for i in imports(known))
    cycles = [sorted(c) for c in nx.strongly_connected_components(G) if len(c) > 1]
    shown = []
    for members in sorted(cycles):
        one = nx.find_cycle(G.subgraph(members))
        shown.append(" → ".join([*(u for u, _ in one), one[0][0]]))
    assert not cycles, "files importing each other in a circle:\n" + "\n".join(shown)
