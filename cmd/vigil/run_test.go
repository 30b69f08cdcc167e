package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/collector/capture"
	"github.com/vigilsec/vigil/collector/proc"
	"github.com/vigilsec/vigil/collector/record"
	"github.com/vigilsec/vigil/collector/users"
)

// writeCapture writes a capture in which a shell (pid 100, child of init)
// runs `cat /etc/shadow`, and a second process opens /etc/hostname.
func writeCapture(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "shadow.vcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	hdr, err := capture.HostHeader("vigil test")
	if err != nil {
		t.Fatal(err)
	}
	hdr.Hostname = "replayed-host"
	w, err := capture.NewWriter(f, hdr)
	if err != nil {
		t.Fatal(err)
	}
	root := proc.Creds{LoginUID: proc.UnsetLoginUID}
	snap := &capture.Snapshot{Ts: 5,
		Processes: []proc.ProcessState{
			{Pid: 1, Start: 1, Comm: "systemd", Exe: "/sbin/init", ExePath: "/usr/lib/systemd/systemd", Cwd: "/", Creds: root,
				Threads: []proc.ThreadState{{Tid: 1, Start: 1}}},
			{Pid: 100, Start: 2, Ppid: 1, Comm: "bash", Exe: "-bash", ExePath: "/usr/bin/bash", Cwd: "/root/", Creds: root,
				Threads: []proc.ThreadState{{Tid: 100, Start: 2}}},
		},
		Users: []users.Namespace{{MntNS: 0, Users: []users.User{{Name: "root", UID: 0, Home: "/root", Shell: "/bin/bash"}}}},
	}
	if err := w.WriteSnapshot(snap); err != nil {
		t.Fatal(err)
	}
	info := record.AppendExecInfo(nil, &record.ExecInfo{PPID: 100, LoginUID: ^uint32(0), StartTime: 10, VTGID: 101})
	recs := []record.Record{
		{Header: record.Header{TS: 10, TGID: 100, TID: 100, Kind: record.KindProcFork},
			Args: [record.MaxArgs]uint64{101, 101, 0, 10, 100, 2}},
		{Header: record.Header{TS: 11, TGID: 101, TID: 101, Kind: record.KindExecve},
			Args: [record.MaxArgs]uint64{uint64(1<<64 - 100), 0, 101},
			Data: [record.MaxData][]byte{[]byte("/usr/bin/cat"), []byte("cat\x00/etc/shadow\x00"), []byte("/usr/bin/cat"),
				[]byte("/usr/bin/cat"), []byte("/root"), []byte("cat"), []byte("/user.slice"), info}},
		{Header: record.Header{TS: 12, TGID: 101, TID: 101, Kind: record.KindOpenat, Ret: 3},
			Args: [record.MaxArgs]uint64{uint64(1<<64 - 100), 0, 0, 0, 0, 0},
			Data: [record.MaxData][]byte{[]byte("/etc/shadow")}},
		{Header: record.Header{TS: 13, TGID: 101, TID: 101, Kind: record.KindOpenat, Ret: 4},
			Args: [record.MaxArgs]uint64{uint64(1<<64 - 100), 0, 0, 0, 0, 0},
			Data: [record.MaxData][]byte{[]byte("/etc/hostname")}},
	}
	var buf []byte
	for i := range recs {
		buf, err = record.Encode(buf[:0], &recs[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteRecord(buf); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRunReplay drives the whole agent pipeline (capture source, state,
// default rules, JSON output) without root and checks the Falco-format
// detection on stdout.
func TestRunReplay(t *testing.T) {
	file := writeCapture(t)
	code, stdout, stderr := runCLI(t, "", "run", "--replay", file, "--web.listen-address", "127.0.0.1:0")
	if code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, stderr)
	}
	var got []map[string]any
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		var d map[string]any
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatalf("stdout line is not JSON: %q: %v", sc.Text(), err)
		}
		got = append(got, d)
	}
	if len(got) != 1 {
		t.Fatalf("%d detections, want 1 (the /etc/shadow read):\n%s", len(got), stdout)
	}
	d := got[0]
	if d["rule"] != "Credential Store Read By Unexpected Program" || d["priority"] != "Warning" ||
		d["source"] != "syscall" || d["hostname"] != "replayed-host" {
		t.Errorf("detection header %v", d)
	}
	of, _ := d["output_fields"].(map[string]any)
	for k, want := range map[string]any{"fd.name": "/etc/shadow", "proc.name": "cat", "proc.pname": "bash",
		"proc.cmdline": "cat /etc/shadow", "user.name": "root", "container.id": "host"} {
		if of[k] != want {
			t.Errorf("output_fields[%s] = %v, want %v", k, of[k], want)
		}
	}
	if out, _ := d["output"].(string); !strings.Contains(out, "file=/etc/shadow") || !strings.Contains(out, "process=cat") {
		t.Errorf("output %q", out)
	}
	if tm, _ := d["time"].(string); !strings.HasPrefix(tm, "20") {
		t.Errorf("time %q", tm)
	}
}

func TestRunReplayCorrupt(t *testing.T) {
	file := writeCapture(t)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b[:len(b)-20], 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "", "run", "--replay", file, "--web.listen-address", "127.0.0.1:0")
	if code != 1 || !strings.Contains(stderr, "offset") {
		t.Fatalf("exit %d, stderr %q: want 1 and an error naming the offset", code, stderr)
	}
}

