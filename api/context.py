"""What one request did, filled in as it runs and written to the audit log by the middleware."""

from __future__ import annotations

from dataclasses import dataclass, field

from api.security.auth import Principal


@dataclass
class RequestContext:
    request_id: str
    principal: Principal | None = None
    purpose_ref: str | None = None
    entity_ids: set[str] = field(default_factory=set)
    verdict: str | None = None
    note: str | None = None
    mutating: bool = False
    #: digest of a body the handler built from :func:`api.masking.mask_pii`'s output for this
    #: caller (:func:`api.masking.masked_digest`): the guard then masks only the headers
    masked_body: bytes | None = None

    def touch(self, *entity_ids: str | None) -> None:
        self.entity_ids.update(e for e in entity_ids if e)
