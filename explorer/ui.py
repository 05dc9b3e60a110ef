"""Streamlit helpers every page shares: sign-in kept in session state, the API client, errors shown
bilingually, the entity in focus, and the network panel with its exports."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import streamlit as st

from explorer.api_client import ApiClient, ApiError, Credentials, change_password, login
from explorer.export import edges_csv, nodes_csv
from explorer.graph_data import Subgraph
from explorer.network_html import render_html

T = TypeVar("T")


def labelled(labels: Mapping[str, str]) -> Callable[[str], str]:
    """A ``format_func`` showing each option's label, bound to this mapping now (a plain lambda
    would read whatever the name refers to when Streamlit calls it later)."""
    return lambda key: labels.get(key, key)


CREDS = "rg_creds"
ENTITY = "rg_entity"
DEFAULT_API_URL = "http://127.0.0.1:8000"


def default_api_url() -> str:
    return (
        os.environ.get("RISKGRAPH_EXPLORER_API_URL") or os.environ.get("RISKGRAPH_API_URL") or DEFAULT_API_URL
    )


def sign_in_panel() -> None:
    """Sidebar: who is signed in (the sign-in forms are on the page itself, see `client`)."""
    with st.sidebar:
        creds: Credentials | None = st.session_state.get(CREDS)
        if creds:
            who = st.session_state.get("rg_whoami") or {}
            roles = ", ".join(who.get("roles") or [])
            st.caption(
                f"已登录 Signed in: {who.get('user_id') or 'API key'} · {roles}{' · pii' if who.get('pii') else ''}"
            )
            purpose = st.text_input(
                "用途编号 Purpose ref (loan / case no.)", value=creds.purpose_ref, key="rg_purpose_edit"
            )
            if purpose != creds.purpose_ref:
                st.session_state[CREDS] = Credentials(creds.base_url, creds.api_key, purpose)
            if st.button("退出 Sign out", key="rg_sign_out"):
                for k in list(st.session_state.keys()):
                    if str(k).startswith("rg_"):
                        del st.session_state[k]
                st.rerun()
            return
        st.caption("未登录 Not signed in")


def sign_in_forms() -> None:
    """Sign in with an API key, or with user name and password (a session token)."""
    st.subheader("登录 Sign in")
    url = st.text_input("API 地址 API URL", value=default_api_url(), key="rg_login_url")
    purpose = st.text_input("用途编号 Purpose ref (loan / case no.)", key="rg_login_purpose")
    by_key, by_password = st.tabs(["API 密钥 key", "用户名密码 password"])
    with by_key, st.form("rg_sign_in"):
        key = st.text_input("API 密钥 API key", type="password", key="rg_key")
        if st.form_submit_button("登录 Sign in", key="rg_key_submit") and key:
            sign_in(url, key, purpose)
    with by_password:
        password_sign_in(url, purpose)


def password_sign_in(url: str, purpose: str) -> None:
    """User name and password; when the API demands it (first sign-in, after a reset), a new password first."""
    pending = st.session_state.get("rg_pw_change")
    if pending:
        with st.form("rg_change_pw"):
            st.caption(f"{pending}: 须先修改密码 The password must be changed first.")
            new = st.text_input("新密码 New password", type="password", key="rg_pw_new")
            again = st.text_input("确认 Confirm", type="password", key="rg_pw_again")
            if st.form_submit_button("修改并登录 Change and sign in", key="rg_pw_change_submit"):
                if new != again:
                    st.error("两次输入不一致 The two entries differ.")
                    return
                try:
                    change_password(url, pending, st.session_state["rg_pw_current"], new)
                    session = login(url, pending, new)
                except ApiError as exc:
                    show_error(exc)
                    return
                st.session_state.pop("rg_pw_change", None)
                st.session_state.pop("rg_pw_current", None)
                sign_in(url, session["access_token"], purpose)
        return
    with st.form("rg_sign_in_pw"):
        user = st.text_input("用户名 User name", key="rg_pw_user")
        password = st.text_input("密码 Password", type="password", key="rg_pw_password")
        if st.form_submit_button("登录 Sign in (password)", key="rg_pw_submit") and user and password:
            try:
                session = login(url, user, password)
            except ApiError as exc:
                if exc.code == "password-change-required":
                    st.session_state["rg_pw_change"] = user
                    st.session_state["rg_pw_current"] = password
                    st.rerun()
                show_error(exc)
            else:
                sign_in(url, session["access_token"], purpose)


def sign_in(url: str, key: str, purpose: str = "") -> bool:
    """Check the credentials with /v1/me and keep them (and who they are) in the session state."""
    creds = Credentials(url.strip(), key.strip(), purpose.strip())
    try:
        with ApiClient(creds) as c:
            who = c.whoami()
    except ApiError as exc:
        show_error(exc)
        return False
    st.session_state[CREDS] = creds
    st.session_state["rg_whoami"] = who
    st.rerun()
    return True


def whoami() -> dict[str, Any]:
    """Who the signed-in key is (``/v1/me``: roles, permissions), asked once per sign-in."""
    who = st.session_state.get("rg_whoami")
    creds: Credentials | None = st.session_state.get(CREDS)
    if who is None and creds is not None:
        try:
            with ApiClient(creds) as c:
                who = c.whoami()
        except ApiError:
            who = {}
        st.session_state["rg_whoami"] = who
    return who or {}


def may(page: str, tab: str) -> bool:
    """Whether the signed-in user is offered this tab or action (explorer/access.py)."""
    from explorer import access

    return access.may(whoami(), page, tab)


def client(page: str | None = None) -> ApiClient:
    """The signed-in user's API client; stops the page with a prompt when nobody is signed in, or
    when ``page`` is not one the user's permissions open (a bookmarked link the menu does not offer)."""
    from explorer import access

    creds: Credentials | None = st.session_state.get(CREDS)
    if creds is None:
        st.info("请先登录。/ Please sign in.")
        sign_in_forms()
        st.stop()
    if page is not None and page not in access.visible_pages(whoami()):
        st.info(
            "当前角色没有可用的浏览页面：此页面不对您的角色开放。/ This page is not open to your roles."
            if not access.visible_pages(whoami())
            else "此页面不对您的角色开放，请从左侧菜单选择。/ This page is not open to your roles; "
            "choose one from the menu."
        )
        st.stop()
    return ApiClient(creds)


