package fields

// Event is one event as the rules engine sees it.
type Event interface {
	// Type returns the event's type.
	Type() EventType
	// Extract fills v with the value of the field ref names and reports
	// whether the field has a value for this event. It must not allocate on
	// the hot path and must not keep v.
	Extract(ref *Ref, v *Value) bool
}

// Ref is one use of a field, resolved against the registry: the field and
// its argument, if any (`proc.aname[2]`, `evt.arg.flags`, `proc.env[HOME]`).
type Ref struct {
	ID  ID
	Arg Arg
}

// Arg is a field argument.
type Arg struct {
	Kind  ArgKind
	Index int    // ArgIndex
	Key   string // ArgKey
}

// ArgKind tells what an Arg carries.
type ArgKind uint8

// Argument kinds.
const (
	ArgNone  ArgKind = iota // no argument
	ArgIndex                // numeric index, e.g. proc.aname[2], evt.arg[0]
	ArgKey                  // name, e.g. evt.arg.flags, proc.env[HOME]
)

// KeyLister is implemented by events that can tell which keys a keyed field
// (container.label, k8s.pod.label) has a value for, so that outputs can
// capture every label rather than one the rule named. It is optional and
// off the hot path: FieldKeys may allocate.
type KeyLister interface {
	// FieldKeys appends to dst, in increasing order, the keys of field id
	// that Extract with Ref{ID: id, Arg: Arg{Kind: ArgKey, Key: key}}
	// reports a value for, and returns the extended slice. It appends
	// nothing for fields it does not list keys of.
	FieldKeys(id ID, dst []string) []string
}
