"""Tamper evidence against a writer of the audit file: `riskgraph audit check` names what was done.

The attacker here can write the log file (and nothing else): cut it, drop its last records, edit a
record and recompute every later hash, or put another log in its place. Each is detected with a
named reason and a non-zero exit. Also: rotation of the audit key, and no acknowledged record lost
when the writer is killed with SIGKILL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from api.audit import keyring
from api.audit.checkpoint import default_checkpoint_file
from api.audit.log import AuditLog, read_records, record_hash, verify_chain
from tests.api.conftest import PEPPER


def write_log(path: Path, n: int = 8, **kw) -> None:
    log = AuditLog(path, **kw)
    log.open()
    try:
        for i in range(n):
            log.append_sync({"kind": "request", "ts": "2026-11-18T02:00:00+00:00", "user_id": "u1", "i": i})
    finally:
        log.close()


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def recompute_plain_hashes(recs: list[dict]) -> list[dict]:
    """What an attacker without the key can do: relink and rehash with SHA-256 from the edit on."""
    prev = recs[0]["prev_hash"]
    out = []
    for rec in recs:
        rec = {**rec, "prev_hash": prev}
        rec["hash"] = record_hash(rec)
        prev = rec["hash"]
        out.append(rec)
    return out


def dump(path: Path, recs: list[dict]) -> None:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in recs),
        encoding="utf-8",
    )


# --- the four attacks, through verify_chain ------------------------------------------------------


def test_untouched_log_verifies_with_its_checkpoint(tmp_path):
    path = tmp_path / "audit.jsonl"
    write_log(path)
    v = verify_chain(path)
    assert v.ok and v.records == 8 and v.checkpoint_count == 8
    assert default_checkpoint_file(path).exists()
    assert oct(keyring.default_key_file(path).stat().st_mode & 0o777) == "0o600"
    key = keyring.load(keyring.default_key_file(path))
    assert key is not None
    secret = next(iter(key.keys.values())).hex()
    assert secret not in path.read_text() and secret not in default_checkpoint_file(path).read_text()


def test_truncation_is_detected(tmp_path):
    path = tmp_path / "audit.jsonl"
    write_log(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])  # cut inside the last record
    v = verify_chain(path)
    assert not v.ok and v.code == "truncated" and "checkpoint" in v.reason


def test_deleted_tail_is_detected(tmp_path):
    path = tmp_path / "audit.jsonl"
    write_log(path)
    path.write_bytes(b"".join(lines(path)[:-2]))  # a valid chain, two records short
    v = verify_chain(path)
    assert not v.ok and v.code == "tail-deleted" and "6" in v.reason and "8" in v.reason


def test_edit_with_recomputed_hashes_is_detected(tmp_path):
    path = tmp_path / "audit.jsonl"
    write_log(path)
    recs = [json.loads(x) for x in lines(path)]
    recs[3]["user_id"] = "someone-else"
    dump(path, recs[:3] + recompute_plain_hashes(recs[3:]))
    v = verify_chain(path)
    assert not v.ok and v.code == "mac-mismatch" and v.first_bad_line == 4
    # passing the edited records off as old, unkeyed ones does not help either
    unkeyed = [{k: val for k, val in r.items() if k != "kid"} for r in recs[3:]]
    dump(path, recs[:3] + recompute_plain_hashes(unkeyed))
    v = verify_chain(path)
    assert not v.ok and v.code == "unkeyed-record" and v.first_bad_line == 4
    # nor rewriting the whole file as an old-style plain-hash log
    everything = [{k: val for k, val in r.items() if k != "kid"} for r in recs]
    dump(path, recompute_plain_hashes(everything))
    v = verify_chain(path)
    assert not v.ok and v.code in ("rewritten", "swapped")


def test_swapped_log_is_detected(tmp_path):
    path = tmp_path / "audit.jsonl"
    write_log(path)
    # another log of the same server (same key), e.g. an older copy or a test log, put in its place
    other = tmp_path / "other.jsonl"
    write_log(other, n=10)
    path.write_bytes(other.read_bytes())
    v = verify_chain(path)
    assert not v.ok and v.code == "swapped"
    # a log of another installation (another key)
    elsewhere = tmp_path / "elsewhere" / "audit.jsonl"
    write_log(elsewhere, n=8)
    path.write_bytes(elsewhere.read_bytes())
    v = verify_chain(path)
    assert not v.ok and v.code == "unknown-key"


def test_forged_or_removed_checkpoint_is_detected(tmp_path):
    path = tmp_path / "audit.jsonl"
    write_log(path)
    cp = default_checkpoint_file(path)
    data = bytearray(cp.read_bytes())
    text = data.decode()
    forged = text.replace('"count":8', '"count":5') if '"count":8' in text else text
    cp.write_bytes(forged.encode())
    assert verify_chain(path).code == "checkpoint-forged"
    cp.unlink()
    assert verify_chain(path).code == "checkpoint-missing"


def test_tail_cut_while_the_server_was_down_stays_detected_after_restart(tmp_path):
    path = tmp_path / "audit.jsonl"
    write_log(path)
    path.write_bytes(b"".join(lines(path)[:-3]))
    write_log(path, n=5)  # the server starts again and keeps writing: the cut must not be papered over
    recs = list(read_records(path))
    assert recs[5]["kind"] == "integrity" and recs[5]["problem"] == "tail-deleted"
    v = verify_chain(path)
    assert not v.ok and v.code == "tail-deleted" and v.first_bad_line == 6


# --- the command line --------------------------------------------------------------------------


def _check(neo4j_env: dict[str, str], var: Path, log_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **neo4j_env,
        "RISKGRAPH_API_AUDIT_LOG": str(log_path),
        "RISKGRAPH_VAR_DIR": str(var),
        "RISKGRAPH_API_KEY_PEPPER": PEPPER,
        "COLUMNS": "250",
    }
    return subprocess.run(
        [sys.executable, "-m", "riskgraph", "audit", "check", "--dry-run", "--hours", "24"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.neo4j
def test_audit_check_cli_names_each_attack_and_exits_non_zero(neo4j_env, neo4j_driver, tmp_path):
    def fresh(name: str) -> Path:
        folder = tmp_path / name
        write_log(folder / "audit.jsonl")
        return folder / "audit.jsonl"

    ok = fresh("ok")
    r = _check(neo4j_env, tmp_path, ok)
    assert r.returncode == 0 and "hash chain ok" in r.stdout, r.stdout + r.stderr

    cut = fresh("cut")
    cut.write_bytes(cut.read_bytes()[:-40])
    tail = fresh("tail")
    tail.write_bytes(b"".join(lines(tail)[:-2]))
    edit = fresh("edit")
    recs = [json.loads(x) for x in lines(edit)]
    recs[2]["status"] = 200
    dump(edit, recs[:2] + recompute_plain_hashes(recs[2:]))
    swap = fresh("swap")
    write_log(swap.parent / "older.jsonl", n=3)
    swap.write_bytes((swap.parent / "older.jsonl").read_bytes())

    for log_path, code in (
        (cut, "truncated"),
        (tail, "tail-deleted"),
        (edit, "mac-mismatch"),
        (swap, "swapped"),
    ):
        r = _check(neo4j_env, tmp_path, log_path)
        out = " ".join((r.stdout + r.stderr).split())
        assert r.returncode != 0, out
        assert "BROKEN" in out and code in out, out


# --- key rotation and crashes ------------------------------------------------------------------


def test_audit_key_rotation_keeps_old_records_verifiable(tmp_path):
    path = tmp_path / "audit.jsonl"
    write_log(path, n=3)
    log = AuditLog(path)
    log.open()
    try:
        new_kid = log.rotate_key()
        log.append_sync({"kind": "request", "i": "after"})
    finally:
        log.close()
    write_log(path, n=2)
    recs = list(read_records(path))
    kids = [r["kid"] for r in recs]
    assert kids[-1] == new_kid and kids[0] != new_kid and len(set(kids)) == 2
    v = verify_chain(path)
    assert v.ok and v.records == 6


WRITER = """
import sys
from pathlib import Path
from api.audit.log import AuditLog
log = AuditLog(Path(sys.argv[1]))
log.open()
i = 0
while True:
    rec = log.append_sync({"kind": "request", "i": i, "pad": "x" * 200})
    print(rec["seq"], flush=True)
    i += 1
"""


def test_no_acknowledged_record_is_lost_on_sigkill(tmp_path):
    path = tmp_path / "audit.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=str(Path(__file__).resolve().parents[2]),
    )
    assert proc.stdout is not None
    acked = 0
    deadline = time.monotonic() + 60
    while acked < 200 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line:
            acked = int(line)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert acked >= 200
    log = AuditLog(path)
    log.open()  # recovery: a torn tail, if any, becomes a recovery record
    log.close()
    v = verify_chain(path)
    assert v.ok, v.reason
    seqs = {r["seq"] for r in read_records(path) if r.get("kind") == "request"}
    assert set(range(1, acked + 1)) <= seqs
