# livechat — run `make run` to serve on an embedded PostgreSQL, `make test`
# for everything CI checks (CI runs exactly `make test`). Targets are
# documented in README.md.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
# The server's goroutines start with the smallest stack and grow as they
# need, instead of at the average stack in use: with thousands of idle
# streams that average makes each new stream's goroutine keep a stack twice
# what it needs for as long as it stays open (docs/benchmarks.md, M3). The
# runtime reads the binary's GODEBUG default at start, after the go
# command's own defaults for this module (kept here); $GODEBUG still
# overrides it.
RUNTIME_GODEBUG = $(shell $(GO) list -f '{{.DefaultGODEBUG}}' ./cmd/livechat),adaptivestackstart=0
LDFLAGS   = -s -w -X main.Version=$(VERSION) -X main.Commit=$(COMMIT) -X runtime.godebugDefault=$(RUNTIME_GODEBUG)
BUF       := node_modules/.bin/buf
SQLC      := $(GO) tool -modfile=tools/go.mod sqlc
# Generated output checked by check-generated.
GENERATED := gen db/dbq

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

# Prerequisites: every target needs Go and Node.js; serving with the embedded
# database and the Go tests need the PostgreSQL server binaries (unless a
# database URL is given); the browser tests need Chromium. They are checked
# before anything is installed or built, for the goals asked for.
NEEDS := go node
ifneq ($(filter run,$(MAKECMDGOALS)),)
NEEDS += $(if $(DATABASE_URL),,postgres)
endif
ifneq ($(filter test test-go,$(MAKECMDGOALS)),)
NEEDS += $(if $(TEST_DATABASE_URL),,postgres)
endif
ifneq ($(filter bench bench-peers chaos,$(MAKECMDGOALS)),)
NEEDS += postgres
endif
ifneq ($(filter test test-web,$(MAKECMDGOALS)),)
NEEDS += chromium
endif

.PHONY: prereqs
prereqs: ## check that the tools the asked-for targets need are installed
ifndef NEEDS_CHECKED
	@tools/check-prereqs $(sort $(NEEDS))
endif

node_modules/.package-lock.json: package-lock.json package.json frontend/package.json widget/package.json gen/ts/package.json gen/stream/package.json | prereqs
	npm ci --no-audit --no-fund --engine-strict
	@touch $@

.PHONY: deps
deps: node_modules/.package-lock.json ## install the npm dependencies (npm ci)

.PHONY: generate
generate: deps ## regenerate gen/ (from proto/) and db/dbq (from db/)
	$(BUF) generate
	$(SQLC) generate

.PHONY: check-generated
check-generated: generate ## fail when the committed generated code differs from its sources
	@if [ -n "$$(git status --porcelain -- $(GENERATED))" ]; then \
		echo "generated code is out of date; run make generate and commit:"; \
		git status --porcelain -- $(GENERATED); \
		git diff --stat -- $(GENERATED); \
		exit 1; \
	fi
	@echo "generated code is up to date"

.PHONY: lint
lint: deps | $(WEB_FIRST) ## buf lint + format, gofmt, go vet, the server's architecture rules, TypeScript type-check
	$(BUF) lint
	$(BUF) format --diff --exit-code
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^gen/')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -count=1 ./server/ # architecture rules: see server/archrules_test.go
	npm run --silent typecheck --workspaces --if-present

.PHONY: build-web
build-web: deps ## build the dashboard and the widget into their dist/ folders
	npm run --silent build -w frontend --if-present
	npm run --silent build -w widget --if-present

.PHONY: build
build: build-web | prereqs ## build bin/livechat with the dashboard, widget and migrations embedded
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/livechat ./cmd/livechat

.PHONY: run
run: build ## build, then serve on http://localhost:8080 with the embedded PostgreSQL
	@echo "livechat: open http://localhost:8080 (Ctrl-C stops; data stays in ./data/postgres)"
	./bin/livechat serve

# make test is what CI runs. Regenerating rewrites gen/ and db/dbq, so it
# goes first, alone. Then the web build, which the Go tests embed and the
# benchmark smoke test measures (WEB_FIRST orders it before the linters and
# the Go tests, which would otherwise read dist/ while it is rewritten); then
# the linters, the Go tests and the web tests side by side: the browser
# tests mostly wait on the browser and the server, so they overlap well
# with the CPU-bound Go tests.
.PHONY: test
test: prereqs ## everything CI checks: generated code, lint, Go tests on real PostgreSQL, widget size budget, browser tests
	@$(MAKE) --no-print-directory check-generated NEEDS_CHECKED=1
	@$(MAKE) --no-print-directory -j3 --output-sync=target test-tools lint test-go test-web NEEDS_CHECKED=1 WEB_FIRST=build-web

