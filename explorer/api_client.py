"""Every HTTP call the explorer makes, in one place.

The explorer is a client of the riskgraph API only (design.md §2): authentication, permission checks,
PII masking and audit all happen in the API, so a page never sees more than its user may. Pages call
these methods and render what comes back; errors arrive as `ApiError` carrying the API's bilingual
problem-details title and detail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

DEFAULT_TIMEOUT_S = 30.0


class ApiError(Exception):
    """An answer other than 2xx, or no answer at all, described for the user in Chinese and English."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(f"{title}: {detail}" if detail else title)
        self.status = status
        self.title = title
        self.detail = detail

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def forbidden(self) -> bool:
        return self.status in (401, 403)


@dataclass(frozen=True)
class Credentials:
    """What the user signed in with (an API key for now; username/password once governance lands)."""

    base_url: str
    api_key: str
    purpose_ref: str = ""


class ApiClient:
    """A thin, typed wrapper of the riskgraph API under /v1."""

    def __init__(
        self,
        creds: Credentials,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"X-API-Key": creds.api_key, "Accept": "application/json"}
        if creds.purpose_ref:
            headers["X-Purpose-Ref"] = creds.purpose_ref
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
        return self.get("/v1/whoami")

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

    def ownership(self, entity_id: str) -> dict[str, Any]:
        return self.get(f"/v1/entities/{entity_id}/ownership")

    def entity_group(self, entity_id: str) -> dict[str, Any]:
        return self.get(f"/v1/entities/{entity_id}/group")

    def entity_alerts(self, entity_id: str) -> dict[str, Any]:
        return self.get("/v1/alerts", entity_id=entity_id, limit=100)

    # --- groups and guarantee circles ---
    def groups(self, *, limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
        return self.get("/v1/groups", limit=limit, cursor=cursor)

    def group(self, group_id: str) -> dict[str, Any]:
        return self.get(f"/v1/groups/{group_id}")

    def circles(
        self,
        *,
        min_size: int | None = None,
        entity_id: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        return self.get(
            "/v1/guarantee-circles", min_size=min_size, entity_id=entity_id, limit=limit, cursor=cursor
        )

    def circle(self, circle_id: str) -> dict[str, Any]:
        return self.get(f"/v1/guarantee-circles/{circle_id}")

    # --- alerts ---
    def alerts(
        self,
        *,
        status: str | None = None,
        severity: str | None = None,
        rule_id: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        return self.get(
            "/v1/alerts", status=status, severity=severity, rule_id=rule_id, limit=limit, cursor=cursor
        )

    def triage(self, alert_id: str, status: str, comment: str) -> dict[str, Any]:
        return self.post(f"/v1/alerts/{alert_id}/triage", {"status": status, "comment": comment})

    # --- supervision ---
    def blacklist_spread(self, since: str, *, max_hops: int | None = None) -> dict[str, Any]:
        return self.get("/v1/blacklist/spread", since=since, max_hops=max_hops)

    def rule_runs(self, *, rule_id: str | None = None, limit: int = 50) -> dict[str, Any]:
        return self.get("/v1/rules/runs", rule_id=rule_id, limit=limit)

    # --- entity-resolution review ---
    def review_queue(self, *, limit: int = 20, cursor: str | None = None) -> dict[str, Any]:
        return self.get("/v1/review/pairs", limit=limit, cursor=cursor)

    def judge(self, pair_id: str, decision: str, comment: str = "") -> dict[str, Any]:
        return self.post(f"/v1/review/pairs/{pair_id}/judgement", {"decision": decision, "comment": comment})

    def split(self, entity_id: str, record_keys: list[str], comment: str = "") -> dict[str, Any]:
        return self.post(
            f"/v1/review/entities/{entity_id}/split", {"record_keys": record_keys, "comment": comment}
        )

    # --- pre-loan check ---
    def preloan_check(self, applicant: Mapping[str, Any]) -> dict[str, Any]:
        return self.post("/v1/checks/pre-loan", dict(applicant))


def _problem(resp: httpx.Response) -> ApiError:
    """RFC 9457 problem details (the API's one error format) → ApiError; anything else described plainly."""
    try:
        body = resp.json()
    except ValueError:
        body = {}
    if isinstance(body, dict) and ("title" in body or "detail" in body):
        return ApiError(
            resp.status_code, str(body.get("title") or resp.reason_phrase), str(body.get("detail") or "")
        )
    return ApiError(resp.status_code, f"请求失败 / Request failed ({resp.status_code})", resp.text[:200])
