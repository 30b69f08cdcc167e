package main

import (
	"encoding/binary"
	"os"
	"testing"

	"github.com/vigilsec/vigil/collector"
	"github.com/vigilsec/vigil/collector/proc"
	"github.com/vigilsec/vigil/collector/record"
	"github.com/vigilsec/vigil/rules"
	"github.com/vigilsec/vigil/rules/fields"
	"github.com/vigilsec/vigil/rules/rulefile"
)

// syntheticWorkload returns a state with 64 long-running processes and one
// cycle of encoded records they make: file opens (libraries, configuration,
// /proc, application files), reads and closes, failed opens, connects, and
// execs that alternate between two programs, so that replaying the cycle
// again and again keeps the state steady. About one event in a thousand is
// sensitive (an /etc/shadow read by python3) and matches a stable rule.
func syntheticWorkload(tb testing.TB) (*collector.State, [][]byte) {
	tb.Helper()
	tbl := proc.New(proc.Config{})
	var states []proc.ProcessState
	root := proc.Creds{LoginUID: proc.UnsetLoginUID}
	states = append(states, proc.ProcessState{Pid: 1, Start: 1, Comm: "systemd", Exe: "/sbin/init", ExePath: "/usr/lib/systemd/systemd",
		Cwd: "/", Creds: root, Threads: []proc.ThreadState{{Tid: 1, Start: 1}}})
	comms := []string{"nginx", "python3", "java", "postgres", "bash", "node", "redis-server", "sshd"}
	for i := range 64 {
		pid := uint32(1000 + i)
		c := comms[i%len(comms)]
		states = append(states, proc.ProcessState{Pid: pid, Start: uint64(10 + i), Ppid: 1, Comm: c, Exe: c,
			ExePath: "/usr/bin/" + c, Cwd: "/srv/", Creds: root, Threads: []proc.ThreadState{{Tid: pid, Start: uint64(10 + i)}}})
	}
	tbl.Restore(states)
	st := collector.NewState(tbl, nil, nil, record.ArchAMD64)

	readNr, _ := record.SyscallNumber(record.ArchAMD64, "read")
	nr := binary.LittleEndian.AppendUint32(nil, uint32(readNr))
	cwd := uint64(1<<64 - 100) // AT_FDCWD
	var cycle [][]byte
	add := func(r record.Record) {
		b, err := record.Encode(nil, &r)
		if err != nil {
			tb.Fatal(err)
		}
		cycle = append(cycle, b)
	}
	open := func(pid uint32, path string, flags uint64, ret int64) {
		add(record.Record{Header: record.Header{TGID: pid, TID: pid, Kind: record.KindOpenat, Ret: ret},
			Args: [record.MaxArgs]uint64{cwd, flags, 0o644, 0, 2049, 77}, Data: [record.MaxData][]byte{[]byte(path)}})
	}
	files := []string{"/usr/lib/x86_64-linux-gnu/libc.so.6", "/etc/ld.so.cache", "/proc/self/stat", "/srv/app/index.html",
		"/etc/passwd", "/var/log/app/access.log", "/etc/hosts", "/srv/app/static/main.css"}
	info := record.AppendExecInfo(nil, &record.ExecInfo{PPID: 1, LoginUID: ^uint32(0), VTGID: 0})
	for round := range 16 {
		for i := range 64 {
			pid := uint32(1000 + i)
			f := files[(i+round)%len(files)]
			flags := uint64(0o2000000) // O_RDONLY|O_CLOEXEC
			if f == "/var/log/app/access.log" {
				flags = 0o2102101 // O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC
			}
			open(pid, f, flags, 3)
			add(record.Record{Header: record.Header{TGID: pid, TID: pid, Kind: record.KindGeneric, Ret: 512},
				Args: [record.MaxArgs]uint64{3, 0, 4096}, Data: [record.MaxData][]byte{nr}})
			add(record.Record{Header: record.Header{TGID: pid, TID: pid, Kind: record.KindClose}, Args: [record.MaxArgs]uint64{3}})
			if (i+round)%8 == 0 {
				open(pid, "/srv/app/missing.cfg", 0, -2)
			}
			if (i+round)%16 == 0 {
				add(record.Record{Header: record.Header{TGID: pid, TID: pid, Kind: record.KindConnect},
					Args: [record.MaxArgs]uint64{5, 0, 0},
					Data: [record.MaxData][]byte{{2, 0, 0x01, 0xbb, 10, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}}})
			}
		}
		// A worker execs a tool and back; every fourth round python3 reads /etc/shadow.
		pid := uint32(1000 + round)
		for _, prog := range []string{"grep", comms[round%len(comms)]} {
			add(record.Record{Header: record.Header{TGID: pid, TID: pid, Kind: record.KindExecve},
				Args: [record.MaxArgs]uint64{cwd, 0, uint64(pid)},
				Data: [record.MaxData][]byte{[]byte("/usr/bin/" + prog), []byte(prog + "\x00-q\x00pattern\x00"), []byte("/usr/bin/" + prog),
					[]byte("/usr/bin/" + prog), []byte("/srv"), []byte(prog), nil, info}})
		}
		if round%4 == 0 {
			open(1001, "/etc/shadow", 0, 4)
			add(record.Record{Header: record.Header{TGID: 1001, TID: 1001, Kind: record.KindClose}, Args: [record.MaxArgs]uint64{4}})
		}
	}
	return st, cycle
}

