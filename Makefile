# Partnerdir developer tasks. `make run` starts everything with demo data on
# http://localhost:8080; `make test` runs the test suite against its own services.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

GO ?= go
BIN := bin/partnerdir

.PHONY: build run stop services test test-down bench bench-offers bench-search fuzz fmt vet clean

build:
	$(GO) build -o $(BIN) ./cmd/partnerdir

# Start (or reuse) PostgreSQL, Meilisearch and the mail catcher (cmd/devmail) for development.
services:
	@scripts/services.sh up dev

# Services keep running after Ctrl-C; `make stop` stops them.
run: services
	@$(MAKE) --no-print-directory build
	@set -a; source .data/dev.env; set +a; \
	$(BIN) migrate up && \
	$(BIN) seed demo && { \
	echo; \
	echo "Partnerdir: $$BASE_URL  (Ctrl-C stops the app; 'make stop' stops the services)"; \
	if [[ $$SMTP_URL == smtp://127.0.0.1:1025 ]]; then \
		echo "Mails:      http://127.0.0.1:8025/  (open it in a browser: every mail the app sends)"; \
	else \
		echo "Mails:      sent to $$SMTP_URL"; \
	fi; \
	echo; \
	exec $(BIN) serve; }

stop:
	@scripts/services.sh down dev

# go test -race needs cgo, hence a C compiler; installed with apt-get when root.
test:
	@scripts/services.sh up test
	@if ! command -v "$$($(GO) env CC)" >/dev/null 2>&1; then \
		if [[ $$(id -u) -ne 0 ]]; then \
			echo "error: go test -race needs a C compiler: run 'sudo apt-get install -y gcc'" >&2; exit 1; \
		fi; \
		echo "apt: installing gcc (needed by go test -race)"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc libc6-dev >/dev/null; \
	fi
	@set -a; source .data/test.env; set +a; \
	export CGO_ENABLED=1; \
	echo "go vet ./..."; \
	$(GO) vet ./...; \
	echo "go test -race -count=1 -timeout 14m ./..."; \
	$(GO) test -race -count=1 -timeout 14m ./...

test-down:
	@scripts/services.sh down test

# Load 100,000 synthetic organisations into the development database, serve
# on 127.0.0.1:18080 and measure the directory's pages (BENCHMARKS.md), each
# against the same bytes from a bare Go server (cmd/benchserve, on
# 127.0.0.1:18081), then uncached. BENCH_DURATION (10s) per endpoint.
bench: services
	@$(MAKE) --no-print-directory build
	@scripts/bench.sh

# Offer throughput (BENCHMARKS.md): BENCH_OFFERS (2000) real offer forms from
# BENCH_OFFER_CLIENTS (64) clients on many 127.0.0.0/8 addresses, the mail
# caught by cmd/offerbench; fails if an offer is lost.
bench-offers: services
	@scripts/bench-offers.sh

# Search benchmark (BENCHMARKS.md, "Search"): 100,000 synthetic organisations
# in their own database, a private Meilisearch, the app; /search through the
# app against Meilisearch directly and the fallback; reindex against raw
# ingestion. ORGS, CONCURRENCY and REQUESTS override the defaults.
bench-search:
	@scripts/bench-search.sh

# Run every Go fuzz target (func FuzzXxx) for FUZZTIME each; not part of
# make test, which runs their seed corpora only.
FUZZTIME ?= 60s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' "$$pkg" | grep '^Fuzz' || true); do \
			echo "fuzz: $$pkg $$f for $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) "$$pkg"; \
		done; \
	done

fmt:
	$(GO) fmt ./...

vet:
	$(GO) vet ./...

clean:
	rm -rf bin
