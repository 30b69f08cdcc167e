package main

import (
	"bytes"
	"os"
	"testing"
)

// TestCommittedHeaderCurrent fails when bpf/kinds.h no longer matches the
// record package (run `go generate ./collector/kernel`).
func TestCommittedHeaderCurrent(t *testing.T) {
	got, err := os.ReadFile("../../../../bpf/kinds.h")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, render()) {
		t.Fatal("bpf/kinds.h is stale: run go generate ./collector/kernel")
	}
}
