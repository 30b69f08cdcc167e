package kernel

// The kernel programs live in bpf/. `go generate ./collector/kernel` (needs
// clang, llvm-strip and libbpf-dev) regenerates bpf/kinds.h from the record
// package, then compiles bpf/vigil.bpf.c for amd64 and arm64 into the
// committed vigil_{x86,arm64}_bpfel.{go,o}, so `go build` never needs clang.

//go:generate go run ./internal/genkinds -o ../../bpf/kinds.h
//go:generate go tool bpf2go -cc clang -strip llvm-strip -cflags "-O2 -g -Wall -Werror" -target amd64,arm64 -no-global-types vigil ../../bpf/vigil.bpf.c -- -I../../bpf
