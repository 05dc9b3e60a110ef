"""Entity resolution for riskgraph: pure pandas/numpy/rapidfuzz, no database.

    from entity_resolution import resolve, ResolutionSpec
    spec = ResolutionSpec.from_yaml("company_cn")      # a shipped spec, or a path
    res = resolve(records_df, spec)
    res.entities      # record_id -> entity_id
    res.pairs         # scored candidate pairs, decision, rule, per-field evidence
    res.explain(a, b) # match-weight waterfall

See docs/entity-resolution.md.
"""

from entity_resolution.pipeline import resolve
from entity_resolution.resolution import Resolution
from entity_resolution.review import Judgement, PriorState, Split
from entity_resolution.spec import ResolutionSpec

__all__ = ["resolve", "Resolution", "ResolutionSpec", "PriorState", "Judgement", "Split"]
