package fields

// Param describes one parameter of an event: its name as rules write it
// (`evt.arg.flags`, `evt.rawarg.res`), the type of its raw value (what
// `evt.rawarg.NAME` yields) and how `evt.arg`/`evt.args` render it as text.
type Param struct {
	Name string
	Type Type
	Fmt  ParamFmt
}

// ParamFmt says how a parameter's raw value is rendered as the text that
// `evt.arg.NAME` compares against and `evt.args` prints. A source maps each
// format to a renderer (see collector/linuxabi for the symbolic ones).
type ParamFmt uint8

// Parameter formats.
const (
	FmtDec           ParamFmt = iota // number in decimal, or text as is
	FmtHex                           // number in hexadecimal (devices, capability sets, addresses)
	FmtOct                           // number in octal (open/mkdir creation mode)
	FmtErrno                         // syscall result: the number; evt.arg gives the errno name when negative
	FmtFD                            // fd number; evt.arg gives <typechar>name when known, the errno name when negative
	FmtPath                          // path, absolute or relative to a dirfd parameter
	FmtBytes                         // byte buffer (I/O data, NUL-separated argv/env)
	FmtSockTuple                     // socket tuple, rendered like fd.name
	FmtSockAddr                      // socket address, rendered as ip:port or a unix path
	FmtOpenFlags                     // open(2) flags: O_TRUNC|O_CREAT|O_WRONLY
	FmtMode                          // chmod-family mode bits: S_IXUSR|S_ISUID
	FmtAccessMode                    // access(2) mode: R_OK|X_OK
	FmtSockDomain                    // socket address family: AF_INET
	FmtPtraceRequest                 // ptrace request: PTRACE_ATTACH
	FmtBPFCmd                        // bpf command: BPF_PROG_LOAD
	FmtCloneFlags                    // clone/unshare/setns flags: CLONE_NEWNS|...
	FmtExecveFlags                   // execve facts: EXE_WRITABLE|EXE_UPPER_LAYER
	FmtFcntlCmd                      // fcntl command: F_DUPFD
	FmtUID                           // uid; evt.arg gives the user name
	FmtGID                           // gid; evt.arg gives the group name
	FmtSignal                        // signal number
	FmtFlags                         // other flag word, rendered in hexadecimal
)

// EventParams returns the parameters of events of type t, in order (the
// index of `evt.arg[N]`), or nil for an event type without a parameter
// table. The slice is shared and must not be modified.
func EventParams(t EventType) []Param {
	if t == EventUnknown || t >= NumEventTypes {
		return nil
	}
	return eventParams[t.String()]
}

// HasParam reports whether events of type t have a parameter called name.
func HasParam(t EventType, name string) bool {
	for _, p := range EventParams(t) {
		if p.Name == name {
			return true
		}
	}
	return false
}

// ParamIndex returns the position of the parameter called name in events of
// type t.
func ParamIndex(t EventType, name string) (int, bool) {
	for i, p := range EventParams(t) {
		if p.Name == name {
			return i, true
		}
	}
	return 0, false
}

// ParamKnown reports whether some event type has a parameter called name.
// The compiler uses it to reject misspelt `evt.arg.NAME` references.
func ParamKnown(name string) bool {
	_, ok := paramTypes[name]
	return ok
}

// ParamType returns the type of `evt.rawarg.NAME`: the type of the
// parameter called name. A few names stand for values of different types in
// different events (`data` is a byte buffer for I/O and a number for
// ptrace); for those the type of the common case is returned, and a source
// reports `evt.rawarg.NAME` as missing on events where the parameter has
// another type.
func ParamType(name string) (Type, bool) {
	t, ok := paramTypes[name]
	return t, ok
}

// ambiguousParamTypes fixes the rawarg type of the parameter names whose
// type differs between events.
var ambiguousParamTypes = map[string]Type{
	"data": TypeBytes,  // ptrace: number
	"addr": TypeString, // ptrace: number
	"type": TypeUint,   // mount: text
	"dev":  TypeUint,   // mount: text
}

// paramTypes maps every parameter name to its rawarg type. It is computed
// once from eventParams and never modified.
var paramTypes = indexParamTypes(eventParams)

func indexParamTypes(tab map[string][]Param) map[string]Type {
	m := make(map[string]Type)
	for _, ps := range tab {
		for _, p := range ps {
			if t, ok := ambiguousParamTypes[p.Name]; ok {
				m[p.Name] = t
			} else if old, seen := m[p.Name]; !seen || p.Type < old {
				m[p.Name] = p.Type // deterministic even if a conflict slips in; a test forbids that
			}
		}
	}
	return m
}
