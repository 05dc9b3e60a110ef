"""Every endpoint × every role: no raw personal value leaves the API without the ``pii`` scope.

A graph with known personal values (mobile and landline numbers, resident IDs, birth dates, home
and office addresses — in nodes, captions, source payloads, superseded values and alert evidence)
is walked through the app's own OpenAPI: every GET with sensible parameters, the CSV exports, the
pre-loan check, errors that echo an id; then the explorer's exports (node/edge CSV, standalone
HTML, the loan-file report) are built from each role's answers. Any raw value in any body, header
or exported file fails the test; with ``pii`` the same values are seen. The audit log and the server
log written meanwhile are scanned the same way.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pypdf
import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from api.security.roles import ROLES
from api.services.operator import provision_service_key
from explorer.export import edges_csv, nodes_csv
from explorer.graph_data import subgraph_from_api
from explorer.network_html import render_html
from risk_rules.framework import alert_id
from riskgraph.settings import Settings
from tests.api import sample_graph as g
from tests.api.conftest import make_settings

pytestmark = pytest.mark.neo4j

RIC_PII = g.make_ric("32010619860714251")
PERSON = "P:PII-SUN"
COMPANY = "C:LANDLINE"
MOBILE = "13587654321"
LANDLINE = "02588885754"
LANDLINE_AS_GIVEN = "025-88885754"
SZ_LANDLINE = "075512345678"
BIRTH = "1986-07-14"
BIRTH_OLD = "1986-07-15"
HOME = "江苏省南京市鼓楼区中山北路18号3幢201室"
HOME_STREET = "中山北路18号"
OFFICE = "广东省深圳市南山区科技园路9号"
OFFICE_STREET = "科技园路9号"
SHELL_ALERT = alert_id("shell.linkage", "PII-TEST")

#: raw value → what it is (for the failure message)
RAW: dict[str, str] = {
    RIC_PII: "resident ID",
    g.RIC_BOSS: "resident ID",
    g.RIC_WIFE: "resident ID",
    g.RIC_WANG1: "resident ID",
    g.RIC_WANG2: "resident ID",
    g.RIC_STRONG: "resident ID",
    MOBILE: "mobile",
    g.MOBILE_BOSS: "mobile",
    LANDLINE: "landline",
    LANDLINE_AS_GIVEN: "landline",
    SZ_LANDLINE: "landline",
    BIRTH: "birth date",
    BIRTH_OLD: "birth date",
    "1970-01-01": "birth date",
    "1985-04-04": "birth date",
    HOME: "home address",
    HOME_STREET: "home address",
    OFFICE: "address",
    OFFICE_STREET: "address",
}
#: the values a pii holder must be able to see somewhere (the sample graph's own are checked elsewhere)
MUST_SEE = (RIC_PII, MOBILE, LANDLINE, LANDLINE_AS_GIVEN, SZ_LANDLINE, BIRTH, BIRTH_OLD, HOME, OFFICE)


def build_pii(driver: Driver) -> None:
    payload = json.dumps(
        {
            "person_id": "src-sun",
            "name": "孙丽",
            "id_number": RIC_PII,
            "birth_date": BIRTH,
            "mobile": MOBILE,
            "landline": LANDLINE_AS_GIVEN,
            "home_address": HOME,
        },
        ensure_ascii=False,
    )
    evidence = json.dumps(
        {
            "shared_values": [
                {"attribute": "phone", "value": LANDLINE, "companies": [COMPANY, "C:APPLICANT"]},
                {"attribute": "address", "value": OFFICE, "companies": [COMPANY, "C:APPLICANT"]},
            ],
            "nodes": [{"value": f"phone:{SZ_LANDLINE}", "companies": [COMPANY]}],
        },
        ensure_ascii=False,
    )
    driver.execute_query(
        """
        MATCH (app:Company {entity_id: 'C:APPLICANT'})
        CREATE (p:Person {entity_id: $person, name: '孙丽', id_number: $ric, birth_date: date($birth),
                          source: 'test', bank_branch: '南京分行'})
        CREATE (c:Company {entity_id: $company, name: '深圳戊电子有限公司', name_norm: '深圳戊电子',
                           region: '广东省深圳市', status: '存续', source: 'test'})
        CREATE (p)-[:HOLDS_SHARES {pct: 55.0, source: 'test'}]->(c)
        CREATE (p)-[:HOLDS_SHARES {pct: 5.0, source: 'test'}]->(app)
        CREATE (p)-[:HAS_PHONE {source: 'test'}]->(:Phone {number: $mobile})
        CREATE (p)-[:HAS_PHONE {source: 'test'}]->(ll:Phone {number: $landline})
        CREATE (c)-[:HAS_PHONE {source: 'test'}]->(ll)
        CREATE (c)-[:HAS_PHONE {source: 'test'}]->(:Phone {number: $sz})
        CREATE (p)-[:HAS_ADDRESS {kind: 'home', source: 'test'}]->(:Address {address_key: $home, text: $home})
        CREATE (c)-[:HAS_ADDRESS {kind: 'office', source: 'test'}]->(:Address {address_key: $office, text: $office,
               province: '广东省', city: '深圳市', district: '南山区'})
        CREATE (p)-[:HAS_VERSION]->(:FactVersion {version_id: 'V-PII-1', attribute: 'birth_date', subject: $person,
               value: $old_birth, batch_id: 'B0', superseded_by_batch: 'B1'})
        CREATE (p)-[:DERIVED_FROM {match_evidence: '{}'}]->(:SourceRecord {record_key: 'test|persons|src-sun',
               source: 'test', kind: 'persons', source_record_id: 'src-sun', batch_id: 'B1',
               source_file: 'persons.csv', source_row: 7, payload: $payload,
               ingested_at: datetime('2026-11-01T00:00:00Z')})
        CREATE (run:RuleRun {run_id: 'R-SHELL-1', rule_id: 'shell.linkage', rule_version: '1', status: 'completed',
                             as_of: date('2026-11-01'), started_at: datetime('2026-11-01T03:00:00Z')})
        CREATE (al:Alert {alert_id: $alert, rule_id: 'shell.linkage', rule_version: '1', severity: 'medium',
               status: 'open', active: true, entity_ids: [$company, 'C:APPLICANT'],
               explanation_zh: '电话 ' + $landline + ' 与地址 ' + $office + ' 被共用',
               explanation_en: 'phone ' + $landline + ' and address ' + $office + ' are shared',
               evidence: $evidence, first_run_id: 'R-SHELL-1', last_run_id: 'R-SHELL-1'})
        CREATE (al)-[:CONCERNS]->(c) CREATE (al)-[:CONCERNS]->(app) CREATE (al)-[:RAISED_IN]->(run)
        """,
        {
            "person": PERSON,
            "company": COMPANY,
            "ric": RIC_PII,
            "birth": BIRTH,
            "old_birth": json.dumps(BIRTH_OLD),
            "mobile": MOBILE,
            "landline": LANDLINE,
            "sz": SZ_LANDLINE,
            "home": HOME,
            "office": OFFICE,
            "payload": payload,
            "alert": SHELL_ALERT,
            "evidence": evidence,
        },
    )


@pytest.fixture(scope="module")
def pii_graph(neo4j_driver: Driver) -> Driver:
    with neo4j_driver.session() as session:
        session.run("MATCH (n) WHERE NOT n:ApiKey AND NOT n:User DETACH DELETE n").consume()
    g.build(neo4j_driver)
    build_pii(neo4j_driver)
    return neo4j_driver


@pytest.fixture(scope="module")
def role_keys(priv_settings: Settings) -> dict[tuple[str, bool], str]:
    out = {}
    for role in ROLES:
        for pii in (False, True):
            out[(role, pii)] = provision_service_key(
                priv_settings,
                user_id=f"priv-{role}{'-pii' if pii else ''}",
                name=role,
                scopes=[role, "pii"] if pii else [role],
                label="test",
                ttl_days=1,
            )[1]
    return out


@pytest.fixture(scope="module")
def priv_settings(neo4j_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(neo4j_settings, tmp_path_factory.mktemp("privacy-var"))


@pytest.fixture(scope="module")
def priv_client(priv_settings: Settings, pii_graph: Driver, role_keys) -> Iterator[TestClient]:
    with TestClient(create_app(priv_settings), raise_server_exceptions=False) as c:
        yield c


# --- walking the OpenAPI -----------------------------------------------------------------------

PATH_VALUES: dict[str, list[str]] = {
    "entity_id": [PERSON, COMPANY, "C:APPLICANT", "P:BOSS", g.STRONG_PERSON_ID, "P:" + RIC_PII],
    "other_id": ["C:APPLICANT"],
    "group_id": ["G:BOSS"],
    "circle_id": [g.CIRCLE_ID],
    "alert_id": [SHELL_ALERT, g.CIRCLE_ALERT_ID],
    "run_id": ["R-SHELL-1", "R-CIRCLE-1"],
    "user_id": ["priv-admin", LANDLINE],
    "dispute_id": ["D-NOPE-" + MOBILE],
}
QUERY_VALUES: dict[str, list[str]] = {
    "q": ["孙丽", RIC_PII, MOBILE, LANDLINE, "王建国"],
    "since": ["2025-01-01"],
}


def calls(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, str]]]:
    """(url, query params) for every GET operation, with every value of every path parameter."""
    for template, ops in spec["paths"].items():
        op = ops.get("get")
        if op is None:
            continue
        params = op.get("parameters", [])
        path_names = [p["name"] for p in params if p["in"] == "path"]
        required_q = [p["name"] for p in params if p["in"] == "query" and p.get("required")]
        has_format = any(p["name"] == "format" for p in params)
        urls = [template]
        for name in path_names:
            values = PATH_VALUES.get(name)
            assert values, f"no test value for path parameter {name} of {template}"
            urls = [u.replace("{" + name + "}", v) for u in urls for v in values]
        queries: list[dict[str, str]] = [{}]
        for name in required_q:
            values = QUERY_VALUES.get(name)
            assert values, f"no test value for required query parameter {name} of {template}"
            queries = [{**q, name: v} for q in queries for v in values]
        if has_format:
            queries += [{**q, "format": "csv"} for q in queries]
        for url in urls:
            for q in queries:
                yield url, q


def leaks(text: str) -> list[str]:
    return [f"{RAW[v]} {v}" for v in RAW if v in text]


def response_text(r) -> str:
    text = r.text + "\n" + "\n".join(f"{k}: {v}" for k, v in r.headers.items())
    if r.headers.get("content-type", "").startswith(("application/json", "application/problem+json")):
        try:  # \u-escaped characters would hide an address from a plain substring test
            text += "\n" + json.dumps(r.json(), ensure_ascii=False)
        except ValueError:
            pass
    return text


def exports_of(client: TestClient, key: str) -> dict[str, str]:
    """The explorer's exports of the person's network and report, built from this key's answers."""
    h = {"X-API-Key": key, "X-Purpose-Ref": "LA-PRIV-1"}
    out: dict[str, str] = {}
    nb = client.get(f"/v1/entities/{PERSON}/neighbourhood", params={"hops": 2}, headers=h)
    if nb.status_code != 200:
        return out
    sg = subgraph_from_api(nb.json())
    detail = client.get(f"/v1/entities/{PERSON}", headers=h).json()
    out["nodes.csv"] = nodes_csv(sg)
    out["edges.csv"] = edges_csv(sg)
    out["network.html"] = render_html(sg, title=str(detail.get("entity_id")))
    # the loan-file report the explorer downloads: the API's PDF (binary, so its text is checked)
    rep = client.get(
        f"/v1/reports/preloan/{PERSON}",
        params={"application_ref": "LA-PRIV-1", "format": "pdf", "appendix": "true"},
        headers=h,
    )
    if rep.status_code == 200:
        pages = pypdf.PdfReader(io.BytesIO(rep.content)).pages
        out["report.pdf"] = "".join(p.extract_text() for p in pages).replace(" ", "").replace("\n", "")
        out["report.pdf name"] = rep.headers.get("content-disposition", "")
    return out


