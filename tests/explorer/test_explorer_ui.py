"""The shared page bar's caption: the API's span and total, a total counted only up to a limit said
as a floor ("at least"), and no total made up for a list the API does not count."""

from __future__ import annotations

import doctest

from explorer import ui


def test_page_caption_examples_hold():
    assert doctest.testmod(ui, verbose=False).failed == 0
    assert doctest.testmod(ui).attempted >= 2


def test_a_counted_total_reads_exact_and_a_capped_one_reads_at_least():
    exact = ui.page_caption({"offset": 0, "total": 500, "limit": 50}, 50, "结果 results")
    floor = ui.page_caption({"offset": 0, "total": 500, "total_at_least": True}, 50, "结果 results")
    assert "/ 500（共 500 total）" in exact and "≥" not in exact
    assert "/ ≥500" in floor and "at least" in floor and "共" not in floor


def test_a_list_without_a_total_claims_none():
    more = ui.page_caption({"offset": 40, "total": None, "next_cursor": "x"}, 20, "记录 rows")
    assert more == "记录 rows 41–60（后面还有 more follow）"
    assert ui.page_caption({}, 0, "记录 rows", "按 by name") == "记录 rows 0 · 按 by name"
