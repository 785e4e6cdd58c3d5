# bridgewatch: two commands. `make demo` and `make test` both create .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXTRAS ?= dev,spark,web
DEMO_OUT ?= demo-workspaces

.PHONY: demo test check lint typecheck bench bench-ingest bench-load bench-web clean install chromium serve

install: $(STAMP)

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/bridgewatch demo --out $(DEMO_OUT)

# After `make demo`: store a run of each demo workspace, then serve the dashboard read-only on 127.0.0.1:8000.
serve: $(STAMP)
	test -d $(DEMO_OUT) || $(BIN)/bridgewatch demo --out $(DEMO_OUT) --format json > /dev/null
	for ws in $(DEMO_OUT)/*/; do $(BIN)/bridgewatch run -w $$ws --format json > /dev/null || exit $$?; done
	$(BIN)/bridgewatch serve --workspaces $(DEMO_OUT) --allow-anonymous

# The browser tests drive Debian's Chromium (Playwright cannot download its own browser offline).
chromium:
	@test -x /usr/bin/chromium || { test "$$(id -u)" = 0 || { echo "make test needs Debian's chromium: apt-get install -y --no-install-recommends chromium (as root)"; exit 1; }; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; }

# Lint first (a second), then strict typing and the whole suite side by side: everything but Spark and the card
# tests on three workers (browser tests included; on two, a fifth of the two cores idled while tests waited on
# subprocesses and servers), the Spark tests in one process of their own, so one Spark session
# serves them all (xdist's loadgroup cannot keep them on one worker under pytest 9), and mypy (half a minute on one
# core). The card tests (marker `cards`) run first in the Spark process: its parity test compares every scenario
# they record there, and where they had not run it would run each of them again only to record it (three minutes
# of CPU on a slow host). The Spark pass and mypy spend most of their time on one core each, so beside the
# non-Spark pass they cost less wall time than after it (on this 2-core host the two passes end together); their
# output is shown when all have ended, and the target fails if any of them failed.
test: $(STAMP) chromium
	$(BIN)/ruff check src tests bench
	@spark_log=$$(mktemp); mypy_log=$$(mktemp); \
	$(BIN)/mypy > $$mypy_log 2>&1 & typing=$$!; \
	$(BIN)/python -m pytest -q -m "spark or cards" -p no:cacheprovider > $$spark_log 2>&1 & spark=$$!; \
	$(BIN)/python -m pytest -q -n 3 -m "not spark and not cards"; rest=$$?; \
	wait $$spark; spark_rc=$$?; wait $$typing; mypy_rc=$$?; \
	echo "--- the card tests and the Spark pass (run beside the other) ---"; cat $$spark_log; \
	echo "--- mypy (run beside the tests) ---"; cat $$mypy_log; rm -f $$spark_log $$mypy_log; \
	test $$rest -eq 0 && test $$spark_rc -eq 0 && test $$mypy_rc -eq 0

# The daily loop: lint and typing, then every test except the Spark ones (no JVM), on three workers.
check: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n 3 -m "not spark"

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

# The benchmarks need pandas (the `bench` extra) on top of the test install; not part of `make test`.
bench: $(STAMP)
	$(BIN)/pip install --quiet -e ".[$(EXTRAS),bench]"
	$(BIN)/python -m bench.run $(if $(SIZES),--sizes $(SIZES),) $(BENCH_ARGS)
	$(BIN)/python -m bench.store_bench $(STORE_BENCH_ARGS)
	$(BIN)/python bench/load_bench.py --copies $(or $(COPIES),5)

# Loading and staging small workspaces: time per workspace over N copies of the demo (issue 15).
bench-load: $(STAMP)
	$(BIN)/python bench/load_bench.py --copies $(or $(COPIES),5)

# The Shopify orders CSV reader against DuckDB's own read_csv of the same 1M-row export (issue 4).
bench-ingest: $(STAMP)
	$(BIN)/python bench/ingest_bench.py --rows $(or $(ROWS),1000000)

# The dashboard's pages on a stored run of 100k absent customers, p95 per page (issue 11).
bench-web: $(STAMP)
	$(BIN)/python bench/web_bench.py --customers $(or $(CUSTOMERS),100000) --requests $(or $(REQUESTS),60)

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache
