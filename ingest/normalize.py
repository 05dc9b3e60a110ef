"""Ingest's normalized keys, delegated to the one owner of name normalization
(``entity_resolution.normalize``): a company's ``name_norm`` is the comparison core entity
resolution uses (legal-form suffix, brackets, spaces and punctuation removed; a branch as
``parent|unit``), and the API searches with the same function.
"""

from __future__ import annotations

from entity_resolution import normalize as _er


def company_name_norm(name: str) -> str:
    """The stored ``name_norm`` of a company name ("" when the name is empty)."""
    return _er.company_name(name) or ""


def address_key(text: str) -> str:
    """The key of a shared ``Address`` node ("" when the text is empty)."""
    return _er.address_key(text) or ""
