package fields

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func mustType(t testing.TB, name string) EventType {
	t.Helper()
	et, ok := LookupEventType(name)
	if !ok {
		t.Fatalf("unknown event type %s", name)
	}
	return et
}

// TestMapEventRoundTrip builds an event from text and prints every value
// back: the canonical text of each type survives the trip.
func TestMapEventRoundTrip(t *testing.T) {
	r := NewRegistry()
	in := map[string]string{
		"proc.name":         "bash",
		"proc.pid":          "4242",
		"proc.aname[1]":     "sshd",
		"proc.aname[2]":     "systemd",
		"proc.env[HOME]":    "/root",
		"evt.arg.flags":     "O_TRUNC|O_CREAT|O_WRONLY",
		"evt.arg[0]":        "3",
		"evt.rawarg.flags":  "577",
		"evt.rawres":        "-2",
		"user.uid":          "0",
		"user.loginuid":     "-1",
		"fd.sip":            "2001:db8::7",
		"fd.sport":          "22",
		"fd.types":          "(ipv4,file)",
		"evt.failed":        "true",
		"evt.rawtime":       "1700000000000000042",
		"evt.buffer":        "cafebabe",
		"proc.duration":     "5000000000",
		"k8s.pod.label.app": "web",
		"container.mount.dest[/var/run/docker.sock]": "/var/run/docker.sock",
	}
	ev, err := NewMapEvent(r, mustType(t, "openat"), in)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type() != mustType(t, "openat") {
		t.Errorf("type %v", ev.Type())
	}
	var v Value
	for k, want := range in {
		name, arg, hasArg, _ := splitFieldExpr(k)
		ref, f, err := r.Resolve(name, arg, hasArg)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		v.Reset()
		if !ev.Extract(&ref, &v) {
			t.Errorf("%s: missing", k)
			continue
		}
		if got := string(AppendValue(nil, f, &v)); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	// Derived values.
	for k, want := range map[string]string{"evt.type": "openat", "proc.aname": "sshd systemd"} {
		ref, f, _ := r.Resolve(k, "", false)
		v.Reset()
		if !ev.Extract(&ref, &v) || string(AppendValue(nil, f, &v)) != want {
			t.Errorf("%s: %q, want %q", k, AppendValue(nil, f, &v), want)
		}
	}
	// Absent fields and arguments are missing.
	for _, ref := range []Ref{{ID: ProcExe}, {ID: ProcAname, Arg: Arg{Kind: ArgIndex, Index: 3}},
		{ID: ProcEnv}, {ID: EvtArg, Arg: Arg{Kind: ArgKey, Key: "mode"}}, {ID: NumFields + 5}} {
		if ev.Extract(&ref, &v) {
			t.Errorf("%+v: present", ref)
		}
	}
}

func TestMapEventValues(t *testing.T) {
	r := NewRegistry()
	start := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	ev, err := NewMapEventValues(r, mustType(t, "connect"), map[string]any{
		"proc.name":          "curl",
		"proc.pid":           31337,
		"user.uid":           uint32(1000),
		"fd.sport":           float64(443), // as decoded from JSON
		"fd.sip":             netip.MustParseAddr("1.1.1.1"),
		"fd.connected":       true,
		"fd.types":           []any{"ipv4"},
		"evt.buffer":         []byte{0xca, 0xfe},
		"container.start_ts": start,
		"proc.duration":      2 * time.Second,
		"fd.cip":             "10.0.0.2",
		"proc.exe":           nil, // missing
	})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		ref  Ref
		want Value
	}{
		{Ref{ID: ProcPID}, Value{Int: 31337}},
		{Ref{ID: UserUID}, Value{Int: 1000}},
		{Ref{ID: FdSport}, Value{Int: 443}},
		{Ref{ID: FdSIP}, Value{IP: netip.MustParseAddr("1.1.1.1")}},
		{Ref{ID: FdCIP}, Value{IP: netip.MustParseAddr("10.0.0.2")}},
		{Ref{ID: FdConnected}, Value{Int: 1}},
		{Ref{ID: ContainerStartTS}, Value{Int: start.UnixNano()}},
		{Ref{ID: ProcDuration}, Value{Int: int64(2 * time.Second)}},
	}
	var v Value
	for _, c := range checks {
		v.Reset()
		if !ev.Extract(&c.ref, &v) || v.Int != c.want.Int || v.IP != c.want.IP {
			t.Errorf("%d: got %+v, want %+v", c.ref.ID, v, c.want)
		}
	}
	v.Reset()
	if !ev.Extract(&Ref{ID: EvtBuffer}, &v) || string(v.Bytes) != "\xca\xfe" {
		t.Errorf("evt.buffer: %q", v.Bytes)
	}
	v.Reset()
	if !ev.Extract(&Ref{ID: FdTypes}, &v) || len(v.List) != 1 || v.List[0] != "ipv4" {
		t.Errorf("fd.types: %q", v.List)
	}
	if ev.Extract(&Ref{ID: ProcExe}, &v) {
		t.Error("nil value is present")
	}
}

