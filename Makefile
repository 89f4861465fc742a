# newsdiffs — `make help` lists the targets. The two set-up commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
AXE_CORE := node_modules/axe-core/axe.min.js
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?=
# e.g. SCALE_ARGS="--articles 20000 --requests 50" for a quick bench-scale
SCALE_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run test test-postgres test-sqlite test-clock lint format migrate bench-extraction bench-snippets bench-bylines bench-churn bench-throughput bench-scheduler bench-export bench-diffing bench-cards bench-storage bench-archive bench-scale bench-faults screenshots demo demo-data clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

# Order-only: a new axe-core is installed without installing the Python requirements again.
$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(BIN)/python | $(AXE_CORE)
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

# axe-core, which the accessibility tests load into Chromium, comes from npm: package.json pins it and
# package-lock.json holds its hash, which npm ci checks. Without npm the rest of the suite still runs;
# the accessibility tests then fail and say why (.ci/run installs npm).
$(AXE_CORE): package.json package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm not found: the accessibility tests need axe-core from it (apt-get install npm)"; \
	fi

migrate: $(VENV)/.installed ## Create or update the database
	$(BIN)/python manage.py migrate --noinput

run: migrate ## Install, migrate and run web (127.0.0.1:8000) + worker + beat in the foreground; Ctrl-C stops all
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m newsdiffs.localrun

test: $(VENV)/.installed-dev ## Install test requirements; the suite on Postgres, then its database tests again on SQLite
	@mkdir -p var; status=0; \
	$(MAKE) --no-print-directory test-postgres 2>&1 | tee var/test-postgres.log; \
	[ "$${PIPESTATUS[0]}" = 0 ] || status=1; \
	$(MAKE) --no-print-directory test-sqlite PYTEST_ARGS="--database-pass $(PYTEST_ARGS)" 2>&1 | tee var/test-sqlite.log; \
	[ "$${PIPESTATUS[0]}" = 0 ] || status=1; \
	$(BIN)/python -m articles.tests.report postgres=var/test-postgres.log sqlite=var/test-sqlite.log; \
	exit $$status

# Test processes: pytest-xdist, each with a database (and a Redis database) of its own.
TEST_PROCESSES ?= 2

test-postgres: $(VENV)/.installed-dev ## The whole suite on Postgres (TEST_DATABASE_URL) and Redis (TEST_REDIS_URL)
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) NEWSDIFFS_VAR_DIR=$(CURDIR)/var/test-postgres \
		$(BIN)/pytest -n $(TEST_PROCESSES) $(PYTEST_ARGS)

test-sqlite: $(VENV)/.installed-dev ## The whole suite on SQLite (Celery still on real Redis)
	DATABASE_URL= REDIS_URL=$(TEST_REDIS_URL) NEWSDIFFS_VAR_DIR=$(CURDIR)/var/test-sqlite \
		$(BIN)/pytest -n $(TEST_PROCESSES) $(PYTEST_ARGS)

# Debian's faketime moves the clock of every process the suite starts (its own helpers, redis-server and
# Chromium, keep the real one). Monotonic time is faked too: libfaketime 0.9.10 breaks Python's sleep when
# it is not (FAKETIME_DONT_FAKE_MONOTONIC=1).
CLOCK_SHIFTS ?= +400d -400d
test-clock: $(VENV)/.installed-dev ## The whole suite on SQLite with the system clock moved (faketime), once per CLOCK_SHIFTS
	@command -v faketime >/dev/null || { echo "test-clock needs Debian's faketime: apt-get install faketime"; exit 1; }
	@status=0; for shift in $(CLOCK_SHIFTS); do \
		echo "--- the clock moved $$shift: $$(faketime -f "$$shift" date -u '+%F %T UTC')"; \
		faketime -f "$$shift" $(MAKE) --no-print-directory test-sqlite \
			2>&1 | tee var/test-clock$$shift.log; [ "$${PIPESTATUS[0]}" = 0 ] || status=1; \
	done; \
	$(BIN)/python -m articles.tests.report $(foreach s,$(CLOCK_SHIFTS),clock$(s)=var/test-clock$(s).log); exit $$status

