"""The set of repositories one app instance uses, built once in the lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from neo4j import AsyncDriver

from api.repositories.alerts import AlertRepository
from api.repositories.checks import CheckRepository
from api.repositories.entities import EntityRepository
from api.repositories.keys import KeyRepository
from api.repositories.ownership import OwnershipRepository
from api.repositories.review import ReviewRepository


@dataclass
class Repositories:
    entities: EntityRepository
    checks: CheckRepository
    keys: KeyRepository
    alerts: AlertRepository
    ownership: OwnershipRepository
    review: ReviewRepository

    @classmethod
    def build(cls, driver: AsyncDriver, database: str, timeout_s: float) -> Repositories:
        return cls(
            entities=EntityRepository(driver, database, timeout_s),
            checks=CheckRepository(driver, database, timeout_s),
            keys=KeyRepository(driver, database, timeout_s),
            alerts=AlertRepository(driver, database, timeout_s),
            ownership=OwnershipRepository(driver, database, timeout_s),
            review=ReviewRepository(driver, database, timeout_s),
        )
