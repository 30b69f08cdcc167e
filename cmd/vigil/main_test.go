package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedRules is where CI and developers keep the upstream Falco rules files.
const sharedRules = "../../../shared/falco-rules"

func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func upstreamFile(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(sharedRules, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("upstream rules not available (%v); they live in ../shared beside the repository", err)
	}
	return p
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "vigil ") {
		t.Fatalf("version: code %d, output %q", code, out)
	}
}

func TestUsageErrorExitsTwo(t *testing.T) {
	code, _, errOut := runCLI(t, "", "no-such-command")
	if code != 2 || !strings.Contains(errOut, "no-such-command") {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
}

func TestValidateUpstreamFiles(t *testing.T) {
	for _, name := range []string{"falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml"} {
		t.Run(name, func(t *testing.T) {
			path := upstreamFile(t, name)
			code, out, errOut := runCLI(t, "", "rules", "validate", "--json", path)
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			var res validateJSON
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("decode: %v\n%s", err, out)
			}
			if !res.OK || res.Errors != 0 || res.Rules == 0 {
				t.Fatalf("result %+v", res)
			}
		})
	}
}

func TestValidateReportsErrors(t *testing.T) {
	const broken = `- rule: Broken
  desc: a rule with an unknown field
  condition: evt.type = open and proc.nosuchfield = x
  output: "%proc.name"
  priority: WARNING
`
	code, out, _ := runCLI(t, broken, "rules", "validate", "--json", "-")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	var res validateJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("decode: %v\n%s", err, out)
	}
	if res.OK || res.Errors == 0 {
		t.Fatalf("want errors, got %+v", res)
	}
	p := res.Problems[0]
	if p.File != "<stdin>" || p.Line != 3 || p.Severity != "error" || p.Code == "" || p.Item != "Broken" {
		t.Fatalf("problem %+v", p)
	}
}

func TestRulesListDefault(t *testing.T) {
	code, out, errOut := runCLI(t, "", "rules", "list", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rs []ruleJSON
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if len(rs) < 25 {
		t.Fatalf("only %d default rules", len(rs))
	}
	for _, r := range rs {
		if len(r.EventTypes) == 0 || r.Priority == "" || len(r.Tags) == 0 {
			t.Errorf("rule %q incomplete: %+v", r.Name, r)
		}
	}
}

func TestFieldsJSON(t *testing.T) {
	code, out, _ := runCLI(t, "", "fields", "--json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var fs []fieldJSON
	if err := json.Unmarshal([]byte(out), &fs); err != nil {
		t.Fatalf("decode: %v", err)
	}
	seen := map[string]bool{}
	for _, f := range fs {
		if f.Description == "" || f.Type == "unknown" {
			t.Errorf("field %s lacks type or description", f.Name)
		}
		seen[f.Name] = true
	}
	for _, want := range []string{"evt.type", "proc.name", "proc.aname", "fd.name", "container.id", "k8s.ns.name", "user.name"} {
		if !seen[want] {
			t.Errorf("field %s missing", want)
		}
	}
}

// TestHelpRunsNothing: --help on a command prints its usage and returns
// without running it (run would start the agent).
func TestHelpRunsNothing(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"run", "--help"}, {"capture", "--help"}, {"rules", "validate", "--help"}} {
		code, stdout, _ := runCLI(t, "", args...)
		if code != 0 || !strings.Contains(stdout, "Usage: vigil") {
			t.Errorf("%v: exit %d, stdout %q", args, code, stdout)
		}
	}
}
