package fields

import (
	"errors"
	"strings"
	"testing"
)

// TestFieldIDs checks that the field table gives every ID from 1 to
// NumFields-1 exactly one descriptor and that names are unique.
func TestFieldIDs(t *testing.T) {
	seen := make(map[ID]string)
	names := make(map[string]ID)
	for _, class := range syscallFieldClasses {
		for _, f := range class {
			if f.ID == 0 || f.ID >= NumFields {
				t.Errorf("%s: ID %d out of range", f.Name, f.ID)
				continue
			}
			if prev, dup := seen[f.ID]; dup {
				t.Errorf("ID %d used by %s and %s", f.ID, prev, f.Name)
			}
			seen[f.ID] = f.Name
			if prev, dup := names[f.Name]; dup {
				t.Errorf("name %s used by IDs %d and %d", f.Name, prev, f.ID)
			}
			names[f.Name] = f.ID
		}
	}
	for id := ID(1); id < NumFields; id++ {
		if _, ok := seen[id]; !ok {
			t.Errorf("ID %d has no field", id)
		}
	}
	r := NewRegistry()
	if got, want := len(r.Fields()), int(NumFields)-1; got != want {
		t.Errorf("registry has %d fields, want %d", got, want)
	}
	for i, f := range r.Fields() {
		if f.ID != ID(i+1) {
			t.Errorf("Fields()[%d] has ID %d", i, f.ID)
		}
		if r.Field(f.ID).Name != f.Name || r.Lookup(f.Name).ID != f.ID {
			t.Errorf("%s: Field/Lookup disagree", f.Name)
		}
	}
	if r.Field(0) != nil || r.Field(NumFields) != nil {
		t.Error("Field accepts IDs outside the table")
	}
}

// TestFieldDescriptors checks each descriptor for consistency.
func TestFieldDescriptors(t *testing.T) {
	r := NewRegistry()
	for _, f := range r.Fields() {
		if f.Type.String() == "unknown" {
			t.Errorf("%s: no type", f.Name)
		}
		if len(f.Desc) < 15 || !strings.HasSuffix(f.Desc, ".") {
			t.Errorf("%s: description %q is not a sentence", f.Name, f.Desc)
		}
		if strings.Count(f.Name, ".") < 1 || strings.ContainsAny(f.Name, " []") {
			t.Errorf("%s: malformed name", f.Name)
		}
		if f.Either[0] != 0 {
			if !f.Flags.Has(FilterOnly) {
				t.Errorf("%s: Either field not filter-only", f.Name)
			}
			for _, side := range f.Either {
				sf := r.Field(side)
				if sf == nil || sf.Flags.Has(FilterOnly) || sf.Either[0] != 0 {
					t.Errorf("%s: bad side %d", f.Name, side)
					continue
				}
				want := f.Type
				if want == TypeIPNet {
					want = TypeIP
				}
				if sf.Type != want {
					t.Errorf("%s: side %s is %s, want %s", f.Name, sf.Name, sf.Type, want)
				}
			}
		}
		if f.Flags.Has(FilterOnly) && f.Either[0] == 0 {
			t.Errorf("%s: filter-only without sides: sources would have to extract it", f.Name)
		}
		if f.Type == TypeIPNet && !f.Flags.Has(FilterOnly) {
			t.Errorf("%s: network fields are filter-only", f.Name)
		}
		if f.Flags.Has(AnyAncestor) && (f.Arg != ArgIndexOptional || !f.Flags.Has(NoRHS)) {
			t.Errorf("%s: ancestor fields take an optional index and are not RHS", f.Name)
		}
		if f.Flags.Has(DottedArg) && f.Arg != ArgKeyRequired && f.Arg != ArgIndexOrKey {
			t.Errorf("%s: dotted argument on a field that takes no key", f.Name)
		}
	}
}

