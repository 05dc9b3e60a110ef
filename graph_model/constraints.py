"""Constraints and indexes derived from the schema, applied idempotently (`IF NOT EXISTS`).

Uniqueness constraints come before any MERGE: they make MERGE an index lookup and turn a duplicate key
into an error instead of a silent second node.
"""

from __future__ import annotations

from neo4j import Driver

from graph_model.schema import NODES, RELATIONSHIPS


def constraint_name(label: str, prop: str) -> str:
    return f"{label.lower()}_{prop}_unique"


def schema_statements() -> list[str]:
    """Every DDL statement of the schema, in the order they must run."""
    stmts: list[str] = []
    for nt in NODES:
        stmts.append(
            f"CREATE CONSTRAINT {constraint_name(nt.label, nt.key)} IF NOT EXISTS "
            f"FOR (n:{nt.label}) REQUIRE n.{nt.key} IS UNIQUE"
        )
    for nt in NODES:
        for prop in nt.properties:
            if prop.indexed and prop.name != nt.key:
                stmts.append(
                    f"CREATE INDEX {nt.label.lower()}_{prop.name} IF NOT EXISTS FOR (n:{nt.label}) ON (n.{prop.name})"
                )
        if nt.fulltext:
            fields = ", ".join(f"n.{f}" for f in nt.fulltext)
            stmts.append(
                f"CREATE FULLTEXT INDEX {nt.label.lower()}_names IF NOT EXISTS FOR (n:{nt.label}) ON EACH [{fields}] "
                "OPTIONS {indexConfig: {`fulltext.analyzer`: 'cjk'}}"
            )
    for rt in RELATIONSHIPS:
        for prop in rt.properties:
            if prop.name == "contract_id":
                stmts.append(
                    f"CREATE INDEX rel_{rt.type.lower()}_{prop.name} IF NOT EXISTS FOR ()-[r:{rt.type}]-() ON (r.{prop.name})"
                )
    return stmts


def apply_schema(driver: Driver, database: str = "neo4j") -> list[str]:
    """Create every constraint and index that is missing and wait until they are online."""
    stmts = schema_statements()
    with driver.session(database=database) as session:
        for stmt in stmts:
            session.run(stmt).consume()
        session.run("CALL db.awaitIndexes(300)").consume()
    return stmts


def existing_schema(driver: Driver, database: str = "neo4j") -> dict[str, list[str]]:
    with driver.session(database=database) as session:
        constraints = [
            r["name"] for r in session.run("SHOW CONSTRAINTS YIELD name RETURN name ORDER BY name")
        ]
        indexes = [r["name"] for r in session.run("SHOW INDEXES YIELD name RETURN name ORDER BY name")]
    return {"constraints": constraints, "indexes": indexes}
