"""Pure graph algorithms behind riskgraph's credit-risk rules (no database access).

See ``risk_rules/algorithms/README.md`` for every function, its parameters and defaults.
"""

from .guarantee import *  # noqa: F403
from .guarantee import __all__ as _guarantee_all

__all__ = [*_guarantee_all]
