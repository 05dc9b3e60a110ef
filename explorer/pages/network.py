"""The network view: neighbourhood of an entity, filter by link type, expand nodes (click or pick),
supernode cap warnings, shortest path between two entities highlighted, exports (HTML, CSV)."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from explorer import ui
from explorer.graph_data import (
    cap_nodes,
    filter_rel_types,
    mark_path,
    merge,
    subgraph_from_api,
    subgraph_from_paths,
)
from graph_model import schema

LINK_TYPES = [
    schema.HOLDS_SHARES, schema.HOLDS_POSITION, schema.GUARANTEES, schema.GUARANTEES_LOAN, schema.BORROWED,
    schema.FAMILY_OF, schema.HAS_PHONE, schema.HAS_ADDRESS, schema.LISTED_AS, schema.BRANCH_OF, schema.CONTROLS,
    schema.MEMBER_OF,
]  # fmt: skip
DRAW_BUDGET = 500  # nodes the browser is asked to lay out at once (bench/explorer/run.py)

st.header("关联网络 Network")
api = ui.client("network")
entity_id = ui.entity_picker()
if not entity_id:
    st.info("输入编号或从搜索页选择实体。/ Enter an id or pick one on the search page.")
    st.stop()

c1, c2, c3 = st.columns([1, 1, 3])
hops = c1.slider("跳数 Hops", 1, 3, 1, key="rg_hops")
max_nodes = c2.number_input("节点上限 Node cap", 10, 2000, 300, step=50, key="rg_max_nodes")
types = c3.multiselect("关系类型 Link types", LINK_TYPES, default=LINK_TYPES, key="rg_types")

# the API follows only the chosen link types, so hidden types neither use the node cap nor make supernodes
params = (entity_id, hops, int(max_nodes), tuple(sorted(types)))
if st.session_state.get("rg_net_params") != params:
    raw = ui.call(
        api.neighbourhood, entity_id, hops=hops, max_nodes=int(max_nodes), types=sorted(types) or None
    )
    if raw is None:
        st.stop()
    st.session_state["rg_net_params"] = params
    st.session_state.pop("rg_expanded", None)
    st.session_state.pop("rg_path", None)
    st.session_state["rg_net"] = subgraph_from_api(raw)
    st.session_state["rg_net_left_out"] = raw.get("left_out") or {}
sg = st.session_state["rg_net"]


def expand(node_id: str) -> None:
    raw = ui.call(api.neighbourhood, node_id, hops=1, max_nodes=int(max_nodes), types=sorted(types) or None)
    if raw is not None:
        st.session_state["rg_net"] = merge(
            st.session_state["rg_net"], replace(subgraph_from_api(raw), center=None)
        )
        st.session_state.setdefault("rg_expanded", []).append(node_id)


# --- shortest path between the entity and another -----------------------------------------------
with st.expander("最短路径 Shortest path", expanded=bool(st.session_state.get("rg_path_to"))):
    p1, p2 = st.columns([3, 1])
    other = p1.text_input("到 To (C:… / P:…)", key="rg_path_to").strip()
    max_hops = p2.slider("最大跳数 Max hops", 1, 8, 4, key="rg_path_hops")
    if other and st.button("查找 Find path", key="rg_find_path"):
        res = ui.call(api.paths, entity_id, other, max_hops=max_hops, types=types)
        if res is not None:
            if not res.get("paths"):
                st.info(f"{max_hops} 跳内无路径 No path within {max_hops} hops.")
            else:
                psg = subgraph_from_paths(res)
                st.session_state["rg_net"] = merge(
                    replace(
                        st.session_state["rg_net"], highlight_nodes=frozenset(), highlight_edges=frozenset()
                    ),
                    psg,
                )
                st.session_state["rg_path"] = [n["id"] for n in res["paths"][0]["nodes"]]
                st.session_state["rg_path_count"] = len(res["paths"])
    if st.session_state.get("rg_path"):
        st.success(
            f"路径 Path ({st.session_state.get('rg_path_count', 1)} shortest): "
            + " → ".join(st.session_state["rg_path"])
        )
        if st.button("清除路径 Clear path", key="rg_clear_path"):
            st.session_state.pop("rg_path")
            st.session_state["rg_net"] = replace(
                st.session_state["rg_net"], highlight_nodes=frozenset(), highlight_edges=frozenset()
            )
            st.rerun()

sg = st.session_state["rg_net"]
if st.session_state.get("rg_path"):
    sg = mark_path(sg, st.session_state["rg_path"])
view = filter_rel_types(sg, types)
view, dropped = cap_nodes(view, DRAW_BUDGET)

warnings = []
left_out = st.session_state.get("rg_net_left_out") or {}
if sg.capped_nodes:
    warnings.append(
        f"超级节点未展开 Supernodes not expanded (degree > {left_out.get('supernode_degree', '?')}): "
        + ", ".join(sg.capped_nodes[:10])
        + " — 可单独展开或按关系类型过滤 expand one explicitly or filter by link type."
    )
if left_out.get("nodes_over_cap"):
    warnings.append(
        f"已达节点上限 Node cap reached: {left_out['nodes_over_cap']} 个邻居未显示 neighbours not shown (cap {left_out.get('max_nodes')})."
    )
if dropped:
    warnings.append(
        f"为保证绘制速度只显示最近的 {DRAW_BUDGET} 个节点 Only the {DRAW_BUDGET} nearest nodes are drawn ({dropped} hidden)."
    )

st.caption(
    f"{len(view.nodes)} 节点 nodes · {len(view.edges)} 关系 links · 点击节点 click a node to act on it"
)
action = st.radio(
    "点击节点时 On node click", ["展开 Expand", "打开卡片 Open card"], horizontal=True, key="rg_click_action"
)
clicked = ui.draw_network(
    view, key="network", title=f"{entity_id} · {hops} hop(s)", warnings=warnings, clickable=True
)

n1, n2, n3 = st.columns([3, 1, 1])
names = {n.id: f"{n.name} · {n.id}" for n in view.nodes}
picked = n1.selectbox("节点 Node", list[str](names), format_func=ui.labelled(names), key="rg_pick_node")
do_expand = n2.button("展开 Expand", key="rg_expand")
do_open = n3.button("打开卡片 Open card", key="rg_open")
target = clicked or picked
if clicked:
    do_expand, do_open = action.startswith("展开"), action.startswith("打开")
if do_expand and target:
    expand(target)
    st.rerun()
if do_open and target:
    if target.startswith(("C:", "P:")):
        ui.focus(target)
        st.switch_page("pages/entity.py")
    else:
        st.info(f"{target} 不是企业或个人 is not a company or person.")
if st.session_state.get("rg_expanded"):
    st.caption("已展开 Expanded: " + ", ".join(st.session_state["rg_expanded"]))
