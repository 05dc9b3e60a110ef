"""Password policy and hashing: pure functions, so every rule is unit-tested without a database.

Why argon2id with heavier parameters than API keys: a password is chosen by a person (low entropy),
an API key is 256 random bits; the password hash must make offline guessing expensive.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=2)
#: verified against when the user does not exist, so both paths cost the same (no user enumeration)
_DUMMY_HASH = _hasher.hash("riskgraph-dummy-password")

CLASSES = {
    "lower": set(string.ascii_lowercase),
    "upper": set(string.ascii_uppercase),
    "digit": set(string.digits),
}


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 12
    min_classes: int = 3
    max_age_days: int = 90
    history: int = 5
    lockout_threshold: int = 5

    @classmethod
    def from_settings(cls, s) -> PasswordPolicy:
        return cls(
            min_length=s.gov_password_min_length,
            min_classes=s.gov_password_min_classes,
            max_age_days=s.gov_password_max_age_days,
            history=s.gov_password_history,
            lockout_threshold=s.gov_lockout_threshold,
        )


def character_classes(password: str) -> set[str]:
    used = {name for name, chars in CLASSES.items() if any(c in chars for c in password)}
    if any(not c.isalnum() or ord(c) > 127 for c in password):
        used.add("symbol")  # punctuation, spaces and non-ASCII (e.g. 汉字) count as symbols
    return used


def policy_violations(password: str, policy: PasswordPolicy, *, user_id: str = "") -> list[str]:
    """Every rule the password breaks, as bilingual messages (empty = acceptable)."""
    problems: list[str] = []
    if len(password) < policy.min_length:
        problems.append(f"密码至少 {policy.min_length} 个字符。/ At least {policy.min_length} characters.")
    if len(password) > 256:
        problems.append("密码不得超过 256 个字符。/ At most 256 characters.")
    if len(character_classes(password)) < policy.min_classes:
        problems.append(
            f"密码须包含小写字母、大写字母、数字、符号中的至少 {policy.min_classes} 类。/ Use at least "
            f"{policy.min_classes} of: lower case, upper case, digits, symbols."
        )
    if user_id and len(user_id) >= 3 and user_id.lower() in password.lower():
        problems.append("密码不得包含用户名。/ The password must not contain the user name.")
    if len(set(password)) < 5:
        problems.append("密码重复字符过多。/ Too few distinct characters.")
    return problems


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing hash still costs one verification (timing)."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def reuses_previous(password: str, current_hash: str | None, history: list[str], keep: int) -> bool:
    """True when ``password`` equals the current one or one of the last ``keep`` previous ones."""
    if keep <= 0:
        return False
    candidates = ([current_hash] if current_hash else []) + list(history)[-keep:]
    return any(verify_password(h, password) for h in candidates if h)


def password_expired(changed_at: datetime | None, now: datetime, max_age_days: int) -> bool:
    if max_age_days <= 0:
        return False
    return changed_at is None or now - changed_at > timedelta(days=max_age_days)


def temporary_password(length: int = 16) -> str:
    """A random password that satisfies any reasonable policy (all four classes, no look-alikes)."""
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    symbols = "!#%+-=?@^_"
    while True:
        body = [secrets.choice(alphabet) for _ in range(length - 2)] + [
            secrets.choice(symbols),
            secrets.choice(string.digits[2:]),
        ]
        secrets.SystemRandom().shuffle(body)
        pw = "".join(body)
        if {"lower", "upper", "digit", "symbol"} <= character_classes(pw):
            return pw
