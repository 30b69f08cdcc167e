package rules

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vigilsec/vigil/rules/condition"
	"github.com/vigilsec/vigil/rules/fields"
	"github.com/vigilsec/vigil/rules/rulefile"
)

// outputFormat is a compiled rule output: literal text interleaved with
// field tokens. lits has one more element than toks.
type outputFormat struct {
	lits []string
	toks []outToken
}

// outToken is one %token of an output.
type outToken struct {
	text  string // the token as written, without % and width
	key   string // output_fields key: the plain field as written
	ref   fields.Ref
	f     *fields.Field
	in    xtype
	chain []xform // innermost first
	width int     // 0: natural width
}

// missingText is printed for a field that has no value.
const missingText = "<NA>"

// deprecatedOutputField is silently dropped from outputs, with a warning.
const deprecatedOutputField = "container.info"

// compileOutput parses an output format. Tokens start at '%', followed by an
// optional decimal width and a field (with optional [arg]) or a transformer
// call. The token's end is found by trial: the longest prefix of the field
// text that names a known field wins, the rest is literal.
func compileOutput(reg resolver, src *condSource) (*outputFormat, []*compileError) {
	text := src.text
	var errs []*compileError
	fail := func(off int, unknown bool, format string, args ...any) {
		errs = append(errs, &compileError{src: src, pos: condition.Pos{Offset: off}, code: rulefile.CodeCompileOutput,
			msg: fmt.Sprintf(format, args...), unknown: unknown})
	}
	if strings.TrimSpace(text) == "" {
		fail(0, false, "output is empty")
		return nil, errs
	}
	o := &outputFormat{}
	var lit strings.Builder
	i := 0
	for i < len(text) {
		pct := strings.IndexByte(text[i:], '%')
		if pct < 0 {
			lit.WriteString(text[i:])
			break
		}
		lit.WriteString(text[i : i+pct])
		start := i + pct
		j := start + 1
		if j == len(text) {
			fail(start, false, "formatting cannot end with a %%")
			break
		}
		w := 0
		for j < len(text) && text[j] >= '0' && text[j] <= '9' {
			if w < 1<<20 {
				w = w*10 + int(text[j]-'0')
			}
			j++
		}
		tok, end, err := parseOutToken(reg, text, j)
		if err != nil {
			fail(start, err.unknown, "%s", err.msg)
			i = max(end, start+1)
			continue
		}
		i = end
		if tok.text == deprecatedOutputField {
			errs = append(errs, &compileError{src: src, pos: condition.Pos{Offset: start}, code: rulefile.CodeDeprecatedItem,
				msg: "%container.info is deprecated and was removed from the output", warn: true})
			continue
		}
		if tok.f.Flags.Has(fields.Deprecated) {
			errs = append(errs, &compileError{src: src, pos: condition.Pos{Offset: start}, code: rulefile.CodeDeprecatedItem,
				msg: fmt.Sprintf("field '%s' is deprecated", tok.f.Name), warn: true})
		}
		tok.width = w
		o.lits = append(o.lits, lit.String())
		lit.Reset()
		o.toks = append(o.toks, tok)
	}
	o.lits = append(o.lits, lit.String())
	return o, errs
}

type tokenError struct {
	msg     string
	unknown bool
}

// parseOutToken parses the token starting at text[i] and returns it with
// the index just past it.
func parseOutToken(reg resolver, text string, i int) (outToken, int, *tokenError) {
	j := i
	for j < len(text) && isFieldByte(text[j]) {
		j++
	}
	name := text[i:j]
	if j < len(text) && text[j] == '(' && !strings.Contains(name, ".") && name != "" {
		return parseOutTransformer(reg, text, i, j)
	}
	candEnd := j
	if j < len(text) && text[j] == '[' {
		if k := strings.IndexByte(text[j:], ']'); k > 0 {
			candEnd = j + k + 1
		}
	}
	for end := candEnd; end > i; end-- {
		cand := text[i:end]
		fname, arg, hasArg, ok := splitFieldToken(cand)
		if !ok {
			continue
		}
		if cand == deprecatedOutputField {
			return outToken{text: cand}, end, nil
		}
		ref, f, err := reg.Resolve(fname, arg, hasArg)
		if err != nil {
			continue
		}
		if f.Flags.Has(fields.FilterOnly) || f.Either[0] != 0 {
			return outToken{}, end, &tokenError{msg: fmt.Sprintf("field '%s' can only be used in conditions, not in outputs", f.Name)}
		}
		return outToken{text: cand, key: cand, ref: ref, f: f, in: xtype{typ: f.Type, list: f.List}}, end, nil
	}
	shown := text[i:candEnd]
	if shown == "" {
		shown = text[i:min(len(text), i+1)]
	}
	return outToken{}, candEnd, &tokenError{msg: fmt.Sprintf("invalid formatting token %%%s: not a known field", shown), unknown: true}
}

