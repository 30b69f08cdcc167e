package main

import (
	"log/slog"
	"os"
	"os/exec"
	"testing"
)

// requireRoot skips a test that attaches agents unless it runs as root, or
// fails it when VIGIL_REQUIRE_BPF=1 says the privileged tests must run.
func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("VIGIL_REQUIRE_BPF") == "1" {
		t.Fatal("VIGIL_REQUIRE_BPF=1 but not root: the benchmark suite attaches BPF programs")
	}
	t.Skip("needs root to attach BPF programs; set VIGIL_REQUIRE_BPF=1 to make this a failure")
}

// requireTool skips (or, with VIGIL_REQUIRE_BPF=1, fails) a test whose
// workload needs a program that is not installed.
func requireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("VIGIL_REQUIRE_BPF") == "1" {
		t.Fatalf("VIGIL_REQUIRE_BPF=1 but %s is not installed (.ci/run installs it)", name)
	}
	t.Skipf("%s is not installed", name)
	return ""
}

// testSuite builds the agent from this tree and returns a quick suite.
func testSuite(t *testing.T) *Suite {
	t.Helper()
	requireRoot(t)
	vigil := t.TempDir() + "/vigil"
	build := exec.Command("go", "build", "-o", vigil, "github.com/vigilsec/vigil/cmd/vigil")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build vigil: %v\n%s", err, out)
	}
	rules := "../../shared/falco-rules/falco_rules.yaml"
	if _, err := os.Stat(rules); err != nil {
		t.Skipf("upstream rules not beside the repository: %v", err)
	}
	s, err := NewSuite(vigil, rules, true)
	if err != nil {
		t.Fatal(err)
	}
	s.RepoDir = ".."
	s.Log = slog.New(slog.NewTextHandler(t.Output(), nil))
	t.Cleanup(s.Close)
	return s
}

// TestMain lets the test binary stand in for the bench binary when a suite
// re-executes itself (Suite.Self) as a workload driver.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "work":
			os.Exit(runWork(os.Args[2:]))
		case "gen":
			os.Exit(runGen(os.Args[2:]))
		}
	}
	os.Exit(m.Run())
}
