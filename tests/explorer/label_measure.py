"""What a drawn network's labels look like on screen, measured in the page from vis-network's own
label boxes (not from the placement code's estimates): how many are drawn, their on-screen size,
whether drawn labels cover one another, and which text they show."""

from __future__ import annotations

#: a JS function of the page's window: ``(w, onlyInView) => {...}``
MEASURE_LABELS = r"""((w, onlyInView) => {
  const net = w.network; net.redraw();
  const scale = net.getScale(), ids = net.body.nodeIndices;
  const box = w.document.getElementById('rg-network').getBoundingClientRect();
  const inView = (id) => { const p = net.canvasToDOM(net.getPositions([id])[id]);
    return p.x >= 0 && p.y >= 0 && p.x <= box.width && p.y <= box.height; };
  const drawn = [], considered = [];
  for (const id of ids) {
    if (onlyInView && !inView(id)) continue;
    considered.push(id);
    const n = net.body.nodes[id], lm = n.labelModule;
    if (!lm.visible()) continue;
    const s = lm.size, d = w.nodes.get(id);
    drawn.push({id: id, text: n.options.label, short: d.short_label, full: d.full_label, marks: d.marks,
                title: d.title, px: lm.fontOptions.size * scale,
                b: [s.left, s.top, s.left + s.width, s.top + s.height]});
  }
  let overlapping = 0;
  for (const a of drawn) {
    if (drawn.some((c) => c !== a && Math.min(a.b[2], c.b[2]) - Math.max(a.b[0], c.b[0]) > 0.5
                              && Math.min(a.b[3], c.b[3]) - Math.max(a.b[1], c.b[1]) > 0.5)) overlapping++;
  }
  const hidden = considered.filter((id) => !drawn.some((d) => d.id === id)).map((id) => w.nodes.get(id));
  return {nodes: ids.length, considered: considered.length, scale: scale, drawn: drawn,
          overlapping: overlapping, hidden_titles_hold_names: hidden.every((n) => n.title.includes(n.full_label)),
          state: w.rgLabelState};
})"""


def measure(page, window_expr: str, *, only_in_view: bool = False) -> dict:
    """:data:`MEASURE_LABELS` on the page whose ``window`` is ``window_expr``."""
    return page.evaluate(f"{MEASURE_LABELS}({window_expr}, {'true' if only_in_view else 'false'})")
