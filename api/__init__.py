"""riskgraph's HTTP API (FastAPI): versioned under /v1, authenticated, permission-checked, masked and
audited in one place (:mod:`api.middleware` and :mod:`api.dependencies`) so every client — the
automated pre-loan gate, the Streamlit explorer, scripts — inherits the same controls."""
