# syntax=docker/dockerfile:1
#
# Image of the vigil agent: one static binary on distroless/static.
#
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) -t vigil .
#   docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/vigil:TAG --push .
#
# The compiled BPF objects are committed, so the build needs Go only (no
# clang). The binary is built for the target platform by cross-compiling on
# the build platform: CGO is off, nothing is emulated.
#
# The agent runs as root (uid 0): loading eBPF programs needs CAP_BPF and
# CAP_PERFMON, and reading /proc/<pid>/ of every process needs
# CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH; Kubernetes and Docker grant added
# capabilities to uid 0 only (no ambient capabilities for other users), so a
# non-root image would start without them. Give the container those
# capabilities, not --privileged: docs/deployment.md.

ARG GO_VERSION=1.26.7

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG TARGETOS=linux
ARG TARGETARCH
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -buildvcs=false -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/vigil ./cmd/vigil

# distroless/static: CA certificates (OTLP and webhooks over TLS), tzdata,
# /etc/passwd; no shell, no package manager. Pin by digest in production.
FROM gcr.io/distroless/static-debian12
COPY --from=build /out/vigil /usr/bin/vigil
USER 0:0
EXPOSE 7493
ENTRYPOINT ["/usr/bin/vigil"]
CMD ["run"]
