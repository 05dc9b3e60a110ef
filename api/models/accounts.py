"""Request and response models of sign-in, administration and keys (routers ``auth``, ``admin``, ``keys``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.models.common import PageInfo
from api.security.roles import Role

Scope = Literal["approver", "examiner", "supervisor", "auditor", "admin", "service", "pii"]


# --- sign-in -------------------------------------------------------------------------------------
class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class Session(BaseModel):
    access_token: str = Field(description="send as Authorization: Bearer <token>; shown once")
    token_type: str = "bearer"
    expires_at: str
    expires_in: int = Field(description="seconds")
    session_id: str
    user_id: str
    name: str | None = None
    branch: str | None = None
    roles: list[str]
    pii: bool
    password_expires_at: str | None = None


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class PasswordChanged(BaseModel):
    user_id: str
    changed: bool


class SessionEnded(BaseModel):
    session_id: str
    revoked: bool


# --- keys ----------------------------------------------------------------------------------------
class KeyRecord(BaseModel):
    """An API key or session as stored (its hashes are never shown)."""

    key_id: str
    user_id: str | None = None
    scopes: list[str] = Field(default_factory=list)
    label: str | None = None
    kind: str = "api"
    created_at: str | None = None
    expires_at: str | None = None
    revoked_at: str | None = None
    rotated_from: str | None = None
    replaced_by: str | None = None


class IssuedKey(KeyRecord):
    key: str = Field(description="shown once; only its hashes are stored")
    replaces: str | None = Field(default=None, description="rotation: the key this one replaces")


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: str = Field(min_length=1, max_length=64, pattern=r"^[\w.@-]+$")
    name: str | None = Field(
        default=None, max_length=100, description="ignored: the user record names the user"
    )
    scopes: list[Scope] = Field(
        min_length=1, description="within the user's roles (+pii only if the user has it)"
    )
    label: str = Field(default="", max_length=100)
    ttl_days: int = Field(default=90, ge=1, le=730, strict=True, description="at most api_key_ttl_days")


class KeyPage(BaseModel):
    keys: list[KeyRecord]
    page: PageInfo


class KeyRevoked(BaseModel):
    key_id: str
    revoked: bool


class Me(BaseModel):
    user_id: str
    key_id: str
    roles: list[str]
    pii: bool
    permissions: list[str]


# --- administration ------------------------------------------------------------------------------
class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: str = Field(min_length=2, max_length=64, examples=["zhang.san"])
    name: str = Field(min_length=1, max_length=100, examples=["张三"])
    branch: str | None = Field(default=None, max_length=64, description="default: the head office")
    roles: list[Role] = Field(min_length=1)
    pii: bool = False
    interactive: bool = Field(default=True, description="false: a service account (API keys, no password)")


class LockRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="administrator", max_length=200)


class NewKey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scopes: list[str] | None = Field(default=None, description="default: the user's roles (+ pii if allowed)")
    label: str = Field(default="api", max_length=64)
    ttl_days: int | None = Field(
        default=None, ge=1, le=3650, strict=True, description="at most api_key_ttl_days"
    )


class Rotate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grace_hours: float | None = Field(default=None, ge=0, le=24 * 30, strict=True)


class UserView(BaseModel):
    """A user as an administrator sees it: never the password hashes."""

    user_id: str
    name: str | None = None
    branch: str | None = None
    roles: list[str] = Field(default_factory=list)
    pii: bool = False
    created_at: str | None = None
    created_by: str | None = None
    password_changed_at: str | None = None
    must_change_password: bool = False
    failed_logins: int = 0
    locked: bool = False
    locked_at: str | None = None
    locked_reason: str | None = None
    last_login_at: str | None = None
    admin_level: Literal["head_office", "branch"] | None = None
    password_expired: bool = False


class UserDetail(UserView):
    keys: list[KeyRecord] = Field(default_factory=list)


class UserList(BaseModel):
    users: list[UserView]


class CreatedUser(BaseModel):
    user_id: str
    branch: str | None
    roles: list[str]
    pii: bool
    temporary_password: str | None = Field(description="shown once; null for a service account")
    must_change_password: bool


class LockState(BaseModel):
    user_id: str
    locked: bool


class TemporaryPassword(BaseModel):
    user_id: str
    temporary_password: str = Field(description="shown once; must be changed at the next sign-in")
    must_change_password: bool
