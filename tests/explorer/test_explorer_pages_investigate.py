"""AppTest of the investigation pages (search, entity, network) against the real API and Neo4j."""

from __future__ import annotations

import pytest

from explorer.api_client import ApiClient

pytestmark = pytest.mark.neo4j


def texts(at) -> str:
    parts = (
        [m.value for m in at.markdown]
        + [m.value for m in at.caption]
        + [h.value for h in at.header]
        + [h.value for h in at.subheader]
    )
    parts += (
        [str(w.value) for w in at.warning]
        + [str(i.value) for i in at.info]
        + [str(e.value) for e in at.error]
        + [str(s.value) for s in at.success]
    )
    return "\n".join(parts)


def test_pages_ask_for_sign_in_first(live_api):
    from streamlit.testing.v1 import AppTest

    from tests.explorer.conftest import APP

    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert "请先登录" in texts(at)
    assert any(t.label.startswith("API 密钥") for t in at.text_input)


def test_search_finds_a_company_by_name_and_opens_its_card(app_as):
    at = app_as("examiner", "search")
    at.text_input(key="rg_q").input("杭州甲科技").run()
    assert not at.exception
    df = at.dataframe[0].value
    assert "C:APPLICANT" in list(df["entity_id"])
    page = ApiClient(at.session_state["rg_creds"]).search("杭州甲科技", limit=50)["page"]
    assert page["total"] == len(df) and page["total_at_least"] is None  # all on one page, counted
    assert f"结果 results 1–{len(df)} / {len(df)}（共 {len(df)} total）" in texts(at)
    at.selectbox(key="rg_search_pick").select("C:APPLICANT").run()
    at.button(key="rg_open_card").click().run()
    assert not at.exception
    assert "杭州甲科技有限公司" in texts(at) and "C:APPLICANT" in texts(at)


def test_search_by_resident_id_shows_it_masked_without_pii_scope(app_as):
    from tests.explorer.graph_fixture import RIC_BOSS

    at = app_as("examiner", "search")
    at.text_input(key="rg_q").input(RIC_BOSS).run()
    row = at.dataframe[0].value.iloc[0]
    assert row["entity_id"] == "P:BOSS"
    assert RIC_BOSS not in str(row["id_number"]) and "*" in str(row["id_number"])
    at = app_as("examiner+pii", "search")
    at.text_input(key="rg_q").input(RIC_BOSS).run()
    assert at.dataframe[0].value.iloc[0]["id_number"] == RIC_BOSS


def test_entity_card_shows_provenance_and_er_evidence(app_as):
    at = app_as("examiner", "entity", rg_entity="P:BOSS")
    assert not at.exception
    assert "王建国" in texts(at)
    body = texts(at)
    assert "persons.csv" in "\n".join(e.label for e in at.expander)
    jsons = [j.value for j in at.json]
    assert any("same valid id_number" in str(j) for j in jsons)  # ER evidence
    from tests.explorer.graph_fixture import MOBILE_BOSS, RIC_BOSS

    shown = body + str(jsons) + str([d.value.to_dict() for d in at.dataframe])
    assert RIC_BOSS not in shown and MOBILE_BOSS not in shown  # masked for an examiner without pii


def test_entity_card_of_an_unknown_id_says_so(app_as):
    at = app_as("examiner", "entity", rg_entity="C:NOPE")
    assert not at.exception
    assert "C:NOPE" in texts(at) and "未找到" in texts(at)


def test_a_role_without_any_explorer_page_sees_none(app_as):
    at = app_as("auditor", "entity", rg_entity="C:APPLICANT")
    assert not at.exception
    assert "没有可用的浏览页面" in texts(at) and "杭州甲科技有限公司" not in texts(at)
    assert "Forbidden" not in texts(at)  # the page asked the API nothing


def test_a_wrong_key_gets_just_the_wrong_key_message(live_api):
    from streamlit.testing.v1 import AppTest

    from explorer.api_client import Credentials
    from tests.explorer.conftest import APP

    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["rg_creds"] = Credentials(live_api.url, "rg_wrong_key_0000000000", "EXPLORER-TEST-1")
    at.session_state["rg_whoami"] = {"permissions": ["entity:read"]}
    at.switch_page("pages/entity.py")
    at.session_state["rg_entity"] = "C:APPLICANT"
    at.run()
    assert not at.exception
    assert at.warning and "无权" not in texts(at) and "may not see" not in texts(at)


