"""`riskgraph explore`: the Streamlit explorer, a client of the riskgraph API.

Run with ``riskgraph explore`` (or ``streamlit run explorer/app.py``). The user signs in with an API
key in the sidebar; every page then calls the API as that user, so roles, masking and audit apply.
The menu holds only the pages the key's permissions open (explorer/access.py).
"""

from __future__ import annotations

import streamlit as st

from explorer import access, ui

st.set_page_config(page_title="riskgraph 关联图谱", page_icon="🕸️", layout="wide")

TITLES = {
    "search": "搜索 Search",
    "entity": "实体 Entity",
    "network": "关联网络 Network",
    "ownership": "股权控制 Ownership",
    "group": "集团 Group",
    "circles": "担保圈 Guarantee circles",
    "alerts": "预警 Alerts",
    "supervisor": "监管 Supervisor",
    "review": "实体复核 ER review",
}

if st.session_state.get(ui.CREDS) is None:
    names = ["search"]  # the search page asks for the sign-in
else:
    names = access.visible_pages(ui.whoami()) or ["home"]
pages = [
    st.Page(
        f"pages/{name}.py",
        title=TITLES.get(name, "首页 Home"),
        default=i == 0,
        url_path=name,
    )
    for i, name in enumerate(names)
]
page = st.navigation(pages)
ui.sign_in_panel()
page.run()
