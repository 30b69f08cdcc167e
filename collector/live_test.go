package collector

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vigilsec/vigil/collector/capture"
	"github.com/vigilsec/vigil/collector/container"
	"github.com/vigilsec/vigil/collector/kernel"
	"github.com/vigilsec/vigil/collector/proc"
	"github.com/vigilsec/vigil/collector/record"
	"github.com/vigilsec/vigil/rules/fields"
)

// e2type accepts open where the C library uses it instead of openat.
func e2type(want, got string) string {
	if got == "open" {
		return got
	}
	return want
}

// requireBPF skips the test unless it runs as root, or fails it when
// VIGIL_REQUIRE_BPF=1 says the privileged tests must run.
func requireBPF(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("VIGIL_REQUIRE_BPF") == "1" {
		t.Fatal("VIGIL_REQUIRE_BPF=1 but not running as root: cannot load BPF programs")
	}
	t.Skip("needs root to load BPF programs (set VIGIL_REQUIRE_BPF=1 to make this a failure)")
}

// observed is what the live test checks, gathered from events.
type observed struct {
	catParent, catGrandparent uint32
	catCwd                    string
	catOpened, devNullDup     bool
	sleepSamePid              bool
	sleepParent               uint32
	childExited               bool
	catFields                 map[string]string // fields as rules see them on cat's open
}

// catFieldNames are extracted from cat's open of /etc/hostname.
var catFieldNames = []string{"evt.type", "evt.res", "evt.arg.flags", "evt.arg.name", "evt.is_open_read", "fd.name", "fd.typechar",
	"fd.directory", "proc.name", "proc.pname", "proc.cmdline", "proc.pcmdline", "proc.exepath", "proc.cwd", "user.uid", "container.id"}

func observe(o *observed, child uint32) func(*Event) {
	reg := fields.NewRegistry()
	return func(e *Event) {
		if e.Proc == nil {
			return
		}
		p := e.Proc
		switch e.Type().String() {
		case "execve":
			if p.Comm == "cat" && p.Parent() != nil && p.Parent().Pid == child {
				o.catParent = p.Ppid
				if gp := p.Ancestor(2); gp != nil {
					o.catGrandparent = gp.Pid
				}
				o.catCwd = p.Cwd
			}
			if p.Pid == child && p.Comm == "sleep" {
				o.sleepSamePid = true
				o.sleepParent = p.Ppid
			}
		case "openat", "open":
			if p.Comm == "cat" && e.FD != nil && e.FD.Path == "/etc/hostname" && e.FDNum >= 0 {
				o.catOpened = true
				o.catFields = map[string]string{}
				for _, name := range catFieldNames {
					ref, f, err := reg.Resolve(name, "", false)
					var v fields.Value
					if err == nil && e.Extract(&ref, &v) {
						o.catFields[name] = string(fields.AppendValue(nil, f, &v))
					}
				}
			}
		case "dup2", "dup3", "fcntl":
			// dash redirects in the shell itself, then forks cat.
			if p.Pid == child && e.FD != nil && e.FD.Path == "/dev/null" && e.FD.Num == 1 {
				o.devNullDup = true
			}
		case "procexit":
			if p.Pid == child && e.Thread != nil && e.Thread.Tid == child {
				o.childExited = true
			}
		}
	}
}

