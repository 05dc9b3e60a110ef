"""The schema as code applies idempotently, enforces its keys, and matches its documentation."""

from __future__ import annotations

import pytest
from neo4j import Driver
from neo4j.exceptions import ConstraintError

from graph_model.constraints import apply_schema, existing_schema, schema_statements
from graph_model.docs import render_markdown
from graph_model.schema import NODES, RELATIONSHIPS
from riskgraph.settings import PROJECT_ROOT

pytestmark = pytest.mark.neo4j


def test_schema_applies_twice_without_error(neo4j_driver: Driver) -> None:
    first = apply_schema(neo4j_driver)
    second = apply_schema(neo4j_driver)
    assert first == second
    present = existing_schema(neo4j_driver)
    for nt in NODES:
        assert f"{nt.label.lower()}_{nt.key}_unique" in present["constraints"]


@pytest.mark.parametrize("node_type", NODES, ids=lambda nt: nt.label)
def test_uniqueness_constraint_rejects_duplicate_key(clean_graph: Driver, node_type) -> None:
    query = f"CREATE (:{node_type.label} {{{node_type.key}: $k}})"
    with clean_graph.session() as session:
        session.run(query, k="dup-1").consume()
        with pytest.raises(ConstraintError):
            session.run(query, k="dup-1").consume()
        count = session.run(
            f"MATCH (n:{node_type.label} {{{node_type.key}: $k}}) RETURN count(n) AS c", k="dup-1"
        ).single()
    assert count["c"] == 1


def test_every_statement_is_idempotent_ddl() -> None:
    stmts = schema_statements()
    assert stmts and all("IF NOT EXISTS" in s for s in stmts)


def test_graph_model_doc_is_current() -> None:
    """docs/graph-model.md is generated from the schema; regenerate with `riskgraph db schema-doc`."""
    doc = (PROJECT_ROOT / "docs" / "graph-model.md").read_text(encoding="utf-8")
    assert doc == render_markdown(), "docs/graph-model.md is stale: run `riskgraph db schema-doc`"
    for nt in NODES:
        assert f"### `{nt.label}`" in doc
    for rt in RELATIONSHIPS:
        assert f"### `{rt.type}`" in doc


def test_each_label_and_type_is_defined_once_with_its_dispute_marks() -> None:
    """One definition per label / relationship type, the dispute marks part of it where disputable."""
    import ast

    from graph_model import schema as S

    labels = [nt.label for nt in NODES]
    types = [rt.type for rt in RELATIONSHIPS]
    assert len(labels) == len(set(labels)) and len(types) == len(set(types))
    marks = {p.name for p in S.DISPUTE_MARKS}
    for nt in NODES:
        assert (marks <= {p.name for p in nt.properties}) == (nt.label in S.DISPUTABLE_NODES), nt.label
    for rt in RELATIONSHIPS:
        assert (marks <= {p.name for p in rt.properties}) == (rt.type in S.DISPUTABLE_RELS), rt.type
    # NODES and RELATIONSHIPS are each bound once in the module: no block extends them later
    tree = ast.parse((PROJECT_ROOT / "graph_model" / "schema.py").read_text(encoding="utf-8"))
    bound = [
        t.id
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(t, ast.Name)
    ]
    assert bound.count("NODES") == 1 and bound.count("RELATIONSHIPS") == 1
