"""Supervisor dashboard: what came within reach of blacklisted entities since a date (trend over the
contagion runs, the newly reached as a list and as a graph of their explaining paths, date slider),
and the history of rule runs."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from explorer import ui
from explorer.graph_data import subgraph_from_reach

CONTAGION_RULE = "contagion.blacklist"
#: how many newly reached entities the graph draws by default (the strongest; the table lists all)
DRAW_TOP = 25
#: rule runs a page in the runs tab
RUNS_PAGE = 50

st.header("监管 Supervisor dashboard")
api = ui.client("supervisor")
can_spread, can_runs = ui.may("supervisor", "spread"), ui.may("supervisor", "runs")
contagion_res = ui.call(api.rule_runs, rule_id=CONTAGION_RULE, limit=200) if can_runs else None
contagion = sorted(
    (r for r in (contagion_res or {}).get("runs") or [] if r.get("as_of")), key=lambda r: str(r["as_of"])
)
today = dt.date.today()
first = (
    dt.date.fromisoformat(str(contagion[0]["as_of"])[:10]) if contagion else today - dt.timedelta(days=365)
)
since = st.slider(
    "自 Since",
    min_value=min(first - dt.timedelta(days=30), today - dt.timedelta(days=30)),
    max_value=today,
    value=max(first, today - dt.timedelta(days=90)),
    format="YYYY-MM-DD",
    key="rg_since",
)
threshold = st.slider("最低传染强度 Min contagion score", 0.0, 1.0, 0.0, 0.01, key="rg_spread_threshold")
top_n = st.number_input(
    "绘制最强的前 N 个 Draw the N strongest", 5, 200, DRAW_TOP, step=5, key="rg_spread_top"
)
titles = (["名单扩散 Blacklist spread"] if can_spread else []) + (["规则运行 Rule runs"] if can_runs else [])
tabs = dict(zip(["spread"] * can_spread + ["runs"] * can_runs, st.tabs(titles), strict=True))
tab_spread, tab_runs = tabs.get("spread"), tabs.get("runs")


def spread_tab() -> None:
    res = ui.call(api.blacklist_spread, since.isoformat(), threshold=threshold)
    if res is not None:
        base, cur = res.get("baseline_run"), res.get("current_run")
        st.caption(
            f"对比 comparing run {cur and cur.get('run_id')} (as of {cur and cur.get('as_of')}) with "
            + (
                f"{base.get('run_id')} (as of {base.get('as_of')})"
                if base
                else "无更早运行 no earlier run: everything reached counts as new"
            )
        )
        m1, m2, m3 = st.columns(3)
        m1.metric("新进入范围 Newly reached", res.get("newly_reached_total", 0))
        m2.metric("离开范围 No longer reached", res.get("no_longer_reached_total", 0))
        m3.metric("持续在范围内 Still reached", res.get("still_reached", 0))
        # the trend: how many were newly reached since each earlier contagion run's date
        if len(contagion) > 1:
            points = []
            for r in contagion[-12:]:
                d = str(r["as_of"])[:10]
                p = ui.call(api.blacklist_spread, d, threshold=threshold, limit=1)
                if p is not None:
                    points.append(
                        {
                            "since": d,
                            "新进入 newly reached": p.get("newly_reached_total", 0),
                            "离开 no longer": p.get("no_longer_reached_total", 0),
                        }
                    )
            if points:
                st.markdown("**扩散趋势 Spread over time** (reached since each run date, vs the latest run)")
                st.line_chart(pd.DataFrame(points).set_index("since"))
        reached = res.get("newly_reached") or []
        if reached:
            st.dataframe(
                [
                    {
                        "名称 name": r.get("name") or "",
                        "编号 id": r["entity_id"],
                        "传染强度 score": round(float(r.get("score") or 0.0), 4),
                        "跳数 hops": r.get("hops"),
                    }
                    for r in reached
                ],
                hide_index=True,
                width="stretch",
            )
            drawn = reached[: int(top_n)]
            names = res.get("names") or {}
            ui.draw_network(
                subgraph_from_reach(drawn, names),
                key="spread",
                title=f"自 {since} 新进入范围（最强 {len(drawn)} / {len(reached)}）"
                f" newly reached since {since}: the {len(drawn)} strongest with their paths from listed entities",
                height=560,
            )
        else:
            st.info("此期间无新增可达实体 Nothing newly within reach since that date.")
        if res.get("no_longer_reached"):
            with st.expander("离开范围 No longer reached"):
                st.dataframe(
                    [
                        {
                            "名称 name": r.get("name") or "",
                            "编号 id": r["entity_id"],
                            "传染强度 score": r.get("score"),
                        }
                        for r in res["no_longer_reached"]
                    ],
                    hide_index=True,
                    width="stretch",
                )


def runs_tab() -> None:
    cursors = ui.page_cursors("rg_runs", None)
    runs_res = ui.call(api.rule_runs, limit=RUNS_PAGE, cursor=cursors[-1])
    runs = (runs_res or {}).get("runs") or []
    if runs_res is not None:
        if not runs:
            st.info("无运行记录 No rule runs yet.")
        else:
            ui.page_bar("rg_runs", cursors, runs_res.get("page") or {}, len(runs), "规则运行 runs")
            cols = [
                "run_id",
                "rule_id",
                "rule_version",
                "status",
                "as_of",
                "started_at",
                "duration_ms",
                "counts",
            ]
            st.dataframe(
                [{c: (counts_text(r.get(c)) if c == "counts" else r.get(c)) for c in cols} for r in runs],
                hide_index=True,
                width="stretch",
            )
            df = pd.DataFrame(
                [
                    {
                        "rule": r.get("rule_id"),
                        "started_at": str(r.get("started_at"))[:19],
                        "duration_ms": r.get("duration_ms") or 0,
                    }
                    for r in runs
                ]
            )
            st.bar_chart(df, x="started_at", y="duration_ms", color="rule")


def counts_text(counts: object) -> str:
    """A run's counts as ``name n`` pairs (not a Python dict)."""
    if isinstance(counts, dict):
        return ", ".join(f"{k} {v}" for k, v in counts.items() if not isinstance(v, dict | list))
    return "" if counts is None else str(counts)


if tab_spread is not None:
    with tab_spread:
        spread_tab()
if tab_runs is not None:
    with tab_runs:
        runs_tab()
