package rules

import (
	"fmt"
	"net/netip"
	"regexp"
	"regexp/syntax"
	"strings"

	"github.com/vigilsec/vigil/rules/condition"
	"github.com/vigilsec/vigil/rules/fields"
	"github.com/vigilsec/vigil/rules/rulefile"
)

// resolver is what compilation needs from the field registry.
type resolver interface {
	Resolve(name, arg string, hasArg bool) (fields.Ref, *fields.Field, error)
}

// builder compiles condition ASTs into evaluation trees. One builder serves
// a whole ruleset so that field cache slots and macro trees are shared.
type builder struct {
	reg    resolver
	slots  map[fields.Ref]int32
	nmemo  int32
	macros map[string]*macroDef
}

func newBuilder(reg resolver) *builder {
	return &builder{reg: reg, slots: make(map[fields.Ref]int32), macros: make(map[string]*macroDef)}
}

func (b *builder) slot(ref fields.Ref) valRef {
	s, ok := b.slots[ref]
	if !ok {
		s = int32(len(b.slots))
		b.slots[ref] = s
	}
	return valRef{ref: ref, slot: s}
}

// condSource is the text a condition or output was compiled from, with the
// way back to file positions.
type condSource struct {
	kind, name string // rulefile.KindMacro or KindRule, and the item's name
	text       string // the compiled text (lists substituted)
	// at maps a byte offset of text to its place in the rules file.
	at func(off int) rulefile.Position
}

// compileError is a problem found while compiling one condition or output.
type compileError struct {
	src     *condSource // nil for outputs
	pos     condition.Pos
	code    rulefile.Code
	msg     string
	warn    bool
	unknown bool // unknown field or event type: skip-if-unknown-filter applies
}

// macroDef is a macro as the compiler sees it.
type macroDef struct {
	name  string
	index int
	src   *condSource
	ast   condition.Expr // nil when the macro failed to parse
	bad   bool           // parse or reference errors, already reported
	used  bool

	state uint8 // 0 not built, 1 building, 2 built
	node  node
	errs  []*compileError // errors met while building (reported per rule)
	warns []*compileError // warnings met while building (reported once)
}

const (
	macroUnbuilt uint8 = iota
	macroBuilding
	macroBuilt
)

// buildCtx compiles one condition.
type buildCtx struct {
	b     *builder
	src   *condSource
	errs  []*compileError
	warns []*compileError
}

func (c *buildCtx) errorf(pos condition.Pos, unknown bool, format string, args ...any) {
	c.errs = append(c.errs, &compileError{src: c.src, pos: pos, code: rulefile.CodeCompileCondition,
		msg: fmt.Sprintf(format, args...), unknown: unknown})
}

func (c *buildCtx) warnf(pos condition.Pos, code rulefile.Code, format string, args ...any) {
	c.warns = append(c.warns, &compileError{src: c.src, pos: pos, code: code,
		msg: fmt.Sprintf(format, args...), warn: true})
}

// expr compiles e; it returns nil after recording an error.
func (c *buildCtx) expr(e condition.Expr) node {
	switch e := e.(type) {
	case *condition.And:
		terms := c.terms(e.Terms)
		if terms == nil {
			return nil
		}
		return &andNode{terms: terms}
	case *condition.Or:
		terms := c.terms(e.Terms)
		if terms == nil {
			return nil
		}
		return &orNode{terms: terms}
	case *condition.Not:
		x := c.expr(e.X)
		if x == nil {
			return nil
		}
		if inner, ok := x.(*notNode); ok {
			return inner.x
		}
		return &notNode{x: x}
	case *condition.Ident:
		return c.macro(e)
	case *condition.Compare:
		return c.compare(e)
	}
	c.errorf(e.Start(), false, "unsupported expression %T", e)
	return nil
}

func (c *buildCtx) terms(in []condition.Expr) []node {
	out := make([]node, 0, len(in))
	failed := false
	for _, t := range in {
		n := c.expr(t)
		if n == nil {
			failed = true
			continue
		}
		out = append(out, n)
	}
	if failed {
		return nil
	}
	return out
}

