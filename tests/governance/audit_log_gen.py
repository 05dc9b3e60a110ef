"""A generated audit log: normal users with steady working-hours habits, plus planted abnormal ones."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")
#: the day judged (local), a Wednesday
DAY = datetime(2026, 11, 18, tzinfo=SH)


class LogBuilder:
    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.records: list[dict] = []
        self.seq = 0

    def add(
        self,
        local: datetime,
        user: str | None,
        *,
        roles=("approver",),
        path="/v1/entities/C:X",
        status=200,
        purpose: str | None = "LA-1",
        entities=("C:X",),
        note=None,
        client="10.0.0.9",
    ) -> None:
        self.seq += 1
        self.records.append(
            {
                "kind": "request",
                "seq": self.seq,
                "ts": local.astimezone(UTC).isoformat(),
                "user_id": user,
                "roles": list(roles) if user else [],
                "path": path,
                "status": status,
                "outcome": "ok" if status < 400 else ("denied" if status in (401, 403) else "client_error"),
                "purpose_ref": purpose,
                "entity_ids": list(entities) if status < 400 else [],
                "note": note,
                "client": client,
            }
        )

    def normal_user(
        self, user: str, days: int = 30, per_day: tuple[int, int] = (15, 40), roles=("approver",)
    ) -> None:
        """Working days only, 09:00–17:59 local, every lookup tied to an application it pre-checked."""
        for back in range(days, -1, -1):
            day = DAY - timedelta(days=back)
            if day.weekday() >= 5:
                continue
            n = self.rng.randint(*per_day)
            apps = [f"LA-{user}-{back}-{i}" for i in range(max(1, n // 5))]
            for app in apps:
                self.add(
                    day.replace(hour=9, minute=self.rng.randint(0, 30)),
                    user,
                    roles=roles,
                    path="/v1/checks/pre-loan",
                    purpose=app,
                    entities=(f"C:{app}",),
                )
            for _ in range(n):
                t = day.replace(hour=self.rng.randint(9, 17), minute=self.rng.randint(0, 59))
                app = self.rng.choice(apps)
                self.add(t, user, roles=roles, purpose=app, entities=(f"C:{app}",))
            if self.rng.random() < 0.2:  # the odd mistyped call
                self.add(day.replace(hour=10), user, roles=roles, status=403)

    def sorted(self) -> list[dict]:
        return sorted(self.records, key=lambda r: r["ts"])


def window() -> tuple[datetime, datetime]:
    return DAY.astimezone(UTC), (DAY + timedelta(days=1)).astimezone(UTC)
