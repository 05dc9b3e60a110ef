"""The one maker of valid Chinese identifiers for tests and benchmarks.

Fixtures need real-looking 统一社会信用代码 (USCC, GB 32100-2015) and 居民身份证号码 (GB 11643-1999)
whose check characters are right, or ingest and entity resolution reject them as they should.
Every fixture builds them here instead of repeating the check-digit call (and its placeholder
quirk) in each test folder.
"""

from __future__ import annotations

from stdnum.cn import ric as _ric
from stdnum.cn import uscc as _uscc

#: the characters a USCC body may use (GB 32100-2015: digits and capitals except I, O, S, V, Z)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc(body17: str) -> str:
    """The 18-character USCC whose first 17 characters are ``body17``."""
    return body17 + _uscc.calc_check_digit(body17)


def ric(body17: str) -> str:
    """The 18-character resident ID whose first 17 digits are ``body17``."""
    return body17 + _ric.calc_check_digit(body17 + "0")  # stdnum reads past a placeholder check digit


def numbered_uscc(serial: int, region: str = "330100") -> str:
    """A distinct valid enterprise USCC per ``serial`` (registered in ``region``)."""
    tail, n = "", serial
    for _ in range(9):
        tail = USCC_ALPHABET[n % 31] + tail
        n //= 31
    return uscc("91" + region + tail)


def resident_id(birth: str, seq: int, region: str = "110105") -> str:
    """A valid resident ID born on ``birth`` (YYYYMMDD), sequence ``seq`` (Beijing Chaoyang by default)."""
    return ric(f"{region}{birth}{seq % 1000:03d}")
