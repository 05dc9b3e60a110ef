"""The simulation's answer from what the repository read (no database): stakes count as exposures,
persons without equity are listed, bounds cut rows."""

from __future__ import annotations

import pytest

from api.services.simulation import SimulationBounds, assemble

BOUNDS = SimulationBounds(
    max_defaults=5, max_hops=6, max_rounds=10, max_entities=100, max_rows=2, top_paths=3
)


def _facts(eid: str, equity: float | None, person: bool = False, loans=()):
    return {
        "entity_id": eid,
        "name": f"名{eid}",
        "person": person,
        "net_assets": equity,
        "loans": list(loans),
    }


def test_a_stake_is_an_exposure_and_a_person_without_equity_is_not_distressed():
    facts = {
        "C:D": _facts("C:D", 2e6, loans=[{"loan_id": "L1", "balance": 1e6, "status": "defaulted"}]),
        # H holds 50% of D: its stake is worth 0.5 × 2,000,000 = 1,000,000 of H's 4,000,000 → W = 0.25
        "C:H": _facts("C:H", 4e6, loans=[{"loan_id": "L2", "balance": 2e5, "status": "normal"}]),
        "P:G": _facts("P:G", None, person=True),  # a personal guarantor: no equity known
        "C:X": _facts("C:X", 1e6),  # guarantees D for 2,000,000 → W = min(1, 2) = 1
    }
    edges = [
        {"exposed": "C:H", "obligor": "C:D", "rel": "stake", "amount": 1e6},
        {"exposed": "P:G", "obligor": "C:D", "rel": "guarantee", "amount": 5e5},
        {"exposed": "C:X", "obligor": "C:D", "rel": "guarantee", "amount": 2e6},
    ]
    r = assemble(["C:D"], edges, facts, False, 10, BOUNDS)
    h = {e.entity_id: e.h for e in r.entities}
    assert r.distressed_count == 3 and r.missing_equity == ["P:G"]
    assert [e.entity_id for e in r.entities] == ["C:D", "C:X"]  # max_rows 2: cut, and said so
    assert h == pytest.approx({"C:D": 1.0, "C:X": 1.0}) and r.truncated
    assert r.exposure_at_risk == pytest.approx(1.2e6)  # L1 + L2 (H is distressed at 0.25)
    assert r.expected_exposure_at_risk == pytest.approx(1e6 + 0.25 * 2e5)
    wide = assemble(["C:D"], edges, facts, False, 10, SimulationBounds(5, 6, 10, 100, 50, 3))
    (holder,) = [e for e in wide.entities if e.entity_id == "C:H"]
    assert holder.h == pytest.approx(0.25) and holder.paths[0].rels == ["stake"] and holder.round == 1
