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
test: ## Run every test with the race detector (privileged eBPF tests run as root).
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 20m $(PKGS)
	cd deploy/helm && $(GO) vet ./... && CGO_ENABLED=1 $(GO) test -race -count=1 ./...

.PHONY: e2e-stack
e2e-stack: ## Alert rules and Alertmanager checks, then (root) a live agent -> Prometheus -> Alertmanager run.
	$(GO) -C deploy/prometheus vet .
	CGO_ENABLED=1 $(GO) -C deploy/prometheus test -race -count=1 -v -timeout 10m .

.PHONY: bench
bench: ## Run the Go benchmarks (allocations reported).
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
