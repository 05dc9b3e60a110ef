"""`riskgraph explore`: the Streamlit explorer, a client of the riskgraph API.

Run with ``riskgraph explore`` (or ``streamlit run explorer/app.py``). The user signs in with an API
key in the sidebar; every page then calls the API as that user, so roles, masking and audit apply.
"""

from __future__ import annotations

import streamlit as st

from explorer import ui

st.set_page_config(page_title="riskgraph 关联图谱", page_icon="🕸️", layout="wide")

PAGES = [
    st.Page("pages/search.py", title="搜索 Search", default=True),
    st.Page("pages/entity.py", title="实体 Entity"),
    st.Page("pages/network.py", title="关联网络 Network"),
    st.Page("pages/ownership.py", title="股权控制 Ownership"),
    st.Page("pages/group.py", title="集团 Group"),
    st.Page("pages/circles.py", title="担保圈 Guarantee circles"),
    st.Page("pages/alerts.py", title="预警 Alerts"),
    st.Page("pages/supervisor.py", title="监管 Supervisor"),
    st.Page("pages/review.py", title="实体复核 ER review"),
]

page = st.navigation(PAGES)
ui.sign_in_panel()
page.run()
