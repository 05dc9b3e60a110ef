from riskgraph.cli import app

app()