// upstreamFields are the 90 field names the upstream Falco rules files
// (stable, incubating, sandbox) use, each as written there, with one of its
// arguments where it takes one.
var upstreamFields = []string{
	"evt.arg.domain", "evt.arg.flags", "evt.arg.linkpath", "evt.arg.newpath", "evt.arg.oldpath",
	"evt.arg.request", "evt.arg.target", "evt.args", "evt.is_open_read", "evt.is_open_write", "evt.num",
	"evt.rawres", "evt.res", "evt.type",
	"fd.connected", "fd.directory", "fd.filename", "fd.ip", "fd.l4proto", "fd.lport", "fd.name",
	"fd.name_changed", "fd.nameraw", "fd.net", "fd.num", "fd.rport", "fd.sip", "fd.sip.name", "fd.snet",
	"fd.sport", "fd.type", "fd.typechar",
	"proc.aexepath[2]", "proc.aname", "proc.aname[7]", "proc.args", "proc.cmdline", "proc.cwd", "proc.duration",
	"proc.exe", "proc.exe_ino.ctime", "proc.exe_ino.ctime_duration_proc_start", "proc.exe_ino.mtime",
	"proc.exepath", "proc.is_exe_from_memfd", "proc.is_exe_upper_layer", "proc.name", "proc.pcmdline",
	"proc.pexe", "proc.pexepath", "proc.pname", "proc.sname", "proc.tty", "thread.cap_effective",
	"group.gid", "group.name", "user.loginname", "user.loginuid", "user.name", "user.uid",
	"container.id", "container.image.repository", "container.privileged", "container.start_ts", "k8s.ns.name",
	// incubating
	"evt.arg.cmd", "evt.arg.fd", "evt.arg.filename", "evt.arg.mode", "evt.arg.name", "evt.arg.path",
	"evt.arg.uid", "fd.cip.name", "fd.lip.name", "fd.port", "fd.rip.name", "fd.rnet", "fd.sockfamily",
	"proc.aexe[2]", "proc.env", "proc.vpid", "thread.cap_permitted",
	// sandbox
	"container.mount.dest[/var/run/docker.sock]", "container.mounts", "evt.buffer", "evt.is_open_exec",
	"fd.cip", "fd.cnet", "fd.rip", "k8s.pod.name", "proc.is_vpgid_leader",
}

func TestUpstreamFieldsResolve(t *testing.T) {
	r := NewRegistry()
	distinct := make(map[string]bool)
	for _, expr := range upstreamFields {
		name, arg, hasArg, err := splitFieldExpr(expr)
		if err != nil {
			t.Fatal(err)
		}
		distinct[name] = true
		ref, f, err := r.Resolve(name, arg, hasArg)
		if err != nil {
			t.Errorf("%s: %v", expr, err)
			continue
		}
		if ref.Arg.Kind == ArgKey && ref.ID == EvtArg && !ParamKnown(ref.Arg.Key) {
			t.Errorf("%s: no event has parameter %s", expr, ref.Arg.Key)
		}
		if f.ID != ref.ID {
			t.Errorf("%s: field %d for ref %d", expr, f.ID, ref.ID)
		}
	}
	if len(distinct) != 90 {
		t.Errorf("%d distinct upstream names, want 90", len(distinct))
	}
}

