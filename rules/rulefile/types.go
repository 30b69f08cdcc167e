package rulefile

// List is a named list of strings, as the compiler sees it after all files
// added so far.
type List struct {
	Name string
	// Items are the list's items with Falco's one-level flattening applied:
	// an item naming a list whose Index is below this list's Visibility is
	// replaced by that list's RawItems. These are what ExpandLists
	// substitutes.
	Items []string
	// RawItems are the items as written (after appends), before flattening.
	RawItems []string
	Pos      Position // the latest full definition
	// Index is the sequence number of the first definition, Visibility that
	// of the latest definition or append (see the package documentation).
	Index, Visibility int
	// Used is set when ExpandLists substitutes the list or another list's
	// flattening refers to it. It starts false after every Add, except for
	// lists referred to by other lists (as in Falco).
	Used bool

	sub string // Items joined for substitution
}

// Macro is a named condition fragment.
type Macro struct {
	Name string
	// Condition is the macro's condition text with appends applied (text
	// concatenation with one blank), lists not substituted.
	Condition string
	Pos       Position // the latest full definition
	CondPos   Position // the condition value of the latest full definition
	// Index is the sequence number of the first definition, Visibility that
	// of the latest definition or append. A macro may reference macro M only
	// if M.Index < Visibility.
	Index, Visibility int
	// Used is for the compiler to set; it is false in every fresh view.
	Used bool

	cond condText
}

// CondPosAt returns the source position of the byte at offset off of
// Condition; see Rule.CondPosAt.
func (m *Macro) CondPosAt(off int) Position { return m.cond.posAt(off, m.CondPos) }

// Exception is one structured exception of a rule.
type Exception struct {
	Name string
	// Fields are the exception's fields; one element in the single-field form
	// (`fields: proc.name`).
	Fields []string
	// Comps are the comparison operators, one per field, with Falco's
	// defaults filled in ("=" for each field of the list form, "in" for the
	// single-field form) and surrounding blanks trimmed.
	Comps []string
	// Values are the value tuples, one string per field. A tuple element
	// written as a YAML list is rendered the way it appears in the expanded
	// condition: "(a, b)" with Falco's quoting. In the single-field form each
	// tuple has one element, one per value.
	Values [][]string
	// Single reports the single-field form (fields and comps are scalars).
	Single bool
	Pos    Position // the exception's mapping
	// ValuePos holds the position of each tuple of Values.
	ValuePos []Position

	tuples [][]excValue
}

// Rule is a rule with all appends, overrides and redefinitions applied.
type Rule struct {
	Name, Desc, Output, Source string
	// Condition is the rule's condition with appends applied and exceptions
	// expanded ("(cond) and not (...)"), lists not yet substituted.
	Condition string
	// RawCondition is the condition without the exceptions.
	RawCondition string
	Priority     Priority
	// Tags are sorted and unique (Falco keeps them in a set).
	Tags    []string
	Enabled bool
	// SkipIfUnknownFilter is `skip-if-unknown-filter`; WarnEvttypes is
	// `warn_evttypes` (default true).
	SkipIfUnknownFilter, WarnEvttypes bool
	// Capture and CaptureDuration (milliseconds) request a capture file.
	Capture         bool
	CaptureDuration uint64
	Exceptions      []Exception
	// UnknownSource is set when Source is not one of Options.Sources: the
	// compiler skips such rules with a LOAD_UNKNOWN_SOURCE warning.
	UnknownSource bool
	// Pos is the latest full definition; CondPos and OutputPos the
	// condition and output values of the latest definition or replace.
	Pos, CondPos, OutputPos Position
	// Index is the sequence number of the first definition: the evaluation
	// order (Rules returns rules sorted by it). Visibility is the sequence
	// number of the latest change.
	Index, Visibility int

	cond, output condText
}

// OutputPosAt returns the source position of the byte at offset off of
// Output (see CondPosAt).
func (r *Rule) OutputPosAt(off int) Position { return r.output.posAt(off, r.OutputPos) }

// CondPosAt returns the source position of the byte at offset off of
// Condition: the line and column inside the YAML value it came from (also
// inside folded and literal block scalars and appended fragments), or the
// value's start when the exact place cannot be recovered (quoted scalars
// with escapes), or the exception's position for generated exception text.
func (r *Rule) CondPosAt(off int) Position { return r.cond.posAt(off, r.CondPos) }

// PluginVersion names a plugin and a version.
type PluginVersion struct {
	Name, Version string
}

// PluginRequirement is one entry of required_plugin_versions: the first
// alternative is the plugin named by the entry, the others come from its
// `alternatives`. It is satisfied when any of them is provided.
type PluginRequirement struct {
	Alternatives []PluginVersion
	Pos          Position
}
