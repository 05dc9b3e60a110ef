"""Units in chunks: how a parallel executor packs units into tasks and puts the results back in order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from risk_rules.execution.components import balanced_chunks

#: Chunks per worker: enough that one slow chunk does not leave the other workers idle for long.
CHUNKS_PER_WORKER = 4


def run_chunk(fn: Callable[[Any], Any], chunk: list[tuple[int, Any]]) -> list[tuple[int, Any]]:
    """One task of a parallel executor: the function over a chunk of (index, unit)."""
    return [(i, fn(u)) for i, u in chunk]


def indexed_chunks(
    units: Sequence[Any], costs: Sequence[float] | None, n_chunks: int
) -> list[list[tuple[int, Any]]]:
    """The units as (index, unit) chunks of similar cost (cost 1 each when not given)."""
    weights = list(costs) if costs is not None else [1.0] * len(units)
    if len(weights) != len(units):
        raise ValueError("costs 与 units 长度不一致 / costs and units differ in length")
    return [[(i, units[i]) for i in chunk] for chunk in balanced_chunks(weights, n_chunks)]


def in_order(n: int, parts: Sequence[list[tuple[int, Any]]]) -> list[Any]:
    """Chunk results put back in the units' order; a missing or repeated unit is an error."""
    out: list[Any] = [None] * n
    seen = 0
    for part in parts:
        for i, r in part:
            out[i] = r
            seen += 1
    if seen != n:
        raise RuntimeError(
            f"执行器返回 {seen} 个结果，应为 {n} / executor returned {seen} results for {n} units"
        )
    return out
