"""Identifier builders and table helpers shared by the entity-resolution tests."""

from __future__ import annotations

import pandas as pd
from stdnum.cn import ric, uscc

COMPANY_COLS = ["record_id", "name", "uscc", "legal_rep", "address", "phone", "established"]
PERSON_COLS = ["record_id", "name", "id_number", "birth_date", "phone", "address"]


def make_uscc(serial: int, region: str = "330100") -> str:
    """A valid 18-character USCC (enterprise, given region) with a computed check digit."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    tail, n = "", serial
    for _ in range(9):
        tail = alphabet[n % 31] + tail
        n //= 31
    body = "91" + region + tail
    return body + uscc.calc_check_digit(body)


def make_ric(birth: str, seq: int, region: str = "110105") -> str:
    """A valid resident ID (Beijing Chaoyang by default) with a computed check digit."""
    body = f"{region}{birth}{seq % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit


def mask(code: str) -> str:
    return code[:4] + "*" * 10 + code[-4:]


def with_background(rows: list[dict], background: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([pd.DataFrame(rows), background], ignore_index=True)
