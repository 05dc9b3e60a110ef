"""The loan-file report: a few pages for a typical applicant, words not structures, masked per role."""

from __future__ import annotations

import html as html_lib
import io
import re
from collections.abc import Iterator

import pypdf
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.api import sample_graph as g
from tests.api.conftest import auth, make_settings

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def client(neo4j_settings, api_var, keys) -> Iterator[TestClient]:
    """The app with a generous query timeout: each report runs a full (here: live) check."""
    settings = make_settings(neo4j_settings, api_var, api_query_timeout_s=60.0)
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


URL = "/v1/reports/preloan/{}"
LITERALS = ("{'", "['", "': ", "None", "True", "False", '{"', '["')


def _literals(text: str) -> list[str]:
    return [lit for lit in LITERALS if lit in text] + re.findall(r"\bnan\b", text)


def _text(page: str) -> str:
    """The report's visible text (tags, styles and SVG markup removed)."""
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", page))


def _get(client, keys, who, entity, **params):
    r = client.get(
        URL.format(entity), params={"application_ref": "LA-RPT-1", **params}, headers=auth(keys, who)
    )
    assert r.status_code == 200, r.text
    return r


def test_the_report_of_a_typical_applicant_is_two_to_four_pages_of_words(graph, client, keys):
    r = _get(client, keys, "approver", "C:APPLICANT", format="pdf", requested_amount=2e7)
    assert r.headers["content-type"] == "application/pdf" and r.content[:5] == b"%PDF-"
    pages = len(pypdf.PdfReader(io.BytesIO(r.content)).pages)
    assert 2 <= pages <= 4, pages
    full = _get(client, keys, "approver", "C:APPLICANT", format="pdf", appendix="true")
    assert len(pypdf.PdfReader(io.BytesIO(full.content)).pages) > pages  # appendices only on request

    page = _get(client, keys, "approver", "C:APPLICANT", requested_amount=2e7).text
    text = _text(page)
    assert _literals(text) == []
    for section in ("结论", "集团与授信集中度", "担保关系", "股权与控制", "名单临近度", "关联方", "数据来源"):
        assert section in text
    assert "杭州甲科技有限公司" in text and "LA-RPT-1" in text and "approver" in text
    # ids stand beside their names
    for eid in re.findall(r"(?<![\w:])[CP]:[A-Z]+\b", text):
        assert re.search(rf"\S（{re.escape(eid)}）|\S {re.escape(eid)}\b", text), eid
    # related parties are rated by their own facts, not all "low"
    ratings = re.findall(r"\b(高 high|中 medium|低 low)\b", text)
    assert ratings and len(set(ratings)) > 1, ratings


def test_the_report_is_masked_without_pii_and_plain_with_it(graph, client, keys):
    person = g.STRONG_PERSON_ID  # its id embeds the resident ID
    raw = person[2:]
    masked = _get(client, keys, "approver", person)
    assert raw not in masked.text and raw not in masked.headers.get("content-disposition", "")
    assert raw[:4] + "**********" + raw[-4:] in masked.text
    pdf = _get(client, keys, "approver", person, format="pdf")
    pdf_text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert raw not in pdf_text.replace(" ", "").replace("\n", "")
    assert raw in _get(client, keys, "approver+pii", person).text


def test_the_check_answer_carries_its_rendered_texts(graph, client, keys):
    body = {"application_ref": "LA-RPT-2", "applicant": {"uscc": g.USCC_APPLICANT}, "requested_amount": 2e7}
    r = client.post("/v1/checks/pre-loan", json=body, headers=auth(keys, "service"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["summary"]["zh"] and out["verdict_text"]["en"] == {
        "pass": "pass",
        "refer": "refer to an approver",
    }.get(out["verdict"], "decline suggested")
    for reason in out["reasons"] + [x for v in out["details"].values() for x in v]:
        for lang in ("zh", "en"):
            assert not _literals(reason["message"][lang]), reason
    alerts = client.get("/v1/alerts", headers=auth(keys, "examiner")).json()["alerts"]
    assert alerts and all(a["message"]["zh"] and a["title"]["en"] for a in alerts)