func TestResolve(t *testing.T) {
	r := NewRegistry()
	tests := []struct {
		name, arg string
		hasArg    bool
		want      Ref
		wantType  Type
		err       string
	}{
		{name: "proc.name", want: Ref{ID: ProcName}, wantType: TypeString},
		{name: "evt.args", want: Ref{ID: EvtArgs}, wantType: TypeString},
		{name: "proc.aname", want: Ref{ID: ProcAname}, wantType: TypeString},
		{name: "proc.aname", arg: "2", hasArg: true, want: Ref{ID: ProcAname, Arg: Arg{Kind: ArgIndex, Index: 2}}, wantType: TypeString},
		{name: "proc.aname", arg: "0", hasArg: true, want: Ref{ID: ProcAname, Arg: Arg{Kind: ArgIndex}}, wantType: TypeString},
		{name: "evt.arg.flags", want: Ref{ID: EvtArg, Arg: Arg{Kind: ArgKey, Key: "flags"}}, wantType: TypeString},
		{name: "evt.arg", arg: "flags", hasArg: true, want: Ref{ID: EvtArg, Arg: Arg{Kind: ArgKey, Key: "flags"}}, wantType: TypeString},
		{name: "evt.arg", arg: "1", hasArg: true, want: Ref{ID: EvtArg, Arg: Arg{Kind: ArgIndex, Index: 1}}, wantType: TypeString},
		{name: "evt.rawarg.res", want: Ref{ID: EvtRawarg, Arg: Arg{Kind: ArgKey, Key: "res"}}, wantType: TypeInt},
		{name: "evt.rawarg.flags", want: Ref{ID: EvtRawarg, Arg: Arg{Kind: ArgKey, Key: "flags"}}, wantType: TypeUint},
		{name: "evt.rawarg", arg: "name", hasArg: true, want: Ref{ID: EvtRawarg, Arg: Arg{Kind: ArgKey, Key: "name"}}, wantType: TypeString},
		{name: "evt.rawarg.data", want: Ref{ID: EvtRawarg, Arg: Arg{Kind: ArgKey, Key: "data"}}, wantType: TypeBytes},
		{name: "k8s.pod.label.app", want: Ref{ID: K8sPodLabel, Arg: Arg{Kind: ArgKey, Key: "app"}}, wantType: TypeString},
		{name: "k8s.pod.label.app.kubernetes.io/name", want: Ref{ID: K8sPodLabel, Arg: Arg{Kind: ArgKey, Key: "app.kubernetes.io/name"}}, wantType: TypeString},
		{name: "k8s.pod.label", arg: "app", hasArg: true, want: Ref{ID: K8sPodLabel, Arg: Arg{Kind: ArgKey, Key: "app"}}, wantType: TypeString},
		{name: "k8s.pod.labels", want: Ref{ID: K8sPodLabels}, wantType: TypeString},
		{name: "container.label.app", want: Ref{ID: ContainerLabel, Arg: Arg{Kind: ArgKey, Key: "app"}}, wantType: TypeString},
		{name: "container.label.com.example.team", want: Ref{ID: ContainerLabel, Arg: Arg{Kind: ArgKey, Key: "com.example.team"}}, wantType: TypeString},
		{name: "container.label", arg: "app", hasArg: true, want: Ref{ID: ContainerLabel, Arg: Arg{Kind: ArgKey, Key: "app"}}, wantType: TypeString},
		{name: "container.label", arg: "0", hasArg: true, want: Ref{ID: ContainerLabel, Arg: Arg{Kind: ArgKey, Key: "0"}}, wantType: TypeString},
		{name: "container.labels", want: Ref{ID: ContainerLabels}, wantType: TypeString},
		{name: "proc.env", want: Ref{ID: ProcEnv}, wantType: TypeString},
		{name: "proc.env", arg: "HOME", hasArg: true, want: Ref{ID: ProcEnv, Arg: Arg{Kind: ArgKey, Key: "HOME"}}, wantType: TypeString},
		{name: "container.mount.dest", arg: "/var/run/docker.sock", hasArg: true, want: Ref{ID: ContainerMountDest, Arg: Arg{Kind: ArgKey, Key: "/var/run/docker.sock"}}, wantType: TypeString},
		{name: "container.mount.dest", arg: "0", hasArg: true, want: Ref{ID: ContainerMountDest, Arg: Arg{Kind: ArgIndex}}, wantType: TypeString},
		{name: "fd.types", want: Ref{ID: FdTypes}, wantType: TypeString},
		{name: "fd.types", arg: "3", hasArg: true, want: Ref{ID: FdTypes, Arg: Arg{Kind: ArgIndex, Index: 3}}, wantType: TypeString},
		{name: "fd.sip.name", want: Ref{ID: FdSIPName}, wantType: TypeString},
		{name: "fd.snet", want: Ref{ID: FdSnet}, wantType: TypeIPNet},

		{name: "proc.name", arg: "1", hasArg: true, err: "field proc.name does not take an argument"},
		{name: "evt.arg", err: "field evt.arg requires an argument"},
		{name: "evt.rawarg", err: "field evt.rawarg requires an argument"},
		{name: "container.mount.dest", err: "field container.mount.dest requires an argument"},
		{name: "k8s.pod.label", err: "field k8s.pod.label requires an argument"},
		{name: "container.label", err: "field container.label requires an argument"},
		{name: "container.label.", err: "field container.label: empty argument after the dot"},
		{name: "container.label.app", arg: "x", hasArg: true, err: "argument given twice"},
		{name: "container.labels", arg: "app", hasArg: true, err: "field container.labels does not take an argument"},
		{name: "proc.aname", arg: "x", hasArg: true, err: `field proc.aname takes a numeric index from 0 to 1048576, not "x"`},
		{name: "proc.aname", arg: "-1", hasArg: true, err: `takes a numeric index`},
		{name: "proc.aname", arg: "99999999999999999999", hasArg: true, err: `takes a numeric index`},
		{name: "proc.aname", arg: "", hasArg: true, err: "field proc.aname: empty argument"},
		{name: "evt.arg.flags", arg: "0", hasArg: true, err: "argument given twice"},
		{name: "evt.arg.", err: "empty argument after the dot"},
		{name: "evt.rawarg.nosuchparam", err: "unknown event argument nosuchparam"},
		{name: "evt.rawarg", arg: "0", hasArg: true, err: "unknown event argument 0"},
		{name: "proc.nosuch", err: `unknown field "proc.nosuch"`},
		{name: "proc.name.x", err: `unknown field "proc.name.x"`},
		{name: "proc", err: `unknown field "proc"`},
		{name: "", err: `unknown field ""`},
	}
	for _, tt := range tests {
		label := tt.name
		if tt.hasArg {
			label += "[" + tt.arg + "]"
		}
		ref, f, err := r.Resolve(tt.name, tt.arg, tt.hasArg)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want %q", label, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", label, err)
			continue
		}
		if ref != tt.want {
			t.Errorf("%s: ref %+v, want %+v", label, ref, tt.want)
		}
		if f.Type != tt.wantType || f.ID != ref.ID {
			t.Errorf("%s: field %s of type %s, want type %s", label, f.Name, f.Type, tt.wantType)
		}
	}
}