def test_no_raw_personal_value_leaves_any_endpoint_without_pii(
    priv_client: TestClient, role_keys, priv_settings: Settings, caplog: pytest.LogCaptureFixture
):
    spec = priv_client.get("/openapi.json").json()
    todo = list(calls(spec))
    assert len({u for u, _ in todo}) > 40  # the walk really covers the API
    seen_with_pii: set[str] = set()
    statuses: dict[int, int] = {}
    failures: list[str] = []
    caplog.set_level(logging.DEBUG)
    for role in ROLES:
        for pii in (False, True):
            h = {"X-API-Key": role_keys[(role, pii)], "X-Purpose-Ref": "LA-PRIV-1"}
            texts: list[tuple[str, str]] = []
            for url, q in todo:
                r = priv_client.get(url, params=q, headers=h)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                texts.append((f"GET {url} {q}", response_text(r)))
            check = priv_client.post(
                "/v1/checks/pre-loan",
                json={
                    "applicant": {"entity_id": PERSON},
                    "requested_amount": 1.0e6,
                    "application_ref": "LA-PRIV-1",
                },
                headers=h,
            )
            texts.append(("POST /v1/checks/pre-loan", response_text(check)))
            by_id = priv_client.post(
                "/v1/checks/pre-loan",
                json={
                    "applicant": {"resident_id": RIC_PII, "hints": {"birth_date": BIRTH}},
                    "requested_amount": 1.0e6,
                    "application_ref": "LA-PRIV-2",
                },
                headers=h,
            )
            texts.append(("POST /v1/checks/pre-loan by resident ID", response_text(by_id)))
            for name, text in exports_of(priv_client, role_keys[(role, pii)]).items():
                texts.append((f"export {name}", text))
            for where, text in texts:
                found = leaks(text)
                if pii:
                    seen_with_pii.update(v for v in MUST_SEE if v in text)
                elif found:
                    failures.append(f"{role}: {where}: {', '.join(found)}")
    assert not failures, "raw personal data without pii:\n" + "\n".join(failures[:40])
    assert statuses.get(200, 0) > 200, statuses  # most calls answered with data, not refusals
    assert 500 not in statuses, statuses
    assert set(MUST_SEE) <= seen_with_pii, f"pii holders never saw {set(MUST_SEE) - seen_with_pii}"

    # the audit log written meanwhile: exact entity ids stay (a strong-key person id embeds the
    # resident ID, kept so that an auditor can tell exactly whose data was read); nothing else raw
    audit_text = priv_settings.audit_log_path.read_text(encoding="utf-8")
    for line in audit_text.splitlines():
        rec = json.loads(line)
        rec.pop("entity_ids", None)
        assert not leaks(json.dumps(rec, ensure_ascii=False)), rec
    # the server log
    server_log = "\n".join(
        r.getMessage() + (r.exc_text or "")
        for r in caplog.records
        if r.name.startswith(("riskgraph", "uvicorn"))
    )
    assert not leaks(server_log)


