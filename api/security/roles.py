"""Roles as scopes, and which roles may do what — the single table every endpoint checks against.

A key carries one or more roles plus, optionally, the ``pii`` scope (unmasked resident IDs and phone
numbers). The matrix: approvers decide loans, the automated ``service`` client only
runs pre-loan checks, examiners browse networks and triage alerts, supervisors watch blacklist spread,
auditors read the audit log (and nothing else), admins manage keys, rule runs and the ER review queue.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    approver = "approver"
    examiner = "examiner"
    supervisor = "supervisor"
    auditor = "auditor"
    admin = "admin"
    service = "service"


PII_SCOPE = "pii"
ROLES: tuple[str, ...] = tuple(r.value for r in Role)
SCOPES: tuple[str, ...] = (*ROLES, PII_SCOPE)

_INVESTIGATORS = frozenset({Role.approver, Role.examiner, Role.supervisor})

#: permission → roles allowed. Routers name a permission; nothing else decides access.
PERMISSIONS: dict[str, frozenset[str]] = {
    "check:pre-loan": frozenset({Role.approver, Role.service}),
    "entity:read": _INVESTIGATORS,
    "alert:read": _INVESTIGATORS,
    "alert:triage": frozenset({Role.examiner, Role.supervisor}),
    "blacklist:read": frozenset({Role.examiner, Role.supervisor}),
    "simulation:run": frozenset({Role.examiner, Role.supervisor}),
    "rule:read": frozenset({Role.examiner, Role.supervisor, Role.admin}),
    "review:read": frozenset({Role.examiner, Role.admin}),
    "review:write": frozenset({Role.examiner, Role.admin}),
    "audit:read": frozenset({Role.auditor}),
    "key:admin": frozenset({Role.admin}),
    "whoami": frozenset(ROLES),
    # governance: user administration (two-level rules in api.services.admin_policy), disputes,
    # statistics, abnormal-use flags
    "user:admin": frozenset({Role.admin}),
    "dispute:raise": _INVESTIGATORS,
    "dispute:read": frozenset({*_INVESTIGATORS, Role.auditor, Role.admin}),
    "dispute:resolve": frozenset({Role.supervisor, Role.admin}),
    "statistics:read": frozenset({Role.examiner, Role.supervisor, Role.auditor, Role.admin}),
    "audit:flags": frozenset({Role.auditor}),
}
