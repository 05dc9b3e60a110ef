"""Two-level administration as one pure decision: may this actor manage that account?

- A **head-office administrator** (role ``admin``, branch = the head-office code) manages branch
  administrators (and other head-office admins) and the staff of the head office.
- A **branch administrator** (role ``admin`` in a branch) manages the staff of that branch only; it
  cannot create, change or grant the ``admin`` role, and cannot touch another branch.
- Nobody administers their own account through the API (a password change is self-service).
- The command line (``riskgraph users …``) runs on the server as the operator and is not limited by
  these rules (it is audited as ``cli``); it is how the first head-office administrator is made.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.security.roles import PII_SCOPE, ROLES, Role


@dataclass(frozen=True)
class Actor:
    user_id: str
    branch: str | None
    roles: frozenset[str]


@dataclass(frozen=True)
class Target:
    user_id: str
    branch: str | None
    roles: frozenset[str]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason_zh: str = ""
    reason_en: str = ""

    @property
    def message(self) -> str:
        return f"{self.reason_zh} / {self.reason_en}"


OK = Decision(True)


def is_head_office(branch: str | None, head_office: str) -> bool:
    return branch is None or branch == head_office


def admin_level(actor: Actor, head_office: str) -> str | None:
    """``head_office`` / ``branch`` for administrators, else None."""
    if Role.admin not in actor.roles:
        return None
    return "head_office" if is_head_office(actor.branch, head_office) else "branch"


def can_manage(actor: Actor, target: Target, head_office: str) -> Decision:
    """Whether ``actor`` may create, lock, unlock, reset or issue keys for ``target`` (as it is now
    or as it is about to be created — pass the requested roles and branch)."""
    level = admin_level(actor, head_office)
    if level is None:
        return Decision(False, "仅管理员可管理用户", "only administrators manage users")
    if actor.user_id == target.user_id:
        return Decision(False, "不能管理自己的账户", "you cannot administer your own account")
    unknown = target.roles - set(ROLES) - {PII_SCOPE}
    if unknown:
        return Decision(False, f"未知角色 {sorted(unknown)}", f"unknown roles {sorted(unknown)}")
    target_is_admin = Role.admin in target.roles
    target_at_hq = is_head_office(target.branch, head_office)
    if level == "head_office":
        if target_is_admin or target_at_hq:
            return OK
        return Decision(
            False,
            f"分行员工由该分行（{target.branch}）管理员管理",
            f"staff of branch {target.branch} are managed by that branch's administrator",
        )
    # branch administrator
    if target_at_hq or target.branch != actor.branch:
        return Decision(
            False,
            f"分行管理员只能管理本分行（{actor.branch}）的员工",
            f"a branch administrator manages the staff of their own branch ({actor.branch}) only",
        )
    if target_is_admin:
        return Decision(
            False, "管理员账户由总行管理员管理", "administrator accounts are managed by the head office"
        )
    return OK