// parseOutTransformer parses name(inner) where text[j] == '('.
func parseOutTransformer(reg resolver, text string, i, j int) (outToken, int, *tokenError) {
	name := text[i:j]
	depth := 0
	k := j
	for ; k < len(text); k++ {
		if text[k] == '(' {
			depth++
		} else if text[k] == ')' {
			depth--
			if depth == 0 {
				break
			}
		}
	}
	if k == len(text) {
		return outToken{}, len(text), &tokenError{msg: fmt.Sprintf("unterminated transformer call %%%s", text[i:])}
	}
	end := k + 1
	if name == "val" {
		return outToken{}, end, &tokenError{msg: "val() cannot be used in outputs"}
	}
	t, ok := xformNames[name]
	if !ok {
		return outToken{}, end, &tokenError{msg: fmt.Sprintf("unknown transformer '%s'", name), unknown: true}
	}
	inner := strings.TrimSpace(text[j+1 : k])
	var tok outToken
	if p := strings.IndexByte(inner, '('); p > 0 && !strings.Contains(inner[:p], ".") {
		var err *tokenError
		var iend int
		tok, iend, err = parseOutTransformer(reg, inner, 0, p)
		if err != nil {
			return outToken{}, end, err
		}
		if iend != len(inner) {
			return outToken{}, end, &tokenError{msg: fmt.Sprintf("invalid transformer argument %q", inner)}
		}
	} else {
		fname, arg, hasArg, ok := splitFieldToken(inner)
		if !ok {
			return outToken{}, end, &tokenError{msg: fmt.Sprintf("invalid transformer argument %q", inner), unknown: true}
		}
		ref, f, err := reg.Resolve(fname, arg, hasArg)
		if err != nil {
			return outToken{}, end, &tokenError{msg: err.Error(), unknown: true}
		}
		if f.Flags.Has(fields.FilterOnly) || f.Either[0] != 0 || f.Flags.Has(fields.AnyAncestor) || f.Flags.Has(fields.NoTransformer) {
			return outToken{}, end, &tokenError{msg: fmt.Sprintf("field '%s' does not support transformers", f.Name)}
		}
		tok = outToken{key: inner, ref: ref, f: f, in: xtype{typ: f.Type, list: f.List}}
	}
	shape := tok.in
	for _, c := range tok.chain {
		shape, _ = c.result(shape)
	}
	if _, err := t.result(shape); err != nil {
		return outToken{}, end, &tokenError{msg: err.Error()}
	}
	tok.chain = append(tok.chain, t)
	tok.text = text[i:end]
	return tok, end, nil
}

func isFieldByte(c byte) bool {
	return isAlpha(c) || (c >= '0' && c <= '9') || c == '_' || c == '.'
}

// splitFieldToken splits "name" or "name[arg]" and checks the name's shape.
// A quoted argument has its quotes removed.
func splitFieldToken(s string) (name, arg string, hasArg, ok bool) {
	name = s
	if b := strings.IndexByte(s, '['); b >= 0 {
		if !strings.HasSuffix(s, "]") || b+2 > len(s)-1 {
			return "", "", false, false
		}
		name, arg, hasArg = s[:b], s[b+1:len(s)-1], true
		if strings.ContainsAny(arg, "[] \t") {
			return "", "", false, false
		}
		if len(arg) >= 2 && (arg[0] == '"' || arg[0] == '\'') && arg[len(arg)-1] == arg[0] {
			arg = arg[1 : len(arg)-1]
		}
	}
	return name, arg, hasArg, looksLikeField(name)
}

// render appends the output for ev to buf. v and arena are scratch space.
func (o *outputFormat) render(ev fields.Event, buf []byte, v, tv *fields.Value, arena *[]byte) []byte {
	for i := range o.toks {
		buf = append(buf, o.lits[i]...)
		t := &o.toks[i]
		start := len(buf)
		v.Reset()
		ok := ev.Extract(&t.ref, v)
		switch {
		case !ok:
			buf = append(buf, missingText...)
		case len(t.chain) > 0:
			if !runChain(arena, t.chain, t.in, v, tv) {
				buf = append(buf, missingText...)
			} else if t.chain[len(t.chain)-1] == xfLen {
				buf = strconv.AppendUint(buf, uint64(tv.Int), 10)
			} else {
				buf = append(buf, tv.Str...)
			}
		default:
			buf = fields.AppendValue(buf, t.f, v)
		}
		if t.width > 0 {
			if n := len(buf) - start; n > t.width {
				buf = buf[:start+t.width]
			} else {
				for ; n < t.width; n++ {
					buf = append(buf, ' ')
				}
			}
		}
	}
	return append(buf, o.lits[len(o.lits)-1]...)
}

// fieldValues returns the output_fields map for ev: each token's plain field
// as written mapped to its untransformed value, nil when missing.
func (o *outputFormat) fieldValues(ev fields.Event) map[string]any {
	m := make(map[string]any, len(o.toks))
	var v fields.Value
	for i := range o.toks {
		t := &o.toks[i]
		if _, seen := m[t.key]; seen {
			continue
		}
		v.Reset()
		if !ev.Extract(&t.ref, &v) {
			m[t.key] = nil
			continue
		}
		m[t.key] = fields.Detach(fields.JSONValue(t.f, &v))
	}
	return m
}
