package main

import (
	"os"
	"testing"
)

// runMainEnv makes the test binary act as the vigil command: end-to-end
// tests start it as a child process with this variable set, so they
// exercise real signals, exit codes and a separate process without
// building another binary.
const runMainEnv = "VIGIL_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
