# livechat — run `make run` to serve on an embedded PostgreSQL, `make test`
# for everything CI checks. Targets are documented in README.md.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS   := -s -w -X main.Version=$(VERSION) -X main.Commit=$(COMMIT)
BUF       := node_modules/.bin/buf
SQLC      := $(GO) tool -modfile=tools/go.mod sqlc
# Generated output checked by check-generated.
GENERATED := gen db/dbq

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

node_modules/.package-lock.json: package-lock.json package.json frontend/package.json widget/package.json gen/ts/package.json
	npm ci --no-audit --no-fund
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
lint: deps ## buf lint + format, gofmt, go vet, the server's architecture rules, TypeScript type-check
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
build: build-web ## build bin/livechat with the dashboard, widget and migrations embedded
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/livechat ./cmd/livechat

.PHONY: run
run: build ## build, then serve on http://localhost:8080 with the embedded PostgreSQL
	@echo "livechat: open http://localhost:8080 (Ctrl-C stops; data stays in ./data/postgres)"
	./bin/livechat serve

.PHONY: test
test: build test-go test-web ## everything CI checks

.PHONY: test-go
test-go: ## Go tests against real PostgreSQL (TEST_DATABASE_URL or a throwaway cluster)
	$(GO) test -count=1 ./...

.PHONY: test-web
test-web: build ## widget size budget and browser tests (Chromium at /usr/bin/chromium)
	LIVECHAT_BIN=$(CURDIR)/bin/livechat npm run --silent test --workspaces --if-present

.PHONY: bench
bench: build ## benchmarks: ratios against baselines measured in the same run
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/livechat-bench ./cmd/livechat-bench
	@mkdir -p test-artifacts
	./bin/livechat-bench -livechat bin/livechat -root . -out test-artifacts/benchmarks.md

.PHONY: clean
clean: ## remove build output (keeps ./data)
	rm -rf bin frontend/dist/assets frontend/dist/index.html widget/dist/assets widget/dist/widget.* test-artifacts
