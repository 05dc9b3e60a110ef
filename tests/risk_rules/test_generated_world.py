"""Rules on generated data against the generator's ground truth.

Two paths:
- the true world loaded directly (bench/rules/world_loader.py, true ids): every planted circle,
  mutual pair, group and beneficial owner must be found — this isolates the rules from entity
  resolution;
- ``riskgraph generate`` → ``riskgraph ingest`` → ``riskgraph rules run``, the way a user runs it:
  circles, mutual pairs and beneficial owners must be found, and every planted group, which
  depends on entity resolution at ingest joining registry persons (masked ids) with core persons
  (family ties). The world is generated and ingested once for both of these tests (they only run
  rules on it and read), in a module fixture.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rulekit import run
from truthkit import (
    alert_sets,
    entity_to_true,
    found_groups,
    found_owners,
    groups_truth,
    structures,
    truth_owners,
)

from bench.rules.world_loader import build, load_world
from ingest.generator import truth
from ingest.generator.sources import true_company_id, true_person_id
from tests.support.child_env import child_env

pytestmark = pytest.mark.neo4j
AS_OF = dt.date(2025, 12, 31)
# the generator's truth names beneficial owners by the sequential reading (银发〔2018〕164号 依次判定)
BO_ALL = {"scope": "all", "report_identified": True, "criteria": "sequential"}
CLI = [sys.executable, "-m", "riskgraph"]


@pytest.fixture(scope="module")
def world():
    return build(seed=11, n_companies=1000)


def test_true_world_every_planted_structure_found(clean_graph, world):
    w, cr = world
    load_world(clean_graph, w, cr, progress=lambda _m: None)
    run(
        clean_graph,
        "guarantee.mutual",
        "guarantee.circle",
        "group.customer",
        "ownership.beneficial_owner",
        ownership__beneficial_owner=BO_ALL,
    )
    ident = {}  # true ids are the entity ids here
    circles = set(alert_sets(clean_graph, "guarantee.circle", ident))
    true_circles = {frozenset(true_company_id(c) for c in comp) for comp in truth.guarantee_sccs(w, cr)}
    assert true_circles and circles == true_circles  # every circle, and no spurious one
    mutual = set(alert_sets(clean_graph, "guarantee.mutual", ident))
    planted_pairs = {frozenset(true_company_id(c) for c in p) for p in cr.planted["mutual_pairs"]}
    assert planted_pairs and planted_pairs <= mutual
    groups = found_groups(clean_graph, ident)
    true_groups = truth.family_groups(w, truth.actual_controllers(w))
    assert true_groups
    for g in true_groups:
        members = {true_company_id(c) for c in g["members"]}
        assert any(members <= fg for fg in groups), g
    shares = truth.integrated_person_shares(w)
    want: dict[str, set[str]] = {}
    for (p, c), s in shares.items():
        if s >= 0.25 - 1e-9:
            want.setdefault(true_company_id(c), set()).add(true_person_id(p))
    got = found_owners(clean_graph, ident)
    assert want
    wrong = {c: (o, got.get(c)) for c, o in want.items() if got.get(c) != ("ownership", o)}
    assert not wrong
    spurious = {c for c, (kind, _) in got.items() if kind == "ownership" and c not in want}
    assert not spurious


def generate_and_ingest(cli: list[str], out: Path, env: dict[str, str]) -> None:
    """Generate xs and ingest each source system as its own source, in the manifest's order."""
    subprocess.run(
        [*cli, "generate", str(out), "--scale", "xs", "--seed", "7"], env=env, check=True, capture_output=True
    )
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for src in manifest["sources"]:
        ing = subprocess.run(
            [*cli, "ingest", str(out / src["source"]), "--source", src["source"]],
            env=env,
            capture_output=True,
            text=True,
        )
        assert ing.returncode == 0, ing.stdout[-2000:] + ing.stderr[-2000:]


@pytest.fixture(scope="module")
def ingested_xs(neo4j_settings, neo4j_driver, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The xs world generated and ingested through the CLI once for the module's CLI tests, which
    only run rules on it and read: (generated folder, environment of the CLI runs)."""
    with neo4j_driver.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    out = tmp_path_factory.mktemp("generated-world") / "xs"
    env = {
        **child_env(neo4j_settings, tmp_path_factory.mktemp("cli-var")),
        "COLUMNS": "200",
        "RISKGRAPH_RULES_TODAY": AS_OF.isoformat(),  # the world's day
    }
    generate_and_ingest(CLI, out, env)
    return out, env


def test_generate_ingest_rules_run_finds_planted_structures(neo4j_driver, ingested_xs):
    out, env = ingested_xs
    r = subprocess.run(
        [*CLI, "rules", "run", "--as-of", AS_OF.isoformat()], env=env, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    run(neo4j_driver, "ownership.beneficial_owner", ownership__beneficial_owner=BO_ALL)
    to_true = entity_to_true(neo4j_driver, out)
    st = structures(out)
    assert set(alert_sets(neo4j_driver, "guarantee.circle", to_true)) == {
        frozenset(c) for c in st["all_circles"]
    }
    assert {frozenset(p) for p in st["planted"]["mutual_pairs"]} <= set(
        alert_sets(neo4j_driver, "guarantee.mutual", to_true)
    )
    want = truth_owners(out)
    got = found_owners(neo4j_driver, to_true)
    assert want and {c: o for c, o in want.items() if got.get(c) != ("ownership", o)} == {}


def test_generate_ingest_every_planted_group_found(neo4j_driver, ingested_xs):
    out, env = ingested_xs
    subprocess.run(
        [*CLI, "rules", "run", "--rule", "group.customer", "--as-of", AS_OF.isoformat()],
        env=env,
        check=True,
        capture_output=True,
    )
    groups = found_groups(neo4j_driver, entity_to_true(neo4j_driver, out))
    planted = groups_truth(out)["planted"]
    assert planted and all(any(set(g["members"]) <= fg for fg in groups) for g in planted)
