"""What a run carries to the next, so that an incremental batch normalizes and keys only its own
records instead of the whole population.

:class:`Carried` holds, for every record of the last run: its id, a hash of its input values (the
spec's columns, :func:`input_hash`), what :func:`~entity_resolution.prepare.prepare` made of it
(normalized comparison values, strong-id codes and validated keys, branch unit and parent name)
and its block keys per blocking rule (:class:`~entity_resolution.blocking.RuleRows`, the block-key
index).  :func:`prepare_with` builds a run's ``Prepared`` table and block keys from it: a record
whose id and input hash the carried state holds is copied from it; every other record (a batch's
new records, a loaded record whose values or context changed) is normalized and keyed afresh.
The result equals the full computation, because every normalizer, validator and key transform
reads one record only; blocks are then formed over all records as before (whole blocks, so block
caps and pair order are those of a full run).

On disk (:meth:`Carried.save`) the state is one Parquet file, one row per record: ``record_id``,
``input_hash``, ``source``, ``value:<comparison>``, ``code:<strong id>``, ``strong:<strong id>``,
``is_branch``, ``parent_core`` and ``key:<rule number>`` (the rule's key hashes, a list), with the
spec fingerprint and :data:`FORMAT` in the file's metadata.  A file of another spec or format, or
none at all, is ignored: that run normalizes and keys every record and writes a new one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from entity_resolution.blocking import RuleRows, rule_rows
from entity_resolution.prepare import Prepared, prepare, spec_columns
from entity_resolution.spec import ResolutionSpec

# bump when a normalizer, validator or key transform changes what it returns: carried values of an
# older format are then recomputed
FORMAT = 1
META_KEY = b"riskgraph.er_carried"


@dataclass
class Carried:
    """Per record of the last run: id, input hash, prepared values and block keys (see module)."""

    spec_fingerprint: str
    record_ids: np.ndarray  # object (str)
    input_hash: np.ndarray  # uint64
    source: np.ndarray | None
    values: dict[str, np.ndarray]
    codes: dict[str, np.ndarray]
    strong: dict[str, np.ndarray]
    is_branch: np.ndarray
    parent_core: np.ndarray
    rows: list[RuleRows]

    def __len__(self) -> int:
        return len(self.record_ids)

    def fits(self, spec: ResolutionSpec) -> bool:
        return self.spec_fingerprint == spec.fingerprint() and len(self.rows) == len(spec.blocking)

    def save(self, path: str | Path) -> None:
        """Write the state as one Parquet file (written aside, then moved into place)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        columns: dict[str, pa.Array] = {
            "record_id": _text(self.record_ids),
            "input_hash": pa.array(self.input_hash, pa.uint64()),
        }
        if self.source is not None:
            columns["source"] = _text(self.source)
        for prefix, arrays in (("value", self.values), ("code", self.codes), ("strong", self.strong)):
            for name, arr in arrays.items():
                columns[f"{prefix}:{name}"] = _text(arr)
        columns["is_branch"] = pa.array(self.is_branch, pa.bool_())
        columns["parent_core"] = _text(self.parent_core)
        for i, r in enumerate(self.rows):
            offsets = pa.array(r.offsets(), pa.int64())
            columns[f"key:{i}"] = pa.LargeListArray.from_arrays(offsets, pa.array(r.hashes, pa.uint64()))
        meta = {"format": FORMAT, "spec_fingerprint": self.spec_fingerprint, "rules": len(self.rows)}
        table = pa.table(columns).replace_schema_metadata({META_KEY: json.dumps(meta).encode()})
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)
        del table, columns
        pa.default_memory_pool().release_unused()

    @classmethod
    def load(cls, path: str | Path) -> Carried | None:
        """The state in ``path``, or None when it is missing, unreadable or of another format.

        Read one column at a time, each turned into the arrays the run uses before the next is
        read, and Arrow's pool told to return what it freed: reading the whole table first held
        the file's decoded columns beside their arrays, and the pool kept that memory after they
        were dropped (at 2.9M records, more than the state itself)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = Path(path)
        try:
            schema = pq.read_schema(path)
            meta = json.loads((schema.metadata or {}).get(META_KEY, b"{}"))
            if meta.get("format") != FORMAT:
                return None
            names = schema.names
            text_cols = [f.name for f in schema if pa.types.is_string(f.type)]
            file = pq.ParquetFile(path, read_dictionary=text_cols)

            def column(name: str):
                return file.read(columns=[name]).column(name)

            def text(name: str) -> np.ndarray:
                return _from_text(column(name))

            def group(prefix: str) -> dict[str, np.ndarray]:
                return {n.split(":", 1)[1]: text(n) for n in names if n.startswith(prefix + ":")}

            rows = []
            for i in range(int(meta["rules"])):
                col = column(f"key:{i}").combine_chunks()
                counts = col.value_lengths().to_numpy(zero_copy_only=False).astype(np.int32)
                rows.append(RuleRows(counts, col.flatten().to_numpy(zero_copy_only=False).astype(np.uint64)))
            carried = cls(
                spec_fingerprint=str(meta["spec_fingerprint"]),
                record_ids=text("record_id"),
                input_hash=column("input_hash").to_numpy().astype(np.uint64),
                source=text("source") if "source" in names else None,
                values=group("value"),
                codes=group("code"),
                strong=group("strong"),
                is_branch=column("is_branch").to_numpy().astype(bool),
                parent_core=text("parent_core"),
                rows=rows,
            )
            file.close()
        except (OSError, ValueError, KeyError, pa.ArrowException):
            return None
        finally:
            pa.default_memory_pool().release_unused()
        return carried


def _text(arr: np.ndarray):
    """An object array of str / None as a dictionary-encoded Arrow column (values repeat a lot)."""
    import pyarrow as pa

    return pa.array(np.asarray(arr, dtype=object), pa.string(), from_pandas=True).dictionary_encode()


def _from_text(col) -> np.ndarray:
    """A dictionary-encoded text column back to an object array (None for nulls); equal values
    share one string object, as ``map_unique`` leaves them."""
    col = col.combine_chunks()
    if not hasattr(col, "dictionary"):
        return np.asarray(col.to_numpy(zero_copy_only=False), dtype=object)
    uniques = np.asarray(col.dictionary.to_numpy(zero_copy_only=False), dtype=object)
    nulls = col.is_null().to_numpy(zero_copy_only=False)
    idx = col.indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    out = uniques[idx] if len(uniques) else np.full(len(idx), None, dtype=object)
    out[nulls] = None
    return out


def input_hash(records: pd.DataFrame, spec: ResolutionSpec) -> np.ndarray:
    """Per record, a 64-bit hash of the values ``prepare`` reads (the spec's columns)."""
    cols = [c for c in spec_columns(spec) if c in records.columns]
    return pd.util.hash_pandas_object(records[cols], index=False).to_numpy(np.uint64)


def prepare_with(
    records: pd.DataFrame, spec: ResolutionSpec, carried: Carried | None
) -> tuple[Prepared, list[RuleRows], Carried, int]:
    """``prepare`` and the rules' block keys for ``records``, reusing ``carried`` for every record
    it holds with the same input hash.  Returns the prepared table, the block keys, the state to
    carry to the next run and how many records were normalized and keyed afresh."""
    hashes = input_hash(records, spec)
    if carried is None or not len(carried) or not carried.fits(spec):
        prep = prepare(records, spec)
        rows = rule_rows(prep, spec)
        return prep, rows, _carry(spec, prep, rows, hashes), prep.n
    n = len(records)
    rid = records[spec.record_id].astype(str).to_numpy(dtype=object)
    if not pd.Index(rid, dtype=object).is_unique:
        dup = pd.Series(rid).value_counts()
        raise ValueError(f"记录ID重复 / duplicate record ids: {list(dup[dup > 1].index[:5])}")
    src = pd.Index(carried.record_ids, dtype=object).get_indexer(pd.Index(rid, dtype=object))
    reuse = src >= 0
    reuse[reuse] = carried.input_hash[src[reuse]] == hashes[reuse]
    old_at, old_src = np.flatnonzero(reuse), src[reuse]
    new_at = np.flatnonzero(~reuse)
    sub = prepare(records.iloc[new_at].reset_index(drop=True), spec) if len(new_at) else None
    sub_rows = rule_rows(sub, spec) if sub is not None else None

    def scatter(old: np.ndarray, new: np.ndarray | None, dtype: type = object) -> np.ndarray:
        out: np.ndarray = np.empty(n, dtype=dtype)
        out[old_at] = old[old_src]
        if new is not None:
            out[new_at] = new
        return out

    source = None
    if carried.source is not None:
        source = scatter(carried.source, sub.source if sub is not None else None)
    prep = Prepared(
        record_ids=rid,
        source=source,
        values={k: scatter(v, sub.values[k] if sub is not None else None) for k, v in carried.values.items()},
        codes={k: scatter(v, sub.codes[k] if sub is not None else None) for k, v in carried.codes.items()},
        strong={k: scatter(v, sub.strong[k] if sub is not None else None) for k, v in carried.strong.items()},
        is_branch=scatter(carried.is_branch, sub.is_branch if sub is not None else None, bool),
        parent_core=scatter(carried.parent_core, sub.parent_core if sub is not None else None),
        prior_entity=np.full(n, None, dtype=object),
        is_new=np.ones(n, dtype=bool),
    )
    rows = [
        _gather(n, old_at, old_src, old_rows, new_at, sub_rows[i] if sub_rows else None)
        for i, old_rows in enumerate(carried.rows)
    ]
    return prep, rows, _carry(spec, prep, rows, hashes), len(new_at)


def _gather(
    n: int,
    old_at: np.ndarray,
    old_src: np.ndarray,
    old: RuleRows,
    new_at: np.ndarray,
    new: RuleRows | None,
) -> RuleRows:
    """One rule's keys for the run's records in their order: the carried keys of the records at
    ``old_at`` (carried positions ``old_src``), the fresh keys of those at ``new_at``."""
    counts = np.zeros(n, np.int64)
    starts = np.zeros(n, np.int64)
    counts[old_at] = old.counts[old_src]
    starts[old_at] = old.offsets()[:-1][old_src]
    pool = old.hashes
    if new is not None:
        counts[new_at] = new.counts
        starts[new_at] = len(old.hashes) + new.offsets()[:-1]
        pool = np.concatenate([old.hashes, new.hashes])
    total = int(counts.sum())
    dest = np.cumsum(counts) - counts
    take = np.repeat(starts - dest, counts) + np.arange(total, dtype=np.int64)
    return RuleRows(counts.astype(np.int32), pool[take])


def _carry(spec: ResolutionSpec, prep: Prepared, rows: list[RuleRows], hashes: np.ndarray) -> Carried:
    return Carried(
        spec_fingerprint=spec.fingerprint(),
        record_ids=prep.record_ids,
        input_hash=hashes,
        source=prep.source,
        values=prep.values,
        codes=prep.codes,
        strong=prep.strong,
        is_branch=prep.is_branch,
        parent_core=prep.parent_core,
        rows=rows,
    )
