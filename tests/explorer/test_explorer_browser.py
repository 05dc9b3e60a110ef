"""The network page in a real headless Chromium: drawn, settled, offline, clickable; screenshots."""

from __future__ import annotations

from pathlib import Path

from explorer.graph_data import mark_path, subgraph_from_api
from explorer.headless import Browser, BrowserError
from explorer.network_html import render_html
from explorer.sample_graph import neighbourhood
from tests.explorer.test_explorer_app_browser import shots as shots  # noqa: F401

LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")


def _open(browser: Browser, html: str, tmp_path: Path, name: str = "net.html"):
    src = tmp_path / name
    src.write_text(html, encoding="utf-8")
    page = browser.new_page()
    page.enable_network_log()
    page.set_viewport(1400, 900)
    page.send("Page.bringToFront")
    page.navigate(src.as_uri())
    page.wait_for("window.rgTiming && window.rgTiming.stabilized !== null", timeout=60)
    return page


def test_network_is_drawn_and_settles_with_physics_off(browser, tmp_path):
    payload = neighbourhood(150, seed=11)
    page = _open(browser, render_html(subgraph_from_api(payload), title="邻域 neighbourhood"), tmp_path)
    try:
        assert page.evaluate("network.body.data.nodes.length") == len(payload["nodes"])
        assert page.evaluate("network.body.data.edges.length") == len(payload["edges"])
        positions = page.evaluate("Object.values(network.getPositions()).map(p => [p.x, p.y])")
        assert len(positions) == len(payload["nodes"])
        assert len({(round(x), round(y)) for x, y in positions}) > 0.9 * len(
            positions
        )  # spread out, not piled up
        assert page.evaluate("network.physics.physicsEnabled") is False
        # something was painted on vis-network's canvas: count non-blank pixels
        painted = page.evaluate(
            """(() => { network.redraw(); const c = document.querySelector('#rg-network canvas');
                 const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                 let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n; })()"""
        )
        assert painted > 10_000
        assert page.evaluate("document.getElementById('rg-phase').textContent") == "stable"
    finally:
        page.close()


def test_clicking_a_node_selects_it(browser, tmp_path):
    sg = subgraph_from_api(neighbourhood(20, seed=5))
    page = _open(browser, render_html(sg), tmp_path)
    try:
        target = sg.nodes[4].id
        selected = None
        # vis-network may still be finishing its post-stabilization fit when the page reports
        # "stable" (seen on a loaded machine): read the node's screen position afresh for each try
        for _attempt in range(5):
            page.pump(0.3)
            pos = page.evaluate(f"network.canvasToDOM(network.getPositions(['{target}'])['{target}'])")
            box = page.evaluate(
                "(() => { const r = document.getElementById('rg-network').getBoundingClientRect(); return [r.left, r.top]; })()"
            )
            x, y = pos["x"] + box[0], pos["y"] + box[1]
            for kind in ("mousePressed", "mouseReleased"):
                page.send(
                    "Input.dispatchMouseEvent",
                    {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
                )
            try:
                selected = page.wait_for("window.rgSelected", timeout=4)
                break
            except BrowserError:
                continue
        assert selected == target
    finally:
        page.close()


def test_no_request_leaves_the_machine(browser, tmp_path):
    """Every request of the page (scripts, styles, images, fonts) is local: the page works air-gapped."""
    sg = mark_path(subgraph_from_api(neighbourhood(200, seed=2)), ["C:00000", "C:00001"])
    page = _open(browser, render_html(sg, title="离线 offline", warnings=["超级节点已截断 capped"]), tmp_path)
    try:
        page.pump(1.0)  # let late requests (fonts, images) show up
        urls = page.requested_urls()
        assert urls, "the network log recorded nothing: the check would prove nothing"
        leaving = [
            u
            for u in urls
            if not u.startswith(LOCAL_SCHEMES) and "//127.0.0.1" not in u and "//localhost" not in u
        ]
        assert leaving == []
    finally:
        page.close()


def test_the_network_log_does_see_remote_requests(browser, tmp_path):
    """The recorder notices a page that reaches out (pyvis' stock template loads its CDN), so the offline
    test above can fail."""
    from explorer.network_html import build_network

    net = build_network(subgraph_from_api(neighbourhood(10)))
    net.cdn_resources = "remote"
    src = tmp_path / "remote.html"
    src.write_text(net.generate_html(), encoding="utf-8")
    page = browser.new_page()
    page.enable_network_log()
    try:
        page.navigate(src.as_uri(), timeout=60)
        page.pump(0.5)
        assert any(u.startswith("https://") for u in page.requested_urls())
    finally:
        page.close()


def test_screenshot_of_the_network_view(browser, tmp_path):
    payload = neighbourhood(60, seed=4)
    sg = mark_path(subgraph_from_api(payload), [payload["nodes"][0]["id"], payload["edges"][0]["source"]])
    page = _open(browser, render_html(sg, title="关联网络 Network view"), tmp_path)
    try:
        shot = page.screenshot(tmp_path / "network.png")
        data = shot.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    finally:
        page.close()


def test_a_crowded_drawing_draws_readable_labels_none_covering_another(browser, tmp_path, shots):  # noqa: F811
    """The drawing alone (no server): 300 nodes, measured from vis-network's own label boxes."""
    from tests.explorer.label_measure import measure

    page = _open(browser, render_html(subgraph_from_api(neighbourhood(300, seed=3))), tmp_path)
    try:
        page.wait_for("window.rgLabelState", timeout=30)
        m = measure(page, "window")
        drawn = m["drawn"]
        assert m["nodes"] == 300 and len(drawn) >= 40, len(drawn)  # measured 72
        assert m["overlapping"] == 0
        assert min(d["px"] for d in drawn) >= 10
        assert m["hidden_titles_hold_names"] and m["state"]["shown"] == len(drawn)
        page.screenshot(shots / "explorer-network-300-sample.png")
    finally:
        page.close()