// macro compiles a macro reference: the macro's tree is built once and
// shared by every rule that uses it.
func (c *buildCtx) macro(id *condition.Ident) node {
	m := c.b.macros[id.Name]
	if m == nil {
		c.errorf(id.Pos, false, "undefined macro '%s' used in filter", id.Name)
		c.errs[len(c.errs)-1].code = rulefile.CodeValidate
		return nil
	}
	m.used = true
	if m.bad {
		c.errorf(id.Pos, false, "macro '%s' has errors", id.Name)
		return nil
	}
	switch m.state {
	case macroBuilding:
		c.errorf(id.Pos, false, "reference loop in macro '%s'", id.Name)
		return nil
	case macroUnbuilt:
		m.state = macroBuilding
		mc := &buildCtx{b: c.b, src: m.src}
		n := mc.expr(m.ast)
		m.errs, m.warns = mc.errs, mc.warns
		if n != nil && len(mc.errs) == 0 {
			m.node = c.b.memoize(n)
		}
		m.state = macroBuilt
	}
	if m.node == nil {
		c.errs = append(c.errs, m.errs...)
		return nil
	}
	return m.node
}

// memoize wraps a composite macro tree so it is evaluated once per event.
// Single comparisons are cheaper to redo than to cache.
func (b *builder) memoize(n node) node {
	switch n.(type) {
	case *andNode, *orNode, *notNode, *ancestorNode:
		s := b.nmemo
		b.nmemo++
		return &memoNode{x: n, slot: s}
	}
	return n
}

// isEvtType reports whether f is one of the fields the event-type index is
// derived from.
func isEvtType(f *fields.Field) bool { return f.Name == "evt.type" || f.Name == "syscall.type" }

