"""Real typing errors, calibrated decisions, fuzzy blocking and the training guard.

Each test names the failure it prevents: a transposed identity number scored as a different
person, a swapped given name and surname, a strongly supported pair sent to review, a record
that no exact blocking key can find, and a model that learned the wrong field.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from entity_resolution import ResolutionSpec, resolve
from entity_resolution.blocking import block
from entity_resolution.comparators import compare, similarity
from entity_resolution.fellegi_sunter import FSModel, default_m, default_u
from entity_resolution.keys import deletion_neighbourhood
from entity_resolution.prepare import prepare
from entity_resolution.scoring import MATCH
from entity_resolution.spec import BlockingRule, Comparison
from entity_resolution.training import ModelRejectedError, _guarded, check_model


@pytest.fixture(scope="module")
def latin() -> ResolutionSpec:
    return ResolutionSpec.from_yaml("person_latin")


def person(rid, given, surname, street=None, suburb=None, postcode=None, dob=None, idn=None):
    return dict(
        rec_id=rid,
        given_name=given,
        surname=surname,
        street_address=street,
        suburb=suburb,
        postcode=postcode,
        date_of_birth=dob,
        identity_number=idn,
    )


def _arr(*values):
    return np.array(values, dtype=object)


# ---- transpositions ---------------------------------------------------------------------------


def test_a_transposed_identity_number_is_one_typing_error_not_a_different_number() -> None:
    comp = Comparison(name="id", column="id", normalizer="digits", comparator="id", levels=[1.0, 0.95])
    sim = similarity(comp, _arr("4066625", "4066625", "4066625"), _arr("4066652", "4066625", "4606652"))
    assert sim.tolist() == [pytest.approx(0.95), 1.0, 0.0]  # adjacent swap; equal; two swaps


def test_a_transposed_postcode_stays_at_the_close_level(latin) -> None:
    comp = latin.comparison("postcode")
    sim = similarity(comp, _arr("2119", "2119"), _arr("2191", "3119"))
    assert sim[0] >= comp.levels[-1]  # 2119 / 2191: one transposition of four digits
    plain = Comparison(
        name="p", column="p", normalizer="digits", comparator="levenshtein", levels=[1.0, 0.75]
    )
    assert similarity(plain, _arr("2119"), _arr("2191"))[0] < 0.75  # what the old comparator saw


# ---- swapped names ----------------------------------------------------------------------------


def test_swapped_given_name_and_surname_get_their_own_level(latin) -> None:
    rows = pd.DataFrame(
        [
            person("a", "michaela", "neumann"),
            person("b", "neumann", "michaela"),  # swapped
            person("c", "neumann", "michaeal"),  # swapped, with a typo
            person("d", "michaela", "neumann"),  # straight
        ]
    )
    prep = prepare(rows, latin)
    a, b = np.array([0, 0, 0]), np.array([1, 2, 3])
    _, levels = compare(latin.comparisons, prep.values, a, b)
    g, s = [i for i, c in enumerate(latin.comparisons) if c.name in ("given_name", "surname")]
    swapped = latin.comparisons[g].swapped_level
    assert levels[:2, g].tolist() == [swapped, swapped]
    assert levels[:2, s].tolist() == [-1, -1]  # the surname is not counted a second time
    assert levels[2, g] == len(latin.comparisons[g].levels)  # straight exact stays exact
    assert latin.comparisons[g].level_label(swapped) == "swapped with surname"


def test_a_swapped_record_joins_its_original(latin) -> None:
    rows = [
        person("o", "courtney", "painter", "12 pinkerton circuit", "richlands", "4560", "19161214"),
        person("s", "painter", "courtney", "12 pinkerton circuit", "richlands", "4560", "19161214"),
    ]
    res = resolve(pd.DataFrame(rows), latin)
    ev = res.explain("o", "s")
    given = next(st for st in ev["steps"] if st["step"] == "given_name")
    assert given["level"] == "swapped with surname" and given["weight"] > 0
    assert res.same_entity("o", "s")


def test_chinese_names_have_no_swapped_level() -> None:
    spec = ResolutionSpec.from_yaml("person_cn")
    name = spec.comparison("name")
    assert name.swapped_with is None and name.swapped_level is None
    assert name.n_levels == len(name.levels) + 1
    assert len(default_m(name)) == len(default_u(name)) == name.n_levels


# ---- decisions --------------------------------------------------------------------------------


def _background(n: int = 400, seed: int = 3) -> list[dict]:
    """Distinct people, so the model has strangers to learn u from."""
    rng = np.random.default_rng(seed)
    given = ["james", "olivia", "jack", "emily", "thomas", "chloe", "lachlan", "mia", "ethan", "zoe"]
    sur = ["smith", "jones", "brown", "wilson", "taylor", "white", "martin", "thompson", "walker", "hall"]
    out = []
    for i in range(n):
        out.append(
            person(
                f"bg{i}",
                f"{given[i % 10]}{i}",
                sur[rng.integers(10)],
                f"{rng.integers(1, 300)} {['main', 'high', 'king', 'queen'][rng.integers(4)]} street",
                ["burwood", "marsden", "granville", "milton", "delmar"][rng.integers(5)],
                str(rng.integers(2000, 7000)),
                f"19{rng.integers(30, 99)}{rng.integers(1, 13):02d}{rng.integers(1, 29):02d}",
                str(rng.integers(1_000_000, 9_999_999)),
            )
        )
    return out


def test_a_pair_strongly_supported_beyond_the_name_is_a_match_not_review(latin) -> None:
    # no birth date, no identity number, a street number typo (address below its support level):
    # still the same rare name, suburb and postcode — far more than "the name alone"
    rows = [
        person("x1", "madeline", "hoseason", "54 wallaby place", "cleveland", "2119", None, None),
        person("x2", "madeline", "hoseason", "45 wallaby plc", "cleveland", "2119", None, None),
        *_background(),
    ]
    res = resolve(pd.DataFrame(rows), latin)
    ev = res.explain("x1", "x2")
    assert ev["total_weight"] >= latin.thresholds.match
    assert ev["decision"] == MATCH, ev["rule"]
    assert res.same_entity("x1", "x2")


def test_a_name_with_nothing_else_is_still_never_a_match(latin) -> None:
    rows = [person("n1", "madeline", "hoseason"), person("n2", "madeline", "hoseason"), *_background()]
    res = resolve(pd.DataFrame(rows), latin)
    assert res.explain("n1", "n2")["decision"] != MATCH
    assert not res.same_entity("n1", "n2")


# ---- fuzzy blocking ---------------------------------------------------------------------------


def test_deletion_neighbourhood_meets_every_single_edit() -> None:
    base = set(deletion_neighbourhood("thompson"))
    for typo in ("thompsen", "tompson", "thhompson", "htompson"):  # sub, del, ins, transposition
        assert base & set(deletion_neighbourhood(typo)), typo
    assert not base & set(deletion_neighbourhood("jones"))


def test_the_one_error_rule_finds_a_record_with_typos_in_every_exact_key(latin) -> None:
    orig = person("o", "michaela", "neumann", "8 stanley street", "miami", "4223", "19151111", "5304218")
    # every key an exact rule uses has one typo: names (inside the first two letters of the
    # surname), street, postcode, birth date, identity number
    typo = person("t", "micheala", "nuemann", "8 stanly street", "miami", "4232", "19151117", "5304281")
    frame = pd.DataFrame([orig, typo, *_background(60)])
    fuzzy = [r.name for r in latin.blocking if any(":del1" in k for k in r.keys)]
    assert fuzzy
    exact_only = latin.model_copy(update={"blocking": [r for r in latin.blocking if r.name not in fuzzy]})
    for spec, expected in ((exact_only, False), (latin, True)):
        prep = prepare(frame, spec)
        cands = block(prep, spec)
        hit = (cands.a == 0) & (cands.b == 1)
        assert bool(hit.any()) is expected, spec.blocking
    rule = np.array(cands.rule_names)[cands.rule[hit]][0]
    assert rule in fuzzy
    assert resolve(frame, latin).same_entity("o", "t")


def test_every_shipped_spec_has_a_one_error_blocking_rule() -> None:
    for name in ("company_cn", "person_cn", "person_latin"):
        spec = ResolutionSpec.from_yaml(name)
        assert any(":del1" in k for r in spec.blocking for k in r.keys), name


# ---- the training guard -----------------------------------------------------------------------


def _degenerate_model(spec: ResolutionSpec) -> FSModel:
    """What EM gives when a non-identifying field dominates: among candidates blocked on the
    suburb, "same suburb" carries the match while an exact birth date is worth nothing."""
    m = [default_m(c) for c in spec.comparisons]
    u = [default_u(c) for c in spec.comparisons]
    j_dob = next(i for i, c in enumerate(spec.comparisons) if c.name == "dob")
    j_id = next(i for i, c in enumerate(spec.comparisons) if c.name == "identity_number")
    u[j_dob] = m[j_dob].copy() * 0.99  # exact birth date ≈ +0.01 bits
    u[j_id] = np.array([0.2, 0.2, 0.6])  # an exact identity number worth less than a name
    return FSModel(
        names=[c.name for c in spec.comparisons],
        m=m,
        u=u,
        lam=0.1,
        u_random=u,
        ordered_levels=[len(c.levels) + 1 for c in spec.comparisons],
    )


def test_the_guard_names_what_contradicts_the_evidence(latin) -> None:
    reasons = check_model(_degenerate_model(latin), latin)
    assert any("dob" in r and "bits" in r for r in reasons)
    assert any("identity_number" in r and "given_name" in r for r in reasons)
    sane = FSModel(
        names=[c.name for c in latin.comparisons],
        m=[default_m(c) for c in latin.comparisons],
        u=[default_u(c) / 50 for c in latin.comparisons],
        lam=0.1,
        ordered_levels=[len(c.levels) + 1 for c in latin.comparisons],
    )
    assert check_model(sane, latin) == []


def test_a_refused_model_is_not_used_and_the_refusal_is_reported(latin) -> None:
    bad = _degenerate_model(latin)
    u = [default_u(c) / 50 for c in latin.comparisons]
    with pytest.warns(UserWarning, match="refused"):
        used = _guarded(bad, None, latin, u)
    assert used is not bad and used.rejected
    assert check_model(used, latin) == []
    strict = latin.model_copy(update={"em": latin.em.model_copy(update={"on_rejected": "error"})})
    with pytest.raises(ModelRejectedError, match="dob"):
        _guarded(bad, None, strict, u)


def test_a_field_that_dominates_the_blocks_does_not_take_over_the_model(latin) -> None:
    """Synthetic households: every candidate shares a suburb (the only blocking key), and
    strangers in one suburb share a surname as often as not.  Training per comparison keeps the
    birth date and identity number identifying; the run's model passes the guard."""
    rng = np.random.default_rng(5)
    rows = []
    for p in range(300):
        sub = f"suburb{p % 6}"
        dob = f"19{rng.integers(30, 99)}{rng.integers(1, 13):02d}{rng.integers(1, 29):02d}"
        idn = str(rng.integers(1_000_000, 9_999_999))
        sur = ["smith", "jones"][p % 2]
        for d in range(1 + p % 2):
            rows.append(person(f"p{p}-{d}", f"name{p}", sur, None, sub, None, dob, idn))
    suburb = BlockingRule(name="suburb", keys=["suburb"], max_block_size=200)
    spec = latin.model_copy(update={"blocking": [suburb, *latin.blocking[:2]]})
    res = resolve(pd.DataFrame(rows), spec)
    assert res.stats["training"] == "per comparison on pairs not blocked on it"
    assert check_model(res.model, spec) == []
    j = next(i for i, c in enumerate(spec.comparisons) if c.name == "dob")
    assert res.model.level_weights(j)[-1] > 1.0


def test_an_amount_reads_the_same_as_text_and_as_a_parsed_number() -> None:
    from entity_resolution.normalize import amount

    # a loaded record's payload keeps the source text, a new batch's record the parsed value
    assert amount("1,963,000.00") == amount("1963000.0") == amount(1963000) == "1963000"
    assert amount("0.50") == "0.5" and amount("") is None
