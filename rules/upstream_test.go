package rules

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/rules/condition"
	"github.com/vigilsec/vigil/rules/fields"
	"github.com/vigilsec/vigil/rules/rulefile"
)

// upstreamDir holds the upstream Falco rules files (test data only, never
// copied into the repository).
const upstreamDir = "../../shared/falco-rules"

func readUpstream(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(upstreamDir, name))
	if err != nil {
		t.Skipf("upstream rules not available: %v", err)
	}
	return data
}

// compileUpstream loads one upstream file on its own and returns the
// compiler for inspection.
func compileUpstream(t testing.TB, name string) (*Ruleset, []rulefile.Problem, *compiler) {
	t.Helper()
	data := readUpstream(t, name)
	c := rulefile.NewCollection()
	probs := c.Add(rulefile.Source{Name: name, Data: data})
	if rulefile.HasErrors(probs) {
		t.Fatalf("rulefile problems:\n%s", problemsText(probs))
	}
	k := newCompiler(c, fields.NewRegistry(), Options{})
	rs, more := k.run()
	return rs, append(probs, more...), k
}

func TestUpstreamRulesLoad(t *testing.T) {
	for _, name := range []string{"falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml"} {
		t.Run(name, func(t *testing.T) {
			rs, probs, k := compileUpstream(t, name)
			var errs []rulefile.Problem
			codes := map[rulefile.Code]int{}
			for _, p := range probs {
				if p.Severity == rulefile.SeverityError {
					errs = append(errs, p)
				} else {
					codes[p.Code]++
				}
			}
			if len(errs) > 0 {
				t.Fatalf("%d errors:\n%s", len(errs), problemsText(errs))
			}
			t.Logf("%s: %d rules, %d macros, %d lists, %d warnings %v", name, len(rs.Rules()),
				len(k.c.Macros()), len(k.c.Lists()), len(probs), codes)
			if got, want := len(rs.Rules()), len(k.c.Rules()); got != want {
				t.Errorf("%d rules compiled, %d defined", got, want)
			}
			// Every macro compiles on its own, used or not.
			for name, d := range k.b.macros {
				if d.state != macroBuilt {
					ctx := &buildCtx{b: k.b}
					ctx.macro(&condition.Ident{Name: name})
					if len(ctx.errs) > 0 {
						t.Errorf("macro %s: %s", name, ctx.errs[0].msg)
					}
				} else if d.node == nil {
					t.Errorf("macro %s did not compile", name)
				}
			}
			for _, r := range rs.Rules() {
				if n := r.EventTypes.Len(); n == 0 || n > 100 {
					t.Errorf("rule %q bound to %d event types", r.Name, n)
				}
			}
		})
	}
}

// TestUpstreamStableEventTypes compares each stable rule's event types with
// the table in research/falco-rules-language.md §9.2.
func TestUpstreamStableEventTypes(t *testing.T) {
	want := map[string]string{
		"Directory traversal monitored file read":                  "open openat openat2",
		"Read sensitive file trusted after startup":                "open openat openat2",
		"Read sensitive file untrusted":                            "open openat openat2",
		"Run shell untrusted":                                      "execve execveat",
		"System user interactive":                                  "execve execveat",
		"Terminal shell in container":                              "execve execveat",
		"Contact K8S API Server From Container":                    "connect",
		"Netcat Remote Code Execution in Container":                "execve execveat",
		"Search Private Keys or Passwords":                         "execve execveat",
		"Clear Log Activities":                                     "open openat openat2",
		"Remove Bulk Data from Disk":                               "execve execveat",
		"Create Symlink Over Sensitive Files":                      "symlink symlinkat",
		"Create Hardlink Over Sensitive Files":                     "link linkat",
		"Packet socket created in container":                       "socket",
		"Redirect STDOUT/STDIN to Network Connection in Container": "dup dup2 dup3",
		"Linux Kernel Module Injection Detected":                   "finit_module init_module",
		"Debugfs Launched in Privileged Container":                 "execve execveat",
		"Detect release_agent File Container Escapes":              "open openat openat2",
		"PTRACE attached to process":                               "ptrace",
		"PTRACE anti-debug attempt":                                "ptrace",
		"Find AWS Credentials":                                     "execve execveat",
		"Execution from /dev/shm":                                  "execve execveat",
		"Drop and execute new binary in container":                 "execve execveat",
		"Disallowed SSH Connection Non Standard Port":              "connect sendmsg sendto",
		"Fileless execution via memfd_create":                      "execve execveat",
	}
	rs, probs, _ := compileUpstream(t, "falco_rules.yaml")
	if rs == nil {
		t.Fatalf("load failed:\n%s", problemsText(probs))
	}
	seen := map[string]bool{}
	for _, r := range rs.Rules() {
		seen[r.Name] = true
		w, ok := want[r.Name]
		if !ok {
			t.Errorf("rule %q not in the table", r.Name)
			continue
		}
		names := r.EventTypes.Names()
		sort.Strings(names)
		if got := strings.Join(names, " "); got != w {
			t.Errorf("%s: event types %q, want %q", r.Name, got, w)
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("rule %q missing", name)
		}
	}
	union := rs.EventTypes()
	if got := strings.Join(union.Names(), " "); got != "connect dup dup2 dup3 execve execveat finit_module init_module link linkat open openat openat2 ptrace sendmsg sendto socket symlink symlinkat" {
		t.Errorf("union: %s", got)
	}
}

// TestNumRulesFor checks that the candidate count agrees with the rule
// lists for every event type of the stable rules, and that some types have
// rules and some have none (reads, closes).
func TestNumRulesFor(t *testing.T) {
	rs, _, _ := compileUpstream(t, "falco_rules.yaml")
	with, without := 0, 0
	for et := fields.EventType(0); et < fields.NumEventTypes+2; et++ {
		n := rs.NumRulesFor(et)
		if want := len(rs.RulesFor(et)); n != want {
			t.Errorf("NumRulesFor(%d) = %d, RulesFor has %d", et, n, want)
		}
		if n > 0 {
			with++
		} else {
			without++
		}
	}
	if with == 0 || without == 0 {
		t.Errorf("%d event types with rules, %d without: the index is not discriminating", with, without)
	}
}
