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
from api.repositories.ownership import OwnershipRepository
from api.repositories.review import ReviewRepository
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
        )
