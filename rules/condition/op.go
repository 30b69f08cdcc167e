package condition

// Op is a comparison operator.
type Op uint8

// Comparison operators.
const (
	OpInvalid     Op = iota
	OpEq             // = and ==
	OpNe             // !=
	OpLt             // <
	OpLe             // <=
	OpGt             // >
	OpGe             // >=
	OpContains       // contains
	OpIContains      // icontains
	OpBContains      // bcontains
	OpStartsWith     // startswith
	OpBStartsWith    // bstartswith
	OpEndsWith       // endswith
	OpGlob           // glob
	OpIGlob          // iglob
	OpRegex          // regex
	OpIn             // in
	OpIntersects     // intersects
	OpPMatch         // pmatch
	OpExists         // exists
)

var opNames = [...]string{
	OpInvalid: "invalid", OpEq: "=", OpNe: "!=", OpLt: "<", OpLe: "<=", OpGt: ">",
	OpGe: ">=", OpContains: "contains", OpIContains: "icontains", OpBContains: "bcontains",
	OpStartsWith: "startswith", OpBStartsWith: "bstartswith", OpEndsWith: "endswith",
	OpGlob: "glob", OpIGlob: "iglob", OpRegex: "regex", OpIn: "in",
	OpIntersects: "intersects", OpPMatch: "pmatch", OpExists: "exists",
}

// String returns the operator as written in conditions.
func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return "invalid"
}

// IsList reports whether the operator takes a list on its right-hand side.
func (o Op) IsList() bool { return o == OpIn || o == OpIntersects || o == OpPMatch }

// Modifier is a list modifier of a string operator (Falco 0.44):
// `proc.name startswith anyof (a, b)`.
type Modifier uint8

// Modifiers.
const (
	ModNone Modifier = iota
	ModOneOf
	ModAnyOf
	ModAllOf
)

var modNames = [...]string{ModNone: "", ModOneOf: "oneof", ModAnyOf: "anyof", ModAllOf: "allof"}

// String returns the modifier keyword, empty for ModNone.
func (m Modifier) String() string {
	if int(m) < len(modNames) {
		return modNames[m]
	}
	return ""
}
