"""Labels stay readable in a crowded drawing: the network page against the API on a world with a
300-node neighbourhood, in headless Chromium. Vis-network stops drawing labels whose on-screen size
falls below its draw threshold (they vanished from ~80 nodes on) and, where they are drawn, a crowd of
labels covers itself; the page places short labels that keep ~11 px on screen and leaves out those
that would cover one already placed. Measured from vis-network's own label boxes: many labels drawn,
readable size, (almost) none covering another, short names at the overview and full names zoomed in,
the full name in every hidden label's tooltip."""

from __future__ import annotations

import pytest

from explorer.network_html import LABEL_CHARS
from tests.explorer.conftest import serve_api
from tests.explorer.label_measure import measure
from tests.explorer.streamlit_driver import NET_WIN, click_text, type_into, wait_idle
from tests.explorer.test_explorer_app_browser import _signed_in
from tests.explorer.test_explorer_app_browser import explorer_url as explorer_url  # noqa: F401
from tests.explorer.test_explorer_app_browser import shots as shots  # noqa: F401

pytestmark = pytest.mark.neo4j

HUB = "C:CROWD"
TRADES = ["纺织", "化工", "机械", "建材", "贸易", "电子", "物流", "印染", "五金", "塑业"]
PLACES = ["杭州", "宁波", "温州", "嘉兴", "湖州", "绍兴", "金华", "台州"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
#: drawn labels may cover one another at most this share (measured 0 at the overview and zoomed in)
MAX_OVERLAP_SHARE = 0.02
#: labels drawn at the overview of 300 nodes at least (measured 72 on a 300-node sample drawing)
MIN_DRAWN_AT_OVERVIEW = 40
READABLE_PX = 10


def crowd_world(driver) -> int:
    """A hub company with 299 direct links (shareholders, guarantees, subsidiaries), some linked to
    each other, with long registered names; the number of nodes of its 1-hop neighbourhood."""
    comps = [
        {
            "entity_id": f"C:CROWD-{i:03d}",
            "name": f"浙江省{PLACES[i % 8]}市{PLACES[(i // 8) % 8]}{TRADES[i % 10]}制造{i}号股份有限公司",
        }
        for i in range(200)
    ]
    persons = [
        {"entity_id": f"P:CROWD-{j:03d}", "name": SURNAMES[j % 20] + GIVEN[(j // 20) % 20] + GIVEN[j % 7]}
        for j in range(99)
    ]
    driver.execute_query(
        "CREATE (h:Company {entity_id: $hub, name: '浙江众联控股集团股份有限公司', region: '浙江'}) "
        "WITH h UNWIND $comps AS r CREATE (c:Company) SET c = r, c.region = '浙江' "
        "WITH h, c, toInteger(substring(c.entity_id, 8)) AS i "
        "FOREACH (_ IN CASE WHEN i % 2 = 0 THEN [1] ELSE [] END | "
        "  CREATE (h)-[:HOLDS_SHARES {pct: 51.0 + i % 40, source: 'test'}]->(c)) "
        "FOREACH (_ IN CASE WHEN i % 2 = 1 THEN [1] ELSE [] END | "
        "  CREATE (c)-[:GUARANTEES {contract_id: 'G-' + c.entity_id, amount: 1.0e7 * (1 + i % 9), "
        "kind: 'joint', source: 'test'}]->(h))",
        hub=HUB,
        comps=comps,
    )
    driver.execute_query(
        "MATCH (h:Company {entity_id: $hub}) UNWIND $persons AS r CREATE (p:Person) SET p = r "
        "CREATE (p)-[:HOLDS_SHARES {pct: 1.0, source: 'test'}]->(h)",
        hub=HUB,
        persons=persons,
    )
    driver.execute_query(  # links among the neighbours, so the drawing is no plain star
        "MATCH (a:Company), (b:Company) WHERE a.entity_id STARTS WITH 'C:CROWD-' "
        "AND b.entity_id = 'C:CROWD-' + right('00' + toString((toInteger(substring(a.entity_id, 8)) + 7) % 200), 3) "
        "AND toInteger(substring(a.entity_id, 8)) % 3 = 0 "
        "CREATE (a)-[:GUARANTEES {contract_id: 'X-' + a.entity_id, amount: 5.0e6, kind: 'joint', source: 'test'}]->(b)"
    )
    return 1 + len(comps) + len(persons)


@pytest.fixture(scope="module")
def live_api(neo4j_settings, neo4j_driver, tmp_path_factory):
    # the hub's 299 links must not make it a supernode the API leaves unexpanded
    with serve_api(
        neo4j_settings, neo4j_driver, tmp_path_factory.mktemp("explorer-api-crowd"), api_supernode_degree=1000
    ) as api:
        yield api


@pytest.fixture(scope="module")
def crowd_nodes(live_api, neo4j_driver):
    yield crowd_world(neo4j_driver)
    neo4j_driver.execute_query(
        "MATCH (n) WHERE n.entity_id STARTS WITH 'C:CROWD' OR n.entity_id STARTS WITH 'P:CROWD' DETACH DELETE n"
    )


def _check_drawn(m: dict, *, full: bool) -> list[dict]:
    drawn = m["drawn"]
    assert m["overlapping"] <= MAX_OVERLAP_SHARE * len(drawn), (m["overlapping"], len(drawn))
    assert min(d["px"] for d in drawn) >= READABLE_PX, sorted(d["px"] for d in drawn)[:5]
    for d in drawn:
        name = d["full"] if full else d["short"]
        assert d["text"] == (f"{d['marks']} {name}" if d["marks"] else name), d
        assert d["full"] in d["title"]  # hovering any node shows its full name
    assert m["hidden_titles_hold_names"]
    return drawn


def _wheel(page, x: float, y: float, delta: float) -> None:
    page.send(
        "Input.dispatchMouseEvent", {"type": "mouseWheel", "x": x, "y": y, "deltaX": 0, "deltaY": delta}
    )


def test_labels_of_a_300_node_network_stay_readable(browser, live_api, crowd_nodes, explorer_url, shots):  # noqa: F811
    page = _signed_in(browser, explorer_url, live_api.keys["examiner"])
    try:
        click_text(page, "[data-testid='stSidebarNav'] a", "关联网络 Network")
        type_into(page, "实体 Entity (C:… / P:…)", HUB)
        page.wait_for(
            f"((w) => w && w.rgLabelState && w.rgTiming.stabilized !== null)({NET_WIN})", timeout=120
        )
        wait_idle(page)
        page.evaluate("document.querySelector('iframe.rg-net').scrollIntoView({block: 'center'})")
        page.pump(0.5)

        overview = measure(page, NET_WIN)
        assert overview["nodes"] == crowd_nodes == 300
        drawn = _check_drawn(overview, full=False)
        assert len(drawn) >= MIN_DRAWN_AT_OVERVIEW, len(drawn)
        assert HUB in [d["id"] for d in drawn]  # the entity in focus is always labelled
        assert all(len(d["short"]) <= LABEL_CHARS for d in drawn)
        assert any(len(d["full"]) > LABEL_CHARS for d in drawn)  # long names were shortened
        page.screenshot(shots / "explorer-network-300.png")

        # zoom in with the mouse wheel over the hub, as a user would, until full names show
        hub = page.evaluate(
            f"""(() => {{ const w = {NET_WIN}; const f = document.querySelector('iframe.rg-net').getBoundingClientRect();
                const c = w.document.getElementById('rg-network').getBoundingClientRect();
                const p = w.network.canvasToDOM(w.network.getPositions(['{HUB}'])['{HUB}']);
                return [f.left + c.left + p.x, f.top + c.top + p.y]; }})()"""
        )
        for _ in range(60):
            if page.evaluate(f"{NET_WIN}.network.getScale()") >= 1.8:
                break
            _wheel(page, hub[0], hub[1], -120)
            page.pump(0.05)
        page.wait_for(f"{NET_WIN}.rgLabelState.full === true", timeout=30)
        page.pump(0.5)
        zoomed = measure(page, NET_WIN, only_in_view=True)
        assert zoomed["scale"] >= 1.6 and zoomed["considered"] >= 3
        near = _check_drawn(zoomed, full=True)
        # zoomed in, the share of the nodes in view that carry a label grows
        assert len(near) / zoomed["considered"] > len(drawn) / overview["nodes"], (
            len(near),
            zoomed["considered"],
            len(drawn),
        )
        page.screenshot(shots / "explorer-network-300-zoomed.png")
    finally:
        page.close()