def show_error(exc: ApiError) -> None:
    if exc.status == 403:
        st.warning(f"{exc.title} — {exc.detail}\n\n当前角色无权查看此内容。/ Your role may not see this.")
    elif exc.status == 401:
        st.warning(f"{exc.title} — {exc.detail}")
    elif exc.not_found:
        st.info(f"{exc.title} — {exc.detail}")
    else:
        st.error(f"{exc.title} — {exc.detail}")


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Run one API call; on an API error show it and return None (the page goes on with what it has)."""
    try:
        return fn(*args, **kwargs)
    except ApiError as exc:
        show_error(exc)
        return None


def page_cursors(key: str, filters: object) -> list[str | None]:
    """The cursors of the pages walked so far in one list (the last is the page shown); back to the
    first page when the list's filters change, since a cursor is only valid for its filters."""
    if st.session_state.get(f"{key}_filters") != filters:
        st.session_state[f"{key}_filters"] = filters
        st.session_state[f"{key}_cursors"] = [None]
    cursors: list[str | None] = st.session_state.setdefault(f"{key}_cursors", [None])
    return cursors


def page_caption(page: Mapping[str, Any], shown: int, noun: str, note: str = "") -> str:
    """ "n–m / total" for one page of an API list (``page`` is its PageInfo); a total the API could
    only count up to a limit (``total_at_least``) reads "≥ total" / "at least"; an uncounted list
    says only whether more follow.

    >>> page_caption({"offset": 20, "total": 95}, 20, "预警 alerts")
    '预警 alerts 21–40 / 95（共 95 total）'
    >>> page_caption({"offset": 0, "total": 500, "total_at_least": True}, 50, "结果 results")
    '结果 results 1–50 / ≥500（至少 500 条 at least）'
    """
    first = int(page.get("offset") or 0)
    total = page.get("total")
    span = f"{first + 1}–{first + shown}" if shown else "0"
    if total is None:  # a list the API does not count
        text = f"{noun} {span}" + ("（后面还有 more follow）" if page.get("next_cursor") else "")
    elif page.get("total_at_least"):
        text = f"{noun} {span} / ≥{total}（至少 {total} 条 at least）"
    else:
        text = f"{noun} {span} / {total}（共 {total} total）"
    return f"{text} · {note}" if note else text


def page_bar(
    key: str, cursors: list[str | None], page: Mapping[str, Any], shown: int, noun: str, note: str = ""
) -> None:
    """:func:`page_caption` and previous / next buttons walking the cursors; ``noun`` names the
    items, 中文 / English; ``note`` says more (the order, what matched)."""
    st.caption(page_caption(page, shown, noun, note))
    p1, p2 = st.columns(2)
    if p1.button("上一页 Previous", key=f"{key}_prev", disabled=len(cursors) == 1):
        cursors.pop()
        st.rerun()
    if p2.button("下一页 Next", key=f"{key}_next", disabled=not page.get("next_cursor")):
        cursors.append(page["next_cursor"])
        st.rerun()


def entity_picker(label: str = "实体 Entity", key: str = "rg_entity_input") -> str | None:
    """The entity in focus: typed id, or the one chosen on the search page / clicked in a graph."""
    current = st.session_state.get(ENTITY, "")
    value = st.text_input(f"{label} (C:… / P:…)", value=current, key=key).strip()
    if value and value != current:
        st.session_state[ENTITY] = value
    return value or None


def focus(entity_id: str) -> None:
    st.session_state[ENTITY] = entity_id
    st.session_state.pop("rg_entity_input", None)


def draw_network(
    sg: Subgraph,
    *,
    key: str,
    title: str = "",
    height: int = 620,
    warnings: list[str] | None = None,
    clickable: bool = False,
    export: bool = True,
    hierarchical: bool = False,
) -> str | None:
    """Draw a subgraph (pyvis page), offer its exports; the clicked node id when ``clickable``."""
    for w in warnings or []:
        st.warning(w)
    html = render_html(sg, title=title, height=f"{height - 40}px", hierarchical=hierarchical)
    clicked = None
    if clickable:
        from explorer.network_component import network_view

        clicked = network_view(html, height=height, key=key)
    else:
        st.iframe(html, height=height)
    if export:
        c1, c2, c3 = st.columns(3)
        c1.download_button(
            "下载交互网页 HTML", html, file_name=f"{key}.html", mime="text/html", key=f"{key}_html"
        )
        c2.download_button(
            "节点 CSV nodes", nodes_csv(sg), file_name=f"{key}-nodes.csv", mime="text/csv", key=f"{key}_ncsv"
        )
        c3.download_button(
            "关系 CSV edges", edges_csv(sg), file_name=f"{key}-edges.csv", mime="text/csv", key=f"{key}_ecsv"
        )
    return clicked
