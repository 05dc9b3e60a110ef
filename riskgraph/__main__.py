"""``python -m riskgraph``: the CLI (guarded: a spawned worker process imports this module too)."""

from riskgraph.cli import app

if __name__ == "__main__":
    app()
