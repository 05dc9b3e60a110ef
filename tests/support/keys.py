"""API keys for tests, issued through the API's one checked path (a service account per key holder).

A test session's server is reached through the settings registered by the API and governance
fixtures (:func:`use_settings`); the key holder is created as a service account when it has no user
record yet, and the key's scopes are checked against its roles like any other key's.
"""

from __future__ import annotations

from api.services.operator import provision_service_key
from api.settings import ApiSettings

PEPPER = "test-pepper-not-secret"

_settings: list[ApiSettings] = []


def use_settings(settings: ApiSettings) -> None:
    """Register the settings (server, pepper) keys are issued with."""
    _settings[:] = [settings]


def issue_key(
    user_id: str, scopes: list[str], *, ttl_days: int = 1, name: str | None = None
) -> tuple[str, str]:
    """(key_id, key) for ``user_id`` holding ``scopes``; ``ttl_days`` < 0 gives an expired key."""
    if not _settings:
        raise RuntimeError("no settings registered: call tests.support.keys.use_settings first")
    return provision_service_key(
        _settings[0], user_id=user_id, name=name or user_id, scopes=scopes, label="test", ttl_days=ttl_days
    )
