# riskgraph — the two set-up commands: `make demo` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install test-install prereqs neo4j lint format clean bench

prereqs:
	@command -v $(PYTHON) >/dev/null || { echo "缺少 Python 3.11 / Python 3.11 not found (set PYTHON=...)"; exit 1; }
	@command -v java >/dev/null || { echo "缺少 Java 17+ / Java 17+ not found: apt-get install openjdk-17-jdk-headless"; exit 1; }
	@command -v mvn >/dev/null || { echo "缺少 Maven / Maven not found: apt-get install maven"; exit 1; }

# The install: uv (from PyPI, resolves and installs in parallel: seconds instead of minutes), bootstrapped
# into the venv when it is not on PATH; plain pip when uv cannot be had. Re-running it is harmless: a
# stamp is written only after a successful install, and a newer pyproject.toml installs again.
# `make demo` installs the product and the dev tools ($(STAMP)); `make test` also the extras its
# tests need ($(TEST_STAMP): the Spark executor's test runs Spark local, so pyspark is installed).
TEST_STAMP := $(VENV)/.installed-test
TEST_EXTRAS := dev,spark
define install_extras
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@uv=$$(command -v uv || command -v $(BIN)/uv || true); \
	if [ -z "$$uv" ] && $(BIN)/python -m pip install --quiet --disable-pip-version-check uv; then uv=$(BIN)/uv; fi; \
	if [ -n "$$uv" ]; then \
	  echo "installing .[$(1)] with $$uv"; \
	  "$$uv" pip install --quiet --python $(BIN)/python -e '.[$(1)]' || \
	  { echo "uv failed: installing with pip"; $(BIN)/pip install --quiet -e '.[$(1)]'; }; \
	else \
	  echo "uv not available: installing .[$(1)] with pip (slower)"; \
	  $(BIN)/pip install --quiet --upgrade pip && $(BIN)/pip install --quiet -e '.[$(1)]'; \
	fi
endef

$(STAMP): pyproject.toml | prereqs
	$(call install_extras,dev)
	@touch $(STAMP)

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(call install_extras,$(TEST_EXTRAS))
	@touch $(TEST_STAMP)

install: $(STAMP)

test-install: $(TEST_STAMP)

neo4j: install
	$(BIN)/riskgraph db fetch

# Sample data, Neo4j, jobs, API and explorer, each stage as the CLI command a user would type.
# DEMO_ARGS passes options on, e.g. `make demo DEMO_ARGS="--no-serve"` or `DEMO_ARGS="--explorer-port 8601"`.
DEMO_ARGS ?=
# No `neo4j` prerequisite: the demo's `db start` fetches the jars itself, while the data is generated.
demo: install
	$(BIN)/riskgraph demo $(DEMO_ARGS)

# Lint, format and type checks first, then the examples in the algorithms' docstrings (doctests,
# no server), then the test suite on PYTEST_WORKERS pytest-xdist workers, each against its own
# isolated Neo4j (free port, its own data folder under one home, 1g heap / 512m page cache), all
# stopped even when tests fail or pytest is killed. The Spark executor's test runs too (Spark local[2];
# the extra riskgraph[spark] is installed by $(TEST_STAMP)). A test file runs whole on one worker
# (--dist loadfile), so module-scoped fixtures are built once; tests/conftest.py hands the files out
# costliest first and splits the schema fuzzing by role. PYTEST_WORKERS=0 runs in one process;
# `pytest tests/x.py` by hand is always one process.
DOCTEST_PATHS := risk_rules/algorithms risk_rules/reads.py risk_rules/findings/store.py entity_resolution
PYTEST_WORKERS ?= 2
test: neo4j test-install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q --doctest-modules $(DOCTEST_PATHS)
	@home=$$(mktemp -d -t riskgraph-test-neo4j.XXXXXX); \
	RISKGRAPH_TEST_NEO4J_HOME=$$home $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS); rc=$$?; \
	pids=$$(pgrep -f -- "--home-dir=$$home/" || true); \
	if [ -n "$$pids" ]; then \
	  echo "stopping leftover test Neo4j $$pids"; kill -TERM $$pids; sleep 5; \
	  pids=$$(pgrep -f -- "--home-dir=$$home/" || true); [ -z "$$pids" ] || kill -KILL $$pids; \
	fi; \
	rm -rf "$$home"; exit $$rc

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