// TestLiveKernel runs a small shell pipeline under the real kernel probe,
// applies the records to state bootstrapped from /proc, records them, and
// replays the recording into fresh state: both must see the same process
// tree, fds and exec chain.
func TestLiveKernel(t *testing.T) {
	requireBPF(t)
	log := slog.New(slog.DiscardHandler)
	tbl := proc.New(proc.Config{})
	if _, err := tbl.Bootstrap(proc.BootstrapConfig{}); err != nil {
		t.Fatal(err)
	}
	st := NewState(tbl, nil, container.NewStore(0), record.NativeArch())

	p, err := kernel.Open(kernel.Config{RingSize: 1 << 20}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	names := []string{"procexit", "procfork"}
	for _, k := range record.Kinds() {
		if k.Schema().Syscall {
			names = append(names, k.String())
		}
	}
	if err := p.SetInterest(names); err != nil {
		t.Fatal(err)
	}

	var file bytes.Buffer
	hdr, err := capture.HostHeader("vigil test")
	if err != nil {
		t.Fatal(err)
	}
	w, err := capture.NewWriter(&file, hdr)
	if err != nil {
		t.Fatal(err)
	}
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts)
	if err := w.WriteSnapshot(capture.TakeSnapshot(uint64(ts.Nano()), tbl, nil, st.Containers)); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command("/bin/sh", "-c", "cat /etc/hostname >/dev/null; exec sleep 0.01")
	cmd.Dir = "/tmp"
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	child := uint32(cmd.Process.Pid)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var live observed
	src := NewLiveSource(p, st, log)
	src.RecordTo(w)
	look := observe(&live, child)
	err = src.Run(ctx, func(e *Event) {
		look(e)
		if live.childExited {
			cancel()
		}
	})
	if err := <-done; err != nil {
		t.Fatalf("child: %v", err)
	}
	if !live.childExited {
		t.Fatalf("child exit not seen before the timeout (%v)", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	me := uint32(os.Getpid())
	catPath, _ := filepath.EvalSymlinks("/usr/bin/cat")
	check := func(name string, o observed) {
		t.Helper()
		if o.catParent != child || o.catGrandparent != me || o.catCwd != "/tmp/" {
			t.Errorf("%s: cat parent %d grandparent %d (want %d, %d) cwd %q", name, o.catParent, o.catGrandparent, child, me, o.catCwd)
		}
		if !o.catOpened || !o.devNullDup {
			t.Errorf("%s: cat opened /etc/hostname %v, stdout redirected to /dev/null %v", name, o.catOpened, o.devNullDup)
		}
		wantFields := map[string]string{
			"evt.type": e2type("openat", o.catFields["evt.type"]), "evt.res": "SUCCESS", "evt.arg.name": "/etc/hostname",
			"evt.is_open_read": "true", "fd.name": "/etc/hostname", "fd.typechar": "f", "fd.directory": "/etc",
			"proc.name": "cat", "proc.pname": "sh", "proc.cmdline": "cat /etc/hostname",
			"proc.pcmdline": "sh -c cat /etc/hostname >/dev/null; exec sleep 0.01", "proc.exepath": catPath,
			"proc.cwd": "/tmp/", "user.uid": strconv.Itoa(os.Geteuid()), "container.id": "host",
		}
		for k, want := range wantFields {
			if got, ok := o.catFields[k]; !ok || got != want {
				t.Errorf("%s: cat's open: %s = %q (present %v), want %q", name, k, got, ok, want)
			}
		}
		if fl := o.catFields["evt.arg.flags"]; !strings.HasPrefix(fl, "O_RDONLY") {
			t.Errorf("%s: cat's open flags %q", name, fl)
		}
		if !o.sleepSamePid || o.sleepParent != me {
			t.Errorf("%s: sleep exec in the child %v, parent %d (want %d)", name, o.sleepSamePid, o.sleepParent, me)
		}
	}
	check("live", live)

	// Replay: fresh state, only what the file holds.
	replay := NewState(proc.New(proc.Config{}), nil, container.NewStore(0), record.ArchUnknown)
	cs := NewCaptureSource(bytes.NewReader(file.Bytes()), replay, log)
	var again observed
	if err := cs.Run(context.Background(), observe(&again, child)); err != nil {
		t.Fatal(err)
	}
	if cs.DecodeErrors() != 0 {
		t.Errorf("%d records failed to decode on replay", cs.DecodeErrors())
	}
	check("replay", again)
	t.Logf("capture: %d bytes, %d records, proc counters %+v", file.Len(), w.Records(), tbl.Counters())
}
