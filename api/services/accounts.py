"""Account operations shared by the API and the CLI: sign-in, password change, administration, keys.

Each function takes the store and the policy and either returns a result or raises
:class:`GovernanceError` with an HTTP status and a bilingual message; routers turn it into a problem
response, the CLI prints it. ``actor=None`` means the operator at the command line (not bound by the
two-level rules, but still audited).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from api.repositories.users import UserRepository, public_user
from api.security.roles import PII_SCOPE, ROLES, Role
from api.services.admin_policy import Actor, Target, admin_level, can_manage
from api.services.passwords import (
    PasswordPolicy,
    hash_password,
    password_expired,
    policy_violations,
    reuses_previous,
    temporary_password,
    verify_password,
)
from api.settings import ApiSettings

USER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")


class GovernanceError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.extra = extra


@dataclass(frozen=True)
class Config:
    policy: PasswordPolicy
    head_office: str
    session_ttl: timedelta
    key_ttl: timedelta
    rotation_grace: timedelta
    pepper: str

    @classmethod
    def from_settings(cls, s: ApiSettings, pepper: str) -> Config:
        return cls(
            policy=PasswordPolicy.from_settings(s),
            head_office=s.gov_head_office,
            session_ttl=timedelta(minutes=s.gov_session_ttl_min),
            key_ttl=timedelta(days=s.api_key_ttl_days),
            rotation_grace=timedelta(hours=s.gov_key_rotation_grace_h),
            pepper=pepper,
        )


INVALID_LOGIN = "用户名或密码错误。/ Wrong user name or password."


def _locked_error() -> GovernanceError:
    return GovernanceError(
        403,
        "账户已锁定，请联系管理员解锁。/ The account is locked; ask an administrator to unlock it.",
        code="account-locked",
    )


async def _check_password(store: UserRepository, cfg: Config, user_id: str, password: str) -> dict[str, Any]:
    """The user when ``password`` is right; counts a failure (and locks) otherwise.

    An unknown user, a service account (no password) and a wrong password get the same answer at the
    same argon2 cost, so sign-in never tells whether an account exists (a lock is still reported)."""
    user = await store.get(user_id)
    if user is None or not user["password_hash"]:
        await asyncio.to_thread(verify_password, None, password)  # same cost as a real check
        raise GovernanceError(401, INVALID_LOGIN, code="invalid-credentials")
    if user["locked"]:
        raise _locked_error()
    if not await asyncio.to_thread(verify_password, user["password_hash"], password):
        state = await store.login_failed(user_id, cfg.policy.lockout_threshold)
        if state and state["locked"]:
            raise _locked_error()
        raise GovernanceError(401, INVALID_LOGIN, code="invalid-credentials")
    return user


def session_scopes(user: dict[str, Any]) -> list[str]:
    return sorted(set(user["roles"]) | ({PII_SCOPE} if user["pii"] else set()))


async def sign_in(store: UserRepository, cfg: Config, user_id: str, password: str) -> dict[str, Any]:
    """Username + password → a bearer session token with an expiry."""
    user = await _check_password(store, cfg, user_id, password)
    now = datetime.now(UTC)
    if user["must_change_password"] or password_expired(
        user["password_changed_at"], now, cfg.policy.max_age_days
    ):
        await store.login_ok(user_id, signed_in=False)
        why = (
            "首次登录或重置后" if user["must_change_password"] else f"密码已超过 {cfg.policy.max_age_days} 天"
        )
        why_en = (
            "first sign-in or after a reset"
            if user["must_change_password"]
            else f"the password is older than {cfg.policy.max_age_days} days"
        )
        raise GovernanceError(
            403,
            f"须先修改密码（{why}），请调用 POST /v1/auth/password。/ The password must be changed first "
            f"({why_en}): use POST /v1/auth/password.",
            code="password-change-required",
        )
    scopes = session_scopes(user)
    if not set(scopes) & set(ROLES):
        raise GovernanceError(403, "账户没有任何角色。/ The account has no role.", code="no-role")
    record, token = await store.issue_key(
        cfg.pepper, user_id=user_id, scopes=scopes, label="session", ttl=cfg.session_ttl, kind="session"
    )
    await store.login_ok(user_id)
    changed = user["password_changed_at"]
    return {
        "access_token": token,
        "token_type": "bearer",
        "expires_at": record["expires_at"],
        "expires_in": int(cfg.session_ttl.total_seconds()),
        "session_id": record["key_id"],
        "user_id": user_id,
        "name": user["name"],
        "branch": user["branch"],
        "roles": sorted(set(scopes) & set(ROLES)),
        "pii": PII_SCOPE in scopes,
        "password_expires_at": (
            (changed + timedelta(days=cfg.policy.max_age_days)).isoformat()
            if changed and cfg.policy.max_age_days > 0
            else None
        ),
    }


async def change_password(
    store: UserRepository, cfg: Config, user_id: str, current: str, new: str
) -> dict[str, Any]:
    """Self-service change (also the forced one): the current password proves who asks."""
    user = await _check_password(store, cfg, user_id, current)
    problems = policy_violations(new, cfg.policy, user_id=user_id)
    if new == current:
        problems.append("新密码不能与当前密码相同。/ The new password must differ from the current one.")
    elif await asyncio.to_thread(
        reuses_previous, new, user["password_hash"], user["password_history"], cfg.policy.history
    ):
        problems.append(
            f"新密码不能与最近 {cfg.policy.history} 个密码相同。/ The new password must differ from the last "
            f"{cfg.policy.history}."
        )
    if problems:
        raise GovernanceError(422, " ".join(problems), code="password-policy", violations=problems)
    await store.set_password(
        user_id, await asyncio.to_thread(hash_password, new), keep=cfg.policy.history, must_change=False
    )
    await store.revoke_sessions(user_id)
    return {"user_id": user_id, "changed": True}


# --- administration -------------------------------------------------------------------------------
def authorize(actor: Actor | None, target: dict[str, Any] | Target, cfg: Config) -> None:
    """Raise 403 ``not-your-branch`` unless ``actor`` may manage ``target`` (None: the operator)."""
    if actor is None:
        return  # the operator at the command line
    t = (
        target
        if isinstance(target, Target)
        else Target(target["user_id"], target["branch"], frozenset(target["roles"]))
    )
    decision = can_manage(actor, t, cfg.head_office)
    if not decision.allowed:
        raise GovernanceError(403, decision.message + "。", code="not-your-branch")


async def _target(store: UserRepository, user_id: str) -> dict[str, Any]:
    user = await store.get(user_id)
    if user is None:
        raise GovernanceError(404, f"用户不存在：{user_id} / No such user: {user_id}")
    return user


async def create_user(
    store: UserRepository,
    cfg: Config,
    actor: Actor | None,
    *,
    user_id: str,
    name: str,
    branch: str | None,
    roles: list[str],
    pii: bool = False,
    interactive: bool = True,
) -> dict[str, Any]:
    """Create an account; interactive users get a one-time temporary password to change at first sign-in."""
    if not USER_ID.match(user_id):
        raise GovernanceError(
            422,
            "用户名须为 2–64 位字母、数字或 ._@-。/ User ids are 2–64 letters, digits or ._@-.",
            code="invalid-user-id",
        )
    bad = sorted(set(roles) - set(ROLES))
    if bad or not roles:
        raise GovernanceError(
            422,
            f"角色无效：{bad or '无'} / Invalid roles: {bad or 'none given'} (known: {', '.join(ROLES)})",
            code="invalid-roles",
        )
    branch = branch or cfg.head_office
    authorize(actor, Target(user_id, branch, frozenset(roles)), cfg)
    temp = temporary_password(max(16, cfg.policy.min_length)) if interactive else None
    created = await store.create(
        user_id=user_id,
        name=name,
        branch=branch,
        roles=roles,
        pii=pii,
        password_hash=await asyncio.to_thread(hash_password, temp) if temp else None,
        created_by=actor.user_id if actor else "cli",
    )
    if not created:
        raise GovernanceError(409, f"用户已存在：{user_id} / User {user_id} exists.", code="user-exists")
    return {
        "user_id": user_id,
        "branch": branch,
        "roles": sorted(set(roles)),
        "pii": pii,
        "temporary_password": temp,
        "must_change_password": temp is not None,
    }


async def lock_user(
    store: UserRepository, cfg: Config, actor: Actor | None, user_id: str, reason: str
) -> list[str]:
    authorize(actor, await _target(store, user_id), cfg)
    return await store.lock(user_id, reason or "administrator")


async def unlock_user(store: UserRepository, cfg: Config, actor: Actor | None, user_id: str) -> None:
    authorize(actor, await _target(store, user_id), cfg)
    await store.unlock(user_id)


async def reset_password(
    store: UserRepository, cfg: Config, actor: Actor | None, user_id: str
) -> dict[str, Any]:
    """A new temporary password (shown once) that must be changed at the next sign-in; sessions end."""
    user = await _target(store, user_id)
    authorize(actor, user, cfg)
    temp = temporary_password(max(16, cfg.policy.min_length))
    await store.set_password(
        user_id, await asyncio.to_thread(hash_password, temp), keep=cfg.policy.history, must_change=True
    )
    await store.revoke_sessions(user_id)
    return {"user_id": user_id, "temporary_password": temp, "must_change_password": True}


def _key_scopes(user: dict[str, Any], requested: list[str] | None) -> list[str]:
    allowed = set(session_scopes(user))
    scopes = set(requested) if requested else allowed
    extra = scopes - allowed
    if extra:
        raise GovernanceError(
            422,
            f"密钥范围超出用户角色：{sorted(extra)} / Key scopes beyond the user's roles: {sorted(extra)}",
            code="invalid-scopes",
        )
    if not scopes & set(ROLES):
        raise GovernanceError(
            422, "密钥至少需要一个角色。/ A key needs at least one role.", code="invalid-scopes"
        )
    return sorted(scopes)


async def issue_key(
    store: UserRepository,
    cfg: Config,
    actor: Actor | None,
    user_id: str,
    *,
    scopes: list[str] | None = None,
    label: str = "api",
    ttl_days: int | None = None,
) -> tuple[dict[str, Any], str]:
    """The one way an API key is made: the user must exist, the scopes must be within the user's roles
    (``pii`` only when the user has it) and the lifetime within ``api_key_ttl_days``."""
    user = await _target(store, user_id)
    authorize(actor, user, cfg)
    ttl = timedelta(days=ttl_days) if ttl_days is not None else cfg.key_ttl
    if ttl > cfg.key_ttl:
        raise GovernanceError(
            422,
            f"密钥有效期不得超过 {cfg.key_ttl.days} 天。/ Keys expire within {cfg.key_ttl.days} days.",
            code="ttl-too-long",
        )
    return await store.issue_key(
        cfg.pepper, user_id=user_id, scopes=_key_scopes(user, scopes), label=label, ttl=ttl
    )


async def _key_and_owner(
    store: UserRepository, cfg: Config, actor: Actor | None, key_id: str
) -> dict[str, Any]:
    key = await store.get_key(key_id)
    if key is None:
        raise GovernanceError(404, f"密钥不存在：{key_id} / No such key: {key_id}")
    owner = await store.get(key["user_id"])
    if owner is None:  # keys made before users had records: only the operator may manage them
        if actor is not None:
            raise GovernanceError(403, "该密钥没有用户档案。/ The key has no user record.", code="no-owner")
        return key
    authorize(actor, owner, cfg)
    return key


async def rotate_key(
    store: UserRepository, cfg: Config, actor: Actor | None, key_id: str, *, grace: timedelta | None = None
) -> tuple[dict[str, Any], str, list[str]]:
    """A new key with the same scopes and label; the old one keeps working for the grace period only.

    Returns (new key record, new key, lookups to drop from the auth cache)."""
    old = await _key_and_owner(store, cfg, actor, key_id)
    if old["revoked_at"] is not None or old["kind"] == "session":
        raise GovernanceError(
            409, "只能轮换有效的 API 密钥。/ Only an active API key can be rotated.", code="not-rotatable"
        )
    record, key = await store.issue_key(
        cfg.pepper,
        user_id=old["user_id"],
        scopes=list(old["scopes"]),
        label=old["label"] or "api",
        ttl=cfg.key_ttl,
        rotated_from=key_id,
    )
    until = datetime.now(UTC) + (cfg.rotation_grace if grace is None else grace)
    lookup = await store.retire_key(key_id, record["key_id"], until)
    return record, key, [lookup] if lookup else []


async def provision_service_account(
    store: UserRepository,
    cfg: Config,
    *,
    user_id: str,
    name: str,
    scopes: list[str],
    label: str,
    ttl_days: int | None = None,
) -> tuple[dict[str, Any], str]:
    """A service account holding ``scopes`` (created when absent), and a key for it through
    :func:`issue_key` — what `riskgraph users demo` and test set-ups use."""
    if await store.get(user_id) is None:
        await create_user(
            store,
            cfg,
            None,
            user_id=user_id,
            name=name,
            branch=None,
            roles=sorted(set(scopes) & set(ROLES)),
            pii=PII_SCOPE in scopes,
            interactive=False,
        )
    return await issue_key(store, cfg, None, user_id, scopes=scopes, label=label, ttl_days=ttl_days)


async def list_keys(
    store: UserRepository, cfg: Config, actor: Actor | None, *, after: str | None, limit: int
) -> list[dict[str, Any]]:
    """Keys an administrator may see: all for the head office, its own branch's for a branch admin."""
    branch = None
    if actor is not None and admin_level(actor, cfg.head_office) == "branch":
        branch = actor.branch or ""
    return await store.list_keys(after, limit, branch=branch)


