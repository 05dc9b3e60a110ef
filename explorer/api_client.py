"""Every HTTP call the explorer makes, in one place.

The explorer is a client of the riskgraph API only: authentication, permission checks,
PII masking and audit all happen in the API, so a page never sees more than its user may. Pages call
these methods and render what comes back; errors arrive as `ApiError` carrying the API's bilingual
problem-details title and detail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

DEFAULT_TIMEOUT_S = 30.0


class ApiError(Exception):
    """An answer other than 2xx, or no answer at all, described for the user in Chinese and English."""

    def __init__(self, status: int, title: str, detail: str, code: str = "") -> None:
        super().__init__(f"{title}: {detail}" if detail else title)
        self.status = status
        self.title = title
        self.detail = detail
        self.code = code  # the problem type's last segment, e.g. password-change-required

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def forbidden(self) -> bool:
        return self.status in (401, 403)


@dataclass(frozen=True)
class Credentials:
    """What the user signed in with: an API key (``rg_…``) or the session token of a password sign-in."""

    base_url: str
    api_key: str
    purpose_ref: str = ""

    @property
    def auth_headers(self) -> dict[str, str]:
        if self.api_key.startswith("rg_"):
            return {"X-API-Key": self.api_key}
        return {"Authorization": f"Bearer {self.api_key}"}


def purpose_header(purpose_ref: str) -> str:
    """The purpose reference as a header value: HTTP headers are ASCII, so a Chinese reference
    (``贷款申请-2026-1``) is sent percent-encoded as UTF-8; the API decodes it back exactly."""
    text = purpose_ref.strip()
    return text if text.isascii() else quote(text, safe="-_.~:/#")


class ApiClient:
    """A thin, typed wrapper of the riskgraph API under /v1."""

    def __init__(
        self,
        creds: Credentials,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {**creds.auth_headers, "Accept": "application/json"}
        if creds.purpose_ref:
            headers["X-Purpose-Ref"] = purpose_header(creds.purpose_ref)
        self.creds = creds
        self._http = httpx.Client(
            base_url=creds.base_url.rstrip("/"), headers=headers, timeout=timeout, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- plumbing ---
    def _request(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None
    ) -> Any:
        clean = {k: v for k, v in (params or {}).items() if v is not None and v != [] and v != ""}
        try:
            resp = self._http.request(method, path, params=clean, json=json)
        except httpx.HTTPError as exc:
            raise ApiError(
                0,
                "无法连接 API / Cannot reach the API",
                f"{self.creds.base_url}: {type(exc).__name__}",
            ) from exc
        if resp.status_code >= 400:
            raise _problem(resp)
        if resp.status_code == 204 or not resp.content:
            return None
        return resp.json()

    def get(self, path: str, **params: Any) -> Any:
        return self._request("GET", path, params=params)

    def post(self, path: str, body: Any = None, **params: Any) -> Any:
        return self._request("POST", path, params=params, json=body)

    # --- health and identity ---
    def ready(self) -> dict[str, Any]:
        return self.get("/readyz")

    def whoami(self) -> dict[str, Any]:
        """user_id, key_id, roles, pii, permissions."""
        return self.get("/v1/me")

    # --- entities ---
    def search(
        self,
        q: str,
        *,
        kind: str | None = None,
        region: str | None = None,
        limit: int = 20,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        return self.get("/v1/entities/search", q=q, kind=kind, region=region, limit=limit, cursor=cursor)

    def entity(self, entity_id: str) -> dict[str, Any]:
        return self.get(f"/v1/entities/{entity_id}")

    def neighbourhood(
        self, entity_id: str, *, hops: int = 1, types: list[str] | None = None, max_nodes: int | None = None
    ) -> dict[str, Any]:
        return self.get(
            f"/v1/entities/{entity_id}/neighbourhood", hops=hops, types=types, max_nodes=max_nodes
        )

    def paths(
        self, a: str, b: str, *, max_hops: int = 4, types: list[str] | None = None, limit: int = 10
    ) -> dict[str, Any]:
        return self.get(f"/v1/entities/{a}/paths/{b}", max_hops=max_hops, types=types, limit=limit)

    def ownership(self, entity_id: str, *, max_hops: int = 6) -> dict[str, Any]:
        """Direct holders, integrated shares, controller with its chain, beneficial owners, ownership edges."""
        return self.get(f"/v1/entities/{entity_id}/ownership", max_hops=max_hops)

    def entity_group(self, entity_id: str) -> dict[str, Any]:
        """The entity's group customer as the rule run found it: members with balances and shares,
        exposure, concentration limits with nothing requested (read-only, no check is run)."""
        return self.get(f"/v1/entities/{entity_id}/group")

    def entity_groups(self, entity_id: str) -> dict[str, Any]:
        return self.get(f"/v1/entities/{entity_id}/groups")

    def entity_alerts(self, entity_id: str) -> dict[str, Any]:
        return self.alerts(entity_id=entity_id, limit=200)

    # --- groups and guarantee circles ---
    def group(self, group_id: str) -> dict[str, Any]:
        return self.get(f"/v1/groups/{group_id}")

    def circles(
        self, *, min_size: int | None = None, limit: int = 50, cursor: str | None = None
    ) -> dict[str, Any]:
        return self.get("/v1/guarantee-circles", min_size=min_size, limit=limit, cursor=cursor)

    def circle(self, circle_id: str) -> dict[str, Any]:
        return self.get(f"/v1/guarantee-circles/{circle_id}")

    # --- alerts ---
    def alerts(
        self,
        *,
        status: str | None = None,
        severity: str | None = None,
        rule_id: str | None = None,
        entity_id: str | None = None,
        branch: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        """Worst first (severity, then the newest); ``page.total`` counts all that match."""
        return self.get(
            "/v1/alerts",
            status=status,
            severity=severity,
            rule_id=rule_id,
            entity_id=entity_id,
            branch=branch,
            limit=limit,
            cursor=cursor,
        )

    def triage(self, alert_id: str, status: str, comment: str) -> dict[str, Any]:
        return self.post(f"/v1/alerts/{alert_id}/triage", {"status": status, "comment": comment})

    # --- supervision ---
    def blacklist_spread(self, since: str, *, threshold: float = 0.0, limit: int = 200) -> dict[str, Any]:
        return self.get("/v1/blacklist/spread", since=since, threshold=threshold, limit=limit)

    def rule_runs(
        self,
        *,
        rule_id: str | None = None,
        status: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        """Rule runs newest first, ``limit`` a page (``page.total`` and ``page.offset``)."""
        return self.get("/v1/rule-runs", rule_id=rule_id, status=status, limit=limit, cursor=cursor)

    def judgements(
        self, *, kind: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> dict[str, Any]:
        """Stored ER review judgements and splits (``kind`` pair / split), with ``page.total``."""
        return self.get("/v1/review/judgements", kind=kind, limit=limit, cursor=cursor)

    # --- entity-resolution review ---
    def review_queue(
        self, *, limit: int = 50, cursor: str | None = None, pending_only: bool = False
    ) -> dict[str, Any]:
        """Grey-zone record pairs (``limit`` pairs a page, ``page.total``): record_id_a/b, record_a/b (each
        record with its entity, payload and ER evidence, whatever entity holds it), score, rule, judgements."""
        return self.get("/v1/review/pairs", limit=limit, cursor=cursor, pending_only=pending_only or None)

    def judge(self, record_id_a: str, record_id_b: str, verdict: str, note: str = "") -> dict[str, Any]:
        """verdict: same / different / unsure."""
        return self.post(
            "/v1/review/judgements",
            {
                "record_id_a": record_id_a,
                "record_id_b": record_id_b,
                "verdict": verdict,
                "note": note or None,
            },
        )

    def split(self, entity_id: str, parts: list[list[str]], note: str = "") -> dict[str, Any]:
        """Split an entity's source records into parts (each part becomes one entity at the next ingest)."""
        return self.post("/v1/review/splits", {"entity_id": entity_id, "parts": parts, "note": note or None})

    # --- pre-loan check ---
    def preloan_check(
        self,
        applicant: Mapping[str, Any],
        *,
        application_ref: str,
        requested_amount: float,
        requested_kind: str = "loan",
        purpose: str | None = None,
    ) -> dict[str, Any]:
        return self.post(
            "/v1/checks/pre-loan",
            {
                "application_ref": application_ref,
                "applicant": dict(applicant),
                "requested_amount": requested_amount,
                "requested_kind": requested_kind,
                "purpose": purpose,
            },
        )

    def preloan_report(
        self,
        entity_id: str,
        *,
        application_ref: str,
        requested_amount: float = 0.0,
        fmt: str = "html",
        appendix: bool = False,
    ) -> tuple[bytes, str]:
        """(the report's bytes, its file name): made and masked by the API, audited as a check."""
        params: dict[str, str | float] = {
            "application_ref": application_ref,
            "requested_amount": requested_amount,
            "format": fmt,
            "appendix": "true" if appendix else "false",
        }
        try:
            resp = self._http.get(
                f"/v1/reports/preloan/{entity_id}", params=params, headers={"Accept": "*/*"}
            )
        except httpx.HTTPError as exc:
            raise ApiError(
                0, "无法连接 API / Cannot reach the API", f"{self.creds.base_url}: {type(exc).__name__}"
            ) from exc
        if resp.status_code >= 400:
            raise _problem(resp)
        disposition = resp.headers.get("content-disposition", "")
        name = (
            disposition.split("filename=", 1)[-1].strip('"')
            if "filename=" in disposition
            else f"report.{fmt}"
        )
        return resp.content, name


