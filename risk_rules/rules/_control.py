"""Controllers and groups computed once per run and shared by the rules that need them."""

from __future__ import annotations

from risk_rules.algorithms import (
    ControlGroup,
    ControlLink,
    ControlResult,
    FamilyTies,
    OwnershipIssue,
    control_groups,
    ownership_inconsistencies,
    upstream_inconsistencies,
)
from risk_rules.config import load_config, rule_params
from risk_rules.execution.split_control import all_controllers_split
from risk_rules.framework import RuleContext
from risk_rules.projection import ownership
from risk_rules.rules.ownership_consistency import OwnershipConsistencyParams, OwnershipConsistencyRule


def control_kwargs(ctx: RuleContext) -> dict:
    c = ctx.control
    return {
        "majority": c.majority,
        "plurality": c.plurality,
        "margin": c.margin,
        "board_roles": tuple(c.board_roles),
        "family_scope": c.family_scope,
    }


def family_pairs(ctx: RuleContext) -> list[tuple[str, str, str]] | None:
    return ownership(ctx).family if ctx.control.family_as_one_controller else None


def control_family(ctx: RuleContext) -> FamilyTies | None:
    """:func:`family_pairs` as the run's one index of them (``OwnershipData.family_ties``), which
    the controllers, the groups and the rules' in-law evidence share."""
    return ownership(ctx).family_ties if ctx.control.family_as_one_controller else None


def controllers(ctx: RuleContext) -> dict[str, ControlResult]:
    """{company: ControlResult} for every controlled company (ultimate controller + chain), one
    ownership component per unit of the run's executor (the same result whichever runs them)."""

    def load() -> dict[str, ControlResult]:
        own = ownership(ctx)
        ctx.progress("computing control (all companies) …")
        return all_controllers_split(
            ctx.executor,
            own.graph,
            positions=own.positions,
            family_pairs=control_family(ctx),
            **control_kwargs(ctx),
        )

    return ctx.cached("controllers", load)


def groups(ctx: RuleContext, min_members: int = 2) -> tuple[ControlGroup, ...]:
    def load() -> tuple[ControlGroup, ...]:
        own = ownership(ctx)
        return control_groups(
            own.graph,
            positions=own.positions,
            family_pairs=control_family(ctx),
            controllers=controllers(ctx),
            min_members=min_members,
            family_scope=ctx.control.family_scope,
        )

    return ctx.cached(f"groups:{min_members}", load)


def chain_ids(result: ControlResult) -> list[str]:
    """Entity ids along a control chain: controller block members, then each controlled company."""
    if not result.chain:
        return []
    return [*result.chain[0].controller, *(link.company for link in result.chain)]


def chain_json(chain: tuple[ControlLink, ...]) -> list[dict]:
    return [
        {
            "controller": list(link.controller),
            "company": link.company,
            "basis": link.basis,
            "votes_pct": link.votes,
            "runner_up_pct": link.runner_up,
            "contributions": [list(c) for c in link.contributions],
            "board_seats": list(link.board_seats) if link.board_seats else None,
        }
        for link in chain
    ]


def over_100(ctx: RuleContext) -> dict[str, float]:
    """{company: total pct} of the companies whose holders sum over 100%, with the tolerance of the
    data-quality rule ``data_quality.ownership_over_100``, so both name the same companies."""

    def load() -> dict[str, float]:
        cfg = ctx.rules_config or load_config()
        tol = rule_params(cfg, OwnershipConsistencyRule.id, OwnershipConsistencyParams).tolerance
        return ownership_inconsistencies(ownership(ctx).graph, tolerance=tol)

    return ctx.cached("ownership_over_100", load)


def issues_upstream(ctx: RuleContext, company: str) -> tuple[OwnershipIssue, ...]:
    """The over-100% companies the ownership results of ``company`` are computed from."""
    bad = over_100(ctx)
    return upstream_inconsistencies(ownership(ctx).graph, company, over_100=bad) if bad else ()


def quality_json(issues: tuple[OwnershipIssue, ...]) -> dict:
    """Evidence fields marking an ownership result: consistent, or the sums and holdings behind it."""
    return {"ownership_consistent": not issues, "data_quality": [i.as_json() for i in issues]}


def control_pairs(ctx: RuleContext) -> list[tuple[str, str]]:
    """(controller, company) of every controlled company as of ``ctx.as_of`` — what the actual
    controller rule writes as CONTROLS, for a snapshot that must not read today's CONTROLS."""
    return [(c, company) for company, res in controllers(ctx).items() for c in res.controller or ()]
