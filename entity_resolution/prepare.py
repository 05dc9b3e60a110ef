"""Apply a spec's normalizers and validators to a record table, once, column by column.

The result (:class:`Prepared`) holds plain numpy object arrays indexed by record position, which
is what blocking and comparison work on.  Nothing here loops over records in Python except the
per-distinct-value normalizer calls (see normalize.map_unique).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from entity_resolution import keys
from entity_resolution.normalize import NORMALIZERS, CompanyName, id_code, map_unique, parse_company_name
from entity_resolution.spec import ResolutionSpec


class SpecColumnError(KeyError):
    """The records lack a column the spec needs."""


@dataclass
class Prepared:
    record_ids: np.ndarray
    source: np.ndarray | None
    values: dict[str, np.ndarray]
    codes: dict[str, np.ndarray]
    strong: dict[str, np.ndarray]
    is_branch: np.ndarray
    parent_core: np.ndarray
    prior_entity: np.ndarray
    is_new: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.record_ids)

    def field(self, name: str) -> np.ndarray:
        """A comparison value or a strong-id code, by its spec name (used by blocking)."""
        if name in self.values:
            return self.values[name]
        return self.codes[name]


def _column(records: pd.DataFrame, col: str, optional: bool = False) -> pd.Series:
    """A column of the records; an optional one that is absent reads as all-missing (a source
    without phones simply contributes no phone evidence)."""
    if col not in records.columns:
        if optional:
            return pd.Series([None] * len(records), index=records.index, dtype=object)
        raise SpecColumnError(f"缺少列 / missing column {col!r} (have: {list(records.columns)})")
    return records[col]


COMPANY_NAME = "company_name_cn"


def spec_columns(spec: ResolutionSpec) -> list[str]:
    """The record columns a spec reads (id, source, strong ids, compared fields), in order."""
    cols = [spec.record_id]
    if spec.source_column:
        cols.append(spec.source_column)
    cols += [s.column for s in spec.strong_ids] + [c.column for c in spec.comparisons]
    return list(dict.fromkeys(cols))


def _core(parsed: CompanyName | None) -> str | None:
    """A parsed company name's comparison string: what ``company_name`` returns for the raw name."""
    return parsed.core if parsed is not None else None


def prepare(
    records: pd.DataFrame,
    spec: ResolutionSpec,
    *,
    prior_entity: np.ndarray | None = None,
    is_new: np.ndarray | None = None,
) -> Prepared:
    """Normalize every field the spec mentions; validate strong ids; split off branch units."""
    n = len(records)
    rid = _column(records, spec.record_id).astype(str).to_numpy(dtype=object)
    if len(set(rid)) != n:
        dup = pd.Series(rid).value_counts()
        raise ValueError(f"记录ID重复 / duplicate record ids: {list(dup[dup > 1].index[:5])}")
    source: np.ndarray | None = None
    if spec.source_column:
        # link modes need the source; dedupe uses it only where a comparison asks (within_source)
        column = _column(records, spec.source_column, optional=spec.mode == "dedupe")
        as_text = column.where(column.notna(), None).map(lambda v: None if v is None else str(v))
        source = as_text.to_numpy(dtype=object)

    codes: dict[str, np.ndarray] = {}
    strong: dict[str, np.ndarray] = {}
    for sid in spec.strong_ids:
        code = map_unique(_column(records, sid.column, optional=True), id_code)
        codes[sid.name] = code.to_numpy(dtype=object)
        strong[sid.name] = map_unique(code, keys.VALIDATORS[sid.validator]).to_numpy(dtype=object)

    # the branch field is parsed once: its parse gives the branch unit and, for company names, the
    # normalized value too (parsing every name twice was a tenth of an incremental run)
    parsed: pd.Series | None = None
    if spec.branch_field:
        parsed = map_unique(_column(records, spec.comparison(spec.branch_field).column), parse_company_name)

    values: dict[str, np.ndarray] = {}
    for comp in spec.comparisons:
        optional = comp.name != spec.branch_field
        if parsed is not None and comp.name == spec.branch_field and comp.normalizer == COMPANY_NAME:
            col = map_unique(parsed, _core)
        else:
            col = map_unique(_column(records, comp.column, optional=optional), NORMALIZERS[comp.normalizer])
        if comp.fill_birth_date_from:
            sid = next(s for s in spec.strong_ids if s.name == comp.fill_birth_date_from)
            from_id = map_unique(pd.Series(codes[sid.name], index=records.index), keys.birth_date_from_ric)
            col = col.where(col.notna(), from_id)
        values[comp.name] = col.to_numpy(dtype=object)

    is_branch = np.zeros(n, dtype=bool)
    parent_core = np.full(n, None, dtype=object)
    if parsed is not None:
        names = parsed.to_numpy(dtype=object)
        is_branch = np.array([bool(p is not None and p.is_branch) for p in names], dtype=bool)
        parent_core = np.array(
            [p.parent_core if p is not None and p.is_branch else None for p in names], dtype=object
        )

    return Prepared(
        record_ids=rid,
        source=source,
        values=values,
        codes=codes,
        strong=strong,
        is_branch=is_branch,
        parent_core=parent_core,
        prior_entity=prior_entity if prior_entity is not None else np.full(n, None, dtype=object),
        is_new=is_new if is_new is not None else np.ones(n, dtype=bool),
    )