def change_password(
    base_url: str, username: str, current: str, new: str, *, transport: httpx.BaseTransport | None = None
) -> dict[str, Any]:
    """Self-service password change (required at first sign-in and after a reset)."""
    with httpx.Client(base_url=base_url.rstrip("/"), timeout=DEFAULT_TIMEOUT_S, transport=transport) as http:
        try:
            resp = http.post(
                "/v1/auth/password",
                json={"username": username, "current_password": current, "new_password": new},
            )
        except httpx.HTTPError as exc:
            raise ApiError(
                0, "无法连接 API / Cannot reach the API", f"{base_url}: {type(exc).__name__}"
            ) from exc
    if resp.status_code >= 400:
        raise _problem(resp)
    return resp.json()


def login(
    base_url: str, username: str, password: str, *, transport: httpx.BaseTransport | None = None
) -> dict[str, Any]:
    """Password sign-in → the session (``access_token`` is then used like an API key)."""
    with httpx.Client(base_url=base_url.rstrip("/"), timeout=DEFAULT_TIMEOUT_S, transport=transport) as http:
        try:
            resp = http.post("/v1/auth/login", json={"username": username, "password": password})
        except httpx.HTTPError as exc:
            raise ApiError(
                0, "无法连接 API / Cannot reach the API", f"{base_url}: {type(exc).__name__}"
            ) from exc
    if resp.status_code >= 400:
        raise _problem(resp)
    return resp.json()


def _problem(resp: httpx.Response) -> ApiError:
    """RFC 9457 problem details (the API's one error format) → ApiError; anything else described plainly."""
    try:
        body = resp.json()
    except ValueError:
        body = {}
    if isinstance(body, dict) and ("title" in body or "detail" in body):
        code = str(body.get("type") or "").rstrip("/").rsplit("/", 1)[-1]
        return ApiError(
            resp.status_code,
            str(body.get("title") or resp.reason_phrase),
            str(body.get("detail") or ""),
            code,
        )
    return ApiError(resp.status_code, f"请求失败 / Request failed ({resp.status_code})", resp.text[:200])
