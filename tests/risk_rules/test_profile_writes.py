"""Profile writes are cut by size: one large group's bodies must not make one huge transaction."""

from risk_rules.findings.store import by_size


def test_rows_are_cut_in_order_into_runs_within_the_byte_budget():
    rows = [{"entity_id": str(i), "body": "x" * n} for i, n in enumerate([5, 5, 5, 11, 0, 3])]
    parts = by_size(rows, 10)
    assert [[r["entity_id"] for r in p] for p in parts] == [["0", "1"], ["2"], ["3"], ["4", "5"]]
    assert [r for p in parts for r in p] == rows  # nothing lost, order kept


def test_no_rows_no_writes():
    assert by_size([], 10) == []