func (c *buildCtx) compare(cmp *condition.Compare) node {
	lhs := &cmp.LHS
	ref, f, err := c.b.reg.Resolve(lhs.Field, lhs.Arg, lhs.HasArg)
	if err != nil {
		c.errorf(lhs.Pos, true, "%v", err)
		return nil
	}
	if f.Flags.Has(fields.Deprecated) {
		c.warnf(lhs.Pos, rulefile.CodeDeprecatedItem, "field '%s' is deprecated", f.Name)
	}
	either := f.Either[0] != 0
	if either && f.Either[0] == f.Either[1] {
		// A filter-only view of one field (fd.snet is fd.sip tested
		// against networks): compare that field directly.
		ref, either = fields.Ref{ID: f.Either[0]}, false
	}
	anyAncestor := f.Flags.Has(fields.AnyAncestor) && ref.Arg.Kind == fields.ArgNone
	evtType := isEvtType(f)
	op := cmp.Op

	shape := xtype{typ: f.Type, list: f.List}
	var chain []xform
	if n := len(lhs.Transformers); n > 0 {
		if either || f.Flags.Has(fields.FilterOnly) || f.Flags.Has(fields.AnyAncestor) || f.Flags.Has(fields.NoTransformer) || evtType {
			c.errorf(lhs.Pos, false, "field '%s' does not support transformers", f.Name)
			return nil
		}
		for i := n - 1; i >= 0; i-- {
			t, ok := xformNames[lhs.Transformers[i]]
			if !ok {
				c.errorf(lhs.Pos, false, "unknown transformer '%s'", lhs.Transformers[i])
				return nil
			}
			if shape, err = t.result(shape); err != nil {
				c.errorf(lhs.Pos, false, "%v", err)
				return nil
			}
			chain = append(chain, t)
		}
	}
	if err := checkOp(shape, op, cmp.Modifier); err != nil {
		c.errorf(cmp.Pos, false, "%s: %v", operandText(lhs), err)
		return nil
	}

	if op == condition.OpExists {
		switch {
		case either:
			return &eitherNode{a: c.b.slot(fields.Ref{ID: f.Either[0]}), b: c.b.slot(fields.Ref{ID: f.Either[1]})}
		case anyAncestor:
			return &ancestorNode{id: ref.ID}
		case len(chain) > 0:
			return &xformNode{o: xformOperand{f: c.b.slot(ref), in: xtype{typ: f.Type, list: f.List}, chain: chain}}
		}
		return &existsNode{f: c.b.slot(ref)}
	}

	if cmp.RHS.Kind == condition.RHSField {
		if evtType {
			c.errorf(cmp.Pos, false, "'%s' cannot be compared with another field", f.Name)
			return nil
		}
		return c.valCompare(cmp, ref, f, shape, chain)
	}

	items := cmp.RHS.Values
	if cmp.RHS.Kind == condition.RHSValue && len(items) != 1 {
		c.errorf(cmp.Pos, false, "operator '%s' needs one value", op)
		return nil
	}
	if cmp.RHS.Kind != condition.RHSValue && !op.IsList() && cmp.Modifier == condition.ModNone {
		c.errorf(cmp.Pos, false, "operator '%s' takes a single value, not a list", op)
		return nil
	}
	if op == condition.OpPMatch && cmp.RHS.Kind == condition.RHSValue {
		c.errorf(cmp.Pos, false, "operator 'pmatch' needs a list of paths")
		return nil
	}

	if evtType {
		switch op {
		case condition.OpEq, condition.OpNe, condition.OpIn, condition.OpIntersects:
			var set fields.EventSet
			ok := true
			for i := range items {
				t, known := fields.LookupEventType(items[i].Text)
				if !known {
					c.errorf(items[i].Pos, true, "unknown event type %s", items[i].Text)
					ok = false
					continue
				}
				set.Add(t)
			}
			if !ok {
				return nil
			}
			if f.Name == "evt.type" && cmp.Modifier == condition.ModNone {
				return &evtTypeNode{set: set, neg: op == condition.OpNe}
			}
		}
	}

	c.lookalikeWarning(cmp, items)

	neg := op == condition.OpNe && cmp.Modifier == condition.ModNone
	var m matcher
	if cmp.Modifier != condition.ModNone {
		m = c.modMatcher(cmp, shape, f)
	} else {
		m = c.matcher(shape, op, items, f)
	}
	if m == nil {
		return nil
	}
	switch {
	case either:
		return &eitherNode{a: c.b.slot(fields.Ref{ID: f.Either[0]}), b: c.b.slot(fields.Ref{ID: f.Either[1]}), m: m, neg: neg}
	case anyAncestor:
		return &ancestorNode{id: ref.ID, m: m, neg: neg}
	case len(chain) > 0:
		return &xformNode{o: xformOperand{f: c.b.slot(ref), in: xtype{typ: f.Type, list: f.List}, chain: chain}, m: m, neg: neg}
	}
	return specialise(c.b.slot(ref), m, neg)
}

// specialise picks a dedicated node for the most frequent comparisons.
func specialise(f valRef, m matcher, neg bool) node {
	switch m := m.(type) {
	case *strEq:
		return &strEqNode{f: f, s: m.s, neg: neg}
	case *strIn:
		if !neg {
			return &strInNode{f: f, set: m.set}
		}
	case *intEq:
		return &intEqNode{f: f, n: m.n, neg: neg}
	}
	return &cmpNode{f: f, m: m, neg: neg}
}

// operandText renders an operand as written, for messages.
func operandText(o *condition.Operand) string {
	s := o.Field
	if o.HasArg {
		s += "[" + o.Arg + "]"
	}
	for i := len(o.Transformers) - 1; i >= 0; i-- {
		s = o.Transformers[i] + "(" + s + ")"
	}
	return s
}

// lookalikeWarning flags unquoted values that name a field: the author
// probably meant val(field).
func (c *buildCtx) lookalikeWarning(cmp *condition.Compare, items []condition.Value) {
	if cmp.RHS.Kind != condition.RHSValue || len(items) != 1 || items[0].Quoted {
		return
	}
	text := items[0].Text
	if !looksLikeField(text) {
		return
	}
	if _, _, err := c.b.reg.Resolve(text, "", false); err == nil {
		c.warnf(items[0].Pos, rulefile.CodeCompileConditionHint,
			"value '%s' is the name of a field and is compared as a string; use val(%s) to compare with the field", text, text)
	}
}

