package fields

// ID identifies a registered field. IDs are stable within one build only;
// persist field names, never IDs.
type ID uint16

// Field describes one field of the registry.
type Field struct {
	ID   ID
	Name string // dotted name without argument, e.g. "proc.aname"
	Type Type
	// List is set for list-valued fields (Value.List); such fields take only
	// in, intersects and exists.
	List bool
	Desc string
	// Arg says which argument the field takes.
	Arg ArgSpec
	// Flags modify how the field may be used.
	Flags Flags
	// Either, for filter-only fields such as fd.ip, names the two fields a
	// comparison is applied to; the comparison holds if it holds for either.
	// A filter-only field that stands for a single field (fd.snet tests
	// fd.sip) names that field twice. Sources never extract a field with
	// Either set; they extract its sides.
	Either [2]ID

	// text selects a special text rendering (evt.time and friends).
	text textFormat
}

// ArgSpec says whether and how a field takes an argument.
type ArgSpec uint8

// Argument specifications.
const (
	ArgNotAllowed    ArgSpec = iota // plain field
	ArgIndexOptional                // proc.aname or proc.aname[N]
	ArgIndexRequired                // fd.types[N]-style, index mandatory
	ArgKeyOptional                  // proc.env or proc.env[NAME]
	ArgKeyRequired                  // evt.arg.NAME / evt.arg[NAME], container.mount.dest[PATH]
	ArgIndexOrKey                   // evt.arg[0] or evt.arg[NAME] or evt.arg.NAME
)

// Flags modify how a field may be used.
type Flags uint16

// Field flags.
const (
	// FilterOnly fields cannot be printed in outputs (fd.ip, fd.net).
	FilterOnly Flags = 1 << iota
	// NoRHS fields cannot be the right-hand side of val() or a transformer
	// comparison.
	NoRHS
	// AnyAncestor fields test every ancestor when used without an index in
	// a condition (proc.aname, proc.apid, proc.aexe, proc.aexepath).
	AnyAncestor
	// Deprecated fields load with a warning.
	Deprecated
	// DottedArg fields also accept their key as a dotted suffix
	// (evt.arg.flags, k8s.pod.label.app, container.label.app).
	DottedArg
	// NoTransformer fields cannot be wrapped in a transformer
	// (evt.rawarg, fd.sip.name).
	NoTransformer
)

// Has reports whether every flag of g is set in f.
func (f Flags) Has(g Flags) bool { return f&g == g }
