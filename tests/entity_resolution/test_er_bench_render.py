"""The ER benchmark table names the machine each row ran on when ``--append`` mixes machines."""

from __future__ import annotations

from bench.er.run import _machines


def _row(data: str, kind: str, records: int, cpu: str, mode: str = "full") -> dict:
    machine = {"nproc": 2, "cpu": cpu, "ram_gb": 23.5, "python": "3.11.7"}
    return {"data": data, "kind": kind, "records": records, "mode": mode, "machine": machine}


def test_one_machine_is_named_once() -> None:
    rows = [_row("synth", "company", 10_100, "AMD EPYC"), _row("synth", "person", 10_007, "AMD EPYC")]
    assert _machines(rows, {}) == "Machine: 2 cores (AMD EPYC), 23.5 GB RAM, Python 3.11.7."


def test_rows_of_several_machines_are_listed_by_machine() -> None:
    rows = [
        _row("generator gen_l", "company", 2_168_603, "AMD EPYC"),
        _row("generator gen_m", "company", 217_845, "Xeon"),
        _row("generator gen_m", "company", 217_845, "Xeon", mode="incremental"),
    ]
    text = _machines(rows, {})
    assert text.startswith(
        "Machines: 2 cores (AMD EPYC), 23.5 GB RAM, Python 3.11.7: generator gen_l company 2,168,603;"
    )
    assert (
        "(Xeon), 23.5 GB RAM, Python 3.11.7: generator gen_m company 217,845, generator gen_m company 217,845 incremental."
        in text
    )