// looksLikeField reports whether s has the shape class.name[.more].
func looksLikeField(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if p == "" || !isAlpha(p[0]) {
			return false
		}
		for i := 1; i < len(p); i++ {
			if ch := p[i]; !isAlpha(ch) && !(ch >= '0' && ch <= '9') && ch != '_' {
				return false
			}
		}
	}
	return true
}

// checkOp validates an operator (and modifier) for an operand shape.
func checkOp(sh xtype, op condition.Op, mod condition.Modifier) error {
	if op == condition.OpExists {
		return nil
	}
	ok := false
	switch {
	case sh.list:
		ok = op == condition.OpIn || op == condition.OpIntersects
	case sh.typ == fields.TypeString:
		ok = op != condition.OpBContains && op != condition.OpBStartsWith
	case sh.typ == fields.TypeBytes:
		switch op {
		case condition.OpEq, condition.OpNe, condition.OpContains, condition.OpIn, condition.OpIntersects,
			condition.OpStartsWith, condition.OpEndsWith, condition.OpBContains, condition.OpBStartsWith:
			ok = true
		}
	case sh.typ == fields.TypeBool, sh.typ == fields.TypeIP, sh.typ == fields.TypeIPNet:
		switch op {
		case condition.OpEq, condition.OpNe, condition.OpIn, condition.OpIntersects:
			ok = true
		}
	case sh.typ.Numeric():
		switch op {
		case condition.OpEq, condition.OpNe, condition.OpLt, condition.OpLe, condition.OpGt, condition.OpGe,
			condition.OpIn, condition.OpIntersects:
			ok = true
		}
	}
	what := sh.typ.String()
	if sh.list {
		what = "list of " + what
	}
	if !ok {
		return fmt.Errorf("operator '%s' is not supported for %s values", op, what)
	}
	if mod != condition.ModNone {
		if op.IsList() || op == condition.OpExists {
			return fmt.Errorf("modifier '%s' cannot follow operator '%s'", mod, op)
		}
		if (sh.typ == fields.TypeIP || sh.typ == fields.TypeIPNet) && op != condition.OpEq && op != condition.OpNe {
			return fmt.Errorf("modifier '%s' with %s values is only supported after = and !=", mod, what)
		}
	}
	return nil
}

// modMatcher compiles `op oneof|anyof|allof (items)`.
func (c *buildCtx) modMatcher(cmp *condition.Compare, sh xtype, f *fields.Field) matcher {
	base := cmp.Op
	if base == condition.OpNe {
		base = condition.OpEq
	}
	mm := &modMatcher{neg: cmp.Op == condition.OpNe}
	switch cmp.Modifier {
	case condition.ModAllOf:
		mm.mod = modAll
	case condition.ModOneOf:
		mm.mod = modOne
	default:
		mm.mod = modAny
	}
	for i := range cmp.RHS.Values {
		m := c.matcher(sh, base, cmp.RHS.Values[i:i+1], f)
		if m == nil {
			return nil
		}
		mm.items = append(mm.items, m)
	}
	return mm
}

