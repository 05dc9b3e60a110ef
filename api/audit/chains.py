"""Several writers, one audit trail: a chain file per writer, verified and read together.

Why: the API runs as several worker processes (and, behind a load balancer, on several hosts), and a
chain has exactly one writer (the ``flock`` of :class:`api.audit.log.AuditLog`). So each writer takes
a chain of its own: the first one the configured log (``audit.jsonl``), the next ones
``audit.<host>-<n>.jsonl`` beside it — each with its own checkpoint file and its own identity in the
keyring. A slot is taken again after a restart, so the folder holds as many chains as writers ever
ran at once, each continuing where it stopped. Every record a worker seals names its writer
(``host:pid:start``), so an auditor sees which process answered.

Completeness over all chains: the keyring remembers every chain it has sealed and each chain has a
checkpoint apart from the logs; a chain either of them names whose file is gone is reported as
``chain-missing``, and each present chain is verified as before (edits, truncation, deletion of its
tail). :func:`verify_trail` is what `riskgraph audit check`, ``/v1/audit/verify`` and the scheduled
check run; :func:`read_trail` merges the chains' records by time for the readers.
"""

from __future__ import annotations

import heapq
import os
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api.audit import checkpoint as ckpt
from api.audit import keyring as kr
from api.audit.log import AuditLog, AuditLogBusy, AuditLogError, read_records
from api.audit.verify import VerifyResult, verify_chain

#: more writers than this at once on one host is a configuration error, not a reason for more files
MAX_WRITERS_PER_HOST = 64


def writer_id() -> str:
    """This process as a writer: host, pid and start time (a restarted pid is another writer)."""
    started = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    return f"{socket.gethostname()}:{os.getpid()}:{started}"


def _host_tag(host: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.]", "_", host)[:64] or "host"


def slot_path(base: Path, n: int, host: str) -> Path:
    """Chain file number ``n`` of ``host``: the configured log itself for the first writer."""
    if n == 0:
        return base
    return base.with_name(f"{base.stem}.{_host_tag(host)}-{n}{base.suffix}")


def _is_chain_name(base: Path, name: str) -> bool:
    if name == base.name:
        return True
    pattern = rf"{re.escape(base.stem)}\.[A-Za-z0-9_.]+-\d+{re.escape(base.suffix)}"
    return re.fullmatch(pattern, name) is not None


def open_writer(base: Path, *, host: str | None = None) -> AuditLog:
    """Open the first free chain of this trail for this process (the API's lifespan calls it)."""
    tag = host or socket.gethostname()
    who = writer_id()
    for n in range(MAX_WRITERS_PER_HOST):
        log = AuditLog(slot_path(base, n, tag), writer=who)
        try:
            log.open()
        except AuditLogBusy:
            continue
        return log
    raise AuditLogError(
        f"审计日志的 {MAX_WRITERS_PER_HOST} 条链都在使用中。/ All {MAX_WRITERS_PER_HOST} audit chains of "
        f"{base} are in use."
    )


def chain_paths(base: Path) -> list[Path]:
    """The chain files of the trail present on disk, the configured log first."""
    found = sorted(p for p in base.parent.glob(f"{base.stem}.*{base.suffix}") if _is_chain_name(base, p.name))
    return ([base] if base.exists() else []) + [p for p in found if p != base]


def known_chain_names(base: Path) -> set[str]:
    """Chains the keyring sealed or a checkpoint signed: each of them must still be there."""
    names: set[str] = set()
    try:
        ring = kr.load(kr.default_key_file(base))
    except kr.KeyringError:
        ring = None
    if ring is not None:
        names.update(n for n in ring.logs if _is_chain_name(base, n))
    cp_dir = ckpt.default_checkpoint_file(base).parent
    if cp_dir.is_dir():
        for cp in cp_dir.glob("*.ckpt"):
            name = cp.name[: -len(".ckpt")]
            if _is_chain_name(base, name) and ckpt.read(cp, ring).latest is not None:
                names.add(name)
    return names


@dataclass(frozen=True)
class ChainReport:
    """One chain's verification; ``missing`` when its file is gone although it was sealed."""

    name: str
    result: VerifyResult

    def as_dict(self) -> dict[str, Any]:
        return {"chain": self.name, **self.result.__dict__}


@dataclass(frozen=True)
class TrailResult:
    """All chains of the trail together: ok only when every chain is present and verifies."""

    chains: list[ChainReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.result.ok for c in self.chains)

    @property
    def records(self) -> int:
        return sum(c.result.records for c in self.chains)

    @property
    def first_problem(self) -> ChainReport | None:
        return next((c for c in self.chains if not c.result.ok), None)

    @property
    def reason(self) -> str | None:
        bad = self.first_problem
        return f"{bad.name}: {bad.result.reason}" if bad else None


def verify_trail(base: Path) -> TrailResult:
    """Verify every chain of the trail, and that no chain the keyring or a checkpoint knows is gone."""
    present = chain_paths(base)
    reports = [ChainReport(p.name, verify_chain(p)) for p in present]
    names = {p.name for p in present}
    for name in sorted(known_chain_names(base) - names):
        text = f"chain-missing: the chain file {name} is gone, but the keyring or a checkpoint names it"
        reports.append(ChainReport(name, VerifyResult(False, 0, 0, "", None, text, "chain-missing")))
    if not reports:  # an empty trail: report the configured log as the one (empty, valid) chain
        reports.append(ChainReport(base.name, verify_chain(base)))
    return TrailResult(reports)


def _keyed(path: Path) -> Iterator[tuple[tuple[str, str, int], dict[str, Any]]]:
    for rec in read_records(path):
        rec["chain"] = path.name
        yield (str(rec.get("ts", "")), path.name, int(rec.get("seq") or 0)), rec


def read_trail(base: Path) -> Iterator[dict[str, Any]]:
    """Every record of every chain, merged by time (ties by chain and ``seq``); each names its chain."""
    streams = [_keyed(p) for p in chain_paths(base)]
    for _key, rec in heapq.merge(*streams, key=lambda item: item[0]):
        yield rec


def trail_position(rec: dict[str, Any]) -> list[Any]:
    """The sort key of a merged record, for keyset pagination."""
    return [str(rec.get("ts", "")), str(rec.get("chain", "")), int(rec.get("seq") or 0)]
