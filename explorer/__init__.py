"""The riskgraph explorer: a Streamlit client of the riskgraph API (never of Neo4j directly).

Pages stay thin: every HTTP call lives in `explorer.api_client`; everything that turns API JSON
into something drawn or exported is a pure function in `explorer.graph_data`, `explorer.network_html`
and `explorer.export`, tested without a browser or a server.
"""
