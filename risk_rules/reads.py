"""What each shared read takes from the graph, and so which rules a change of data touches.

A rule lists the shared reads it uses in ``Rule.shared_reads`` (the names below; most are keys of
the per-run cache) and the derived facts it writes in ``Rule.derived_writes``. From these two
declarations alone follow

* which cached projections the runner may drop before a rule (memory only), and
* which rules must re-run after a correction of a fact (:func:`rules_to_rerun`) — a corrected
  shareholding re-runs the control rule, whose rewritten ``CONTROLS`` re-runs contagion, and so on.

There is no second list to keep in step: a new rule declares what it reads, and corrections reach
it. ``tests/risk_rules/test_reads.py`` checks every declaration against the Cypher each rule
actually runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from graph_model import schema as S
from risk_rules.framework import Rule

#: shared read → the labels and relationship types its own queries read
_DIRECT: dict[str, frozenset[str]] = {
    "guarantee_edges": frozenset({S.GUARANTEES, S.COMPANY, S.PERSON}),
    "blacklist": frozenset({S.LISTED_AS, S.BLACKLIST_ENTRY, S.COMPANY, S.PERSON}),
    "entity_facts": frozenset(
        {S.COMPANY, S.PERSON, S.GUARANTEES, S.BORROWED, S.LOAN, S.LISTED_AS, S.BLACKLIST_ENTRY}
    ),
    "guarantee_graph": frozenset(),
    "names": frozenset({S.COMPANY, S.PERSON}),
    "ownership": frozenset({S.HOLDS_SHARES, S.HOLDS_POSITION, S.FAMILY_OF, S.COMPANY, S.PERSON}),
    "controllers": frozenset(),
    "groups": frozenset(),
    "circles": frozenset(),
    "common_control_circles": frozenset(),
    "ownership_over_100": frozenset(),
    "linkage_ball": frozenset(
        {
            S.COMPANY,
            S.PERSON,
            S.HOLDS_SHARES,
            S.GUARANTEES,
            S.HOLDS_POSITION,
            S.FAMILY_OF,
            S.CONTROLS,
            S.HAS_PHONE,
            S.HAS_ADDRESS,
        }
    ),
    "shared_contacts": frozenset(
        {S.COMPANY, S.PERSON, S.PHONE, S.ADDRESS, S.HAS_PHONE, S.HAS_ADDRESS, S.HOLDS_POSITION}
    ),
}

#: shared read → the shared reads it is computed from (their graph reads are its own too)
_BUILT_FROM: dict[str, tuple[str, ...]] = {
    "entity_facts": ("blacklist",),
    "guarantee_graph": ("guarantee_edges", "entity_facts"),
    "controllers": ("ownership",),
    "groups": ("ownership", "controllers"),
    "circles": ("guarantee_edges",),
    # the companies whose holders sum over 100%, which the ownership results are marked by
    "ownership_over_100": ("ownership",),
    # guarantee circles with each group customer collapsed into one unit
    "common_control_circles": ("guarantee_graph", "groups"),
    "names": ("entity_facts",),  # display names are looked up in the entity facts first
}

SHARED_READS: frozenset[str] = frozenset(_DIRECT)


def graph_reads_of(read: str) -> frozenset[str]:
    """Labels and relationship types behind one shared read, including what it is built from.

    >>> sorted(graph_reads_of("controllers"))
    ['Company', 'FAMILY_OF', 'HOLDS_POSITION', 'HOLDS_SHARES', 'Person']
    """
    if read not in _DIRECT:
        raise KeyError(
            f"未知的共享读取 {read} / unknown shared read {read} (known: {', '.join(sorted(_DIRECT))})"
        )
    out = set(_DIRECT[read])
    for base in _BUILT_FROM.get(read, ()):
        out |= graph_reads_of(base)
    return frozenset(out)


def cache_keys(rule: Rule[Any]) -> frozenset[str] | None:
    """The per-run cache entries ``rule`` may use: its shared reads and what they are built from
    (None: the rule does not say, so nothing may be dropped for it)."""
    if rule.shared_reads is None:
        return None
    return reads_with_bases(rule.shared_reads)


def reads_with_bases(reads: Iterable[str]) -> frozenset[str]:
    """``reads`` and every shared read they are computed from.

    >>> sorted(reads_with_bases({"groups"}))
    ['controllers', 'groups', 'ownership']
    """
    out: set[str] = set()
    todo = list(reads)
    while todo:
        read = todo.pop()
        if read not in out:
            out.add(read)
            todo += _BUILT_FROM.get(read, ())
    return frozenset(out)


def graph_reads(rule: Rule[Any]) -> frozenset[str] | None:
    """Everything of the graph ``rule`` reads (None: the rule does not say)."""
    if rule.shared_reads is None:
        return None
    out: set[str] = set()
    for read in rule.shared_reads:
        out |= graph_reads_of(read)
    return frozenset(out)


def rules_to_rerun(changed: Iterable[str], rules: Sequence[Rule[Any]] | None = None) -> list[Rule[Any]]:
    """The rules, in run order, whose results may change when facts of ``changed`` kinds change.

    ``changed`` names labels and relationship types of ``graph_model.schema`` (a corrected
    shareholding is ``HOLDS_SHARES``, a corrected company attribute ``Company``). A rule is affected
    when it reads one of them, or reads a derived fact (``CONTROLS``, groups, scores) that an
    affected rule writes; a rule that does not declare its reads is always affected. ``rules``
    defaults to every registered rule.

    >>> [r.id for r in rules_to_rerun([S.LISTED_AS]) if r.id.startswith("contagion")]
    ['contagion.blacklist']
    >>> "guarantee.chain_depth" in [r.id for r in rules_to_rerun([S.HOLDS_SHARES])]
    False
    """
    if rules is None:
        from risk_rules.registry import all_rules

        rules = all_rules()
    known = {nt.label for nt in S.NODES} | {rt.type for rt in S.RELATIONSHIPS}
    unknown = set(changed) - known
    if unknown:
        raise KeyError(
            f"图模型中没有 {', '.join(sorted(unknown))} / not a label or relationship type of the graph "
            f"model: {', '.join(sorted(unknown))}"
        )
    touched = set(changed)
    affected: set[str] = set()
    grew = True
    while grew:  # derived facts written by an affected rule touch their readers in turn
        grew = False
        for rule in rules:
            if rule.id in affected:
                continue
            reads = graph_reads(rule)
            if reads is None or reads & touched:
                affected.add(rule.id)
                touched |= rule.derived_writes
                grew = True
    return [r for r in rules if r.id in affected]