def test_masked_forms_are_the_documented_ones(priv_client: TestClient, role_keys):
    h = {"X-API-Key": role_keys[("examiner", False)]}
    d = priv_client.get(f"/v1/entities/{PERSON}", headers=h).json()
    assert d["properties"]["id_number"] == RIC_PII[:4] + "*" * 10 + RIC_PII[-4:]
    assert d["properties"]["birth_date"] == "1986"
    assert sorted(d["phones"]) == sorted(["025****5754", "135****4321"])
    assert d["addresses"][0]["text"] == "江苏省南京市鼓楼区****"
    nb = priv_client.get(f"/v1/entities/{PERSON}/neighbourhood", headers=h).json()
    captions = {n["caption"] for n in nb["nodes"] if n["label"] in ("Phone", "Address")}
    assert {"025****5754", "135****4321", "江苏省南京市鼓楼区****"} <= captions
    c = priv_client.get(f"/v1/entities/{COMPANY}/neighbourhood", headers=h).json()
    office = next(n for n in c["nodes"] if n["label"] == "Address")
    assert office["caption"] == "广东省深圳市南山区****"
    # the same key with pii sees the values themselves
    hp = {"X-API-Key": role_keys[("examiner", True)]}
    dp = priv_client.get(f"/v1/entities/{PERSON}", headers=hp).json()
    assert dp["properties"]["id_number"] == RIC_PII and dp["properties"]["birth_date"] == BIRTH


