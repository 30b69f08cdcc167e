package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"
)

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigFileAndFlags(t *testing.T) {
	path := writeFile(t, "vigil.yaml", `
rules:
  files: [/etc/vigil/rules.d]
  min_priority: notice
web:
  listen_address: 127.0.0.1:9999
output:
  queue_size: 100
  stdout: {enabled: false}
  http: {url: "http://sidekick:2801/", timeout: 2s}
otlp:
  endpoint: collector:4317
  insecure: true
  headers: {x-tenant: a}
drops:
  threshold: 0.5
  actions: [log]
`)
	cases := []struct {
		name  string
		flags []string
		check func(t *testing.T, c config)
	}{
		{"file only", nil, func(t *testing.T, c config) {
			if c.Rules.MinPriority != "notice" || c.Web.ListenAddress != "127.0.0.1:9999" || c.Output.QueueSize != 100 ||
				c.Output.Stdout.Enabled || c.Output.HTTP.Timeout != 2*time.Second || c.OTLP.Endpoint != "collector:4317" ||
				!c.OTLP.Insecure || c.OTLP.Headers["x-tenant"] != "a" || c.Drops.Threshold != 0.5 || len(c.Drops.Actions) != 1 {
				t.Errorf("%+v", c)
			}
			if c.Rules.Matching != "first" || c.Kernel.RingSize != 8<<20 || !c.Kernel.EntrySnapshots || c.Output.Stdout.MinPriority != "debug" {
				t.Errorf("defaults lost: %+v", c)
			}
		}},
		{"flags override", []string{"--rules.min-priority", "error", "--output.stdout", "--otlp.headers", "a=1,b=2",
			"--web.listen-address", ":1", "--no-otlp.insecure", "--rules", "x.yaml", "--rules", "y.yaml",
			"--no-kernel.entry-snapshots"}, func(t *testing.T, c config) {
			if c.Kernel.EntrySnapshots {
				t.Error("--no-kernel.entry-snapshots did not turn the snapshots off")
			}
			if c.Rules.MinPriority != "error" || !c.Output.Stdout.Enabled || c.OTLP.Headers["b"] != "2" ||
				c.Web.ListenAddress != ":1" || c.OTLP.Insecure || strings.Join(c.Rules.Files, ",") != "x.yaml,y.yaml" {
				t.Errorf("%+v", c)
			}
			if c.Output.QueueSize != 100 {
				t.Errorf("file value lost: %+v", c.Output)
			}
		}},
	}
	cases = append(cases, struct {
		name  string
		flags []string
		check func(t *testing.T, c config)
	}{"containers", []string{"--containers.docker-socket", "/tmp/a.sock", "--containers.docker-socket", "/tmp/b.sock",
		"--containers.crio-socket", "", "--containers.budget", "0s", "--no-containers.enabled", "--containers.grace", "1m",
		"--containers.containerd-socket", "/tmp/c.sock", "--containers.containerd-namespaces", "team-a,default"},
		func(t *testing.T, c config) {
			cc := c.Containers
			if cc.Enabled || strings.Join(cc.DockerSockets, ",") != "/tmp/a.sock,/tmp/b.sock" || cc.CRIOSocket != "" ||
				cc.Budget != 0 || cc.Grace != time.Minute || cc.LookupTimeout != 2*time.Second ||
				cc.ContainerdSocket != "/tmp/c.sock" || strings.Join(cc.ContainerdNamespaces, ",") != "team-a,default" {
				t.Errorf("%+v", cc)
			}
		}})
	cases = append(cases, struct {
		name  string
		flags []string
		check func(t *testing.T, c config)
	}{"containerd defaults", nil, func(t *testing.T, c config) {
		cc := c.Containers
		if cc.ContainerdSocket != "/run/containerd/containerd.sock" || strings.Join(cc.ContainerdNamespaces, ",") != "k8s.io,default,moby" {
			t.Errorf("%+v", cc)
		}
	}})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseRunConfig(t, append([]string{"--config", path}, tc.flags...)...)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, cfg)
		})
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		name, yaml string
		flags      []string
		want       []string // every one must appear
	}{
		{"unknown key", "rules:\n  min_priorty: notice\n", nil, []string{"min_priorty", "line 2"}},
		{"every problem", "rules: {matching: some}\nkernel: {ring_size: 1000}\notlp: {protocol: udp}\ndrops: {actions: [panic], threshold: 2}\n",
			nil, []string{"rules.matching", "kernel.ring_size", "otlp.protocol", "drops.actions", "drops.threshold"}},
		{"bad priority flag", "", []string{"--otlp.min-priority", "loud"}, []string{"otlp.min_priority", "loud"}},
		{"bad url", "output: {http: {url: 'ftp://x'}}\n", nil, []string{"output.http.url"}},
		{"bad headers", "", []string{"--otlp.headers", "novalue"}, []string{"--otlp.headers"}},
		{"containers", "containers: {budget: -1s, lookup_timeout: 0s, grace: 0s, docker_sockets: ['']}\n", nil,
			[]string{"containers.budget", "containers.lookup_timeout", "containers.grace", "containers.docker_sockets"}},
		{"containerd namespaces", "containers: {containerd_namespaces: ['k8s.io', 'a/b']}\n", nil,
			[]string{"containers.containerd_namespaces", `"a/b"`}},
		{"containerd without namespaces", "containers: {containerd_namespaces: []}\n", nil,
			[]string{"containers.containerd_namespaces: empty"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.flags
			if tc.yaml != "" {
				args = append([]string{"--config", writeFile(t, "c.yaml", tc.yaml)}, args...)
			}
			_, err := parseRunConfig(t, args...)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestInvalidConfigExitsTwo: the agent refuses a bad configuration with
// exit code 2 and says why.
func TestInvalidConfigExitsTwo(t *testing.T) {
	path := writeFile(t, "c.yaml", "web: {listen_adress: ':1'}\n")
	code, _, stderr := runCLI(t, "", "run", "--config", path, "--replay", "/nonexistent")
	if code != 2 || !strings.Contains(stderr, "listen_adress") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

// parseRunConfig parses `vigil run ARGS` and resolves its configuration
// without running it.
func parseRunConfig(t *testing.T, args ...string) (config, error) {
	t.Helper()
	var c cli
	parser, err := kong.New(&c, kong.Exit(func(int) { t.Fatal("kong exited") }))
	if err != nil {
		t.Fatal(err)
	}
	kctx, err := parser.Parse(append([]string{"run"}, args...))
	if err != nil {
		return config{}, err
	}
	return c.Run.resolveConfig(kctx)
}

func TestHostnameFromEnv(t *testing.T) {
	t.Setenv("VIGIL_HOSTNAME", "node-7")
	if h := hostname(); h != "node-7" {
		t.Fatalf("hostname %q", h)
	}
	t.Setenv("VIGIL_HOSTNAME", "")
	if h, _ := os.Hostname(); hostname() != h {
		t.Fatalf("hostname %q, want the system's %q", hostname(), h)
	}
}
