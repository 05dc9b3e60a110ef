"""The one masking decision for everything that leaves the API without the ``pii`` scope.

Personal data here means resident IDs, phone numbers of every kind (mobile and landline), birth dates
and addresses, and everything derived from them (a node caption, a label, a file name in a header).
:func:`mask_response` is the single entry point: :mod:`api.middleware` calls it for every response
(JSON and problem details, CSV, HTML, plain text, and the response headers), so no router, export or
error path can forget it. The explorer and its exports only ever see what this module let through.

Three nets, so one miss does not leak:

- **by field name** — a field called ``id_number``, ``phone``/``number``, ``birth_date`` or
  ``address`` is masked by its kind (:func:`field_kind`);
- **by context** — a graph node labelled ``Phone`` or ``Address`` has its caption and text masked;
  a fact shaped ``{"attribute": "phone", "value": …}`` (versions, shared-value evidence) has its value
  masked by the attribute's kind;
- **by value** — any string that *is* (or contains) a valid resident ID, a mobile or landline number,
  or a street address with a house number is masked wherever it sits.

The rule per kind (also in docs/api.md and docs/governance.md):

============== ================================ =============================
kind           example                          shown without ``pii``
============== ================================ =============================
resident ID    ``330106199001011234``           ``3301**********1234``
phone          ``02588885754``, ``13912345678`` ``025****5754``, ``139****5678``
birth date     ``1990-01-01``                   ``1990`` (the year only)
address        ``江苏省南京市鼓楼区中山路1号``  ``江苏省南京市鼓楼区****``
============== ================================ =============================
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from enum import Enum
from typing import Any

from stdnum.cn import ric


class Kind(Enum):
    RESIDENT_ID = "resident_id"
    PHONE = "phone"
    BIRTH_DATE = "birth_date"
    ADDRESS = "address"


_KEY_KINDS: tuple[tuple[re.Pattern[str], Kind], ...] = (
    (
        re.compile(r"(^|_)(id_number|id_no|idno|resident_id|id_card|ric|id_masked)($|_)", re.I),
        Kind.RESIDENT_ID,
    ),
    (re.compile(r"(^|_)(birth_date|birthdate|date_of_birth|dob|birthday)($|_)", re.I), Kind.BIRTH_DATE),
    (
        re.compile(r"(^|_)(address|addresses|addr|address_key|home_address|residence|domicile)($|_)", re.I),
        Kind.ADDRESS,
    ),
    (re.compile(r"(^|_)(phone|phones|mobile|telephone|tel|number|landline|fax)($|_)", re.I), Kind.PHONE),
)
#: node labels whose caption and text are personal data as a whole
_NODE_KINDS = {"Phone": Kind.PHONE, "Address": Kind.ADDRESS}
#: in a node of that label, the fields that carry the value itself
_NODE_VALUE_FIELDS = ("caption", "name", "text", "number", "address_key", "value", "display_name")
#: in a fact shaped {attribute: <field name>, value: …}, the fields that carry the value
_FACT_NAME_FIELDS = ("attribute", "field", "fact_kind", "property")
_FACT_VALUE_FIELDS = ("value", "values", "old_value", "new_value", "previous", "current")
#: the parsed parts of an address: kept, they are the district-level view
_ADDRESS_PARTS = frozenset({"province", "city", "district", "kind"})

_RIC_SHAPE = re.compile(r"^\d{17}[\dXx]$")
_MOBILE = re.compile(r"^(\+?86[- ]?)?1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(\+?86[- ]?)?0\d{2,3}[- ]?\d{7,8}([- ]?\d{1,5})?$")
_PHONE_LIKE = re.compile(r"^[+\d][\d\- ]{6,}$")
_DATE_LIKE = re.compile(r"^(\d{4})(?:[-/.年]?\d{1,2}(?:[-/.月]?\d{1,2}日?)?)?(?:[T ].*)?$")
_DIGIT_RUN = re.compile(r"\d{7}")
_TYPED_VALUE = re.compile(r"^(phone|address|id_number|birth_date):(.*)$", re.S)

# free text: an ID, a mobile or a landline number standing on its own (not inside a longer digit run)
_TOKEN = re.compile(
    r"(?<![\dA-Za-z])(?:\d{17}[\dXx]|1[3-9]\d{9}|0\d{2,3}-\d{7,8}|0\d{9,11})(?![\dA-Za-z]|\.\d)"
)
_CJK = "\u4e00-\u9fff"
_ADMIN_HEAD = re.compile(
    rf"^(?P<p>[{_CJK}]{{2,7}}?(?:省|自治区|特别行政区))?"
    rf"(?P<c>[{_CJK}]{{1,8}}?(?:市|自治州|地区|盟))?"
    rf"(?P<d>[{_CJK}]{{1,8}}?(?:区|县|旗))?"
)
_ADDRESS_IN_TEXT = re.compile(
    rf"(?P<head>(?:[{_CJK}]{{2,7}}?(?:省|自治区))?(?:[{_CJK}]{{1,8}}?(?:市|自治州|地区|盟))?"
    rf"[{_CJK}]{{1,8}}?(?:区|县|旗))"
    rf"(?P<rest>[{_CJK}A-Za-z0-9\-－#（）()]{{0,30}}?\d+\s*号[{_CJK}A-Za-z0-9\-－#]*)"
)
MASK = "****"


# --- one value -----------------------------------------------------------------------------------


def mask_resident_id(value: str) -> str:
    """``330106199001011234`` → ``3301**********1234`` (the shape of masked IDs received from sources)."""
    v = value.strip()
    if len(v) <= 8:
        return "*" * len(v)
    return v[:4] + "*" * (len(v) - 8) + v[-4:]


def mask_phone(value: str) -> str:
    """``13912345678`` → ``139****5678``, ``02588885754`` → ``025****5754``; short numbers keep two digits."""
    v = value.strip()
    if len(v) >= 7:
        return v[:3] + "*" * (len(v) - 7) + v[-4:]
    return "*" * max(len(v) - 2, 0) + v[-2:]


def mask_birth_date(value: str) -> str:
    """``1990-01-01`` → ``1990``: the year stays (age checks need it), month and day go."""
    m = _DATE_LIKE.match(value.strip())
    return m.group(1) if m else MASK


def address_district(text: str, *, province: str = "", city: str = "", district: str = "") -> str:
    """An address reduced to its district: ``江苏省南京市鼓楼区中山路1号`` → ``江苏省南京市鼓楼区****``.

    Parsed parts (an Address node's ``province``/``city``/``district``) win over parsing the text;
    when no district can be found the text is hidden entirely rather than guessed at.
    """
    if district:
        head = province + ("" if city == province else city) + district
    else:
        m = _ADMIN_HEAD.match(text.strip())
        head = (m.group(0) if m and m.group("d") else "") if m else ""
    return head + MASK


def _looks_like_ric(value: str) -> bool:
    return bool(_RIC_SHAPE.match(value)) and ric.is_valid(value.upper())


def _is_phone(value: str) -> bool:
    v = value.strip()
    return bool(_MOBILE.match(v) or _LANDLINE.match(v))


def field_kind(name: str) -> Kind | None:
    """The kind of personal data a field of that name holds (``None``: not personal by name)."""
    for pattern, kind in _KEY_KINDS:
        if pattern.search(name):
            return kind
    return None


def mask_as(kind: Kind, value: Any) -> Any:
    """``value`` masked as ``kind`` (a field known to hold that kind); lists and dicts recursively."""
    if isinstance(value, list):
        return [mask_as(kind, v) for v in value]
    if isinstance(value, dict):
        return _walk(value, kind)
    if not isinstance(value, str) or not value.strip():
        return value
    if value.startswith('"') and value.endswith('"') and len(value) >= 2:  # a JSON-encoded string
        try:
            inner = json.loads(value)
        except ValueError:
            inner = None
        if isinstance(inner, str):
            return json.dumps(mask_as(kind, inner), ensure_ascii=False)
    if kind is Kind.BIRTH_DATE:
        return mask_birth_date(value)
    if kind is Kind.ADDRESS:
        return value if value.endswith(MASK) else address_district(value)
    if "*" in value:  # already masked at the source
        return value
    v = value.strip()
    if _RIC_SHAPE.match(v):
        return mask_resident_id(v)
    if kind is Kind.RESIDENT_ID:
        return mask_resident_id(v) if len(v) >= 8 else mask_text(value)
    # a phone field: numbers are masked; other text in it (a note, a name) only where it holds numbers
    if _PHONE_LIKE.match(v):
        return mask_phone(v)
    return mask_text(value)


def _mask_value(value: str) -> str:
    """A string outside any personal field: masked only where it *is* or *contains* personal data."""
    if _looks_like_ric(value):
        return mask_resident_id(value)
    if value[:2] == "P:" and _looks_like_ric(value[2:]):
        # ingest's strong-key person ids embed the resident ID (P:<id>); without pii the id is
        # masked too, so such persons are reachable by search, not by id (see docs/api.md)
        return "P:" + mask_resident_id(value[2:])
    if _is_phone(value):
        return mask_phone(value.strip())
    typed = _TYPED_VALUE.match(value)
    if typed:  # shared-value evidence: "phone:02588885754", "address:…"
        name, rest = typed.groups()
        kind = field_kind(name)
        if kind is not None:
            return f"{name}:{mask_as(kind, rest)}"
    if len(value) >= 7:
        return mask_text(value)
    return value


# --- free text, JSON, CSV -----------------------------------------------------------------------


def mask_text(text: str) -> str:
    """Personal data inside free text (query strings, explanations, notes, HTML, error details)."""
    if not _DIGIT_RUN.search(text) and "号" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        tok = m.group(0)
        if len(tok) == 18 and tok[0] != "0":
            return mask_resident_id(tok) if _looks_like_ric(tok) else tok
        if len(tok) == 18:
            return tok
        return mask_phone(tok)

    out = _TOKEN.sub(one, text)
    if "号" in out:
        out = _ADDRESS_IN_TEXT.sub(lambda m: m.group("head") + MASK, out)
    return out


def _node_kind(d: dict[str, Any]) -> Kind | None:
    for key in ("label", "kind", "type"):
        v = d.get(key)
        if isinstance(v, str) and v in _NODE_KINDS:
            return _NODE_KINDS[v]
    labels = d.get("labels")
    if isinstance(labels, list):
        for lab in labels:
            if isinstance(lab, str) and lab in _NODE_KINDS:
                return _NODE_KINDS[lab]
    return None


def _fact_kind(d: dict[str, Any]) -> Kind | None:
    for key in _FACT_NAME_FIELDS:
        v = d.get(key)
        if isinstance(v, str):
            kind = field_kind(v.rsplit(".", 1)[-1])
            if kind is not None:
                return kind
    return None


def _walk(data: dict[str, Any], context: Kind | None) -> dict[str, Any]:
    node = _node_kind(data)
    fact = _fact_kind(data)
    out: dict[str, Any] = {}
    for k, v in data.items():
        key = str(k)
        kind = field_kind(key)
        if node is not None and key in _NODE_VALUE_FIELDS:
            kind = node
        elif fact is not None and key in _FACT_VALUE_FIELDS:
            kind = fact
        elif context is Kind.ADDRESS and kind is None and key in ("text", "value", "caption", "name"):
            kind = Kind.ADDRESS
        if Kind.ADDRESS in (context, node) and key in _ADDRESS_PARTS:
            out[k] = v
        elif kind is not None:
            out[k] = mask_as(kind, v)
        else:
            out[k] = mask_pii(v)
    if node is Kind.ADDRESS:  # the caption of an Address node: its own parsed district, if any
        props = data.get("properties") if isinstance(data.get("properties"), dict) else data
        if isinstance(props, dict) and props.get("district") and isinstance(data.get("caption"), str):
            out["caption"] = address_district(
                "",
                province=str(props.get("province") or ""),
                city=str(props.get("city") or ""),
                district=str(props["district"]),
            )
    if node is not None and isinstance(data.get("properties"), dict):
        out["properties"] = _walk(data["properties"], node)
    return out


def mask_pii(data: Any, *, under_pii_key: bool = False) -> Any:
    """A copy of JSON-shaped ``data`` with personal data masked (dicts, lists, scalars)."""
    if isinstance(data, dict):
        return _walk(data, None)
    if isinstance(data, list):
        return [mask_pii(v, under_pii_key=under_pii_key) for v in data]
    if isinstance(data, str):
        if under_pii_key and (_PHONE_LIKE.match(data.strip()) or _RIC_SHAPE.match(data.strip())):
            return mask_as(Kind.PHONE, data)
        return _mask_value(data)
    return data


def mask_csv(text: str) -> str:
    """A CSV export masked by column (its header names the kind) and by value in every cell."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return text
    kinds = [field_kind(h) for h in rows[0]]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([mask_text(h) for h in rows[0]])
    for row in rows[1:]:
        out = []
        for i, cell in enumerate(row):
            kind = kinds[i] if i < len(kinds) else None
            if kind is not None:
                out.append(str(mask_as(kind, cell)))
            elif cell[:1] in "[{":
                out.append(_mask_json_text(cell))
            else:
                out.append(str(_mask_value(cell)))
        w.writerow(out)
    return buf.getvalue()


def _mask_json_text(text: str) -> str:
    try:
        parsed = json.loads(text)
    except ValueError:
        return mask_text(text)
    return json.dumps(mask_pii(parsed), ensure_ascii=False, sort_keys=True, default=str)


def mask_query_params(params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Query parameters masked by name (``birth_date=…`` → the year) and by value."""
    out = []
    for name, value in params:
        kind = field_kind(name)
        out.append((name, str(mask_as(kind, value)) if kind is not None else str(_mask_value(value))))
    return out


# --- the response: the one call the middleware makes ---------------------------------------------


def masked_digest(body: bytes) -> bytes:
    """The digest by which a handler tells the guard that ``body`` is already masked: it encoded it
    from :func:`mask_pii`'s output for this caller (the pre-loan check masks its answer before it
    writes the texts, so that they carry masked ids). A body changed after that no longer matches."""
    return hashlib.blake2b(body, digest_size=16).digest()


def mask_response(
    content_type: str,
    body: bytes,
    headers: list[tuple[bytes, bytes]],
    masked_body: bytes | None = None,
) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """Body and headers of a response as a caller without ``pii`` may receive them.

    JSON (and ``application/problem+json``) is masked field by field, CSV column by column, any other
    text (HTML, plain text) by value; headers by value (a download's file name can carry an ID).
    Binary bodies pass unchanged: the one the API produces, the loan-file report's PDF, is rendered
    from data already passed through :func:`mask_pii` (see :mod:`api.rendering.naming`). A body whose
    :func:`masked_digest` is ``masked_body`` was encoded from :func:`mask_pii`'s output already and is
    not decoded and masked a second time (the same function; its result does not change).
    """
    ct = content_type.lower()
    if body and masked_body is not None and masked_digest(body) == masked_body:
        pass
    elif body:
        if "json" in ct:
            try:
                parsed = json.loads(body)
            except ValueError:
                body = mask_text(body.decode("utf-8", "replace")).encode()
            else:
                body = json.dumps(mask_pii(parsed), ensure_ascii=False, separators=(",", ":")).encode()
        elif ct.startswith("text/csv"):
            body = mask_csv(body.decode("utf-8", "replace")).encode()
        elif ct.startswith("text/"):
            body = mask_text(body.decode("utf-8", "replace")).encode()
    masked_headers = [
        (k, v if k.lower() in (b"content-type", b"content-length") else _mask_header(v)) for k, v in headers
    ]
    return body, masked_headers


def _mask_header(value: bytes) -> bytes:
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return value
    return mask_text(text).encode()