def test_a_csv_download_is_masked_by_column(priv_client: TestClient, role_keys):
    r = priv_client.get(
        "/v1/statistics/entities",
        params={"format": "csv"},
        headers={"X-API-Key": role_keys[("examiner", False)]},
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert not leaks(r.text)


def test_server_log_lines_lose_keys_and_personal_data(
    priv_client: TestClient, role_keys, caplog, monkeypatch
):
    """What uvicorn's access log would print for a key put in a query string, and a traceback."""
    caplog.set_level(logging.INFO)
    # a uvicorn server started earlier in this process configures its access logger not to propagate
    # (and a logging dictConfig may have disabled it): what is checked is the redaction, not that set-up
    access = logging.getLogger("uvicorn.access")
    monkeypatch.setattr(access, "propagate", True)
    monkeypatch.setattr(access, "disabled", False)
    monkeypatch.setattr(access, "level", logging.NOTSET)
    key = role_keys[("examiner", False)]
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d',
        "127.0.0.1",
        "GET",
        f"/v1/entities/search?q={RIC_PII}&api_key={key}",
        "1.1",
        200,
    )
    try:
        raise ValueError(f"cannot parse {MOBILE} for Bearer {key}")
    except ValueError:
        logging.getLogger("riskgraph.api").exception("failed with %s", HOME)
    text = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "search?q=" in text and "cannot parse" in text
    secret = key.split("_", 2)[2]  # the secret may itself contain "_" (URL-safe base64)
    assert key not in text and secret not in text
    assert not leaks(text)


def test_report_file_name_uses_the_masked_id(priv_client: TestClient, role_keys):
    """The explorer names downloads after the id the API answered — masked for a key without pii."""
    h = {"X-API-Key": role_keys[("examiner", False)]}
    d = priv_client.get(f"/v1/entities/{g.STRONG_PERSON_ID}", headers=h).json()
    from explorer.export import export_file_name

    name = export_file_name("report", d["entity_id"], "pdf")
    assert g.RIC_STRONG not in name and re.fullmatch(r"report-P-1101x+\d{3}[\dX]\.pdf", name), name
