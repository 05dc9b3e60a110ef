"""Shell / front-company signals (空壳/壳公司迹象): companies sharing a phone, an address or a
legal representative beyond configurable thresholds.

Input is a flat list of ``(company, attribute, value)`` records, e.g. ``("C:1", "phone",
"0571-8888 1234")``, ``("C:1", "address", "杭州市西湖区文三路 1 号")``, ``("C:1",
"legal_representative", "P:42")`` — exactly what a projection of the contact/position edges
gives. Values are normalised lightly (phones to digits without the +86 prefix, addresses NFKC
with spaces and punctuation removed, placeholders such as "无"/"N/A" dropped); heavy address
normalisation belongs to entity resolution.

Supernodes: a value shared by very many companies (a registered-agent address, a call-centre
number, a nominee legal representative) is itself a finding, but linking through it would glue
thousands of unrelated companies into one cluster. Such values are reported with
``supernode=True`` (member list capped at ``supernode_threshold``, true count in ``size``) and are
never used to link companies in :func:`linked_company_clusters`.

Functions:

- :func:`normalize_value` — the normalisation above.
- :func:`shared_attribute_clusters` — one cluster per shared value with at least
  ``min_companies`` companies (default 5), the value being the evidence.
- :func:`linked_company_clusters` — connected components of companies linked by any shared
  (non-supernode) value, with the shared values inside as evidence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ._common import UnionFind, stable_id

__all__ = [
    "SharedAttributeCluster",
    "LinkedCompanyCluster",
    "normalize_value",
    "shared_attribute_clusters",
    "linked_company_clusters",
]

_PLACEHOLDERS = {"", "无", "暂无", "不详", "未知", "null", "none", "n/a", "na", "-", "--", "/", "0"}
_PUNCT = re.compile(r"[\s\-_,.;:()（）【】\[\]#·,，。；：、]+")


@dataclass(frozen=True)
class SharedAttributeCluster:
    """Companies sharing one normalised ``value`` of ``attribute``.

    ``companies`` is sorted and, for a supernode, capped (``size`` is the true count).
    ``raw_values`` shows up to five original spellings that normalised to ``value``.
    """

    attribute: str
    value: str
    companies: tuple[str, ...]
    size: int
    supernode: bool
    raw_values: tuple[str, ...]


@dataclass(frozen=True)
class LinkedCompanyCluster:
    """Companies connected through shared values; ``evidence`` lists every shared value inside
    the cluster as (attribute, value, companies sharing it)."""

    cluster_id: str
    companies: tuple[str, ...]
    evidence: tuple[tuple[str, str, tuple[str, ...]], ...]

    @property
    def size(self) -> int:
        return len(self.companies)


def normalize_value(attribute: str, value: object) -> str | None:
    """Normalise a raw value for comparison; None for placeholders/unusable values.

    Example:
        >>> normalize_value("phone", "+86 138-0013-8000"), normalize_value("phone", "无")
        ('13800138000', None)
        >>> normalize_value("address", "杭州市 西湖区（文三路１号）")
        '杭州市西湖区文三路1号'
    """
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if text.lower() in _PLACEHOLDERS:
        return None
    attr = attribute.lower()
    if attr in ("phone", "telephone", "mobile", "tel"):
        digits = re.sub(r"\D", "", text)
        for prefix in ("0086", "86"):
            if digits.startswith(prefix) and len(digits) - len(prefix) >= 10:
                digits = digits[len(prefix) :]
                break
        if len(digits) < 7 or len(set(digits)) == 1:  # too short, or 0000000 / 11111111
            return None
        return digits
    if attr in ("address", "registered_address", "business_address"):
        out = _PUNCT.sub("", text).lower()
        return out or None
    return text


def _collect(
    records: Iterable[tuple[str, str, object]], attributes: Iterable[str] | None, normalize: bool
) -> dict[tuple[str, str], tuple[set[str], list[str]]]:
    wanted = {a.lower() for a in attributes} if attributes is not None else None
    groups: dict[tuple[str, str], tuple[set[str], list[str]]] = {}
    for company, attribute, raw in records:
        attr = str(attribute).lower()
        if wanted is not None and attr not in wanted:
            continue
        val = normalize_value(attr, raw) if normalize else (None if raw is None else str(raw))
        if val is None:
            continue
        companies, raws = groups.setdefault((attr, val), (set(), []))
        companies.add(str(company))
        if len(raws) < 5 and str(raw) not in raws:
            raws.append(str(raw))
    return groups


def _per_attr(value: int | Mapping[str, int], attr: str, default: int) -> int:
    if isinstance(value, Mapping):
        return int(value.get(attr, default))
    return int(value)


def shared_attribute_clusters(
    records: Iterable[tuple[str, str, object]],
    *,
    min_companies: int | Mapping[str, int] = 5,
    supernode_threshold: int | Mapping[str, int] = 200,
    attributes: Iterable[str] | None = ("phone", "address", "legal_representative"),
    normalize: bool = True,
) -> tuple[SharedAttributeCluster, ...]:
    """One cluster per shared value held by at least ``min_companies`` distinct companies.

    ``min_companies`` and ``supernode_threshold`` take one number or a per-attribute mapping
    (e.g. ``{"phone": 5, "address": 10, "legal_representative": 8}``; missing keys use 5 and
    200). Values held by more than ``supernode_threshold`` companies are flagged ``supernode``.
    ``attributes=None`` accepts every attribute in the records. Sorted by size, largest first.

    Example:
        >>> recs = [(f"C:{i}", "phone", "0571-88881234") for i in range(5)] + [("C:9", "phone", "123")]
        >>> [(c.value, c.size) for c in shared_attribute_clusters(recs)]
        [('057188881234', 5)]
    """
    out = []
    for (attr, val), (companies, raws) in _collect(records, attributes, normalize).items():
        n = len(companies)
        if n < max(2, _per_attr(min_companies, attr, 5)):
            continue
        cap = _per_attr(supernode_threshold, attr, 200)
        members = sorted(companies)
        out.append(SharedAttributeCluster(attr, val, tuple(members[:cap]), n, n > cap, tuple(raws)))
    out.sort(key=lambda c: (-c.size, c.attribute, c.value))
    return tuple(out)


def linked_company_clusters(
    records: Iterable[tuple[str, str, object]],
    *,
    min_cluster_size: int = 5,
    supernode_threshold: int | Mapping[str, int] = 200,
    attributes: Iterable[str] | None = ("phone", "address", "legal_representative"),
    normalize: bool = True,
) -> tuple[LinkedCompanyCluster, ...]:
    """Clusters of companies connected through any shared value (phone, address, legal
    representative …), at least ``min_cluster_size`` companies each.

    Two companies are linked when they share a normalised value; clusters are the connected
    components. Supernode values (more than ``supernode_threshold`` companies) are not used as
    links. ``evidence`` lists each shared value in the cluster with its companies.

    Example:
        >>> recs = [("C:1", "phone", "13800138000"), ("C:2", "phone", "13800138000"),
        ...         ("C:2", "address", "A路1号"), ("C:3", "address", "A路 1号")]
        >>> [(c.companies, len(c.evidence)) for c in linked_company_clusters(recs, min_cluster_size=3)]
        [(('C:1', 'C:2', 'C:3'), 2)]
    """
    uf: UnionFind[str] = UnionFind()
    shared: list[tuple[str, str, tuple[str, ...]]] = []
    for (attr, val), (companies, _) in _collect(records, attributes, normalize).items():
        if len(companies) < 2 or len(companies) > _per_attr(supernode_threshold, attr, 200):
            continue
        members = sorted(companies)
        shared.append((attr, val, tuple(members)))
        for m in members[1:]:
            uf.union(members[0], m)
    by_root: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
    for ev in shared:
        by_root.setdefault(str(uf.find(ev[2][0])), []).append(ev)
    out = []
    for evs in by_root.values():
        cluster = sorted({c for _, _, cs in evs for c in cs})
        if len(cluster) < min_cluster_size:
            continue
        out.append(LinkedCompanyCluster(stable_id("LC", cluster), tuple(cluster), tuple(sorted(evs))))
    out.sort(key=lambda c: (-c.size, c.companies[0]))
    return tuple(out)