.PHONY: test-tools
test-tools: ## tests of the scripts in tools/
	tools/check-prereqs_test.sh

# The S3-compatible server the attachment tests run against (versitygw,
# Apache-2.0, its posix back-end over a temporary folder), at a pinned
# version, built from the Go module proxy.
VERSITYGW_VERSION := v1.8.0
bin/versitygw:
	@mkdir -p bin
	GOBIN=$(CURDIR)/bin $(GO) install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION)

.PHONY: test-go
test-go: bin/versitygw | prereqs $(WEB_FIRST) mailpit ## Go tests against real PostgreSQL (TEST_DATABASE_URL or a throwaway cluster), Mailpit and an S3 server
	$(if $(WEB_FIRST),LIVECHAT_REQUIRE_WEB_ASSETS=1 )LIVECHAT_MAILPIT=$(CURDIR)/bin/mailpit $(GO) test -count=1 ./...

# Mailpit is the real SMTP server (with an HTTP API to read what arrived)
# the mail tests start; pinned, built from the Go module proxy into bin/.
MAILPIT_VERSION := v1.33.1
bin/mailpit-$(MAILPIT_VERSION): | prereqs
	@mkdir -p bin/.mailpit
	GOBIN=$(CURDIR)/bin/.mailpit $(GO) install github.com/axllent/mailpit@$(MAILPIT_VERSION)
	mv bin/.mailpit/mailpit $@
	@rmdir bin/.mailpit

.PHONY: mailpit
mailpit: bin/mailpit-$(MAILPIT_VERSION) ## install the pinned Mailpit the mail tests run (bin/mailpit)
	@ln -sf mailpit-$(MAILPIT_VERSION) bin/mailpit

# The widget is built by `build`; the type-check is part of lint. The
# dashboard's `test` runs its unit tests, then its browser tests.
.PHONY: test-web
test-web: build mailpit ## unit tests, widget size budget and browser tests (Chromium at /usr/bin/chromium, Mailpit)
	npm run --silent test -w @livechat/stream
	npm run --silent test -w @livechat/markdown
	npm run --silent test:unit -w widget
	npm run --silent size -w widget
	LIVECHAT_BIN=$(CURDIR)/bin/livechat npm run --silent test:e2e -w widget
	LIVECHAT_BIN=$(CURDIR)/bin/livechat LIVECHAT_MAILPIT=$(CURDIR)/bin/mailpit npm run --silent test -w frontend

.PHONY: bench
bench: build ## benchmarks: ratios against baselines measured in the same run
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/livechat-bench ./cmd/livechat-bench
	@mkdir -p test-artifacts
	./bin/livechat-bench -livechat bin/livechat -root . -out test-artifacts/benchmarks.md

# Side by side with Centrifugo (docs/benchmarks.md, "Peers"): not part of
# make bench, make test or CI. Centrifugo is built once from its module with
# go install into bin/; none of its code is in the repository.
CENTRIFUGO_VERSION ?= v6.9.1
bin/centrifugo:
	GOBIN=$(CURDIR)/bin CGO_ENABLED=0 GOFLAGS= $(GO) install github.com/centrifugal/centrifugo/v6@$(CENTRIFUGO_VERSION)

.PHONY: bench-peers
bench-peers: build bin/centrifugo ## livechat and Centrifugo side by side: idle memory per visitor (TLS + HTTP/2) and fan-out latency
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/livechat-bench ./cmd/livechat-bench
	@mkdir -p test-artifacts
	./bin/livechat-bench -livechat bin/livechat -root . -only peers -centrifugo bin/centrifugo -out test-artifacts/bench-peers.md

# The fault suite (docs/reliability.md); `make test` runs one round of it.
# It bounds its own run, hence no go test timeout.
CHAOS_DURATION ?= 2m
.PHONY: chaos
chaos: | prereqs ## fault suite: kill -9, PostgreSQL and rolling restarts, one-way link breaks for CHAOS_DURATION (2m)
	LIVECHAT_CHAOS_DURATION=$(CHAOS_DURATION) $(GO) test -count=1 -timeout 0 -run '^TestChaos$$' -v ./server/scaleout/

.PHONY: clean
clean: ## remove build output (keeps ./data)
	rm -rf bin frontend/dist/assets frontend/dist/index.html widget/dist/assets widget/dist/widget.* test-artifacts
