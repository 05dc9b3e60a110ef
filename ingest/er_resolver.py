"""The entity-resolution Resolver: each ingest resolves a party kind against what the graph holds.

Incremental by default: the records already in the graph (their ``SourceRecord`` payloads, with
their context rebuilt) and this batch's records form the population, but only the part the batch
can affect is re-resolved — records sharing a candidate pair or a judgement with a batch record,
widened to their whole entities (``entity_resolution.resolve(..., changed=...)``).  So reviewer
judgements and splits (stored by the API as ``ReviewJudgement`` nodes) hold, a batch record that
agrees with two entities still merges them with the evidence, entity ids stay stable
(``entity_resolution.ids``), and only records whose entity really changed are reported as *moves*,
which ``ingest.rehome`` applies to the graph after the load.  The trained model is the one of the
kind's last full run (kept in memory and, with ``state_dir``, in ``<state_dir>/<kind>.model.json``);
without one, or with ``full=True`` (``riskgraph ingest --full``), everything is re-resolved and the
model retrained.

The record id the library sees is the ``SourceRecord.record_key`` (source|kind|record id): unique
across sources, and the same key the API's review queue and judgements use.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from neo4j import Driver
from stdnum.cn import ric, uscc

from entity_resolution import Judgement, PriorState, ResolutionSpec, Split, resolve
from entity_resolution import Resolution as ERResolution
from entity_resolution.carry import Carried
from entity_resolution.fellegi_sunter import FSModel
from entity_resolution.normalize import person_name_cn
from graph_model import schema as s
from ingest import contract as c
from ingest.er_context import (
    CONTEXT_KINDS,
    CompanyIndex,
    Links,
    company_context,
    person_context,
    prior_context_records,
)
from ingest.issues import FileRefused
from ingest.readers import READERS
from ingest.resolver import Resolution
from ingest.validate import Record

SPEC_NAMES = {c.COMPANIES: "company_cn", c.PERSONS: "person_cn"}
# any table of records: no required columns, so the reader checks encoding and layout only
ANY_RECORDS = c.FileKind(kind="records", zh="记录", description="records to resolve", columns=())
LABELS = {c.COMPANIES: s.COMPANY, c.PERSONS: s.PERSON}
MAX_PAIRS_IN_EVIDENCE = 5
# an incremental batch reuses the last full run's model until the population has grown by a fifth
REFRESH_GROWTH = 1.2

PRIOR_RECORDS = (
    "MATCH (e:{label})-[:{derived}]->(sr:{sr} {{kind: $kind}}) "
    "RETURN sr.record_key AS record_key, e.entity_id AS entity_id, sr.payload AS payload"
)
JUDGEMENTS = (
    f"MATCH (j:{s.REVIEW_JUDGEMENT}) RETURN j.kind AS kind, j.record_id_a AS a, j.record_id_b AS b, "
    "j.verdict AS verdict, j.reviewer AS reviewer, j.note AS note, j.entity_id AS entity_id, j.parts AS parts "
    "ORDER BY j.created_at, j.judgement_id"
)


@dataclass
class EntityResolutionResolver:
    """Resolves companies and persons with ``entity_resolution``; the graph is its memory."""

    driver: Driver
    database: str = "neo4j"
    specs: dict[str, ResolutionSpec] = field(default_factory=dict)
    moves: dict[str, list[tuple[str, str, str]]] = field(
        default_factory=dict
    )  # kind → (record_key, old, new)
    stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    name: str = "entity_resolution"
    batch: dict[str, list[Record]] = field(default_factory=dict)
    companies: CompanyIndex = field(default_factory=lambda: CompanyIndex({}, {}))

    full: bool = False
    state_dir: Path | None = None

    _context: list[Record] | None = None
    _prior: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _models: dict[str, _KeptModel] = field(default_factory=dict)
    _carried: dict[str, Carried] = field(default_factory=dict)

    def observe_batch(self, by_kind: dict[str, list[Record]]) -> None:
        """This ingest's records of every kind: party context is read from its relationship rows.
        What was read from the graph for the previous ingest is dropped."""
        self.batch = by_kind
        self._context = None
        self._prior = {}

    def spec(self, kind: str) -> ResolutionSpec:
        if kind not in self.specs:
            self.specs[kind] = ResolutionSpec.from_yaml(SPEC_NAMES[kind])
        return self.specs[kind]

    def resolve(self, kind: str, records: Sequence[Record]) -> list[Resolution]:
        if kind not in SPEC_NAMES:
            raise ValueError(f"no entity-resolution spec for kind {kind!r}")
        spec = self.spec(kind)
        prior_rows = self._prior_rows(kind)
        prior_map = {r["record_key"]: r["entity_id"] for r in prior_rows}
        batch_keys = {rec.record_key for rec in records}
        frame_rows = [
            _row(r["record_key"], json.loads(r["payload"] or "{}"))
            for r in prior_rows
            if r["record_key"] not in batch_keys
        ]
        frame_rows += [_row(rec.record_key, rec.values) for rec in records]
        if not frame_rows:
            return []
        if kind == c.PERSONS:
            frame_rows = party_rows(kind, frame_rows, self._context_records(), companies=self.companies)
        else:
            frame_rows = party_rows(
                kind, frame_rows, self._context_records(), person_names=self._person_names()
            )
        frame = pd.DataFrame(frame_rows)
        judgements, splits = self._review_input()
        model = None if self.full or not prior_map else self._model(kind, spec, frame)
        result = resolve_population(
            frame, spec, prior_map, batch_keys, judgements, splits, model, self._carried_state(kind, spec)
        )
        self._keep_carried(kind, result.state.carried)
        if model is None:  # trained on the whole population: the model later batches reuse
            self._keep_model(kind, spec, result.model, frame)
        entity_of = entity_ids(kind, result.entities, set(prior_map.values()), frame_rows)
        if kind == c.COMPANIES:
            self.companies = company_index(entity_of, frame_rows)
        self.moves[kind] = sorted(
            (k, old, entity_of[k]) for k, old in prior_map.items() if k in entity_of and entity_of[k] != old
        )
        evidence = _evidence_by_record(result.pairs, set(batch_keys))
        self.stats[kind] = {
            "records": len(frame),
            "entities": len(set(entity_of.values())),
            "review_pairs": int(len(result.review_queue)),
            "moves": len(self.moves[kind]),
            "re_resolved": int(result.stats["re_resolved"]),
            "prepared": int(result.stats["prepared_records"]),
            "mode": "full" if model is None else "incremental",
        }
        return [
            Resolution(
                entity_of[rec.record_key],
                {"method": self.name, "spec": SPEC_NAMES[kind], "pairs": evidence.get(rec.record_key, [])},
            )
            for rec in records
        ]

    def _carried_path(self, kind: str) -> Path | None:
        return Path(self.state_dir) / f"{kind}.carried.parquet" if self.state_dir else None

    def _carried_state(self, kind: str, spec: ResolutionSpec) -> Carried | None:
        """The kind's normalized values and block keys of its last resolution (in memory, else
        ``<state_dir>/<kind>.carried.parquet``), if made with this spec.  Records are reused only
        where their id and input values are unchanged, so a stale file costs time, never results;
        without one every record is normalized and keyed."""
        if kind not in self._carried and (path := self._carried_path(kind)) and path.exists():
            loaded = Carried.load(path)
            if loaded is not None:
                self._carried[kind] = loaded
        kept = self._carried.get(kind)
        return kept if kept is not None and kept.fits(spec) else None

    def _keep_carried(self, kind: str, carried: Carried | None) -> None:
        if carried is None:
            return
        self._carried[kind] = carried
        if path := self._carried_path(kind):
            carried.save(path)

    def _model_path(self, kind: str) -> Path | None:
        return Path(self.state_dir) / f"{kind}.model.json" if self.state_dir else None

    def _model(self, kind: str, spec: ResolutionSpec, frame: pd.DataFrame) -> FSModel | None:
        """The kind's model from its last full run, if it still fits the population: trained with
        this spec, on at least 1 / ``REFRESH_GROWTH`` of today's records, and on every field that
        has values today (a source that brings phones for the first time needs a model that has
        seen phones).  Otherwise None: this batch is resolved in full and the model retrained."""
        if kind not in self._models and (path := self._model_path(kind)) and path.exists():
            try:
                saved = json.loads(path.read_text(encoding="utf-8"))
                if (
                    saved.get("spec_fingerprint") == spec.fingerprint()
                    and saved.get("database") == self.database
                ):
                    self._models[kind] = _KeptModel(
                        FSModel.from_dict(saved["model"]), int(saved["population"]), set(saved["fields"])
                    )
            except (OSError, ValueError, KeyError, TypeError):
                pass
        kept = self._models.get(kind)
        # a graph smaller than the one the weights were trained on is another graph (records are
        # never deleted): retrain
        if kept is None or not kept.population <= len(frame) <= kept.population * REFRESH_GROWTH:
            return None
        if not _fields_with_values(spec, frame) <= kept.fields:
            return None
        return kept.model

    def _keep_model(self, kind: str, spec: ResolutionSpec, model: FSModel, frame: pd.DataFrame) -> None:
        """Keep a model learned from the data for later batches (not default priors: a first batch
        of distinct records teaches nothing, and the next batch must train)."""
        if str(model.training.get("method", "defaults")).startswith("defaults"):
            self._models.pop(kind, None)
            return
        kept = _KeptModel(model, len(frame), _fields_with_values(spec, frame))
        self._models[kind] = kept
        if path := self._model_path(kind):
            path.parent.mkdir(parents=True, exist_ok=True)
            payload = {
                "spec_fingerprint": spec.fingerprint(),
                "database": self.database,
                "population": kept.population,
                "fields": sorted(kept.fields),
                "model": model.to_dict(),
            }
            path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")

    def _context_records(self) -> list[Record]:
        """Relationship rows of this ingest and of earlier batches (read once per run)."""
        if self._context is None:
            batch = [r for kind in CONTEXT_KINDS for r in self.batch.get(kind, [])]
            prior = prior_context_records(self.driver, self.database, {r.record_key for r in batch})
            self._context = [*prior, *batch]
        return self._context

    def _person_names(self) -> dict[str, str | None]:
        """Person record key → name as received, this ingest's and earlier batches'."""
        names = {
            r["record_key"]: json.loads(r["payload"] or "{}").get("name") for r in self._prior_rows(c.PERSONS)
        }
        names |= {rec.record_key: rec.values.get("name") for rec in self.batch.get(c.PERSONS, [])}
        return names

    def _prior_rows(self, kind: str) -> list[dict[str, Any]]:
        """The kind's loaded records, read once per ingest (companies need the persons' names too)."""
        if kind not in self._prior:
            query = PRIOR_RECORDS.format(label=LABELS[kind], derived=s.DERIVED_FROM, sr=s.SOURCE_RECORD)
            with self.driver.session(database=self.database, notifications_min_severity="OFF") as session:
                self._prior[kind] = [r.data() for r in session.run(query, kind=kind)]
        return self._prior[kind]

    def _review_input(self) -> tuple[list[Judgement], list[Split]]:
        judgements: list[Judgement] = []
        splits: list[Split] = []
        with self.driver.session(database=self.database, notifications_min_severity="OFF") as session:
            for r in session.run(JUDGEMENTS):
                if r["kind"] == "split" and r["parts"]:
                    splits.append(Split(entity_id=r["entity_id"], parts=json.loads(r["parts"])))
                elif r["kind"] == "pair" and r["a"] and r["b"]:
                    judgements.append(
                        Judgement(
                            record_id_a=r["a"],
                            record_id_b=r["b"],
                            verdict=r["verdict"],
                            reviewer=r["reviewer"],
                            note=r["note"],
                        )
                    )
        return judgements, splits


@dataclass
class _KeptModel:
    model: FSModel
    population: int
    fields: set[str]


def resolve_population(
    frame: pd.DataFrame,
    spec: ResolutionSpec,
    prior_map: Mapping[str, str],
    batch_keys: set[str],
    judgements: list[Judgement],
    splits: list[Split],
    model: FSModel | None,
    carried: Carried | None = None,
) -> ERResolution:
    """Resolve a kind's whole population (``frame``: loaded records and this batch's) the way an
    ingest does: the graph's record → entity map is the prior state, so ids stay stable and
    reviewer input holds; with ``model`` (the last full run's weights) only what the batch can
    affect is re-resolved, without it everything is, and the weights are retrained.
    ``carried``: the last run's normalized values and block keys (``entity_resolution.carry``):
    only records it does not hold with the same inputs are normalized and keyed; the result's
    ``state.carried`` is this run's, for the next batch.
    ``bench/er/run.py`` times its incremental row through this function."""
    prior = None
    if prior_map:
        prior = PriorState(
            spec_fingerprint=spec.fingerprint(),
            entities=pd.DataFrame(
                {
                    "record_id": pd.Series(list(prior_map), dtype=object),
                    "entity_id": pd.Series(list(prior_map.values()), dtype=object),
                }
            ),
            representatives=pd.DataFrame(columns=["record_id", "entity_id"]),
            judgements=judgements,
            splits=splits,
            issued_ids=set(prior_map.values()),
        )
    return resolve(
        frame,
        spec,
        prior=prior,
        judgements=None if prior else judgements,
        splits=None if prior else splits,
        changed=_changed(batch_keys, judgements, splits) if model is not None and prior else None,
        model=model if prior else None,
        carried=carried,
        carry=True,
    )


def _fields_with_values(spec: ResolutionSpec, frame: pd.DataFrame) -> set[str]:
    """The comparisons whose column has values on at least two records (so pairs can compare it)."""
    return {
        comp.name
        for comp in spec.comparisons
        if comp.column in frame.columns and int(frame[comp.column].notna().sum()) >= 2
    }


def _changed(batch: set[str], judgements: list[Judgement], splits: list[Split]) -> set[str]:
    """What an incremental run re-resolves around: this batch's records and every record a reviewer
    judged or split (judgements are few, and one made since the last run must take effect now)."""
    out = set(batch)
    for j in judgements:
        out.update((j.record_id_a, j.record_id_b))
    for sp in splits:
        out.update(r for part in sp.parts for r in part)
    return out


def read_record_table(path: Path) -> pd.DataFrame:
    """One CSV / XLSX / JSONL file of records read as ingest reads its sources (encoding detection,
    header clean-up, malformed rows reported by row number), every value as text, blanks missing:
    the reader ``riskgraph resolve`` hands to ``entity_resolution.cli_support.resolve_files``."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ValueError(
            f"{path.name}: 不支持的文件类型 / unsupported file type (CSV, JSONL, XLSX: {', '.join(READERS)})"
        )
    try:
        raw = reader(path, ANY_RECORDS)
    except FileRefused as exc:
        raise ValueError(str(exc)) from None
    bad = next((r for r in raw.rows if r.problem is not None), None)
    if bad is not None and bad.problem is not None:
        raise ValueError(
            f"{path.name} 第 {bad.row} 行无法读取 / row {bad.row} cannot be read: {bad.problem.message_en}"
        )
    rows = [{k: (None if v in ("", None) else str(v)) for k, v in r.values.items()} for r in raw.rows]
    return pd.DataFrame(rows, columns=raw.columns or None).astype(object)


