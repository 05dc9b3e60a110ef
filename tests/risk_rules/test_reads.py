"""What each rule declares it reads is what it reads, so re-runs after a correction follow from it.

Every rule is run on a small world that has each kind of fact, through a driver that records the
Cypher it sends and a cache that records the entries it uses: the labels and relationship types in
those queries must be among the rule's declared graph reads (or the derived facts it writes), and
the cache entries among its declared cache keys.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from neo4j import Driver
from rulekit import GraphSpec

from graph_model import schema as S
from risk_rules.config import load_config, rule_params
from risk_rules.framework import RuleContext
from risk_rules.reads import SHARED_READS, cache_keys, graph_reads, rules_to_rerun
from risk_rules.registry import all_rules

AS_OF = dt.date(2025, 12, 31)
SCHEMA_NAMES = {nt.label for nt in S.NODES} | {rt.type for rt in S.RELATIONSHIPS}


class _Recorder:
    """A driver (and its sessions) passing everything through, keeping every query text sent."""

    def __init__(self, inner: Any, queries: list[str]) -> None:
        self._inner, self._queries = inner, queries

    def session(self, **kw: Any) -> _Recorder:
        return _Recorder(self._inner.session(**kw), self._queries)

    def __enter__(self) -> _Recorder:
        self._inner.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._inner.__exit__(*exc)

    def run(self, query: str, *args: Any, **kw: Any) -> Any:
        self._queries.append(query)
        return self._inner.run(query, *args, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _Cache(dict):
    """The per-run cache, noting which entries a rule asks for."""

    def __init__(self) -> None:
        super().__init__()
        self.used: set[str] = set()

    def _note(self, key: object) -> None:
        self.used.add(str(key).split(":", 1)[0])

    def __contains__(self, key: object) -> bool:
        self._note(key)
        return super().__contains__(key)

    def __getitem__(self, key: str) -> Any:
        self._note(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self._note(key)
        return super().get(key, default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self._note(key)
        return super().setdefault(key, default)


def _mentioned(query: str) -> set[str]:
    return {n for n in SCHEMA_NAMES if re.search(rf"[:|]\s*{n}\b", query)}


@pytest.fixture(scope="module")
def world_queries(neo4j_driver: Driver) -> dict[str, tuple[set[str], set[str]]]:
    """Per rule: schema names in its queries, cache entries it used (a world with every kind of fact)."""
    with neo4j_driver.session() as s:
        s.run("MATCH (n) DETACH DELETE n").consume()
    g = GraphSpec()
    for c in ("A", "B", "C", "D", "E"):
        g.company(c, net_assets=1e6, registered_capital=1e6)
    for p in ("P1", "P2"):
        g.person(p)
    g.guarantee("A", "B")
    g.guarantee("B", "C")
    g.guarantee("C", "A")
    g.guarantee("D", "A")
    g.guarantee("D", "B")
    g.guarantee("D", "C")
    g.holds("P1", "A", 60)
    g.holds("A", "B", 60)
    g.holds("B", "C", 60)
    g.holds("P2", "D", 30)
    g.position("P1", "A", "legal_representative")
    g.position("P1", "E", "legal_representative")
    g.position("P2", "D", "director")
    g.relative("P1", "P2", "spouse")
    for c in ("A", "B", "C", "D"):
        g.loan(c, 5e8, status="overdue" if c == "C" else "normal")
    g.listed("C")
    for c in ("D", "E"):
        g.phone(c, "13800138000")
        g.address(c, "杭州市西湖区文三路1号")
    g.write(neo4j_driver)
    # every rule on: related parties start from configured insiders, none by default
    config = load_config(extra={"rules": {"concentration.related_party": {"insiders": ["P1"]}}})
    out: dict[str, tuple[set[str], set[str]]] = {}
    for rule in all_rules():
        queries: list[str] = []
        ctx = RuleContext(
            driver=_Recorder(neo4j_driver, queries),  # type: ignore[arg-type]
            database="neo4j",
            as_of=AS_OF,
            bank=config.bank,
            control=config.control,
            run_id=f"reads-test:{rule.id}",
        )
        ctx.cache = _Cache()
        rule.evaluate(ctx, rule_params(config, rule.id, rule.Params))
        out[rule.id] = (set().union(*map(_mentioned, queries)), ctx.cache.used)
    with neo4j_driver.session() as s:
        s.run("MATCH (n) DETACH DELETE n").consume()
    return out


def test_every_rule_declares_known_reads() -> None:
    for rule in all_rules():
        assert rule.shared_reads is not None, rule.id
        assert rule.shared_reads <= SHARED_READS, (rule.id, rule.shared_reads - SHARED_READS)
        assert rule.derived_writes <= SCHEMA_NAMES, rule.id


@pytest.mark.neo4j
def test_each_rule_reads_only_what_it_declares(world_queries) -> None:
    for rule in all_rules():
        mentioned, used = world_queries[rule.id]
        reads = graph_reads(rule)
        assert reads is not None
        assert mentioned, f"{rule.id} ran no query on a world with every kind of fact"
        undeclared = mentioned - reads - rule.derived_writes
        assert not undeclared, f"{rule.id} reads {sorted(undeclared)} without declaring it"
        keys = cache_keys(rule)
        assert keys is not None and used <= keys, f"{rule.id} uses cache entries {sorted(used - keys)}"


def test_a_corrected_shareholding_reruns_control_and_what_reads_control() -> None:
    ids = [r.id for r in rules_to_rerun([S.HOLDS_SHARES])]
    assert {
        "control.actual_controller",
        "ownership.beneficial_owner",
        "group.customer",
        "concentration.related_party",
        # reads CONTROLS, which the control rule rewrites
        "contagion.blacklist",
    } <= set(ids)
    # only the guarantee rules that collapse group customers before looking for pairs and circles
    assert {i for i in ids if i.startswith("guarantee.")} == {"guarantee.mutual", "guarantee.circle"}
    order = [r.id for r in all_rules()]
    assert ids == [i for i in order if i in ids]  # run order: derived facts before their readers


def test_a_corrected_listing_reruns_the_rules_that_weigh_distress() -> None:
    ids = {r.id for r in rules_to_rerun([S.LISTED_AS])}
    assert {"contagion.blacklist", "linkage.shell_cluster", "guarantee.mutual", "guarantee.circle"} <= ids


def test_a_corrected_family_tie_reruns_control_and_only_the_guarantee_rules_that_collapse_groups() -> None:
    ids = {r.id for r in rules_to_rerun([S.FAMILY_OF])}
    assert {"control.actual_controller", "group.customer", "ownership.beneficial_owner"} <= ids
    # mutual pairs and circles are also looked for with each group customer collapsed into one unit
    assert {i for i in ids if i.startswith("guarantee.")} == {"guarantee.mutual", "guarantee.circle"}


def test_a_rule_that_does_not_say_what_it_reads_always_reruns() -> None:
    rules = all_rules()
    silent = type(rules[0])()
    silent.shared_reads = None  # type: ignore[misc]
    assert silent in rules_to_rerun([S.HOLDS_SHARES], [silent])


def test_an_unknown_kind_of_fact_is_refused_by_name() -> None:
    with pytest.raises(KeyError, match="HOLDS_SHARE"):
        rules_to_rerun(["HOLDS_SHARE"])
