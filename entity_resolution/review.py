"""Reviewer input and the state carried from one run to the next (pure data, no storage).

- A :class:`Judgement` is a reviewer's verdict on a record pair (same / different / unsure).
  Every run respects it: *different* is a cannot-link; *same* is a must-link unless a hard
  no-merge (two different valid strong keys, branch vs head office) forbids it.
- A :class:`Split` says an entity's records must be divided into the given parts; records in
  different parts are never merged again.
- :class:`PriorState` is what a run hands to the next: record → entity ids (for id stability),
  representative records per entity (for incremental attach), the trained model, term
  frequencies, judgements, splits and every id ever issued (so a retired id is never reused).
  The caller stores it wherever it likes (:meth:`PriorState.save` writes a folder of files).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd
from pydantic import BaseModel

if TYPE_CHECKING:
    from entity_resolution.carry import Carried


class Judgement(BaseModel):
    record_id_a: str
    record_id_b: str
    verdict: Literal["same", "different", "unsure"]
    reviewer: str | None = None
    note: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return tuple(sorted((str(self.record_id_a), str(self.record_id_b))))  # type: ignore[return-value]


class Split(BaseModel):
    entity_id: str
    parts: list[list[str]]


def judgement_map(judgements: list[Judgement]) -> dict[tuple[str, str], str]:
    """Latest verdict per unordered record-id pair (later judgements override earlier ones)."""
    out: dict[tuple[str, str], str] = {}
    for j in judgements:
        out[j.key] = j.verdict
    return out


CARRIED_FILE = "carried.parquet"


@dataclass
class PriorState:
    spec_fingerprint: str
    entities: pd.DataFrame  # record_id, entity_id
    representatives: pd.DataFrame  # raw record rows (spec columns) + entity_id
    model: dict | None = None
    # value counts per tf-adjusted comparison (value → records); Series as the run made them,
    # turned into plain mappings only when the state is written
    tf: dict[str, pd.Series] = field(default_factory=dict)
    judgements: list[Judgement] = field(default_factory=list)
    splits: list[Split] = field(default_factory=list)
    # every entity id ever issued, so never issued again: covers the ids in ``entities``
    issued_ids: set[str] = field(default_factory=set)
    # normalized values and block keys of the run's records (entity_resolution.carry); optional:
    # a state without them loads, and its next run normalizes every record
    carried: Carried | None = None

    def record_entity(self) -> dict[str, str]:
        return dict(
            zip(self.entities["record_id"].astype(str), self.entities["entity_id"].astype(str), strict=True)
        )

    def save(self, folder: str | Path) -> None:
        """Write the state as plain files (CSV + JSON) so it can be inspected and versioned."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.entities.to_csv(folder / "entities.csv", index=False)
        self.representatives.to_json(
            folder / "representatives.jsonl", orient="records", lines=True, force_ascii=False
        )
        meta = {
            "spec_fingerprint": self.spec_fingerprint,
            "model": self.model,
            "tf": {k: {str(v): float(c) for v, c in counts.items()} for k, counts in self.tf.items()},
            "judgements": [j.model_dump() for j in self.judgements],
            "splits": [s.model_dump() for s in self.splits],
            "issued_ids": sorted(self.issued_ids),
        }
        (folder / "state.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        if self.carried is not None:
            self.carried.save(folder / CARRIED_FILE)

    @classmethod
    def load(cls, folder: str | Path) -> PriorState:
        from entity_resolution.carry import Carried

        folder = Path(folder)
        meta = json.loads((folder / "state.json").read_text(encoding="utf-8"))
        reps = pd.read_json(folder / "representatives.jsonl", orient="records", lines=True, dtype=False)
        return cls(
            spec_fingerprint=meta["spec_fingerprint"],
            entities=pd.read_csv(folder / "entities.csv", dtype=str),
            representatives=reps.astype(object).where(reps.notna(), None),
            model=meta.get("model"),
            tf={k: pd.Series(v, dtype=float) for k, v in meta.get("tf", {}).items()},
            judgements=[Judgement(**j) for j in meta.get("judgements", [])],
            splits=[Split(**s) for s in meta.get("splits", [])],
            issued_ids=set(meta.get("issued_ids", [])),
            carried=Carried.load(folder / CARRIED_FILE) if (folder / CARRIED_FILE).exists() else None,
        )