def party_rows(
    kind: str,
    rows: list[dict[str, Any]],
    context: Sequence[Record] | Links,
    *,
    companies: CompanyIndex | None = None,
    person_names: Mapping[str, str | None] | None = None,
) -> list[dict[str, Any]]:
    """The frame rows one party kind is resolved on: ``rows`` (from :func:`_row`) with their context
    columns filled where a record says nothing itself, sorted by record key.

    ``context``: the relationship rows (:data:`CONTEXT_KINDS`) the context is read from, or what
    :func:`~ingest.er_context.collect_links` gathered from them. Persons need
    ``companies`` (this run's company resolution), companies need ``person_names`` (person record
    key → name as received, for the legal representative). Used by ingest and by ``bench/er``."""
    if kind == c.PERSONS:
        names = {row["record_id"]: person_name_cn(row.get("name")) for row in rows}
        _add_context(rows, person_context(context, companies or CompanyIndex({}, {}), names))
    else:
        _add_context(rows, company_context(context, person_names or {}))
    # the same records in the same order whatever order the graph returned them in: a rerun on
    # unchanged data must give the same entities
    rows.sort(key=lambda row: row["record_id"])
    return rows


def entity_ids(
    kind: str, entities: pd.DataFrame, prior_ids: set[str], rows: list[dict[str, Any]]
) -> dict[str, str]:
    """Record key → graph entity id, from a resolution's ``entities`` (see :func:`_readable_ids`)."""
    entity_of = dict(zip(entities["record_id"].astype(str), entities["entity_id"].astype(str), strict=True))
    return _readable_ids(kind, entity_of, prior_ids, _strong_keys(kind, rows))