// matcher compiles the literal right-hand side of op for an operand shape.
// It returns nil after recording an error.
func (c *buildCtx) matcher(sh xtype, op condition.Op, items []condition.Value, f *fields.Field) matcher {
	if sh.list {
		texts := make([]string, len(items))
		for i := range items {
			texts[i] = items[i].Text
		}
		if op == condition.OpIn {
			return &listIn{set: newStringSet(texts)}
		}
		return &listIntersects{set: newStringSet(texts)}
	}
	switch sh.typ {
	case fields.TypeString:
		return c.stringMatcher(op, items)
	case fields.TypeBytes:
		return c.bytesMatcher(op, items)
	case fields.TypeIP:
		set := make([]netip.Addr, 0, len(items))
		for i := range items {
			a, err := parseIP(items[i].Text)
			if err != nil {
				c.errorf(items[i].Pos, false, "%v", err)
				return nil
			}
			set = append(set, a)
		}
		return &ipIn{set: set}
	case fields.TypeIPNet:
		set := make([]netip.Prefix, 0, len(items))
		for i := range items {
			p, err := parseNet(items[i].Text)
			if err != nil {
				c.errorf(items[i].Pos, false, "%v", err)
				return nil
			}
			set = append(set, p)
		}
		return &netIn{set: set}
	}
	// Integer-carried and floating types.
	parse := parseInt
	switch sh.typ {
	case fields.TypeBool:
		parse = parseBool
	case fields.TypePort:
		parse = parsePort
	}
	nums := make([]int64, 0, len(items))
	for i := range items {
		n, err := parse(items[i].Text)
		if err != nil {
			c.errorf(items[i].Pos, false, "%v", err)
			return nil
		}
		nums = append(nums, n)
	}
	if sh.typ == fields.TypeDouble {
		fs := make([]float64, len(nums))
		for i, n := range nums {
			fs[i] = float64(n)
		}
		switch op {
		case condition.OpEq, condition.OpNe:
			return &floatEq{f: fs[0]}
		case condition.OpIn, condition.OpIntersects:
			return &floatIn{set: fs}
		}
		return &floatOrder{op: ordOf(op), f: fs[0]}
	}
	switch op {
	case condition.OpEq, condition.OpNe:
		return &intEq{n: nums[0]}
	case condition.OpIn, condition.OpIntersects:
		return &intIn{set: nums}
	}
	if sh.typ == fields.TypeUint {
		return &uintOrder{op: ordOf(op), n: uint64(nums[0])}
	}
	return &intOrder{op: ordOf(op), n: nums[0]}
}

func ordOf(op condition.Op) ordOp {
	switch op {
	case condition.OpLt:
		return ordLt
	case condition.OpLe:
		return ordLe
	case condition.OpGt:
		return ordGt
	}
	return ordGe
}

func (c *buildCtx) stringMatcher(op condition.Op, items []condition.Value) matcher {
	for i := range items {
		if strings.IndexByte(items[i].Text, 0) >= 0 {
			c.errorf(items[i].Pos, false, "string value contains a NUL byte")
			return nil
		}
	}
	if op.IsList() {
		texts := make([]string, len(items))
		for i := range items {
			texts[i] = items[i].Text
		}
		if op == condition.OpPMatch {
			return &strPMatch{trie: newPathTrie(texts)}
		}
		return &strIn{set: newStringSet(texts)}
	}
	v := items[0].Text
	switch op {
	case condition.OpEq, condition.OpNe:
		return &strEq{s: v}
	case condition.OpLt, condition.OpLe, condition.OpGt, condition.OpGe:
		return &strOrder{op: ordOf(op), s: v}
	case condition.OpContains:
		return &strContains{s: v}
	case condition.OpIContains:
		return &strIContains{lower: strings.Map(func(r rune) rune {
			if r >= 'A' && r <= 'Z' {
				return r + ('a' - 'A')
			}
			return r
		}, v)}
	case condition.OpStartsWith:
		return &strPrefix{s: v}
	case condition.OpEndsWith:
		return &strSuffix{s: v}
	case condition.OpGlob:
		return &strGlob{pattern: v}
	case condition.OpIGlob:
		return &strGlob{pattern: v, fold: true}
	case condition.OpRegex:
		re, err := compileRegex(v)
		if err != nil {
			c.errorf(items[0].Pos, false, "%v", err)
			return nil
		}
		return &strRegex{re: re}
	}
	c.errorf(items[0].Pos, false, "operator '%s' is not supported for string values", op)
	return nil
}

// compileRegex compiles a regex operand: POSIX (egrep) syntax as RE2 accepts
// it in POSIX mode, matched against the whole value.
func compileRegex(p string) (*regexp.Regexp, error) {
	if _, err := syntax.Parse(p, syntax.POSIX); err != nil {
		return nil, fmt.Errorf("invalid regular expression %q: %v", p, err)
	}
	re, err := regexp.Compile(`\A(?:` + p + `)\z`)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %q: %v", p, err)
	}
	return re, nil
}

