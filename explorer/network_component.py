"""The network view inside Streamlit, with clicks sent back to Python.

The drawing is the same self-contained page `explorer.network_html` exports (pyvis + inlined
vis-network, tested offline); a tiny `st.components.v2` component puts it in an iframe and hooks the
page's `rgOnNodeClick` to a trigger value, so a click on a node reaches the script as
``result.node_clicked``. Nothing is fetched from any host: the JS below is inline and the page is
passed as data.
"""

from __future__ import annotations

import hashlib

import streamlit as st

_JS = """
export default function (component) {
  const { data, setTriggerValue, parentElement } = component;
  let frame = parentElement.querySelector("iframe.rg-net");
  if (!frame) {
    frame = document.createElement("iframe");
    frame.className = "rg-net";
    frame.style.width = "100%";
    frame.style.border = "0";
    frame.setAttribute("title", "network");
    parentElement.appendChild(frame);
  }
  if (frame.dataset.digest !== data.digest) {
    frame.dataset.digest = data.digest;
    frame.style.height = data.height + "px";
    frame.onload = () => {
      frame.contentWindow.rgOnNodeClick = (id) => setTriggerValue("node_clicked", id);
    };
    frame.srcdoc = data.html;
  }
}
"""

_component = st.components.v2.component("riskgraph_network", js=_JS, isolate_styles=False)


def network_view(html: str, *, height: int, key: str) -> str | None:
    """Draw the page; the id of the node clicked since the last run, else None."""
    digest = hashlib.sha1(html.encode("utf-8")).hexdigest()
    result = _component(
        data={"html": html, "height": height, "digest": digest}, key=key, on_node_clicked_change=lambda: None
    )
    clicked = getattr(result, "node_clicked", None)
    return str(clicked) if clicked else None
