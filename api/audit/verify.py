"""Verification of the audit log: the keyed chain, its checkpoints and its identity.

Each failure has a named reason (``VerifyResult.code``) so that `riskgraph audit check`, the API's
``/v1/audit/verify`` and the scheduled check all say the same thing:

================= ===================================================================
code              what it means
================= ===================================================================
torn-tail         the last line is unterminated: a crash mid-write (never acknowledged;
                  the next start moves it into a ``recovery`` record)
truncated         the file was cut inside a record the checkpoint had already signed
tail-deleted      whole records at the end are missing: fewer records than the checkpoint
mac-mismatch      a record's MAC does not verify: edited (even with recomputed hashes)
hash-mismatch     a record from before the keyed chain does not match its plain hash
unkeyed-record    a record without a MAC after the keyed chain began (a forged insertion)
unknown-key       a record names a key this server does not hold (another server's log)
broken-link       ``prev_hash`` does not link to the record before (deleted or reordered)
sequence          a gap or reorder in ``seq``
not-json          a line is not JSON
swapped           the log is not the one the checkpoint or the keyring signed
rewritten         the record at the checkpoint's count is not the one it signed
checkpoint-forged a checkpoint does not verify with the server key
checkpoint-missing the log is sealed but its checkpoint file is gone
key-missing       the log or checkpoint is sealed but the key file is gone
integrity         the server found one of the above when it started and wrote it down
================= ===================================================================
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.audit import checkpoint as ckpt
from api.audit import keyring as kr

GENESIS = "0" * 64


def canonical(record: dict[str, Any]) -> bytes:
    body = {k: v for k, v in record.items() if k != "hash"}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def record_hash(record: dict[str, Any]) -> str:
    """The plain SHA-256 of a record written before the keyed chain (kept to verify old logs)."""
    return hashlib.sha256(canonical(record)).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    records: int
    last_seq: int
    last_hash: str
    first_bad_line: int | None = None
    reason: str | None = None
    code: str | None = None
    checkpoint_count: int | None = None


def _fail(
    n: int, seq: int, prev: str, line: int | None, code: str, text: str, cp: int | None
) -> VerifyResult:
    return VerifyResult(False, n, seq, prev, line, f"{code}: {text}", code, cp)


def verify_chain(
    path: Path, *, key_file: Path | None = None, checkpoint_file: Path | None = None
) -> VerifyResult:
    """Recompute the whole chain and compare it with the latest checkpoint; the first problem wins."""
    key_file = key_file or kr.default_key_file(path)
    checkpoint_file = checkpoint_file or ckpt.default_checkpoint_file(path)
    try:
        ring = kr.load(key_file)
    except kr.KeyringError as exc:
        return _fail(0, 0, GENESIS, None, "key-missing", str(exc), None)
    cps = ckpt.read(checkpoint_file, ring)
    cp = cps.latest
    cp_count = cp.count if cp else None
    if cps.exists and ring is None:
        return _fail(
            0, 0, GENESIS, None, "key-missing", "checkpoints exist but the audit key file is gone", None
        )
    if cps.forged:
        return _fail(
            0, 0, GENESIS, None, "checkpoint-forged", "a checkpoint does not verify with the server key", None
        )
    registered = ring.logs.get(path.name) if ring else None

    prev, seq, n = GENESIS, 0, 0
    keyed = False
    log_id: str | None = None
    torn_line: int | None = None
    if path.exists():
        with path.open("rb") as fh:
            for lineno, raw in enumerate(fh, start=1):
                if not raw.endswith(b"\n"):
                    torn_line = lineno
                    break
                try:
                    rec = json.loads(raw)
                except ValueError:
                    return _fail(n, seq, prev, lineno, "not-json", "line is not valid JSON", cp_count)
                if not isinstance(rec, dict):
                    return _fail(n, seq, prev, lineno, "not-json", "line is not a JSON object", cp_count)
                if rec.get("prev_hash") != prev:
                    return _fail(
                        n,
                        seq,
                        prev,
                        lineno,
                        "broken-link",
                        "prev_hash does not link to the previous record",
                        cp_count,
                    )
                if rec.get("seq") != seq + 1:
                    return _fail(n, seq, prev, lineno, "sequence", "sequence gap or reorder", cp_count)
                kid = rec.get("kid")
                if kid is not None:
                    if ring is None:
                        return _fail(
                            n, seq, prev, lineno, "key-missing", "the audit key file is gone", cp_count
                        )
                    if kid not in ring.keys:
                        return _fail(
                            n,
                            seq,
                            prev,
                            lineno,
                            "unknown-key",
                            f"record sealed with key {kid!r}, which this server does not hold (another log?)",
                            cp_count,
                        )
                    if not ring.verify(str(kid), canonical(rec), str(rec.get("hash"))):
                        return _fail(
                            n,
                            seq,
                            prev,
                            lineno,
                            "mac-mismatch",
                            "record content does not match its hash (HMAC): edited after it was written",
                            cp_count,
                        )
                    if not keyed:
                        keyed, log_id = True, rec.get("log_id")
                elif keyed:
                    return _fail(
                        n,
                        seq,
                        prev,
                        lineno,
                        "unkeyed-record",
                        "a record without a MAC inside the keyed chain",
                        cp_count,
                    )
                elif record_hash(rec) != rec.get("hash"):
                    return _fail(
                        n,
                        seq,
                        prev,
                        lineno,
                        "hash-mismatch",
                        "record content does not match its hash",
                        cp_count,
                    )
                if rec.get("kind") == "integrity":
                    return _fail(
                        n,
                        seq,
                        prev,
                        lineno,
                        str(rec.get("problem") or "integrity"),
                        f"found by the server at start-up: {rec.get('detail')}",
                        cp_count,
                    )
                if (
                    cp is not None
                    and rec["seq"] == cp.count
                    and log_id == cp.log_id
                    and rec["hash"] != cp.head
                ):
                    return _fail(
                        n,
                        seq,
                        prev,
                        lineno,
                        "rewritten",
                        f"record {cp.count} is not the one the checkpoint signed",
                        cp_count,
                    )
                prev, seq, n = rec["hash"], rec["seq"], n + 1

    if registered and keyed and log_id != registered:
        return _fail(
            n, seq, prev, None, "swapped", "this log is not the one the server's keyring knows", cp_count
        )
    if cp is not None and n > 0 and keyed and log_id != cp.log_id:
        return _fail(n, seq, prev, None, "swapped", "this log is not the one the checkpoint signed", cp_count)
    if cp is not None and n > 0 and not keyed:
        return _fail(
            n,
            seq,
            prev,
            None,
            "rewritten",
            "the checkpoint signed a sealed log; no record here is sealed",
            cp_count,
        )
    if cp is not None and seq < cp.count:
        if torn_line is not None:
            return _fail(
                n,
                seq,
                prev,
                torn_line,
                "truncated",
                f"the file ends inside record {seq + 1}; the checkpoint signed {cp.count} records",
                cp_count,
            )
        return _fail(
            n,
            seq,
            prev,
            None,
            "tail-deleted",
            f"the log has {seq} records; the checkpoint signed {cp.count}",
            cp_count,
        )
    if keyed and cp is None:
        return _fail(
            n, seq, prev, None, "checkpoint-missing", "the log is sealed but has no checkpoint", cp_count
        )
    if torn_line is not None:
        return _fail(n, seq, prev, torn_line, "torn-tail", "torn last line (unterminated record)", cp_count)
    return VerifyResult(True, n, seq, prev, checkpoint_count=cp_count)
