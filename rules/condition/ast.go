package condition

// Pos is a position in the condition text: a byte offset and the 1-based line
// and column (columns count bytes).
type Pos struct {
	Offset int
	Line   int
	Col    int
}

// Expr is a node of a parsed condition: *And, *Or, *Not, *Ident or *Compare.
type Expr interface {
	Start() Pos
	// String formats the node as canonical condition text, which parses
	// back to an equal tree (see format.go).
	String() string
	expr()
}

// And is the conjunction of two or more terms, evaluated left to right.
type And struct {
	Pos   Pos
	Terms []Expr
}

// Or is the disjunction of two or more terms, evaluated left to right.
type Or struct {
	Pos   Pos
	Terms []Expr
}

// Not negates its operand. Repeated nots are folded by the parser.
type Not struct {
	Pos Pos
	X   Expr
}

// Ident is a bare identifier: a macro reference.
type Ident struct {
	Pos  Pos
	Name string
}

// Compare is a field check: LHS Op [Modifier] RHS.
type Compare struct {
	Pos      Pos
	LHS      Operand
	Op       Op
	Modifier Modifier
	RHS      RHS
}

// Operand is a field reference, possibly wrapped in transformers:
// tolower(proc.name) has Field "proc.name" and Transformers ["tolower"].
type Operand struct {
	Pos Pos
	// Field is the dotted field name as written, without the bracketed
	// argument: "proc.aname", "evt.arg.flags".
	Field string
	// Arg is the bracketed argument with quotes removed, valid when HasArg.
	Arg    string
	HasArg bool
	// Transformers lists the transformer names from the outermost inwards.
	Transformers []string
}

// RHSKind tells what the right-hand side of a Compare holds.
type RHSKind uint8

// Right-hand side kinds.
const (
	RHSNone  RHSKind = iota // unary operator (exists)
	RHSValue                // one value
	RHSList                 // a parenthesised list of values, possibly empty
	RHSIdent                // a bare identifier after a list operator
	RHSField                // val(field) or a transformer over a field
)

// RHS is the right-hand side of a Compare.
type RHS struct {
	Kind RHSKind
	// Values holds the value (RHSValue), the items (RHSList) or the
	// identifier (RHSIdent).
	Values []Value
	// Field is the compared field for RHSField.
	Field Operand
}

// Value is a literal on the right-hand side.
type Value struct {
	Pos Pos
	// Text is the decoded value: quotes removed, escapes applied.
	Text string
	// Quoted reports whether the value was written in quotes.
	Quoted bool
}

func (e *And) Start() Pos     { return e.Pos }
func (e *Or) Start() Pos      { return e.Pos }
func (e *Not) Start() Pos     { return e.Pos }
func (e *Ident) Start() Pos   { return e.Pos }
func (e *Compare) Start() Pos { return e.Pos }

func (*And) expr()     {}
func (*Or) expr()      {}
func (*Not) expr()     {}
func (*Ident) expr()   {}
func (*Compare) expr() {}
