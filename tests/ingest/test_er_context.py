"""Party context for entity resolution, built from relationship rows (no database)."""

from __future__ import annotations

from ingest import contract as c
from ingest.er_context import CompanyIndex, company_context, person_context
from ingest.readers import RawRow
from ingest.validate import Record, validate_row

USCC = "91110108MA01A2B3C4"  # not validated here: the index maps it as given


def rec(kind: str, source: str, **values: str) -> Record:
    r = validate_row(RawRow(1, values), c.file_kind(kind), source, f"{kind}.csv")
    assert not r.issues, r.issues
    return r


def index() -> CompanyIndex:
    return CompanyIndex(
        by_record={"reg|companies|RC1": "C:ONE", "reg|companies|RC2": "C:TWO", "core|companies|KC1": "C:ONE"},
        by_uscc={USCC: "C:THREE"},
    )


def test_person_companies_come_from_positions_holdings_and_guarantees_of_its_own_source() -> None:
    rows = [
        rec(c.POSITIONS, "reg", record_id="O1", person_ref="RP1", company_ref="RC1", role="director"),
        rec(
            c.SHAREHOLDINGS,
            "reg",
            record_id="S1",
            holder_kind="person",
            holder_ref="RP1",
            company_ref="RC2",
            pct="10",
        ),
        rec(
            c.SHAREHOLDINGS,
            "reg",
            record_id="S2",
            holder_kind="company",
            holder_ref="RC2",
            company_ref="RC1",
            pct="60",
        ),
        rec(
            c.POSITIONS,
            "core",
            record_id="O9",
            person_ref="KP1",
            company_ref="NOPE",
            company_uscc="",
            role="supervisor",
        ),
    ]
    ctx = person_context(rows, index(), names={})
    assert ctx["reg|persons|RP1"] == {"companies": "C:ONE|C:TWO"}
    assert "core|persons|KP1" not in ctx  # its company is unknown to this run: no token
    assert not any(k.startswith("reg|companies") for k in ctx)


def test_relatives_lend_their_companies_unless_one_bears_the_same_name() -> None:
    rows = [
        rec(
            c.POSITIONS,
            "core",
            record_id="O1",
            person_ref="KP1",
            company_ref="KC1",
            role="legal_representative",
        ),
        rec(c.FAMILY, "core", record_id="F1", person_ref="KP1", relative_ref="KP2", relation="spouse"),
        rec(c.FAMILY, "core", record_id="F2", person_ref="KP1", relative_ref="KP3", relation="child"),
    ]
    names = {"core|persons|KP1": "王强", "core|persons|KP2": "李娜", "core|persons|KP3": "王强"}
    ctx = person_context(rows, index(), names)
    assert ctx["core|persons|KP2"] == {"companies": "C:ONE"}  # the spouse: through the controller
    # the child bears the controller's name: a registry 王强 could be either of them, so no lending
    assert "core|persons|KP3" not in ctx
    assert ctx["core|persons|KP1"] == {"companies": "C:ONE"}


def test_contacts_give_phone_and_address_to_persons_and_companies() -> None:
    rows = [
        rec(
            c.CONTACTS,
            "core",
            record_id="K1",
            party_kind="person",
            party_ref="KP1",
            contact_type="phone",
            value="13900000002",
        ),
        rec(
            c.CONTACTS,
            "core",
            record_id="K2",
            party_kind="person",
            party_ref="KP1",
            contact_type="phone",
            value="13900000001",
        ),
        rec(
            c.CONTACTS,
            "core",
            record_id="K3",
            party_kind="company",
            party_ref="KC1",
            contact_type="address",
            value="北京市海淀区1号",
        ),
        rec(
            c.POSITIONS,
            "core",
            record_id="O1",
            person_ref="KP1",
            company_ref="KC1",
            role="legal_representative",
        ),
        rec(c.POSITIONS, "core", record_id="O2", person_ref="KP2", company_ref="KC1", role="director"),
    ]
    persons = person_context(rows, index(), names={})
    assert persons["core|persons|KP1"]["phone"] == "13900000001"  # the smallest of several, stable
    firms = company_context(rows, {"core|persons|KP1": "王强", "core|persons|KP2": "李娜"})
    assert firms["core|companies|KC1"] == {"legal_rep": "王强", "address": "北京市海淀区1号"}