// TestSyntheticWorkload checks that the benchmark's workload does what it
// claims: one cycle applies cleanly and only the four /etc/shadow reads
// match, as "Read sensitive file untrusted".
func TestSyntheticWorkload(t *testing.T) {
	data, err := os.ReadFile(sharedRules + "/falco_rules.yaml")
	if err != nil {
		t.Skipf("upstream rules not available: %v", err)
	}
	rs, problems := rules.Load(fields.NewRegistry(), rules.Options{Matching: rules.MatchAll}, rulefile.Source{Name: "falco_rules.yaml", Data: data})
	if rs == nil || rulefile.HasErrors(problems) {
		t.Fatalf("load: %v", problems)
	}
	st, cycle := syntheticWorkload(t)
	x := rs.NewEvaluator()
	var r record.Record
	var ev collector.Event
	var got []string
	for i, b := range cycle {
		binary.LittleEndian.PutUint64(b[0:8], uint64(1000+i))
		if err := record.Decode(b, &r); err != nil {
			t.Fatal(err)
		}
		st.Apply(&r, &ev)
		if ev.Type() == fields.EventUnknown {
			t.Fatalf("record %d (%s) has no event type", i, r.Kind)
		}
		x.Evaluate(&ev, func(rule *rules.Rule) bool { got = append(got, rule.Name); return true })
	}
	if len(got) != 4 {
		t.Fatalf("%d matches in one cycle of %d events, want the 4 shadow reads: %v", len(got), len(cycle), got)
	}
	for _, name := range got {
		if name != "Read sensitive file untrusted" {
			t.Errorf("unexpected match %q", name)
		}
	}
}

// BenchmarkReplayPipeline is the offline engine throughput: one op is one
// record decoded, applied to the state and evaluated against the upstream
// stable rules (falco_rules.yaml, unmodified), single-threaded, as the
// agent's source goroutine does. It reports events/s, the share of events
// whose type has candidate rules, and matches per 1000 events.
func BenchmarkReplayPipeline(b *testing.B) {
	path := sharedRules + "/falco_rules.yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		b.Skipf("upstream rules not available: %v", err)
	}
	rs, problems := rules.Load(fields.NewRegistry(), rules.Options{}, rulefile.Source{Name: "falco_rules.yaml", Data: data})
	if rs == nil || rulefile.HasErrors(problems) {
		b.Fatalf("load: %v", problems)
	}
	st, cycle := syntheticWorkload(b)
	x := rs.NewEvaluator()
	var (
		r       record.Record
		ev      collector.Event
		ts      uint64 = 1000
		matches int
		hits    int
		buf     = make([]byte, 0, 4096)
	)
	emit := func(*rules.Rule) bool { matches++; return true }
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		buf = append(buf[:0], cycle[i%len(cycle)]...)
		ts++
		binary.LittleEndian.PutUint64(buf[0:8], ts) // time moves forward on every pass
		if err := record.Decode(buf, &r); err != nil {
			b.Fatal(err)
		}
		st.Apply(&r, &ev)
		if rs.NumRulesFor(ev.Type()) > 0 {
			hits++
		}
		x.Evaluate(&ev, emit)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(hits)/float64(b.N), "candidate-rate")
	b.ReportMetric(1000*float64(matches)/float64(b.N), "matches/1k")
}
