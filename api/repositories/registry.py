"""The set of repositories one app instance uses, built once in the lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from neo4j import AsyncDriver

from api.repositories.alerts import AlertRepository
from api.repositories.checks import CheckRepository
from api.repositories.disputes import DisputeStore
from api.repositories.entities import EntityRepository
from api.repositories.flags import FlagStore
from api.repositories.groups import GroupRepository
from api.repositories.names import NameRepository
from api.repositories.ownership import OwnershipRepository
from api.repositories.reports import ReportRepository
from api.repositories.review import ReviewRepository
from api.repositories.simulations import SimulationRepository
from api.repositories.snapshots import SnapshotRepository
from api.repositories.statistics import StatisticsRepository
from api.repositories.users import UserRepository


@dataclass
class Repositories:
    entities: EntityRepository
    checks: CheckRepository
    users: UserRepository
    alerts: AlertRepository
    ownership: OwnershipRepository
    review: ReviewRepository
    groups: GroupRepository
    disputes: DisputeStore
    flags: FlagStore
    statistics: StatisticsRepository
    simulations: SimulationRepository
    names: NameRepository
    reports: ReportRepository
    snapshots: SnapshotRepository

    @classmethod
    def build(cls, driver: AsyncDriver, database: str, timeout_s: float) -> Repositories:
        return cls(
            entities=EntityRepository(driver, database, timeout_s),
            checks=CheckRepository(driver, database, timeout_s),
            users=UserRepository(driver, database, timeout_s),
            alerts=AlertRepository(driver, database, timeout_s),
            ownership=OwnershipRepository(driver, database, timeout_s),
            review=ReviewRepository(driver, database, timeout_s),
            groups=GroupRepository(driver, database, timeout_s),
            disputes=DisputeStore(driver, database),
            flags=FlagStore(driver, database),
            statistics=StatisticsRepository(driver, database, timeout_s),
            simulations=SimulationRepository(driver, database, timeout_s),
            names=NameRepository(driver, database, timeout_s),
            reports=ReportRepository(driver, database, timeout_s),
            snapshots=SnapshotRepository(driver, database, timeout_s),
        )
