"""The append-only, hash-chained audit log of every API request."""

from api.audit.log import AuditLog, AuditLogError, VerifyResult, read_records, verify_chain

__all__ = ["AuditLog", "AuditLogError", "VerifyResult", "read_records", "verify_chain"]
