"""Helpers to drive the running Streamlit explorer in headless Chromium over CDP (tests only)."""

from __future__ import annotations

import json

from explorer.headless import Page


def type_into(page: Page, aria_label: str, text: str, *, enter: bool = True) -> None:
    """Type into the input with that label as a user would (React sees real input events)."""
    found = page.wait_for(
        f"""(() => {{ const el = document.querySelector('input[aria-label={json.dumps(aria_label)}]');
            if (!el) return false; el.focus(); el.select(); return true; }})()""",
        timeout=30,
    )
    assert found
    page.send("Input.insertText", {"text": text})
    if enter:
        for kind in ("keyDown", "keyUp"):
            page.send(
                "Input.dispatchKeyEvent",
                {
                    "type": kind,
                    "key": "Enter",
                    "code": "Enter",
                    "windowsVirtualKeyCode": 13,
                    "nativeVirtualKeyCode": 13,
                },
            )


def click_text(page: Page, selector: str, text: str, timeout: float = 30) -> None:
    """Click the first element matching the selector whose text contains ``text``."""
    ok = page.wait_for(
        f"""(() => {{ const el = [...document.querySelectorAll({json.dumps(selector)})]
              .find(e => e.textContent.includes({json.dumps(text)}));
            if (!el) return false; el.click(); return true; }})()""",
        timeout=timeout,
    )
    assert ok


def choose_option(page: Page, widget_label: str, text: str) -> None:
    """Pick an option of a selectbox or multiselect as a keyboard user would: focus its search box,
    type part of the option's text, press Enter (a synthetic click does not open the menu)."""
    found = page.wait_for(
        f"""(() => {{ const w = [...document.querySelectorAll(
                '[data-testid="stSelectbox"], [data-testid="stMultiSelect"]')]
              .find(e => e.innerText.includes({json.dumps(widget_label)}));
            const el = w && w.querySelector('input');
            if (!el) return false; el.focus(); return true; }})()""",
        timeout=30,
    )
    assert found
    page.send("Input.insertText", {"text": text})
    page.pump(0.5)
    _key(page, "Enter", 13)


def _key(page: Page, key: str, code: int) -> None:
    for kind in ("keyDown", "keyUp"):
        page.send(
            "Input.dispatchKeyEvent",
            {
                "type": kind,
                "key": key,
                "code": key,
                "windowsVirtualKeyCode": code,
                "nativeVirtualKeyCode": code,
            },
        )


def wait_idle(page: Page, timeout: float = 60) -> None:
    """Until Streamlit has finished running the script (no 'running' status widget)."""
    page.pump(0.3)
    page.wait_for(
        "!document.querySelector('[data-testid=\"stStatusWidget\"]') && document.querySelector('[data-testid=\"stApp\"]') !== null",
        timeout=timeout,
    )


NET = "document.querySelector('iframe.rg-net')"
#: the drawing's window, or null while the component has not mounted yet
NET_WIN = "((f) => (f ? f.contentWindow : null))(document.querySelector('iframe.rg-net'))"


def network_node_ids(page: Page) -> list[str]:
    return (
        page.evaluate(f"((w) => (w && w.network) ? w.network.body.data.nodes.getIds() : [])({NET_WIN})") or []
    )


def click_network_node(page: Page, node_id: str) -> None:
    """A real mouse click on the node, at its position on screen (iframe offset + canvas coordinates)."""
    pos = page.evaluate(
        f"""(() => {{ const f = {NET}; const w = f.contentWindow; const r = f.getBoundingClientRect();
            const c = w.document.getElementById('rg-network').getBoundingClientRect();
            const p = w.network.canvasToDOM(w.network.getPositions([{json.dumps(node_id)}])[{json.dumps(node_id)}]);
            return {{x: r.left + c.left + p.x, y: r.top + c.top + p.y, top: r.top}}; }})()"""
    )
    if pos["y"] < 5 or pos["y"] > 850:  # scroll the drawing into view first
        page.evaluate(f"{NET}.scrollIntoView({{block: 'center'}})")
        page.pump(0.3)
        return click_network_node(page, node_id)
    for kind in ("mousePressed", "mouseReleased"):
        page.send(
            "Input.dispatchMouseEvent",
            {"type": kind, "x": pos["x"], "y": pos["y"], "button": "left", "clickCount": 1},
        )
