"""A Latin-script person layout (FEBRL-like) through its own spec and a labelled data set.

The spec is the shipped ``person_latin.yaml``, which docs/entity-resolution.md reproduces; the
test also checks that the doc still shows exactly that spec."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from entity_resolution import ResolutionSpec, resolve
from entity_resolution.spec import SPECS_DIR

GIVEN = [
    "james",
    "mary",
    "john",
    "patricia",
    "robert",
    "jennifer",
    "michael",
    "linda",
    "william",
    "elizabeth",
    "david",
    "barbara",
    "joshua",
    "chloe",
    "liam",
    "olivia",
    "noah",
    "emma",
    "jack",
    "isla",
    "thomas",
    "charlotte",
    "oliver",
    "amelia",
]
SURNAMES = [
    "smith",
    "jones",
    "williams",
    "brown",
    "wilson",
    "taylor",
    "johnson",
    "white",
    "martin",
    "anderson",
    "thompson",
    "nguyen",
    "thomas",
    "walker",
    "harris",
    "lee",
    "ryan",
    "robinson",
    "kelly",
    "king",
    "campbell",
    "clarke",
    "mitchell",
    "oconnor",
]
STREETS = [
    "george street",
    "king street",
    "victoria road",
    "church street",
    "high street",
    "park avenue",
    "station road",
    "elizabeth street",
    "bay road",
    "hill crescent",
]
SUBURBS = [
    ("kingston", "2604"),
    ("belconnen", "2617"),
    ("manly", "2095"),
    ("bondi", "2026"),
    ("fitzroy", "3065"),
    ("toowong", "4066"),
    ("glenelg", "5045"),
    ("subiaco", "6008"),
]


def _typo(s: str, rng: random.Random) -> str:
    if len(s) < 3:
        return s
    i = rng.randrange(1, len(s) - 1)
    op = rng.choice(["sub", "ins", "del", "swap"])
    letters = "abcdefghijklmnopqrstuvwxyz"
    if op == "sub":
        return s[:i] + rng.choice(letters) + s[i + 1 :]
    if op == "ins":
        return s[:i] + rng.choice(letters) + s[i:]
    if op == "del":
        return s[:i] + s[i + 1 :]
    return s[: i - 1] + s[i] + s[i - 1] + s[i + 1 :]


def febrl_like(n_people: int = 250, seed: int = 7) -> pd.DataFrame:
    """Originals plus 0–3 duplicates each with typos, missing values and format changes."""
    rng = random.Random(seed)
    rows = []
    for p in range(n_people):
        suburb, postcode = rng.choice(SUBURBS)
        orig = {
            "given_name": rng.choice(GIVEN),
            "surname": rng.choice(SURNAMES),
            "street_address": f"{rng.randint(1, 200)} {rng.choice(STREETS)}",
            "suburb": suburb,
            "postcode": postcode,
            "date_of_birth": f"{rng.randint(1940, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
            "identity_number": f"{rng.randint(1000000, 9999999)}",
        }
        for d in range(1 + rng.choice([0, 1, 1, 2, 3])):
            rec = dict(orig)
            if d:
                for field in rng.sample(list(rec), k=rng.choice([1, 1, 2])):
                    if rng.random() < 0.25:
                        rec[field] = None
                    else:
                        rec[field] = _typo(rec[field], rng)
                if rng.random() < 0.3 and rec["given_name"]:
                    rec["given_name"] = rec["given_name"].title()
                if rng.random() < 0.3 and rec["date_of_birth"]:
                    dob = rec["date_of_birth"]
                    rec["date_of_birth"] = f"{dob[6:8]}/{dob[4:6]}/{dob[:4]}" if len(dob) == 8 else dob
            rec["rec_id"] = f"rec-{p}-{'org' if d == 0 else f'dup-{d}'}"
            rec["true_person"] = p
            rows.append(rec)
    rng.shuffle(rows)
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def latin_run():
    df = febrl_like()
    spec = ResolutionSpec.from_yaml("person_latin")
    return resolve(df.drop(columns="true_person"), spec), df.set_index("rec_id")["true_person"]


def test_latin_layout_resolves_with_high_precision_and_recall(latin_run):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bench.er.metrics import pairwise

    res, truth = latin_run
    pred = res.entities.set_index("record_id")["entity_id"]
    m = pairwise(pred, truth.astype(str))
    assert m["precision"] >= 0.97, m
    assert m["recall"] >= 0.85, m


def test_latin_people_sharing_a_name_stay_apart(latin_run):
    res, truth = latin_run
    names = res._prep.values["given_name"].astype(str) + " " + res._prep.values["surname"].astype(str)
    frame = pd.DataFrame(
        {"rid": res._prep.record_ids, "name": names, "person": truth.reindex(res._prep.record_ids).to_numpy()}
    )
    shared = frame.groupby("name")["person"].nunique()
    name = shared[shared > 1].index[0]  # two different people with one full name
    group = frame[frame.name == name]
    p1, p2 = group.person.unique()[:2]
    r1 = group[group.person == p1].rid.iloc[0]
    r2 = group[group.person == p2].rid.iloc[0]
    assert not res.same_entity(r1, r2)


def test_doc_shows_the_shipped_latin_spec():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "entity-resolution.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", doc, flags=re.S)
    shipped = yaml.safe_load((SPECS_DIR / "person_latin.yaml").read_text(encoding="utf-8"))
    assert any(yaml.safe_load(b) == shipped for b in blocks)
