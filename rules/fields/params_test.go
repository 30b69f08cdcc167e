package fields

import (
	"slices"
	"testing"
)

// upstreamEventTypes are the event types the upstream rules files bind to
// (stable, incubating and sandbox together).
var upstreamEventTypes = []string{
	"connect", "dup", "dup2", "dup3", "execve", "execveat", "finit_module", "init_module", "link", "linkat",
	"open", "openat", "openat2", "ptrace", "sendmsg", "sendto", "socket", "symlink", "symlinkat",
	"accept", "accept4", "bpf", "chmod", "creat", "fchmod", "fchmodat", "listen", "rename", "renameat",
	"renameat2", "rmdir", "setns", "setuid", "unlink", "unlinkat", "unshare",
	"mkdir", "mkdirat", "recvfrom", "recvmsg", "userfaultfd",
}

func TestEventParamsCoverUpstream(t *testing.T) {
	for _, name := range upstreamEventTypes {
		et, ok := LookupEventType(name)
		if !ok {
			t.Errorf("%s: not an event type", name)
			continue
		}
		if len(EventParams(et)) == 0 {
			t.Errorf("%s: no parameters", name)
		}
	}
}

func TestEventParamsTable(t *testing.T) {
	for name, ps := range eventParams {
		if _, ok := LookupEventType(name); !ok {
			t.Errorf("%s: parameter table for an unknown event type", name)
		}
		seen := map[string]bool{}
		for _, p := range ps {
			if p.Name == "" || p.Type.String() == "unknown" {
				t.Errorf("%s: bad parameter %+v", name, p)
			}
			if seen[p.Name] {
				t.Errorf("%s: parameter %s twice", name, p.Name)
			}
			seen[p.Name] = true
			if _, amb := ambiguousParamTypes[p.Name]; !amb {
				if pt, _ := ParamType(p.Name); pt != p.Type {
					t.Errorf("%s.%s is %s here and %s elsewhere; list it in ambiguousParamTypes", name, p.Name, p.Type, pt)
				}
			}
		}
	}
	for n := range ambiguousParamTypes {
		if !ParamKnown(n) {
			t.Errorf("ambiguous parameter %s is not a parameter", n)
		}
	}
	if EventParams(EventUnknown) != nil || EventParams(NumEventTypes) != nil {
		t.Error("parameters for an invalid event type")
	}
}

// TestUpstreamParams checks the parameters upstream rules read with
// evt.arg.NAME on the events they read them from.
func TestUpstreamParams(t *testing.T) {
	tests := []struct {
		event string
		param string
		fmt   ParamFmt
	}{
		{"socket", "domain", FmtSockDomain},
		{"open", "flags", FmtOpenFlags},
		{"openat", "flags", FmtOpenFlags},
		{"openat2", "flags", FmtOpenFlags},
		{"execve", "flags", FmtExecveFlags},
		{"execveat", "flags", FmtExecveFlags},
		{"symlink", "linkpath", FmtPath},
		{"symlinkat", "linkpath", FmtPath},
		{"symlinkat", "target", FmtDec},
		{"link", "newpath", FmtPath},
		{"linkat", "oldpath", FmtPath},
		{"ptrace", "request", FmtPtraceRequest},
		{"bpf", "cmd", FmtBPFCmd},
		{"fchmod", "fd", FmtFD},
		{"chmod", "filename", FmtPath},
		{"fchmodat", "filename", FmtPath},
		{"chmod", "mode", FmtMode},
		{"fchmodat", "mode", FmtMode},
		{"open", "name", FmtPath},
		{"unlinkat", "name", FmtPath},
		{"mkdir", "path", FmtPath},
		{"mkdirat", "path", FmtPath},
		{"rmdir", "path", FmtPath},
		{"unlink", "path", FmtPath},
		{"setuid", "uid", FmtUID},
		{"execve", "filename", FmtPath},
		{"connect", "tuple", FmtSockTuple},
		{"sendto", "tuple", FmtSockTuple},
		{"accept4", "queuepct", FmtDec},
		{"dup2", "newfd", FmtFD},
	}
	for _, tt := range tests {
		et, _ := LookupEventType(tt.event)
		i, ok := ParamIndex(et, tt.param)
		if !ok || !HasParam(et, tt.param) {
			t.Errorf("%s has no %s", tt.event, tt.param)
			continue
		}
		if p := EventParams(et)[i]; p.Fmt != tt.fmt {
			t.Errorf("%s.%s format %d, want %d", tt.event, tt.param, p.Fmt, tt.fmt)
		}
		if !ParamKnown(tt.param) {
			t.Errorf("ParamKnown(%s) = false", tt.param)
		}
	}
	if ParamKnown("flgs") || ParamKnown("") {
		t.Error("ParamKnown accepts unknown names")
	}
	if et, _ := LookupEventType("open"); HasParam(et, "request") {
		t.Error("open has a request parameter")
	}
}

// TestExitParamOrder pins the positions rules reach with evt.arg[N].
func TestExitParamOrder(t *testing.T) {
	tests := []struct {
		event string
		names []string
	}{
		{"openat", []string{"fd", "dirfd", "name", "flags", "mode", "dev", "ino"}},
		{"socket", []string{"fd", "domain", "type", "proto"}},
		{"connect", []string{"res", "tuple", "fd", "addr"}},
		{"setuid", []string{"res", "uid"}},
		{"ptrace", []string{"res", "addr", "data", "request", "pid"}},
	}
	for _, tt := range tests {
		et, _ := LookupEventType(tt.event)
		var got []string
		for _, p := range EventParams(et) {
			got = append(got, p.Name)
		}
		if !slices.Equal(got, tt.names) {
			t.Errorf("%s: %v, want %v", tt.event, got, tt.names)
		}
	}
}
