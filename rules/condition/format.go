package condition

import "strings"

// Canonical condition text. Formatting is deterministic and parses back to
// the same tree: single spaces around keywords and operators, "=" for both
// equality spellings, parentheses only where the tree needs them (an Or
// inside an And or a Not, an And inside an And or a Not, a Not directly
// inside a Not, and the macro name "not", which would otherwise read as the
// keyword), values left bare when the lexer would read them back unchanged
// and quoted with escapes otherwise.

func (e *And) String() string     { return format(e) }
func (e *Or) String() string      { return format(e) }
func (e *Not) String() string     { return format(e) }
func (e *Ident) String() string   { return format(e) }
func (e *Compare) String() string { return format(e) }

func format(e Expr) string {
	var b strings.Builder
	writeExpr(&b, e, nil)
	return b.String()
}

// writeExpr writes e as a child of parent (nil at the top).
func writeExpr(b *strings.Builder, e Expr, parent Expr) {
	switch n := e.(type) {
	case *Or:
		writeTerms(b, n.Terms, n, " or ", parent != nil)
	case *And:
		_, inOr := parent.(*Or)
		paren := parent != nil && !inOr
		writeTerms(b, n.Terms, n, " and ", paren)
	case *Not:
		_, inNot := parent.(*Not)
		if inNot {
			b.WriteByte('(')
		}
		b.WriteString("not ")
		writeExpr(b, n.X, n)
		if inNot {
			b.WriteByte(')')
		}
	case *Ident:
		if n.Name == "not" {
			b.WriteString("(not)")
		} else {
			b.WriteString(n.Name)
		}
	case *Compare:
		writeCompare(b, n)
	case nil:
		// Only reachable for hand-built trees.
		b.WriteString("<nil>")
	}
}

func writeTerms(b *strings.Builder, terms []Expr, self Expr, sep string, paren bool) {
	if paren {
		b.WriteByte('(')
	}
	for i, t := range terms {
		if i > 0 {
			b.WriteString(sep)
		}
		writeExpr(b, t, self)
	}
	if paren {
		b.WriteByte(')')
	}
}

func writeCompare(b *strings.Builder, c *Compare) {
	writeOperand(b, c.LHS)
	b.WriteByte(' ')
	b.WriteString(c.Op.String())
	if c.Op == OpExists {
		return
	}
	if c.Modifier != ModNone {
		b.WriteByte(' ')
		b.WriteString(c.Modifier.String())
	}
	if c.RHS.Kind == RHSNone {
		return
	}
	b.WriteByte(' ')
	writeRHS(b, c.RHS)
}

// String formats the operand: transformers around the field and its
// bracketed argument, e.g. tolower(proc.aname[2]).
func (o Operand) String() string {
	var b strings.Builder
	writeOperand(&b, o)
	return b.String()
}

func writeOperand(b *strings.Builder, o Operand) {
	for _, t := range o.Transformers {
		b.WriteString(t)
		b.WriteByte('(')
	}
	b.WriteString(o.Field)
	if o.HasArg {
		b.WriteByte('[')
		if o.Arg != "" && isAll(o.Arg, isFieldArgChar) {
			b.WriteString(o.Arg)
		} else {
			writeQuoted(b, o.Arg)
		}
		b.WriteByte(']')
	}
	for range o.Transformers {
		b.WriteByte(')')
	}
}

// String formats the right-hand side as it follows the operator (and the
// modifier, if any): a value, a list, a list name, or val(field) / a
// transformer over a field. RHSNone formats as "".
func (r RHS) String() string {
	var b strings.Builder
	writeRHS(&b, r)
	return b.String()
}

func writeRHS(b *strings.Builder, r RHS) {
	switch r.Kind {
	case RHSValue:
		if len(r.Values) > 0 {
			v := r.Values[0]
			if !v.Quoted && isModifierWord(v.Text) {
				// Bare, it would read back as a modifier.
				writeQuoted(b, v.Text)
			} else {
				writeValue(b, v)
			}
		}
	case RHSList:
		b.WriteByte('(')
		for i, v := range r.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, v)
		}
		b.WriteByte(')')
	case RHSIdent:
		if len(r.Values) > 0 {
			b.WriteString(r.Values[0].Text)
		}
	case RHSField:
		if len(r.Field.Transformers) == 0 {
			b.WriteString("val(")
			writeOperand(b, r.Field)
			b.WriteByte(')')
		} else {
			writeOperand(b, r.Field)
		}
	}
}

// String formats the value: quoted when it was written quoted or could not
// be read back bare.
func (v Value) String() string {
	var b strings.Builder
	writeValue(&b, v)
	return b.String()
}

func writeValue(b *strings.Builder, v Value) {
	if !v.Quoted && v.Text != "" && isAll(v.Text, isBareChar) && !isBlank(v.Text[0]) {
		b.WriteString(v.Text)
		return
	}
	writeQuoted(b, v.Text)
}

func isModifierWord(s string) bool { return s == "oneof" || s == "anyof" || s == "allof" }

func isAll(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

// writeQuoted writes s double-quoted with the escapes the lexer decodes. A
// final backslash is written as \x5c because a quote right after a
// backslash would not close the string.
func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i == len(s)-1 {
				b.WriteString(`\x5c`)
			} else {
				b.WriteString(`\\`)
			}
		case '"':
			b.WriteString(`\"`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case 0:
			b.WriteString(`\x00`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}
