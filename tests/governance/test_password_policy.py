"""Password policy and two-level administration as pure functions (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.services.admin_policy import Actor, Target, admin_level, can_manage
from api.services.passwords import (
    PasswordPolicy,
    character_classes,
    hash_password,
    password_expired,
    policy_violations,
    reuses_previous,
    temporary_password,
    verify_password,
)

POLICY = PasswordPolicy(min_length=12, min_classes=3, max_age_days=90, history=2)


@pytest.mark.parametrize(
    "password, ok",
    [
        ("Kx7#mQ2v!Lp9wR", True),
        ("short1A!", False),  # too short
        ("alllowercaseletters", False),  # one class
        ("lowercase1234567", False),  # two classes
        ("Lowercase1234567", True),  # three classes
        ("数据治理Pass12345", True),  # 汉字 count as symbols
        ("aaaaaaaaaaaaA1!", False),  # too few distinct characters
        ("zhang.san-Pass1!", False),  # contains the user name
    ],
)
def test_policy(password, ok):
    assert (policy_violations(password, POLICY, user_id="zhang.san") == []) is ok


def test_violations_are_bilingual():
    problems = policy_violations("abc", POLICY)
    assert problems and all("/ " in p and any(ord(c) > 0x4E00 for c in p) for p in problems)


def test_temporary_passwords_satisfy_the_policy_and_differ():
    pws = {temporary_password(16) for _ in range(20)}
    assert len(pws) == 20
    assert all(policy_violations(p, POLICY) == [] for p in pws)
    assert all(character_classes(p) == {"lower", "upper", "digit", "symbol"} for p in pws)


def test_hash_is_argon2id_and_verifies_only_the_right_password():
    h = hash_password("Kx7#mQ2v!Lp9wR")
    assert h.startswith("$argon2id$") and "Kx7" not in h
    assert verify_password(h, "Kx7#mQ2v!Lp9wR")
    assert not verify_password(h, "Kx7#mQ2v!Lp9wr")
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")


def test_reuse_of_current_and_recent_passwords_is_detected():
    old1, old2, old3, cur = (
        hash_password(p) for p in ("Old-one-11A", "Old-two-22B", "Old-three-33C", "Cur-pw-44D")
    )
    history = [old1, old2, old3]
    assert reuses_previous("Cur-pw-44D", cur, history, keep=2)
    assert reuses_previous("Old-three-33C", cur, history, keep=2)
    assert reuses_previous("Old-two-22B", cur, history, keep=2)
    assert not reuses_previous("Old-one-11A", cur, history, keep=2)  # older than the last 2
    assert not reuses_previous("Brand-new-55E", cur, history, keep=2)


def test_expiry():
    now = datetime(2026, 6, 1, tzinfo=UTC)
    assert not password_expired(now - timedelta(days=89), now, 90)
    assert password_expired(now - timedelta(days=91), now, 90)
    assert password_expired(None, now, 90)
    assert not password_expired(None, now, 0)


HQ = "HQ"
hq_admin = Actor("hq.admin", HQ, frozenset({"admin"}))
hz_admin = Actor("hz.admin", "杭州分行", frozenset({"admin"}))
examiner = Actor("someone", "杭州分行", frozenset({"examiner"}))


@pytest.mark.parametrize(
    "actor, target, allowed",
    [
        (hq_admin, Target("nb.admin", "宁波分行", frozenset({"admin"})), True),  # HQ manages branch admins
        (hq_admin, Target("hq.staff", HQ, frozenset({"auditor"})), True),  # and head-office staff
        (hq_admin, Target("hz.staff", "杭州分行", frozenset({"approver"})), False),  # not branch staff
        (hz_admin, Target("hz.staff", "杭州分行", frozenset({"approver", "pii"})), True),  # own branch staff
        (hz_admin, Target("nb.staff", "宁波分行", frozenset({"approver"})), False),  # another branch
        (hz_admin, Target("hq.staff", HQ, frozenset({"approver"})), False),  # the head office
        (hz_admin, Target("hz.admin2", "杭州分行", frozenset({"admin"})), False),  # no admins
        (hz_admin, Target("hz.admin", "杭州分行", frozenset({"examiner"})), False),  # not oneself
        (examiner, Target("x", "杭州分行", frozenset({"approver"})), False),  # not an admin
        (hz_admin, Target("x", "杭州分行", frozenset({"superuser"})), False),  # unknown role
    ],
)
def test_two_level_administration(actor, target, allowed):
    decision = can_manage(actor, target, HQ)
    assert decision.allowed is allowed
    if not allowed:
        assert " / " in decision.message


def test_admin_levels():
    assert admin_level(hq_admin, HQ) == "head_office"
    assert admin_level(Actor("legacy", None, frozenset({"admin"})), HQ) == "head_office"
    assert admin_level(hz_admin, HQ) == "branch"
    assert admin_level(examiner, HQ) is None