def company_index(entity_of: dict[str, str], rows: list[dict[str, Any]]) -> CompanyIndex:
    """How relationship rows' company references map to the entities of this company resolution."""
    strong = _strong_keys(c.COMPANIES, rows)
    return CompanyIndex(
        by_record=entity_of, by_uscc={u: entity_of[k] for k, u in strong.items() if k in entity_of}
    )


def _row(record_key: str, values: dict[str, Any]) -> dict[str, Any]:
    row = {k: (None if v in ("", None) else str(v)) for k, v in values.items()}
    # validation keeps a masked ID apart (id_masked); ER compares it in id_number, as the payload has it
    if row.get("id_number") is None and row.get("id_masked"):
        row["id_number"] = row["id_masked"]
    row["record_id"] = record_key
    row["source"] = record_key.split("|", 1)[0]
    return row


def _add_context(rows: list[dict[str, Any]], context: dict[str, dict[str, str]]) -> None:
    """Fill a record's context columns where the record itself says nothing."""
    for row in rows:
        for column, value in context.get(row["record_id"], {}).items():
            if row.get(column) is None:
                row[column] = value


def _strong_keys(kind: str, rows: list[dict[str, Any]]) -> dict[str, str]:
    """record key → its valid strong identifier (masked or invalid ones are not keys)."""
    column, valid = ("uscc", uscc.is_valid) if kind == c.COMPANIES else ("id_number", ric.is_valid)
    return {r["record_id"]: r[column] for r in rows if r.get(column) and valid(r[column])}


