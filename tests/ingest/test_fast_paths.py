"""The shortcuts validation and writing take per row give exactly what the general code gives.

The payload and its content hash are compared with what earlier batches stored (a rerun must find an
unchanged row unchanged), so the payload written without re-sorting its keys must be the very text of
``json.dumps(..., sort_keys=True, ensure_ascii=False)``. No database here.
"""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from ingest import contract as c
from ingest.readers import RawRow
from ingest.validate import _payload, row_plan, validate_row
from ingest.writer import evidence_json

COMPANIES = c.file_kind(c.COMPANIES)
PERSONS = c.file_kind(c.PERSONS)

texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)  # quotes, backslashes, controls, CJK


@given(st.dictionaries(st.sampled_from(COMPANIES.column_names), texts))
def test_payload_is_the_sorted_json_of_what_was_received(received: dict[str, str]) -> None:
    fast = _payload(c.COMPANIES, received, row_plan(COMPANIES).payload_keys)
    assert fast == _payload(c.COMPANIES, received)
    assert fast[0] == json.dumps(received, ensure_ascii=False, sort_keys=True)


def test_payload_of_a_value_that_is_not_text_falls_back_to_the_encoder() -> None:
    received = {"record_id": "C1", "name": 12}  # type: ignore[dict-item]
    assert (
        _payload(c.COMPANIES, received, row_plan(COMPANIES).payload_keys)[0]
        == '{"name": 12, "record_id": "C1"}'
    )


def test_a_row_validated_with_its_file_plan_equals_one_validated_alone() -> None:
    raw = RawRow(
        4,
        {
            "record_id": " P7 ",
            "name": '张"三\\',
            "id_number": "110105198001010016",
            "birth_date": "1980/1/1",
            "gender": "男",
        },
    )
    plan = row_plan(PERSONS)
    a = validate_row(raw, PERSONS, "s", "persons.csv", plan=plan)
    b = validate_row(raw, PERSONS, "s", "persons.csv")
    assert (a.values, a.payload, a.content_hash, a.issues) == (b.values, b.payload, b.content_hash, b.issues)
    assert a.values["birth_date"].isoformat() == "1980-01-01" and not a.issues


def test_evidence_json_tells_equal_values_of_other_types_apart() -> None:
    assert evidence_json({"score": 1}) == '{"score": 1}'
    assert evidence_json({"score": True}) == '{"score": true}'
    assert evidence_json({"score": 1.0}) == '{"score": 1.0}'
    assert evidence_json({"pairs": [{"a": 1}]}) == '{"pairs": [{"a": 1}]}'  # unhashable: encoded alone
    assert evidence_json(None) == evidence_json({}) == "{}"
    assert evidence_json({"method": "甲"}) == '{"method": "甲"}'