func TestRunBadRulesFatal(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("- rule: r\n  desc: d\n  condition: proc.nam = x\n  output: o\n  priority: INFO\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "", "run", "--rules", bad, "--replay", "/nonexistent")
	if code != 1 || !strings.Contains(stderr, "bad.yaml:3:") {
		t.Fatalf("exit %d, stderr %q: want 1 and the problem's position", code, stderr)
	}
}

// requireRoot skips a test that loads BPF programs unless it runs as root;
// with VIGIL_REQUIRE_BPF=1 a missing privilege fails it instead.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("VIGIL_REQUIRE_BPF") == "1" {
		t.Fatal("VIGIL_REQUIRE_BPF=1 but not running as root")
	}
	t.Skip("needs root to load BPF programs (VIGIL_REQUIRE_BPF=1 makes this a failure)")
}

// TestCaptureThenReplay records the real kernel while a child reads
// /etc/shadow, then replays the file without the kernel: the default rules
// must report the read, attributed to the child.
func TestCaptureThenReplay(t *testing.T) {
	requireRoot(t)
	file := filepath.Join(t.TempDir(), "live.vcap")
	done := make(chan struct{})
	var catPid int
	go func() {
		defer close(done)
		time.Sleep(1500 * time.Millisecond) // after the probe is attached
		cmd := exec.Command("/bin/sh", "-c", "cat /etc/shadow >/dev/null")
		if err := cmd.Run(); err == nil {
			catPid = cmd.Process.Pid
		}
	}()
	code, _, stderr := runCLI(t, "", "capture", "-o", file, "--duration", "4s")
	<-done
	if code != 0 {
		t.Fatalf("capture exit %d: %s", code, stderr)
	}
	if catPid == 0 {
		t.Fatal("the child shell failed")
	}
	code, stdout, stderr := runCLI(t, "", "run", "--replay", file, "--web.listen-address", "127.0.0.1:0")
	if code != 0 {
		t.Fatalf("replay exit %d: %s", code, stderr)
	}
	found := false
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var d struct {
			Rule   string         `json:"rule"`
			Fields map[string]any `json:"output_fields"`
		}
		if json.Unmarshal([]byte(line), &d) != nil {
			continue
		}
		if d.Rule == "Credential Store Read By Unexpected Program" && d.Fields["fd.name"] == "/etc/shadow" &&
			d.Fields["proc.pname"] == "sh" && d.Fields["user.name"] == "root" {
			found = true
		}
	}
	if !found {
		t.Fatalf("no /etc/shadow detection for the child in the replay:\n%s", stdout)
	}
}

// TestRunReplayAllOutputs: with stdout off, the detection reaches the file
// and the webhook in Falco's JSON format.
func TestRunReplayAllOutputs(t *testing.T) {
	file := writeCapture(t)
	got := make(chan map[string]any, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var d map[string]any
		if err := json.NewDecoder(r.Body).Decode(&d); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		got <- d
	}))
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "detections.json")
	code, stdout, stderr := runCLI(t, "", "run", "--replay", file, "--web.listen-address", "127.0.0.1:0",
		"--no-output.stdout", "--output.file.path", out, "--output.http.url", srv.URL+"/falco", "--output.http.min-priority", "warning")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout not empty with --no-output.stdout: %q", stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var fd map[string]any
	if err := json.Unmarshal(b, &fd); err != nil || fd["rule"] != "Credential Store Read By Unexpected Program" {
		t.Errorf("file content %q (%v)", b, err)
	}
	select {
	case d := <-got:
		if d["rule"] != "Credential Store Read By Unexpected Program" || d["priority"] != "Warning" {
			t.Errorf("webhook got %v", d)
		}
	default:
		t.Error("the webhook received nothing")
	}
}