func (c *buildCtx) bytesMatcher(op condition.Op, items []condition.Value) matcher {
	vals := make([][]byte, len(items))
	for i := range items {
		if op == condition.OpBContains || op == condition.OpBStartsWith {
			b, err := parseHex(items[i].Text)
			if err != nil {
				c.errorf(items[i].Pos, false, "%v", err)
				return nil
			}
			vals[i] = b
		} else {
			vals[i] = []byte(items[i].Text)
		}
	}
	switch op {
	case condition.OpEq, condition.OpNe:
		return &bytesEq{b: vals[0]}
	case condition.OpIn, condition.OpIntersects:
		return &bytesIn{set: vals}
	case condition.OpContains, condition.OpBContains:
		return &bytesContains{b: vals[0]}
	case condition.OpStartsWith, condition.OpBStartsWith:
		return &bytesPrefix{b: vals[0]}
	case condition.OpEndsWith:
		return &bytesSuffix{b: vals[0]}
	}
	c.errorf(items[0].Pos, false, "operator '%s' is not supported for byte buffers", op)
	return nil
}

// valCompare compiles a field-to-field comparison.
func (c *buildCtx) valCompare(cmp *condition.Compare, lref fields.Ref, lf *fields.Field, lshape xtype, lchain []xform) node {
	op := cmp.Op
	if op == condition.OpRegex || op == condition.OpPMatch {
		c.errorf(cmp.Pos, false, "operator '%s' cannot compare with a field", op)
		return nil
	}
	if cmp.Modifier != condition.ModNone {
		c.errorf(cmp.Pos, false, "modifier '%s' cannot compare with a field", cmp.Modifier)
		return nil
	}
	if lf.Either[0] != 0 || lf.Type == fields.TypeIPNet || (lf.Flags.Has(fields.AnyAncestor) && lref.Arg.Kind == fields.ArgNone) {
		c.errorf(cmp.LHS.Pos, false, "field '%s' cannot be compared with another field", lf.Name)
		return nil
	}
	ro := &cmp.RHS.Field
	rref, rf, err := c.b.reg.Resolve(ro.Field, ro.Arg, ro.HasArg)
	if err != nil {
		c.errorf(ro.Pos, true, "%v", err)
		return nil
	}
	if rf.Flags.Has(fields.NoRHS) || rf.Flags.Has(fields.FilterOnly) || rf.Either[0] != 0 ||
		(rf.Flags.Has(fields.AnyAncestor) && rref.Arg.Kind == fields.ArgNone) {
		c.errorf(ro.Pos, false, "field '%s' cannot be used on the right-hand side", rf.Name)
		return nil
	}
	if rf.Flags.Has(fields.Deprecated) {
		c.warnf(ro.Pos, rulefile.CodeDeprecatedItem, "field '%s' is deprecated", rf.Name)
	}
	rshape := xtype{typ: rf.Type, list: rf.List}
	var rchain []xform
	if len(ro.Transformers) > 0 && rf.Flags.Has(fields.NoTransformer) {
		c.errorf(ro.Pos, false, "field '%s' does not support transformers", rf.Name)
		return nil
	}
	for i := len(ro.Transformers) - 1; i >= 0; i-- {
		t, ok := xformNames[ro.Transformers[i]]
		if !ok {
			c.errorf(ro.Pos, false, "unknown transformer '%s'", ro.Transformers[i])
			return nil
		}
		if rshape, err = t.result(rshape); err != nil {
			c.errorf(ro.Pos, false, "%v", err)
			return nil
		}
		rchain = append(rchain, t)
	}
	if rshape != lshape {
		c.errorf(cmp.Pos, false, "cannot compare %s with %s: types differ", operandText(&cmp.LHS), operandText(ro))
		return nil
	}
	return &valNode{
		lhs:   xformOperand{f: c.b.slot(lref), in: xtype{typ: lf.Type, list: lf.List}, chain: lchain},
		rhs:   xformOperand{f: c.b.slot(rref), in: xtype{typ: rf.Type, list: rf.List}, chain: rchain},
		shape: lshape,
		op:    op,
	}
}
