# Vigil — run `make help` for the list of targets.

GO        ?= go
BIN       := bin/vigil
PKGS      := ./...
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
RULES     ?=
RUN_FLAGS ?=
FUZZTIME  ?= 20s
CHART_FILES := deploy/helm/vigil/files
IMAGE     ?= vigil:$(VERSION)

export CGO_ENABLED := 0

.DEFAULT_GOAL := help

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_.-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build the static vigil binary into bin/.
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/vigil

.PHONY: run
run: build ## Run the agent (root): default rules, metrics on :7493, JSON detections on stdout.
	./$(BIN) run $(RULES) $(RUN_FLAGS)

.PHONY: test
# bench/ runs real agents under saturating load, so it runs alone, after the
# end-to-end tests it would otherwise slow down.
test: ## Run every test with the race detector (privileged eBPF tests run as root).
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 20m $$($(GO) list $(PKGS) | grep -v '/bench$$')
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 20m ./bench/
	cd deploy/helm && $(GO) vet ./... && CGO_ENABLED=1 $(GO) test -race -count=1 ./...

.PHONY: e2e-stack
e2e-stack: ## Alert rules and Alertmanager checks, then (root) a live agent -> Prometheus -> Alertmanager run.
	$(GO) -C deploy/prometheus vet .
	CGO_ENABLED=1 $(GO) -C deploy/prometheus test -race -count=1 -v -timeout 10m .

# The collector for e2e-collector: built with the OpenTelemetry Collector
# Builder from test/otelcol/builder-config.yaml into a cache outside the
# repository, keyed by the builder version and the manifest's hash, so it
# is built only when missing (OTELCOL_CACHE moves the cache).
OCB_VERSION   := v0.160.0
OTELCOL_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/vigil/otelcol
OTELCOL_DIR   := $(OTELCOL_CACHE)/$(OCB_VERSION)-$(shell sha256sum < test/otelcol/builder-config.yaml | cut -c1-16)
OTELCOL       := $(OTELCOL_DIR)/otelcol-vigil-ci

.PHONY: e2e-collector
e2e-collector: $(OTELCOL) ## Build a core OpenTelemetry Collector (once, cached) and check detections cross it intact.
	VIGIL_OTELCOL=$(OTELCOL) VIGIL_REQUIRE_OTELCOL=1 CGO_ENABLED=1 $(GO) test -race -count=1 -v -timeout 10m -run Collector ./test/otelcol/

$(OTELCOL):
	@echo "== building the collector into $(OTELCOL_DIR)"
	mkdir -p $(OTELCOL_DIR)/bin
	start=$$(date +%s) && \
	GOBIN=$(OTELCOL_DIR)/bin $(GO) install go.opentelemetry.io/collector/cmd/builder@$(OCB_VERSION) && \
	cd $(OTELCOL_DIR) && ./bin/builder --config $(CURDIR)/test/otelcol/builder-config.yaml && \
	mv dist/otelcol-vigil-ci $@ && \
	echo "== collector built in $$(( $$(date +%s) - start ))s: $@"

BENCH_FLAGS ?=

.PHONY: bench
bench: build ## Run the benchmark suite as root (overhead, drop curve, engine, 10-min soak; ~30 min): bench/results/report.{md,json}. BENCH_FLAGS="-suites engine" etc.
	$(GO) run ./bench -vigil bin/vigil -out bench/results $(BENCH_FLAGS)

.PHONY: bench-go
bench-go: ## Run every Go benchmark once (allocations reported).
	$(GO) test -run '^$$' -bench . -benchmem -count 1 $(PKGS)

.PHONY: lint
lint: ## Check formatting (gofmt) and run go vet.
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	cd deploy/helm && $(GO) vet ./...

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME each (default 20s).
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

.PHONY: generate
generate: ## Regenerate BPF objects and generated tables (needs clang, llvm, libbpf-dev, linux-libc-dev).
	$(GO) generate ./...

.PHONY: verify
verify: ## Load every BPF program through the kernel verifier (root); prints the verifier log on failure.
	VIGIL_REQUIRE_BPF=1 $(GO) test -count=1 -run 'TestVerifier' -v ./collector/kernel/

.PHONY: chart-sync
chart-sync: ## Copy the alert rules, dashboards and built-in rules into the Helm chart (deploy/helm/vigil/files).
	rm -rf $(CHART_FILES)/prometheus $(CHART_FILES)/dashboards $(CHART_FILES)/rules
	mkdir -p $(CHART_FILES)/prometheus $(CHART_FILES)/dashboards $(CHART_FILES)/rules/default
	cp deploy/prometheus/vigil-rules.yaml $(CHART_FILES)/prometheus/
	for f in dashboards/*.json; do [ -e "$$f" ] && cp "$$f" $(CHART_FILES)/dashboards/; done; true
	cp rules/default/*.yaml $(CHART_FILES)/rules/default/

.PHONY: image
image: ## Build the container image with docker (see Dockerfile); IMAGE=name:tag.
	docker build --build-arg VERSION=$(VERSION) -t $(IMAGE) .

.PHONY: clean
clean: ## Remove build output.
	rm -rf bin