def test_network_loads_the_neighbourhood_and_expands_a_node(app_as):
    at = app_as("examiner", "network", rg_entity="C:APPLICANT")
    assert not at.exception
    sg = at.session_state["rg_net"]
    ids = {n.id for n in sg.nodes}
    assert {"C:APPLICANT", "C:SISTER", "P:BOSS", "P:WIFE", "C:OUTSIDER"} <= ids
    assert "C:LISTED" not in ids  # two hops away
    labels = [b.label for b in at.get("download_button")]
    assert any("HTML" in x for x in labels) and sum("CSV" in x for x in labels) == 2  # the exports
    at.selectbox(key="rg_pick_node").select("C:OUTSIDER").run()
    at.button(key="rg_expand").click().run()
    assert not at.exception
    sg = at.session_state["rg_net"]
    assert "C:LISTED" in {n.id for n in sg.nodes}
    assert sg.node("C:LISTED").listed  # the API's styling fact, before its listing node is in view
    at.selectbox(key="rg_pick_node").select("C:LISTED").run()
    at.button(key="rg_expand").click().run()
    sg = at.session_state["rg_net"]
    assert sg.node("C:LISTED").listed  # the LISTED_AS edge came with the second expansion
    assert sg.center == "C:APPLICANT"
    assert at.session_state["rg_expanded"] == ["C:OUTSIDER", "C:LISTED"]


def test_network_filters_by_link_type(app_as):
    at = app_as("examiner", "network", rg_entity="C:APPLICANT")
    at.multiselect(key="rg_types").set_value(["GUARANTEES"]).run()
    assert not at.exception
    names = at.selectbox(key="rg_pick_node").options
    assert any("C:SISTER" in n for n in names) and any("C:OUTSIDER" in n for n in names)
    assert not any("P:BOSS" in n for n in names)


def test_network_highlights_the_shortest_path(app_as):
    at = app_as("examiner", "network", rg_entity="C:APPLICANT")
    at.text_input(key="rg_path_to").input("C:LISTED").run()
    at.button(key="rg_find_path").click().run()
    assert not at.exception
    assert at.session_state["rg_path"] == ["C:APPLICANT", "C:OUTSIDER", "C:LISTED"]
    assert "C:APPLICANT → C:OUTSIDER → C:LISTED" in texts(at)


def test_network_warns_when_the_node_cap_is_reached(app_as):
    at = app_as("examiner", "network", rg_entity="C:APPLICANT")
    at.number_input(key="rg_max_nodes").set_value(10).run()
    at.slider(key="rg_hops").set_value(3).run()
    assert not at.exception
    # with a cap of 10 the 3-hop neighbourhood of the sample graph does not fit
    assert "已达节点上限" in texts(at) or "超级节点" in texts(at)


def test_password_sign_in_with_the_forced_first_change(live_api):
    """A user created by an administrator signs in with the temporary password, must change it, and is
    then signed in with a session token (no API key involved)."""
    import httpx
    from streamlit.testing.v1 import AppTest

    from tests.explorer.conftest import APP

    created = httpx.post(
        f"{live_api.url}/v1/admin/users",
        json={"user_id": "li.si", "name": "李四", "roles": ["examiner"]},
        headers={"X-API-Key": live_api.keys["admin"], "X-Purpose-Ref": "USER-ADMIN-1"},
    )
    assert created.status_code == 201, created.text
    temp = created.json()["temporary_password"]
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.text_input(key="rg_login_url").set_value(live_api.url)
    at.text_input(key="rg_pw_user").set_value("li.si")
    at.text_input(key="rg_pw_password").set_value(temp)
    at.button(key="rg_pw_submit").click().run()
    assert not at.exception
    assert at.session_state["rg_pw_change"] == "li.si"
    at.text_input(key="rg_pw_new").set_value("Neu-Passw0rd-2026!")
    at.text_input(key="rg_pw_again").set_value("Neu-Passw0rd-2026!")
    at.button(key="rg_pw_change_submit").click().run()
    assert not at.exception
    creds = at.session_state["rg_creds"]
    assert creds.api_key not in live_api.keys.values()  # the session token of the sign-in, not a key
    assert at.session_state["rg_whoami"]["user_id"] == "li.si"
    assert at.session_state["rg_whoami"]["roles"] == ["examiner"]
    at.switch_page("pages/search.py").run()
    at.text_input(key="rg_q").input("杭州甲科技").run()
    assert "C:APPLICANT" in list(at.dataframe[0].value["entity_id"])  # the session token works for the API
