package kernel

import (
	"errors"
	"sort"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/vigilsec/vigil/collector/record"
)

// TestObjectsParse checks both committed objects without loading them: the
// programs, maps and variables the loader relies on are present.
func TestObjectsParse(t *testing.T) {
	wantProgs := map[string]bool{"h_generic": true}
	for _, n := range requiredPrograms {
		wantProgs[n] = true
	}
	for _, e := range enterPrograms {
		wantProgs[e.prog] = true
	}
	for _, h := range handlerOf {
		wantProgs[h] = true
	}
	for _, obj := range []string{"vigil_x86_bpfel.o", "vigil_arm64_bpfel.o"} {
		t.Run(obj, func(t *testing.T) {
			spec, err := ebpf.LoadCollectionSpec(obj)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for name := range spec.Programs {
				got = append(got, name)
				if !wantProgs[name] && name[:2] != "g_" {
					t.Errorf("unexpected program %s", name)
				}
			}
			sort.Strings(got)
			for name := range wantProgs {
				if spec.Programs[name] == nil {
					t.Errorf("program %s missing (have %v)", name, got)
				}
			}
			for _, m := range []string{"rings", "scratch", "handlers", "counters", "stash_paths", "stash_execs"} {
				if spec.Maps[m] == nil {
					t.Errorf("map %s missing", m)
				}
			}
			if r := spec.Maps["rings"]; r != nil && (r.InnerMap == nil || r.InnerMap.Type != ebpf.RingBuf) {
				t.Errorf("rings is not an array of ring buffers")
			}
			if c := spec.Maps["counters"]; c != nil && c.ValueSize != record.NumKinds*kernelReasonSlots*8 {
				t.Errorf("counters value size %d, want %d", c.ValueSize, record.NumKinds*kernelReasonSlots*8)
			}
			for _, v := range []string{"self_tgid", "cpus_per_ring", "wakeup_bytes", "cgroup_hierarchy", "kind_of_slot", "ia32_slot", "interest", "tp_enable"} {
				if spec.Variables[v] == nil {
					t.Errorf("variable %s missing", v)
				}
			}
			if v := spec.Variables["interest"]; v != nil && (v.Constant() || v.Size() != numSlots/8) {
				t.Errorf("interest: constant %v size %d", v.Constant(), v.Size())
			}
			if v := spec.Variables["kind_of_slot"]; v != nil && (!v.Constant() || v.Size() != numSlots*2) {
				t.Errorf("kind_of_slot: constant %v size %d", v.Constant(), v.Size())
			}
		})
	}
}

func TestBuildSlots(t *testing.T) {
	for _, tt := range []struct {
		arch     record.Arch
		name     string
		kind     record.Kind
		handler  string
		ia32Open uint16
	}{
		{record.ArchAMD64, "openat", record.KindOpenat, "h_open", 2},
		{record.ArchARM64, "openat", record.KindOpenat, "h_open", noSlot},
	} {
		s, err := buildSlots(tt.arch)
		if err != nil {
			t.Fatal(err)
		}
		nr, _ := record.SyscallNumber(tt.arch, tt.name)
		if record.Kind(s.kind[nr]) != tt.kind || s.handler[nr] != tt.handler {
			t.Errorf("%v %s: kind %d handler %s", tt.arch, tt.name, s.kind[nr], s.handler[nr])
		}
		readNr, _ := record.SyscallNumber(tt.arch, "read")
		if record.Kind(s.kind[readNr]) != record.KindGeneric || s.handler[readNr] != "h_generic" {
			t.Errorf("%v read: kind %d handler %s", tt.arch, s.kind[readNr], s.handler[readNr])
		}
		if s.ia32[5] != tt.ia32Open {
			t.Errorf("%v ia32 open -> %d, want %d", tt.arch, s.ia32[5], tt.ia32Open)
		}
		if s.handler[compatSlot] != "h_generic" || record.Kind(s.kind[compatSlot]) != record.KindGeneric {
			t.Errorf("%v compat slot: %s %d", tt.arch, s.handler[compatSlot], s.kind[compatSlot])
		}
		// every syscall kind present in this table gets its own handler
		for _, k := range record.Kinds() {
			sc := k.Schema()
			if !sc.Syscall {
				continue
			}
			nr, ok := record.SyscallNumber(tt.arch, sc.Name)
			if !ok {
				continue
			}
			if record.Kind(s.kind[nr]) != k || s.handler[nr] == "h_generic" || s.handler[nr] == "" {
				t.Errorf("%v %s: kind %d handler %q", tt.arch, sc.Name, s.kind[nr], s.handler[nr])
			}
		}
	}
	if _, err := buildSlots(record.ArchUnknown); err == nil {
		t.Error("unknown arch accepted")
	}
}

