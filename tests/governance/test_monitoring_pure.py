"""Abnormal-use detection over a generated audit log: planted patterns are flagged, normal use is not."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest

from api.services.monitoring import MonitorParams, detect, is_off_hours
from tests.governance.audit_log_gen import DAY, LogBuilder, window

P = MonitorParams()
NORMAL = [f"normal{i}" for i in range(12)]


@pytest.fixture(scope="module")
def planted():
    b = LogBuilder()
    for u in NORMAL:
        b.normal_user(u)
    # spike: a steady user who suddenly pulls 400 records in working hours, all with known references
    b.normal_user("bulk")
    for i in range(400):
        b.add(
            DAY.replace(hour=10 + i % 7, minute=i % 60), "bulk", purpose="LA-bulk-0-0", entities=(f"C:{i}",)
        )
    # off hours: a normal user who also looks something up at 23:10
    b.normal_user("night")
    b.add(DAY.replace(hour=23, minute=10), "night", purpose="LA-night-0-0")
    # no application: an approver with a reference never seen in a pre-loan check, and one without any
    b.normal_user("fishing")
    b.add(DAY.replace(hour=11), "fishing", purpose="CURIOUS-1", entities=("P:CELEBRITY",))
    b.add(DAY.replace(hour=11, minute=5), "fishing", purpose=None, entities=("P:NEIGHBOUR",))
    # dormant: active two months ago, silent since, queries today
    for k in range(5):
        b.add(DAY.replace(hour=10) - timedelta(days=70 + k), "sleeper", purpose="LA-old", entities=("C:OLD",))
        b.add(
            DAY.replace(hour=9) - timedelta(days=70 + k),
            "sleeper",
            path="/v1/checks/pre-loan",
            purpose="LA-old",
            entities=("C:OLD",),
        )
    b.add(DAY.replace(hour=13, minute=59), "sleeper", path="/v1/auth/login", purpose=None, entities=())
    b.add(DAY.replace(hour=14), "sleeper", path="/v1/checks/pre-loan", purpose="LA-wake", entities=("C:W",))
    b.add(DAY.replace(hour=14, minute=1), "sleeper", purpose="LA-wake", entities=("C:W",))
    # repeated denials: a user probing endpoints, and password guessing against one account name
    b.normal_user("prober", roles=("examiner",))
    for i in range(8):
        b.add(
            DAY.replace(hour=15, minute=i), "prober", roles=("examiner",), path=f"/v1/audit?p={i}", status=403
        )
    for i in range(6):
        b.add(
            DAY.replace(hour=16, minute=i),
            None,
            path="/v1/auth/login",
            status=401,
            note="login denied user=victim code=invalid-credentials",
            client="203.0.113.5",
        )
    since, until = window()
    return detect(b.sorted(), since=since, until=until, params=P)


def by_user(flags):
    out = defaultdict(set)
    for f in flags:
        out[f.user_id].add(f.check)
    return out


def test_each_planted_pattern_is_flagged(planted):
    got = by_user(planted)
    assert got["bulk"] == {"audit.volume_spike"}
    assert got["night"] == {"audit.off_hours"}
    assert got["fishing"] == {"audit.no_application"}
    assert got["sleeper"] == {"audit.dormant_reactivated"}
    assert got["prober"] == {"audit.repeated_denials"}
    assert got["victim"] == {"audit.repeated_denials"}


def test_normal_users_are_not_flagged(planted):
    got = by_user(planted)
    assert not any(u in got for u in NORMAL), {u: got[u] for u in NORMAL if u in got}
    assert set(got) == {"bulk", "night", "fishing", "sleeper", "prober", "victim"}


def test_flags_carry_evidence_and_stable_ids(planted):
    f = {x.user_id + x.check: x for x in planted}
    spike = f["bulkaudit.volume_spike"]
    assert spike.evidence["queries"] > spike.evidence["threshold"] >= P.spike_min_queries
    assert (
        spike.evidence["history_days"] >= P.spike_min_history_days and spike.window == DAY.date().isoformat()
    )
    fishing = f["fishingaudit.no_application"]
    assert fishing.evidence["without_reference"] == 1 and fishing.evidence["unknown_references"] == [
        "CURIOUS-1"
    ]
    assert set(fishing.evidence["entity_ids"]) == {"P:CELEBRITY", "P:NEIGHBOUR"}
    assert f["sleeperaudit.dormant_reactivated"].evidence["silent_days"] >= 69
    assert f["victimaudit.repeated_denials"].evidence["denied"] == 6
    assert all(x.explanation_zh and x.explanation_en for x in planted)
    assert len({x.flag_id for x in planted}) == len(planted)
    assert spike.flag_id == type(spike)(spike.check, spike.user_id, spike.window, "low", "", "").flag_id


def test_thresholds_are_respected():
    b = LogBuilder(seed=3)
    b.normal_user("steady")
    # 5 denials is the threshold, 4 is not
    for i in range(4):
        b.add(DAY.replace(hour=15, minute=i), "steady", status=403)
    since, until = window()
    assert not [f for f in detect(b.sorted(), since=since, until=until, params=P) if f.user_id == "steady"]
    b.add(DAY.replace(hour=15, minute=30), "steady", status=401)
    flags = detect(b.sorted(), since=since, until=until, params=P)
    assert [f.check for f in flags if f.user_id == "steady"] == ["audit.repeated_denials"]


def test_dormant_new_account_uses_creation_date():
    b = LogBuilder()
    b.add(DAY.replace(hour=10), "fresh", purpose="LA-1", path="/v1/checks/pre-loan")
    since, until = window()
    assert not detect(b.sorted(), since=since, until=until, params=P)  # no history, no record: not judged
    flags = detect(
        b.sorted(), since=since, until=until, params=P, created_at={"fresh": DAY - timedelta(days=90)}
    )
    assert [f.check for f in flags] == ["audit.dormant_reactivated"]
    assert not detect(
        b.sorted(), since=since, until=until, params=P, created_at={"fresh": DAY - timedelta(days=3)}
    )


def test_working_hours_edges():
    assert not is_off_hours(DAY.replace(hour=8, minute=0), P)
    assert is_off_hours(DAY.replace(hour=7, minute=59), P)
    assert is_off_hours(DAY.replace(hour=19, minute=0), P)
    assert is_off_hours((DAY + timedelta(days=3)).replace(hour=10), P)  # Saturday
