"""Pure graph algorithms behind riskgraph's credit-risk rules (no database access).

See ``risk_rules/algorithms/README.md`` for every function, its parameters and defaults.
"""

from .contagion import *  # noqa: F403
from .contagion import __all__ as _contagion_all
from .groups import *  # noqa: F403
from .groups import __all__ as _groups_all
from .guarantee import *  # noqa: F403
from .guarantee import __all__ as _guarantee_all
from .linkage import *  # noqa: F403
from .linkage import __all__ as _linkage_all
from .ownership import *  # noqa: F403
from .ownership import __all__ as _ownership_all

__all__ = [*_guarantee_all, *_ownership_all, *_groups_all, *_contagion_all, *_linkage_all]