func TestResolveErrorTypes(t *testing.T) {
	r := NewRegistry()
	_, _, err := r.Resolve("proc.nosuch", "", false)
	var ufe *UnknownFieldError
	if !errors.As(err, &ufe) || ufe.Name != "proc.nosuch" {
		t.Errorf("unknown field: %v", err)
	}
	_, _, err = r.Resolve("evt.rawarg.bogus", "", false)
	var upe *UnknownParamError
	if !errors.As(err, &upe) || upe.Name != "bogus" {
		t.Errorf("unknown param: %v", err)
	}
	// A misspelt evt.arg name is an error, as in Falco; known names and
	// positions resolve.
	upe = nil
	if _, _, err := r.Resolve("evt.arg.bogus", "", false); !errors.As(err, &upe) || upe.Name != "bogus" {
		t.Errorf("evt.arg.bogus: %v", err)
	}
	for _, ok := range [][2]string{{"evt.arg.flags", ""}, {"evt.arg", "flags"}, {"evt.arg", "0"}} {
		if _, _, err := r.Resolve(ok[0], ok[1], ok[1] != ""); err != nil {
			t.Errorf("%s[%s]: %v", ok[0], ok[1], err)
		}
	}
	// The generic evt.rawarg descriptor is not modified by typed lookups.
	if r.Field(EvtRawarg).Type != TypeString {
		t.Error("generic evt.rawarg type changed")
	}
}

// FuzzResolve feeds rule-file field references to Resolve: it must not
// panic, and a success must name a registered field and a usable argument.
func FuzzResolve(f *testing.F) {
	for _, s := range upstreamFields {
		f.Add(s, "", false)
	}
	f.Add("proc.aname", "3", true)
	f.Add("evt.arg", "flags", true)
	f.Add("evt.rawarg.res", "", false)
	f.Add("k8s.pod.label.", "", false)
	r := NewRegistry()
	f.Fuzz(func(t *testing.T, name, arg string, hasArg bool) {
		ref, fld, err := r.Resolve(name, arg, hasArg)
		if err != nil {
			return
		}
		if fld == nil || r.Field(ref.ID) == nil || fld.ID != ref.ID {
			t.Fatalf("%q[%q]: ref %+v field %v", name, arg, ref, fld)
		}
		switch ref.Arg.Kind {
		case ArgNone:
			if fld.Arg == ArgKeyRequired || fld.Arg == ArgIndexRequired || fld.Arg == ArgIndexOrKey {
				t.Fatalf("%q: required argument missing", name)
			}
		case ArgIndex:
			if ref.Arg.Index < 0 || ref.Arg.Index > maxArgIndex {
				t.Fatalf("%q: index %d", name, ref.Arg.Index)
			}
		case ArgKey:
			if ref.Arg.Key == "" || fld.Arg == ArgNotAllowed {
				t.Fatalf("%q: bad key %q", name, ref.Arg.Key)
			}
		}
	})
}
