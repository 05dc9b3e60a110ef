"""What-if simulations: a default cascade from entities assumed to default (DebtRank)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from api.dependencies import Repos, require
from api.models.common import PROBLEM_RESPONSES
from api.models.simulations import DefaultSimulation, DefaultSimulationRequest
from api.services.simulation import SimulationBounds, simulate_default

router = APIRouter(prefix="/v1/simulations", tags=["simulations"], responses=PROBLEM_RESPONSES)


def bounds(request: Request) -> SimulationBounds:
    return SimulationBounds.from_settings(request.app.state.settings)


@router.post(
    "/default",
    response_model=DefaultSimulation,
    summary="Default cascade: who is distressed, which loans are at risk (DebtRank)",
    dependencies=[Depends(require("simulation:run"))],
)
async def default_cascade(
    r: Repos, body: DefaultSimulationRequest, b: Annotated[SimulationBounds, Depends(bounds)]
) -> DefaultSimulation:
    return await simulate_default(r.simulations, body, b)
