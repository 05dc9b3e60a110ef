# riskgraph — the two set-up commands: `make demo` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install prereqs neo4j lint format clean bench

prereqs:
	@command -v $(PYTHON) >/dev/null || { echo "缺少 Python 3.11 / Python 3.11 not found (set PYTHON=...)"; exit 1; }
	@command -v java >/dev/null || { echo "缺少 Java 17+ / Java 17+ not found: apt-get install openjdk-17-jdk-headless"; exit 1; }
	@command -v mvn >/dev/null || { echo "缺少 Maven / Maven not found: apt-get install maven"; exit 1; }

$(STAMP): pyproject.toml | prereqs
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

neo4j: install
	$(BIN)/riskgraph db fetch

# Sample data, Neo4j, jobs, API and explorer, each stage as the CLI command a user would type.
demo: neo4j
	$(BIN)/riskgraph demo

# Lint, format and type checks first, then the examples in the algorithms' docstrings (doctests,
# no server), then the test suite against an isolated Neo4j (free port, its own data folder),
# stopped even when tests fail.
DOCTEST_PATHS := risk_rules/algorithms risk_rules/reads.py entity_resolution
test: neo4j
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q --doctest-modules $(DOCTEST_PATHS)
	@home=$$(mktemp -d -t riskgraph-test-neo4j.XXXXXX); \
	RISKGRAPH_TEST_NEO4J_HOME=$$home $(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	pids=$$(pgrep -f -- "--home-dir=$$home" || true); \
	if [ -n "$$pids" ]; then echo "stopping leftover test Neo4j $$pids"; kill -TERM $$pids; sleep 5; fi; \
	rm -rf "$$home"; exit $$rc

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
