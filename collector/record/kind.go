package record

// Kind identifies what a record describes: a syscall exit (with the enter
// arguments merged in), a scheduler event, or a generic syscall. Numbers are
// stable across versions (capture files store them); gaps leave room for
// related kinds.
type Kind uint16

// Record kinds. Each syscall kind is named after its syscall, which is also
// its Falco event-type name.
const (
	KindInvalid Kind = 0

	// Process lifecycle.
	KindExecve   Kind = 1
	KindExecveat Kind = 2
	KindClone    Kind = 3
	KindClone3   Kind = 4
	KindFork     Kind = 5
	KindVfork    Kind = 6
	KindProcExit Kind = 7 // sched_process_exit
	KindProcFork Kind = 8 // sched_process_fork: a new task (process or thread)

	// Files and file descriptors.
	KindOpen        Kind = 16
	KindOpenat      Kind = 17
	KindOpenat2     Kind = 18
	KindCreat       Kind = 19
	KindClose       Kind = 20
	KindCloseRange  Kind = 21
	KindDup         Kind = 22
	KindDup2        Kind = 23
	KindDup3        Kind = 24
	KindFcntl       Kind = 25
	KindPipe        Kind = 26
	KindPipe2       Kind = 27
	KindMemfdCreate Kind = 28
	KindRename      Kind = 29
	KindRenameat    Kind = 30
	KindRenameat2   Kind = 31
	KindUnlink      Kind = 32
	KindUnlinkat    Kind = 33
	KindMkdir       Kind = 34
	KindMkdirat     Kind = 35
	KindRmdir       Kind = 36
	KindLink        Kind = 37
	KindLinkat      Kind = 38
	KindSymlink     Kind = 39
	KindSymlinkat   Kind = 40
	KindChmod       Kind = 41
	KindFchmod      Kind = 42
	KindFchmodat    Kind = 43
	KindChown       Kind = 44
	KindFchown      Kind = 45
	KindLchown      Kind = 46
	KindFchownat    Kind = 47
	KindChdir       Kind = 48
	KindFchdir      Kind = 49
	KindChroot      Kind = 50

	// Network.
	KindSocket     Kind = 56
	KindSocketpair Kind = 57
	KindConnect    Kind = 58
	KindAccept     Kind = 59
	KindAccept4    Kind = 60
	KindBind       Kind = 61
	KindListen     Kind = 62
	KindSendto     Kind = 63
	KindSendmsg    Kind = 64
	KindRecvfrom   Kind = 65
	KindRecvmsg    Kind = 66

	// Credentials, privileges and the kernel.
	KindSetuid      Kind = 72
	KindSetgid      Kind = 73
	KindSetreuid    Kind = 74
	KindSetregid    Kind = 75
	KindSetresuid   Kind = 76
	KindSetresgid   Kind = 77
	KindCapset      Kind = 78
	KindSetsid      Kind = 79
	KindPrctl       Kind = 80
	KindPtrace      Kind = 81
	KindMount       Kind = 82
	KindUmount2     Kind = 83
	KindInitModule  Kind = 84
	KindFinitModule Kind = 85
	KindBpf         Kind = 86
	KindUnshare     Kind = 87
	KindSetns       Kind = 88
	KindUserfaultfd Kind = 89
	KindKill        Kind = 90

	// KindGeneric is any other syscall selected by the interest set: the raw
	// arguments and the syscall number (see DataGenericNr).
	KindGeneric Kind = 120
)

// NumKinds bounds every Kind value: kinds are < NumKinds. The kernel's
// counter table is sized by it.
const NumKinds = 128

// String returns the kind's stable lowercase name (the Falco event-type name
// where one exists), or "kind(N)" for an unknown kind.
func (k Kind) String() string {
	if s := k.Schema(); s != nil {
		return s.Name
	}
	return "kind(" + itoa(uint64(k)) + ")"
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k.Schema() != nil }

// Schema returns the layout of records of kind k, or nil for an unknown kind.
func (k Kind) Schema() *Schema {
	if int(k) >= len(schemas) || schemas[k].Name == "" {
		return nil
	}
	return &schemas[k]
}

// Kinds returns every known kind in numeric order.
func Kinds() []Kind {
	var out []Kind
	for k := range schemas {
		if schemas[k].Name != "" {
			out = append(out, Kind(k))
		}
	}
	return out
}

// KindByName returns the kind with the given name ("openat", "procexit").
func KindByName(name string) (Kind, bool) {
	for k := range schemas {
		if schemas[k].Name != "" && schemas[k].Name == name {
			return Kind(k), true
		}
	}
	return KindInvalid, false
}

// itoa formats v without allocating more than the result.
func itoa(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return string(b[i:])
}
