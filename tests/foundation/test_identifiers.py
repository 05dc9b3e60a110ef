"""The test identifier maker produces identifiers the validators accept, distinct per serial."""

from __future__ import annotations

from stdnum.cn import ric, uscc

from tests.identifiers import numbered_uscc, resident_id
from tests.identifiers import ric as make_ric
from tests.identifiers import uscc as make_uscc


def test_made_identifiers_are_valid_and_distinct() -> None:
    codes = {numbered_uscc(i) for i in range(500)}
    assert len(codes) == 500
    assert all(uscc.is_valid(c) for c in codes)
    assert uscc.is_valid(make_uscc("91330106MA2B00001"))
    ids = {resident_id("19800101", s) for s in range(50)}
    assert len(ids) == 50 and all(ric.is_valid(i) for i in ids)
    assert ric.is_valid(make_ric("31010419750505002"))


def test_a_wrong_check_character_is_rejected() -> None:
    good = numbered_uscc(7)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert not uscc.is_valid(bad)
