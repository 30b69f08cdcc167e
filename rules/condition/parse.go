package condition

import (
	"fmt"
	"sort"
	"strings"
)

// DefaultMaxDepth bounds the nesting of parentheses, nots and transformers.
const DefaultMaxDepth = 1000

// Options tune Parse.
type Options struct {
	// MaxDepth bounds the parser's recursion; 0 means DefaultMaxDepth. It is
	// counted like Falco's parser counts it: every grammar level entered
	// costs one, so one parenthesised group costs five and the default
	// allows roughly 200 nested groups, the same inputs Falco accepts.
	MaxDepth int
}

// SyntaxError is a parse failure at a position of the condition text.
type SyntaxError struct {
	Pos Pos
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%d:%d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
}

// Parse parses a complete condition. A failure is a *SyntaxError.
func Parse(text string, opts Options) (Expr, error) {
	max := opts.MaxDepth
	if max <= 0 {
		max = DefaultMaxDepth
	}
	p := &parser{src: text, maxDepth: max}
	p.indexLines()
	if strings.TrimLeft(text, " \t\b\r\n") == "" {
		return nil, p.errAt(0, "empty condition")
	}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.off != len(p.src) {
		return nil, p.errAt(p.off, fmt.Sprintf("unexpected %s after %s, expecting 'or', 'and'", p.found(p.off), p.lastTok()))
	}
	return e, nil
}

// parser is the state of one Parse call. Its grammar functions mirror the
// structure of Falco's recursive-descent parser, including where the depth
// guard is taken, so that the same inputs reach the depth limit.
type parser struct {
	src      string
	off      int
	lines    []int // offsets at which lines 2, 3, ... start
	depth    int
	maxDepth int
	last     string // text of the last token consumed, for messages
}

func (p *parser) indexLines() {
	for i := 0; i < len(p.src); i++ {
		if p.src[i] == '\n' {
			p.lines = append(p.lines, i+1)
		}
	}
}

// pos converts a byte offset into a position.
func (p *parser) pos(off int) Pos {
	n := sort.SearchInts(p.lines, off+1) // lines starting at or before off
	start := 0
	if n > 0 {
		start = p.lines[n-1]
	}
	return Pos{Offset: off, Line: n + 1, Col: off - start + 1}
}

func (p *parser) errAt(off int, msg string) error {
	return &SyntaxError{Pos: p.pos(off), Msg: msg}
}

// found describes the text at off for an error message.
func (p *parser) found(off int) string {
	if off >= len(p.src) {
		return "end of condition"
	}
	end := off + 1
	for end < len(p.src) && end-off < 24 && !isSpace(p.src[end]) && !isBlank(p.src[end]) {
		end++
	}
	s := fmt.Sprintf("%q", p.src[off:end])
	if end < len(p.src) && end-off == 24 && !isSpace(p.src[end]) && !isBlank(p.src[end]) {
		s += "..."
	}
	return s
}

func (p *parser) lastTok() string {
	t := p.last
	if len(t) > 40 {
		t = t[:40] + "..."
	}
	return fmt.Sprintf("%q", t)
}

// enter takes one level of the depth budget; the caller releases it with
// leave. On failure the parse is abandoned, so the level is never released.
func (p *parser) enter() error {
	p.depth++
	if p.depth >= p.maxDepth {
		return p.errAt(p.off, fmt.Sprintf("exceeded max depth limit of %d", p.maxDepth))
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// blank skips blanks and reports whether there were any.
func (p *parser) blank() bool {
	start := p.off
	for p.off < len(p.src) && isBlank(p.src[p.off]) {
		p.off++
	}
	return p.off > start
}

// lit consumes s if the text continues with it.
func (p *parser) lit(s string) bool {
	if strings.HasPrefix(p.src[p.off:], s) {
		p.off += len(s)
		p.last = s
		return true
	}
	return false
}

// take consumes the text up to end and returns it.
func (p *parser) take(end int) string {
	t := p.src[p.off:end]
	p.off = end
	p.last = t
	return t
}

// transformerAt returns the transformer name when the text at off is one
// immediately followed by '(' (supported or not), or "".
func (p *parser) transformerAt(off int) (name string, supported bool) {
	end := scanIdent(p.src, off)
	if end == off || end >= len(p.src) || p.src[end] != '(' {
		return "", false
	}
	switch n := p.src[off:end]; n {
	case "tolower", "toupper", "b64", "basename", "len":
		return n, true
	case "join", "concat", "getopt":
		return n, false
	}
	return "", false
}

// parseOr parses Expr := AndExpr ('or' AndExpr)*.
func (p *parser) parseOr() (Expr, error) {
	first, terms, err := p.parseChain("or", p.parseAnd)
	if err != nil || terms == nil {
		return first, err
	}
	return &Or{Pos: first.Start(), Terms: terms}, nil
}

// parseAnd parses AndExpr := NotExpr ('and' NotExpr)*.
func (p *parser) parseAnd() (Expr, error) {
	first, terms, err := p.parseChain("and", p.parseNot)
	if err != nil || terms == nil {
		return first, err
	}
	return &And{Pos: first.Start(), Terms: terms}, nil
}

// parseChain parses operand (word operand)*, where word must be followed by
// whitespace or an opening parenthesis. It returns the first operand alone
// when there is no word, else every operand in terms.
func (p *parser) parseChain(word string, operand func() (Expr, error)) (first Expr, terms []Expr, err error) {
	if err := p.enter(); err != nil {
		return nil, nil, err
	}
	defer p.leave()
	p.blank()
	if first, err = operand(); err != nil {
		return nil, nil, err
	}
	p.blank()
	for p.lit(word) {
		var child Expr
		if p.blank() {
			child, err = operand()
		} else if open := p.off; p.lit("(") {
			child, err = p.parseEmbedded(open)
		} else {
			return nil, nil, p.errAt(p.off, fmt.Sprintf("expected whitespace or '(' after '%s', found %s", word, p.found(p.off)))
		}
		if err != nil {
			return nil, nil, err
		}
		if terms == nil {
			terms = []Expr{first}
		}
		terms = append(terms, child)
		p.blank()
	}
	return first, terms, nil
}

// notKeyword returns the end of "not" followed by POSIX spaces at off, or
// off when the text there is not such a keyword.
func (p *parser) notKeyword(off int) int {
	if !strings.HasPrefix(p.src[off:], "not") {
		return off
	}
	end := off + 3
	for end < len(p.src) && isSpace(p.src[end]) {
		end++
	}
	if end == off+3 {
		return off
	}
	return end
}

// parseNot parses NotExpr := ('not' WS)* ('not(' Expr ')' | Check). A run
// of nots is a loop, not recursion, and an even number of them cancels out.
func (p *parser) parseNot() (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	p.blank()
	start := p.off
	neg := false
	for {
		end := p.notKeyword(p.off)
		if end == p.off {
			break
		}
		p.take(end)
		neg = !neg
	}
	var child Expr
	var err error
	if open := p.off + 3; p.lit("not(") {
		neg = !neg
		child, err = p.parseEmbedded(open)
	} else {
		child, err = p.parseCheck()
	}
	if err != nil {
		return nil, err
	}
	if neg {
		return &Not{Pos: p.pos(start), X: child}, nil
	}
	return child, nil
}

// parseEmbedded parses the rest of a parenthesised expression whose '(' is
// at open and has been consumed.
func (p *parser) parseEmbedded(open int) (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	p.blank()
	child, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	p.blank()
	if !p.lit(")") {
		op := p.pos(open)
		return nil, p.errAt(p.off, fmt.Sprintf("unexpected %s after %s, expecting 'or', 'and' or ')' closing the '(' at %d:%d",
			p.found(p.off), p.lastTok(), op.Line, op.Col))
	}
	return child, nil
}

// parseCheck parses Check := '(' Expr ')' | Operand Condition | Identifier.
func (p *parser) parseCheck() (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	p.blank()
	start := p.off
	if p.lit("(") {
		return p.parseEmbedded(start)
	}
	if end := scanFieldName(p.src, p.off); end > p.off {
		lhs, err := p.parseFieldRemainder(p.take(end), start)
		if err != nil {
			return nil, err
		}
		return p.parseCondition(lhs, start)
	}
	if name, ok := p.transformerAt(p.off); name != "" {
		if !ok {
			return nil, p.errAt(start, fmt.Sprintf("transformer '%s' is not supported", name))
		}
		p.take(p.off + len(name) + 1)
		p.blank()
		lhs, err := p.parseTransformer([]string{name}, start)
		if err != nil {
			return nil, err
		}
		return p.parseCondition(lhs, start)
	}
	if end := scanIdent(p.src, p.off); end > p.off {
		name := p.take(end)
		if err := p.checkAfterIdent(name); err != nil {
			return nil, err
		}
		return &Ident{Pos: p.pos(start), Name: name}, nil
	}
	return nil, p.errAt(p.off, fmt.Sprintf("expected '(', a field check or a macro name, found %s", p.found(p.off)))
}

// checkAfterIdent gives a precise message for a '(' after a macro name,
// which could never be accepted anyway.
func (p *parser) checkAfterIdent(name string) error {
	i := p.off
	for i < len(p.src) && isBlank(p.src[i]) {
		i++
	}
	if i >= len(p.src) || p.src[i] != '(' {
		return nil
	}
	switch {
	case name == "val":
		return p.errAt(p.off-len(name), "val() is only allowed on the right-hand side of a comparison")
	case i > p.off && isTransformerName(name):
		return p.errAt(p.off, fmt.Sprintf("no whitespace allowed between transformer '%s' and '('", name))
	}
	return p.errAt(i, fmt.Sprintf("unexpected %s after %s, expecting 'or', 'and'", p.found(i), p.lastTok()))
}

func isTransformerName(s string) bool {
	switch s {
	case "tolower", "toupper", "b64", "basename", "len", "join", "concat", "getopt", "val":
		return true
	}
	return false
}

// parseFieldRemainder parses the optional '[arg]' right after a field name.
func (p *parser) parseFieldRemainder(name string, start int) (Operand, error) {
	if err := p.enter(); err != nil {
		return Operand{}, err
	}
	defer p.leave()
	op := Operand{Pos: p.pos(start), Field: name}
	if !p.lit("[") {
		return op, nil
	}
	switch {
	case p.off < len(p.src) && (p.src[p.off] == '"' || p.src[p.off] == '\''):
		v, err := p.lexQuoted()
		if err != nil {
			return Operand{}, err
		}
		op.Arg = v.Text
	default:
		end := scanFieldArg(p.src, p.off)
		if end == p.off {
			return Operand{}, p.errAt(p.off, fmt.Sprintf("expected an argument of %s (a quoted string or a bare string without spaces) after '[', found %s", name, p.found(p.off)))
		}
		op.Arg = p.take(end)
	}
	if !p.lit("]") {
		return Operand{}, p.errAt(p.off, fmt.Sprintf("expected ']' after the argument of %s, found %s", name, p.found(p.off)))
	}
	op.HasArg = true
	return op, nil
}

// parseTransformer parses the rest of a transformer call whose name and '('
// have been consumed: one argument, a field or a nested transformer, then
// ')'. names lists the transformers entered so far, outermost first.
func (p *parser) parseTransformer(names []string, start int) (Operand, error) {
	if err := p.enter(); err != nil {
		return Operand{}, err
	}
	defer p.leave()
	name := names[len(names)-1]
	p.blank()
	op, err := p.parseTransformerArg(names)
	if err != nil {
		return Operand{}, err
	}
	p.blank()
	if p.off < len(p.src) && p.src[p.off] == ',' {
		return Operand{}, p.errAt(p.off, fmt.Sprintf("transformer '%s' takes exactly one argument", name))
	}
	if !p.lit(")") {
		return Operand{}, p.errAt(p.off, fmt.Sprintf("expected ')' closing transformer '%s', found %s", name, p.found(p.off)))
	}
	if p.off < len(p.src) && p.src[p.off] == '[' {
		return Operand{}, p.errAt(p.off, fmt.Sprintf("transformer '%s' does not support field arguments", name))
	}
	op.Pos = p.pos(start)
	return op, nil
}

// parseTransformerArg parses the argument of the innermost transformer in
// names. Falco's grammar also admits numbers, quoted strings and lists
// there, for transformers that take them (join, concat, getopt); none of the
// supported ones does, so they are rejected here with a precise message.
func (p *parser) parseTransformerArg(names []string) (Operand, error) {
	if err := p.enter(); err != nil {
		return Operand{}, err
	}
	defer p.leave()
	name := names[len(names)-1]
	start := p.off
	if end := scanHex(p.src, p.off); end > p.off || scanNumber(p.src, p.off) > p.off {
		return Operand{}, p.errAt(start, fmt.Sprintf("transformer '%s' takes a field or a transformer, found the number %s", name, p.found(start)))
	}
	if p.off < len(p.src) {
		switch p.src[p.off] {
		case '"', '\'':
			return Operand{}, p.errAt(start, fmt.Sprintf("transformer '%s' takes a field or a transformer, found a quoted string", name))
		case '(':
			return Operand{}, p.errAt(start, fmt.Sprintf("transformer '%s' takes a field or a transformer, found a list", name))
		}
	}
	if inner, ok := p.transformerAt(p.off); inner != "" {
		if !ok {
			return Operand{}, p.errAt(start, fmt.Sprintf("transformer '%s' is not supported", inner))
		}
		p.take(p.off + len(inner) + 1)
		return p.parseTransformer(append(names, inner), start)
	}
	if end := scanFieldName(p.src, p.off); end > p.off {
		op, err := p.parseFieldRemainder(p.take(end), start)
		if err != nil {
			return Operand{}, err
		}
		op.Transformers = names
		return op, nil
	}
	if strings.HasPrefix(p.src[p.off:], "val(") {
		return Operand{}, p.errAt(start, fmt.Sprintf("val() cannot be used inside transformer '%s'", name))
	}
	return Operand{}, p.errAt(start, fmt.Sprintf("expected a field or a transformer inside '%s(', found %s", name, p.found(start)))
}

// Operators by lexing class. Word operators must be followed by a blank.
var (
	numOps = [...]struct {
		text string
		op   Op
	}{{"<=", OpLe}, {"<", OpLt}, {">=", OpGe}, {">", OpGt}}
	symStrOps = [...]struct {
		text string
		op   Op
	}{{"==", OpEq}, {"=", OpEq}, {"!=", OpNe}}
	wordStrOps = map[string]Op{
		"glob": OpGlob, "iglob": OpIGlob, "contains": OpContains, "icontains": OpIContains,
		"bcontains": OpBContains, "startswith": OpStartsWith, "bstartswith": OpBStartsWith,
		"endswith": OpEndsWith, "regex": OpRegex,
	}
	listOps = [...]struct {
		text string
		op   Op
	}{{"intersects", OpIntersects}, {"in", OpIn}, {"pmatch", OpPMatch}}
)

const opList = "'=', '==', '!=', '<', '<=', '>', '>=', 'contains', 'icontains', 'bcontains', " +
	"'startswith', 'bstartswith', 'endswith', 'glob', 'iglob', 'regex', 'in', 'intersects', 'pmatch', 'exists'"

// parseCondition parses the operator and right-hand side after lhs.
func (p *parser) parseCondition(lhs Operand, start int) (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	p.blank()
	cmp := &Compare{Pos: p.pos(start), LHS: lhs}
	if p.lit("exists") {
		cmp.Op = OpExists
		return cmp, nil
	}
	opStart := p.off
	for _, o := range numOps {
		if p.lit(o.text) {
			cmp.Op = o.op
			rhs, err := p.parseNumValue(o.text)
			if err != nil {
				return nil, err
			}
			cmp.RHS = rhs
			return cmp, nil
		}
	}
	for _, o := range symStrOps {
		if p.lit(o.text) {
			cmp.Op = o.op
			return p.finishStr(cmp, o.text)
		}
	}
	if end := scanIdent(p.src, p.off); end > p.off {
		if op, ok := wordStrOps[p.src[p.off:end]]; ok {
			text := p.take(end)
			if !p.blank() {
				return nil, p.errAt(p.off, fmt.Sprintf("operator '%s' must be followed by whitespace, found %s", text, p.found(p.off)))
			}
			cmp.Op = op
			return p.finishStr(cmp, text)
		}
	}
	for _, o := range listOps {
		if p.lit(o.text) {
			cmp.Op = o.op
			rhs, err := p.parseListValue(o.text)
			if err != nil {
				return nil, err
			}
			cmp.RHS = rhs
			return cmp, nil
		}
	}
	return nil, p.errAt(opStart, fmt.Sprintf("expected an operator after '%s' (one of %s), found %s", lhs, opList, p.found(opStart)))
}

func (p *parser) finishStr(cmp *Compare, opText string) (Expr, error) {
	mod, rhs, err := p.parseStrValue(opText)
	if err != nil {
		return nil, err
	}
	cmp.Modifier, cmp.RHS = mod, rhs
	return cmp, nil
}

// parseNumValue parses the right-hand side of a numeric operator.
func (p *parser) parseNumValue(opText string) (RHS, error) {
	if err := p.enter(); err != nil {
		return RHS{}, err
	}
	defer p.leave()
	p.blank()
	start := p.off
	if rhs, ok, err := p.tryFieldRHS(); err != nil || ok {
		return rhs, err
	}
	end := scanHex(p.src, p.off)
	if end == p.off {
		end = scanNumber(p.src, p.off)
	}
	if end > p.off {
		return RHS{Kind: RHSValue, Values: []Value{{Pos: p.pos(start), Text: p.take(end)}}}, nil
	}
	return RHS{}, p.errAt(start, fmt.Sprintf("expected a number or a field transformer after '%s', found %s", opText, p.found(start)))
}

// modifierAt returns the list modifier at off when it is followed by a
// blank, and the offset after the blanks.
func (p *parser) modifierAt(off int) (Modifier, int) {
	end := scanIdent(p.src, off)
	var m Modifier
	switch p.src[off:end] {
	case "oneof":
		m = ModOneOf
	case "anyof":
		m = ModAnyOf
	case "allof":
		m = ModAllOf
	default:
		return ModNone, off
	}
	if end >= len(p.src) || !isBlank(p.src[end]) {
		return ModNone, off
	}
	for end < len(p.src) && isBlank(p.src[end]) {
		end++
	}
	return m, end
}

// parseStrValue parses the right-hand side of a string operator: a value, a
// field transformer, or a modifier and a list.
func (p *parser) parseStrValue(opText string) (Modifier, RHS, error) {
	if err := p.enter(); err != nil {
		return ModNone, RHS{}, err
	}
	defer p.leave()
	p.blank()
	start := p.off
	if mod, end := p.modifierAt(p.off); mod != ModNone {
		p.take(end)
		listStart := p.off
		if p.lit("(") {
			rhs, err := p.parseListItems(listStart)
			return mod, rhs, err
		}
		if name, _ := p.transformerAt(p.off); name != "" || strings.HasPrefix(p.src[p.off:], "val(") {
			return ModNone, RHS{}, p.errAt(p.off, fmt.Sprintf("expected a list or a list name after '%s %s', found a field", opText, mod))
		}
		if end := scanIdent(p.src, p.off); end > p.off {
			return mod, RHS{Kind: RHSIdent, Values: []Value{{Pos: p.pos(listStart), Text: p.take(end)}}}, nil
		}
		return ModNone, RHS{}, p.errAt(p.off, fmt.Sprintf("expected a list or a list name after '%s %s', found %s", opText, mod, p.found(p.off)))
	}
	if rhs, ok, err := p.tryFieldRHS(); err != nil || ok {
		return ModNone, rhs, err
	}
	v, ok, err := p.lexValue()
	if err != nil {
		return ModNone, RHS{}, err
	}
	if ok {
		return ModNone, RHS{Kind: RHSValue, Values: []Value{v}}, nil
	}
	return ModNone, RHS{}, p.errAt(start, fmt.Sprintf("expected a string value or a field transformer after '%s', found %s", opText, p.found(start)))
}

// parseListValue parses the right-hand side of a list operator.
func (p *parser) parseListValue(opText string) (RHS, error) {
	if err := p.enter(); err != nil {
		return RHS{}, err
	}
	defer p.leave()
	p.blank()
	start := p.off
	if p.lit("(") {
		return p.parseListItems(start)
	}
	if rhs, ok, err := p.tryFieldRHS(); err != nil || ok {
		return rhs, err
	}
	if end := scanIdent(p.src, p.off); end > p.off {
		return RHS{Kind: RHSIdent, Values: []Value{{Pos: p.pos(start), Text: p.take(end)}}}, nil
	}
	return RHS{}, p.errAt(start, fmt.Sprintf("expected a list, a list name or a field transformer after '%s', found %s", opText, p.found(start)))
}

// parseListItems parses the items of a literal list whose '(' at open has
// been consumed.
func (p *parser) parseListItems(open int) (RHS, error) {
	rhs := RHS{Kind: RHSList}
	p.blank()
	if p.lit(")") {
		return rhs, nil
	}
	// Size the slice from the commas before the next ')'; only a hint.
	if end := strings.IndexByte(p.src[p.off:], ')'); end > 0 {
		rhs.Values = make([]Value, 0, strings.Count(p.src[p.off:p.off+end], ",")+1)
	}
	for {
		v, err := p.parseListItem(len(rhs.Values) == 0)
		if err != nil {
			return RHS{}, err
		}
		rhs.Values = append(rhs.Values, v)
		p.blank()
		if p.lit(",") {
			continue
		}
		if p.lit(")") {
			return rhs, nil
		}
		op := p.pos(open)
		return RHS{}, p.errAt(p.off, fmt.Sprintf("expected ',' or ')' in the list opened at %d:%d, found %s", op.Line, op.Col, p.found(p.off)))
	}
}

func (p *parser) parseListItem(first bool) (Value, error) {
	if err := p.enter(); err != nil {
		return Value{}, err
	}
	defer p.leave()
	p.blank()
	start := p.off
	v, ok, err := p.lexValue()
	if err != nil {
		return Value{}, err
	}
	if ok {
		if !v.Quoted && p.off < len(p.src) && p.src[p.off] == '(' && isTransformerName(v.Text) {
			return Value{}, p.errAt(start, fmt.Sprintf("transformers are not allowed inside a literal list, found '%s('", v.Text))
		}
		return v, nil
	}
	switch {
	case start < len(p.src) && p.src[start] == '(':
		return Value{}, p.errAt(start, "nested lists are not allowed")
	case first:
		return Value{}, p.errAt(start, fmt.Sprintf("expected a list item or ')', found %s", p.found(start)))
	}
	return Value{}, p.errAt(start, fmt.Sprintf("expected a list item after ',', found %s", p.found(start)))
}

// lexValue lexes a quoted or bare string at the current offset.
func (p *parser) lexValue() (Value, bool, error) {
	if p.off >= len(p.src) {
		return Value{}, false, nil
	}
	if c := p.src[p.off]; c == '"' || c == '\'' {
		v, err := p.lexQuoted()
		return v, err == nil, err
	}
	start := p.off
	end := scanBare(p.src, p.off)
	if end == p.off {
		return Value{}, false, nil
	}
	return Value{Pos: p.pos(start), Text: p.take(end)}, true, nil
}

// lexQuoted lexes the quoted string at the current offset.
func (p *parser) lexQuoted() (Value, error) {
	start := p.off
	q := p.src[start]
	end, skipped := scanQuoted(p.src, start)
	if end < 0 {
		msg := "unterminated quoted string"
		if skipped {
			msg += fmt.Sprintf(" (a %c right after a backslash does not close it)", q)
		}
		return Value{}, p.errAt(start, msg)
	}
	text, badAt, problem := unescape(p.src[start+1:end], q)
	if badAt >= 0 {
		return Value{}, p.errAt(start+1+badAt, problem)
	}
	p.take(end + 1)
	return Value{Pos: p.pos(start), Text: text, Quoted: true}, nil
}

// tryFieldRHS parses a right-hand side that names a field: val(field) or a
// transformer over a field. ok is false when the text is neither.
func (p *parser) tryFieldRHS() (rhs RHS, ok bool, err error) {
	if err := p.enter(); err != nil {
		return RHS{}, false, err
	}
	defer p.leave()
	p.blank()
	start := p.off
	if p.lit("val(") {
		p.blank()
		fieldStart := p.off
		end := scanFieldName(p.src, p.off)
		if end == p.off {
			if name, _ := p.transformerAt(p.off); name != "" || strings.HasPrefix(p.src[p.off:], "val(") {
				return RHS{}, false, p.errAt(fieldStart, "val() takes a plain field, not a transformer")
			}
			return RHS{}, false, p.errAt(fieldStart, fmt.Sprintf("expected a field inside 'val(', found %s", p.found(fieldStart)))
		}
		op, err := p.parseFieldRemainder(p.take(end), fieldStart)
		if err != nil {
			return RHS{}, false, err
		}
		p.blank()
		if !p.lit(")") {
			return RHS{}, false, p.errAt(p.off, fmt.Sprintf("expected ')' closing 'val(', found %s", p.found(p.off)))
		}
		if p.off < len(p.src) && p.src[p.off] == '[' {
			return RHS{}, false, p.errAt(p.off, "val() does not support field arguments; write val(field[arg])")
		}
		op.Pos = p.pos(start)
		return RHS{Kind: RHSField, Field: op}, true, nil
	}
	if name, supported := p.transformerAt(p.off); name != "" {
		if !supported {
			return RHS{}, false, p.errAt(start, fmt.Sprintf("transformer '%s' is not supported", name))
		}
		p.take(p.off + len(name) + 1)
		p.blank()
		op, err := p.parseTransformer([]string{name}, start)
		if err != nil {
			return RHS{}, false, err
		}
		return RHS{Kind: RHSField, Field: op}, true, nil
	}
	return RHS{}, false, nil
}