def _readable_ids(
    kind: str, entity_of: dict[str, str], prior_ids: set[str], strong: dict[str, str]
) -> dict[str, str]:
    """New entities holding a strong key are named by it (``C:<USCC>``, ``P:<resident ID>``), as the
    strong-key resolver names them, so ids read the same whichever resolver made them; every other
    new entity gets the library's stable id behind the kind's prefix. Inherited ids never change."""
    renamed: dict[str, str] = {}
    for record_key, eid in sorted(entity_of.items()):
        if eid in prior_ids or eid in renamed or record_key not in strong:
            continue
        renamed[eid] = ("C:" if kind == c.COMPANIES else "P:") + strong[record_key]
    taken = set(prior_ids)
    final: dict[str, str] = {}
    for eid in sorted(set(entity_of.values())):
        candidate = renamed.get(eid) or _prefixed(kind, eid)
        final[eid] = candidate if candidate not in taken or eid in prior_ids else _prefixed(kind, eid)
        taken.add(final[eid])
    return {k: final[v] for k, v in entity_of.items()}


def _prefixed(kind: str, entity_id: str) -> str:
    """ER issues ``C-<hash>`` / ``P-<hash>``; graph ids of companies and persons start ``C:`` / ``P:``."""
    prefix = "C:" if kind == c.COMPANIES else "P:"
    return entity_id if entity_id.startswith(prefix) else prefix + entity_id


def _evidence_by_record(pairs: pd.DataFrame, keys: set[str]) -> dict[str, list[dict[str, Any]]]:
    """The strongest scored pairs of each record of this batch: what the API shows as 'why one entity'."""
    if pairs.empty:
        return {}
    cols = ["record_id_a", "record_id_b", "score", "decision", "rule"]
    top = pairs[cols].sort_values("score", ascending=False)
    out: dict[str, list[dict[str, Any]]] = {}
    for a, b, score, decision, rule in top.itertuples(index=False):
        for me, other in ((a, b), (b, a)):
            if me in keys and len(out.setdefault(me, [])) < MAX_PAIRS_IN_EVIDENCE:
                out[me].append(
                    {"other": other, "score": float(score), "decision": str(decision), "rule": str(rule)}
                )
    return out
