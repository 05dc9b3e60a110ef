"""Controllers and groups computed once per run and shared by the rules that need them."""

from __future__ import annotations

from risk_rules.algorithms import ControlGroup, ControlLink, ControlResult, all_controllers, control_groups
from risk_rules.framework import RuleContext
from risk_rules.projection import ownership


def _control_kwargs(ctx: RuleContext) -> dict:
    c = ctx.control
    return {
        "majority": c.majority,
        "plurality": c.plurality,
        "margin": c.margin,
        "board_roles": tuple(c.board_roles),
    }


def family_pairs(ctx: RuleContext) -> list[tuple[str, str, str]] | None:
    return ownership(ctx).family if ctx.control.family_as_one_controller else None


def controllers(ctx: RuleContext) -> dict[str, ControlResult]:
    """{company: ControlResult} for every controlled company (ultimate controller + chain)."""

    def load() -> dict[str, ControlResult]:
        own = ownership(ctx)
        ctx.progress("computing control (all companies) …")
        return all_controllers(
            own.graph, positions=own.positions, family_pairs=family_pairs(ctx), **_control_kwargs(ctx)
        )

    return ctx.cached("controllers", load)


def groups(ctx: RuleContext, min_members: int = 2) -> tuple[ControlGroup, ...]:
    def load() -> tuple[ControlGroup, ...]:
        own = ownership(ctx)
        return control_groups(
            own.graph,
            positions=own.positions,
            family_pairs=family_pairs(ctx),
            controllers=controllers(ctx),
            min_members=min_members,
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


def control_pairs(ctx: RuleContext) -> list[tuple[str, str]]:
    """(controller, company) of every controlled company as of ``ctx.as_of`` — what the actual
    controller rule writes as CONTROLS, for a snapshot that must not read today's CONTROLS."""
    return [(c, company) for company, res in controllers(ctx).items() for c in res.controller or ()]
