# Antibody: make test and make demo work on a fresh Debian machine (as root
# or with sudo for the one-time system packages).

GO          ?= go
BIN         := bin/antibody
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
SUDO        := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build test demo bench lint fuzz update backtest-test

all: build

# System packages the build needs (libyara for the YARA engine, via cgo).
# A no-op when they are already installed.
deps:
	@if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists yara || ! command -v yara >/dev/null 2>&1; then \
		echo "installing libyara-dev, pkg-config and the yara command"; \
		$(SUDO) apt-get update && $(SUDO) apt-get install -y libyara-dev pkg-config yara; \
	fi

build: deps
	$(GO) build -o $(BIN) ./cmd/antibody

# go vet, then every test with the race detector.
test: deps
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

# The main job on the example workspace: check the finding and its evidence,
# generate the defenses, prove them, show the playbook change, write the
# incident report (Markdown and HTML), the ATT&CK coverage layer and the STIX
# bundle under bin/report; then the review metrics of the incident history.
demo: build
	$(BIN) validate testdata/example
	$(BIN) generate --workspace testdata/example
	$(BIN) test testdata/example
	$(BIN) playbook diff --workspace testdata/example
	$(BIN) report testdata/example/findings/INC-2026-031.yaml --format md -o bin/report/INC-2026-031.md
	$(BIN) report testdata/example/findings/INC-2026-031.yaml --format html -o bin/report/INC-2026-031.html
	$(BIN) coverage testdata/example -o bin/report/coverage-layer.json
	$(BIN) export testdata/example/findings/INC-2026-031.yaml --format stix -o bin/report/INC-2026-031.stix.json
	$(BIN) metrics testdata/history

# The ClickHouse backtest against a two-shard cluster of Debian's
# clickhouse-server on loopback ports (.ci/clickhouse-cluster installs and
# starts it): the differential tests (in-process engine vs SQL on the
# example, the conformance cases and SigmaHQ rules over the corpus) and the
# backtest command. The cluster is stopped afterwards, pass or fail.
CLICKHOUSE_ENV := ANTIBODY_REQUIRE_CLICKHOUSE=1 ANTIBODY_CLICKHOUSE=http://127.0.0.1:18123 \
	ANTIBODY_CLICKHOUSE_CLUSTER=antibody ANTIBODY_CLICKHOUSE_SHARDS=http://127.0.0.1:18123,http://127.0.0.1:28123
backtest-test: deps
	.ci/clickhouse-cluster start
	status=0; \
	$(CLICKHOUSE_ENV) $(GO) test -count=1 -v -run 'Differential|OldTable' ./rules/clickhouse || status=1; \
	$(CLICKHOUSE_ENV) $(GO) test -count=1 -run 'TestScripts/backtest' ./internal/cli || status=1; \
	.ci/clickhouse-cluster stop; exit $$status

bench: deps
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint: deps
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# Run each fuzzer for a short while (FUZZTIME=5m for longer).
FUZZTIME ?= 30s
fuzz:
	$(GO) test ./findings -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)
	$(GO) test ./findings -run '^$$' -fuzz FuzzParseWorkspace -fuzztime $(FUZZTIME)
	$(GO) test ./rules/events -run '^$$' -fuzz FuzzRead -fuzztime $(FUZZTIME)
	$(GO) test ./rules/sigma -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)

# Regenerate committed generated files: the finding JSON Schema, the field
# reference, the example samples and the CLI goldens.
update:
	ANTIBODY_UPDATE=1 $(GO) test ./findings ./internal/example ./internal/cli