async def revoke_key(
    store: UserRepository,
    cfg: Config,
    actor: Actor | None,
    key_id: str,
    *,
    current_key_id: str | None = None,
) -> list[str]:
    """Revoke at once. The key the request itself uses is refused (409): an administrator would lock
    itself out mid-request; sign out (sessions) or revoke it from another credential."""
    if current_key_id is not None and key_id == current_key_id:
        raise GovernanceError(
            409,
            "不能吊销本次请求正在使用的密钥；请用其他凭证操作，会话请退出登录。/ The key this request uses "
            "cannot be revoked by it; use another credential (or sign out of a session).",
            code="own-key",
        )
    await _key_and_owner(store, cfg, actor, key_id)
    lookup = await store.revoke_key(key_id)
    return [lookup] if lookup else []


def admin_view(user: dict[str, Any], cfg: Config) -> dict[str, Any]:
    """A user as administrators see it (times as ISO strings, never the hashes)."""
    out = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in public_user(user).items()}
    out["admin_level"] = (
        None
        if Role.admin not in user["roles"]
        else ("head_office" if (user["branch"] in (None, cfg.head_office)) else "branch")
    )
    changed = user.get("password_changed_at")
    out["password_expired"] = bool(user.get("password_hash")) and password_expired(
        changed, datetime.now(UTC), cfg.policy.max_age_days
    )
    return out