func TestCompileInterest(t *testing.T) {
	in, err := CompileInterest([]string{"openat", "execve", "procexit", "clone"}, record.ArchAMD64, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"openat", "execve", "clone"} {
		nr, _ := record.SyscallNumber(record.ArchAMD64, name)
		if !in.Has(nr) {
			t.Errorf("%s not selected", name)
		}
	}
	if nr, _ := record.SyscallNumber(record.ArchAMD64, "read"); in.Has(nr) {
		t.Error("read selected")
	}
	if in.tp != tpExec|tpExit|tpFork {
		t.Errorf("tp %#x", in.tp)
	}
	if !in.Has(compatSlot) {
		t.Error("compat generic slot not selected")
	}
	if got := in.String(); got != "4 syscalls +exec +fork +exit" {
		t.Errorf("String %q", got)
	}

	in, err = CompileInterest([]string{"open", "procfork"}, record.ArchARM64, true)
	if err != nil {
		t.Fatalf("arm64 rejected open: %v", err)
	}
	if in.tp != tpFork || in.Has(compatSlot) {
		t.Errorf("arm64: tp %#x compat %v", in.tp, in.Has(compatSlot))
	}
	for nr := 0; nr < numSlots; nr++ {
		if in.Has(nr) {
			t.Errorf("arm64: syscall %d selected", nr)
		}
	}

	in, err = CompileInterest([]string{"bogus", "openat", "container", "bogus"}, record.ArchAMD64, false)
	var u *UnknownNamesError
	if !errors.As(err, &u) || len(u.Names) != 2 || u.Names[0] != "bogus" || u.Names[1] != "container" {
		t.Fatalf("error %v", err)
	}
	if nr, _ := record.SyscallNumber(record.ArchAMD64, "openat"); !in.Has(nr) || in.Has(compatSlot) {
		t.Error("known names not applied next to unknown ones")
	}
}

func TestConfigDefaults(t *testing.T) {
	c, err := Config{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.RingSize != defaultRingSize || c.CPUsPerRing != 1 || c.WakeupBytes != defaultRingSize/4 ||
		c.PollInterval != defaultPollInterval || c.ReorderWindow != defaultReorderWindow || c.IgnoreTGID == 0 ||
		c.CgroupHierarchy != "memory" {
		t.Errorf("defaults %+v", c)
	}
	if c, _ := (Config{TraceSelf: true}).withDefaults(); c.IgnoreTGID != 0 {
		t.Error("TraceSelf still ignores a tgid")
	}
	bad := []Config{
		{RingSize: 3 << 20},
		{RingSize: 4096},
		{CPUsPerRing: -1},
		{WakeupBytes: 1 << 30},
		{PollInterval: -1},
		{ReorderWindow: 2e9},
		{CgroupHierarchy: "cpu"},
	}
	for _, b := range bad {
		if _, err := b.withDefaults(); err == nil {
			t.Errorf("%+v accepted", b)
		}
	}
}

func TestReasons(t *testing.T) {
	if NumReasons > kernelReasonSlots {
		t.Fatal("more reasons than kernel counter slots")
	}
	for r := Reason(0); r < NumReasons; r++ {
		if r.String() == "" || r.String() == "unknown" {
			t.Errorf("reason %d unnamed", r)
		}
	}
	if !ReasonRingFull.Dropped() || ReasonEmitted.Dropped() || ReasonReadFault.Dropped() {
		t.Error("Dropped")
	}
}

func TestKernelFeatures(t *testing.T) {
	fs := kernelFeatures(record.ArchAMD64, true)
	if len(fs) == 0 || fs[0].Name != "rdonly_cast" || fs[0].Enabled {
		t.Fatalf("features %+v", fs)
	}
	for _, f := range kernelFeatures(record.NativeArch(), false) {
		t.Logf("%+v", f)
		if !f.Enabled && f.Reason == "" {
			t.Errorf("%s disabled without a reason", f.Name)
		}
	}
}

func TestFailedProgram(t *testing.T) {
	for msg, want := range map[string]string{
		"program enter_openat: load program: permission denied":  "enter_openat",
		"program enter_openat2: load program: invalid argument":  "enter_openat2",
		"program sys_exit: load program: argument list too long": "",
		"map rings: create: operation not permitted":             "",
	} {
		if got := failedProgram(errors.New(msg)); got != want {
			t.Errorf("%q: %q, want %q", msg, got, want)
		}
	}
}
