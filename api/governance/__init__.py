"""Governance of credit data (issue #8): users and two-level administration, password and key policy,
purpose references, abnormal-use monitoring, disputes and statistics.

Pure policy lives in small modules (``passwords``, ``admin_policy``, ``purpose``, ``monitoring``);
the Neo4j stores (``users``, ``disputes``, ``flags``, ``statistics``) hold the Cypher; the routers in
``api/routers`` and the CLI in ``api/governance/cli.py`` only wire them.
"""