func TestMapEventErrors(t *testing.T) {
	r := NewRegistry()
	tests := []struct {
		kv  map[string]string
		err string
	}{
		{map[string]string{"proc.nosuch": "x"}, "unknown field"},
		{map[string]string{"proc.pid": "abc"}, "proc.pid"},
		{map[string]string{"user.uid": "-5"}, "user.uid"},
		{map[string]string{"fd.sport": "70000"}, "fd.sport"},
		{map[string]string{"evt.failed": "yes"}, "not true or false"},
		{map[string]string{"fd.sip": "1.2.3"}, "fd.sip"},
		{map[string]string{"fd.ip": "1.2.3.4"}, "filter-only"},
		{map[string]string{"fd.snet": "10.0.0.0/8"}, "filter-only"},
		{map[string]string{"proc.aname[x]": "a"}, "numeric index"},
		{map[string]string{"proc.aname[2": "a"}, "malformed"},
		{map[string]string{"evt.rawarg.bogus": "1"}, "unknown event argument"},
		{map[string]string{"evt.rawtime": "yesterday"}, "RFC 3339"},
	}
	for _, tt := range tests {
		_, err := NewMapEvent(r, mustType(t, "open"), tt.kv)
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%v: error %v, want %q", tt.kv, err, tt.err)
		}
	}
	for _, kv := range []map[string]any{
		{"proc.pid": true},
		{"fd.sip": 17},
		{"fd.types": []any{1}},
		{"fd.sport": -1},
		{"proc.name": 3},
		{"proc.pid": 1.5},
	} {
		if _, err := NewMapEventValues(r, mustType(t, "open"), kv); err == nil {
			t.Errorf("%v accepted", kv)
		}
	}
}

// TestMapEventIsolation checks that values handed out by Extract do not
// alias the event: a caller reusing its Value cannot corrupt the event.
func TestMapEventIsolation(t *testing.T) {
	r := NewRegistry()
	ev, err := NewMapEvent(r, mustType(t, "read"), map[string]string{"fd.types": "(a,b)", "evt.buffer": "xyz"})
	if err != nil {
		t.Fatal(err)
	}
	var v Value
	ev.Extract(&Ref{ID: FdTypes}, &v)
	v.List[0] = "changed"
	ev.Extract(&Ref{ID: EvtBuffer}, &v)
	v.Bytes[0] = 'Q'
	var l, b Value
	ev.Extract(&Ref{ID: FdTypes}, &l)
	ev.Extract(&Ref{ID: EvtBuffer}, &b)
	if len(l.List) != 2 || l.List[0] != "a" || string(b.Bytes) != "xyz" {
		t.Errorf("event changed through an extracted value: %q %q", l.List, b.Bytes)
	}
}

func TestMapEventFieldKeys(t *testing.T) {
	r := NewRegistry()
	ev, err := NewMapEvent(r, mustType(t, "execve"), map[string]string{
		"container.label[zeta]": "1", "container.label.app": "web", "container.label[com.example.team]": "sec",
		"k8s.pod.label.tier": "front", "container.mount.dest[0]": "/x", "proc.name": "bash",
	})
	if err != nil {
		t.Fatal(err)
	}
	var _ KeyLister = ev
	tests := []struct {
		id   ID
		want string
	}{
		{ContainerLabel, "app com.example.team zeta"},
		{K8sPodLabel, "tier"},
		{ContainerMountDest, ""}, // given by index, not by key
		{ProcName, ""},
		{NumFields + 5, ""},
	}
	for _, tt := range tests {
		got := ev.FieldKeys(tt.id, []string{"keep"})
		if got[0] != "keep" || strings.Join(got[1:], " ") != tt.want {
			t.Errorf("FieldKeys(%d) = %q, want keep + %q", tt.id, got, tt.want)
		}
	}
}

func benchEvent(tb testing.TB) (*MapEvent, []Ref) {
	r := NewRegistry()
	ev, err := NewMapEvent(r, mustType(tb, "execve"), map[string]string{
		"proc.name": "bash", "proc.cmdline": "bash -c id", "proc.pid": "77", "user.uid": "0",
		"proc.aname[1]": "sshd", "proc.aname[2]": "systemd", "evt.arg.flags": "EXE_WRITABLE",
		"fd.types": "(file,ipv4)", "evt.buffer": "abc", "fd.sip": "10.0.0.1",
	})
	if err != nil {
		tb.Fatal(err)
	}
	refs := []Ref{
		{ID: ProcName}, {ID: ProcCmdline}, {ID: ProcPID}, {ID: UserUID},
		{ID: ProcAname, Arg: Arg{Kind: ArgIndex, Index: 2}}, {ID: EvtArg, Arg: Arg{Kind: ArgKey, Key: "flags"}},
		{ID: FdTypes}, {ID: EvtBuffer}, {ID: FdSIP}, {ID: ProcExe},
	}
	return ev, refs
}

func TestMapEventExtractNoAllocs(t *testing.T) {
	ev, refs := benchEvent(t)
	var v Value
	for i := range refs { // let v's buffers grow once
		ev.Extract(&refs[i], &v)
	}
	n := testing.AllocsPerRun(100, func() {
		for i := range refs {
			v.Reset()
			ev.Extract(&refs[i], &v)
		}
	})
	if n != 0 {
		t.Errorf("Extract allocates: %v per round", n)
	}
}

func BenchmarkExtract(b *testing.B) {
	ev, refs := benchEvent(b)
	var v Value
	var e Event = ev
	b.ReportAllocs()
	for b.Loop() {
		for i := range refs {
			v.Reset()
			e.Extract(&refs[i], &v)
		}
	}
}