FUZZ_EXAMPLES ?= 20000
.PHONY: fuzz
fuzz: $(VENV)/.installed-dev ## Long hypothesis run of the URL, diff and route (no 5xx) property tests (FUZZ_EXAMPLES per property)
	DATABASE_URL= REDIS_URL= NEWSDIFFS_VAR_DIR=$(CURDIR)/var/fuzz FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) \
		$(BIN)/pytest -p no:cacheprovider --hypothesis-show-statistics articles/tests/test_fuzz_*.py

lint: $(VENV)/.installed-dev ## ruff: lint and format check; mypy: types (strict on articles/)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.installed-dev ## ruff: fix what can be fixed and format
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

screenshots: $(VENV)/.installed-dev ## Refresh docs/screenshots/ from the browser tests (needs /usr/bin/chromium)
	DATABASE_URL= REDIS_URL= NEWSDIFFS_VAR_DIR=$(CURDIR)/var/test-sqlite SCREENSHOT_DIR=$(CURDIR)/docs/screenshots \
		$(BIN)/pytest articles/tests/test_browsing.py

demo: migrate ## Offline demo: make run plus a simulated newsroom on 127.0.0.1:8001 whose stories are tracked
	PATH="$(CURDIR)/$(BIN):$$PATH" TRACK_INTERVAL_NEW=$${TRACK_INTERVAL_NEW:-30} TRACK_INTERVAL_DAY=$${TRACK_INTERVAL_DAY:-120} \
		DISCOVERY_INTERVAL=$${DISCOVERY_INTERVAL:-60} $(BIN)/python -m newsdiffs.localrun --procfile Procfile.demo

demo-data: migrate ## Fill an empty local database with made-up articles and edits (nothing is fetched)
	$(BIN)/python manage.py demo

bench-extraction: $(VENV)/.installed-dev ## Score the extractor on the 61 pages of articles/tests/data/extraction (bench/results/)
	$(BIN)/python bench/extraction.py

bench-snippets: $(VENV)/.installed-dev ## Extractor P/R/F1 on the 990-page snippet corpus (../shared), development and held-out splits
	$(BIN)/python bench/snippets.py --others

bench-bylines: $(VENV)/.installed-dev ## Byline match rate on 656 hand-labelled pages (61 + 595 of ../shared's snippet corpus)
	$(BIN)/python bench/bylines.py --others

bench-churn: $(VENV)/.installed-dev ## Spurious and missed versions: 13 kinds of named chrome, 13 of unnamed boxes, one-word edits on 1,055 real pages
	$(BIN)/python bench/churn.py

bench-throughput: $(VENV)/.installed-dev ## Checks/s of real workers + beat + Redis + Postgres against the newsroom, 3 cases
	$(BIN)/python bench/throughput.py

bench-scheduler: $(VENV)/.installed-dev ## Sweep cost at 100k vs 1M articles, and lateness of due checks under steady load
	$(BIN)/python bench/scheduler.py

bench-diffing: $(VENV)/.installed-dev ## Diff page time: p50/p99 on realistic version pairs, hostile 1 MB inputs < 1 s
	$(BIN)/python bench/diffing.py

bench-cards: $(VENV)/.installed-dev ## Share card render time: p50/p95 on 200 realistic version pairs, RTL/CJK headlines, hostile inputs
	$(BIN)/python bench/cards.py

bench-storage: $(VENV)/.installed-dev ## Postgres bytes per version vs raw text, app table and other layouts (20k articles)
	$(BIN)/python bench/storage.py

bench-archive: $(VENV)/.installed-dev ## Archived pages: bytes per version vs raw HTML, newsroom and 1,051 corpus pages (zstd schemes)
	$(BIN)/python bench/archive.py

bench-export: $(VENV)/.installed-dev ## Export/import speed and memory on Postgres at 20k and 100k articles
	$(BIN)/python bench/export.py

bench-scale: $(VENV)/.installed-dev ## Page/search p50-p95-p99 at 1.28M articles, 4.6M versions (Postgres; SCALE_ARGS)
	$(BIN)/python bench/scale.py $(SCALE_ARGS)

bench-faults: $(VENV)/.installed-dev ## Fault injection on real processes (own Postgres + Redis): versions expected/stored/duplicated/lost
	$(BIN)/python bench/faults.py

clean: ## Remove the virtualenv, node_modules/ and var/ (the local database and broker)
	rm -rf $(VENV) node_modules var
