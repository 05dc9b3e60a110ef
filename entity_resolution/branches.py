"""Branch-of links: a branch (分公司/分行/支行/营业部/办事处) is its own entity, linked to its parent.

The parent is found by exact match of the branch's parent core (its name before the branch unit,
legal suffix removed) against the name cores of non-branch records — or, for a 支行 under a
分行, against the cores of branch records.  If several entities carry that core, the one with
most records wins (ties: smaller entity id) and the count of candidates is reported.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from entity_resolution.prepare import Prepared


def branch_links(prep: Prepared, branch_field: str | None, entity_ids: np.ndarray) -> pd.DataFrame:
    cols = ["record_id", "entity_id", "parent_entity_id", "parent_name_core", "parent_candidates"]
    if not branch_field or not prep.is_branch.any():
        return pd.DataFrame(columns=cols)
    core = prep.values[branch_field]
    owners = pd.DataFrame({"core": core, "entity_id": entity_ids}).dropna()
    owners = owners.groupby(["core", "entity_id"]).size().rename("n").reset_index()
    owners = owners.sort_values(["core", "n", "entity_id"], ascending=[True, False, True])
    n_candidates = owners.groupby("core").size()
    best = owners.drop_duplicates("core").set_index("core")["entity_id"]

    idx = np.flatnonzero(prep.is_branch)
    frame = pd.DataFrame(
        {
            "record_id": prep.record_ids[idx],
            "entity_id": entity_ids[idx],
            "parent_name_core": prep.parent_core[idx],
        }
    )
    frame["parent_entity_id"] = frame["parent_name_core"].map(best)
    frame["parent_candidates"] = frame["parent_name_core"].map(n_candidates).fillna(0).astype(int)
    frame = frame[frame["parent_entity_id"].notna() & (frame["parent_entity_id"] != frame["entity_id"])]
    return frame[cols].reset_index(drop=True)
