package rules

import (
	"errors"
	"fmt"
	"time"

	"github.com/vigilsec/vigil/rules/condition"
	"github.com/vigilsec/vigil/rules/fields"
	"github.com/vigilsec/vigil/rules/rulefile"
)

// Load reads the rules files in order into one collection and compiles it.
// Problems of reading and of compiling are returned together; the Ruleset
// is nil when any of them is an error.
func Load(reg *fields.Registry, opts Options, srcs ...rulefile.Source) (*Ruleset, []rulefile.Problem) {
	c := rulefile.NewCollection()
	var problems []rulefile.Problem
	for _, src := range srcs {
		problems = append(problems, c.Add(src)...)
	}
	if rulefile.HasErrors(problems) {
		return nil, problems
	}
	rs, more := Compile(c, reg, opts)
	return rs, append(problems, more...)
}

// Compile compiles a collection of lists, macros and rules against the
// field registry, in Falco's order: macros (each parsed after list
// substitution, references checked against definition order), then rules
// (list substitution, parsing, macro expansion, field resolution, type
// checking, event-type derivation, output compilation). Every problem is
// reported with its file position. The Ruleset is nil when any problem is
// an error.
func Compile(c *rulefile.Collection, reg *fields.Registry, opts Options) (*Ruleset, []rulefile.Problem) {
	return compile(c, reg, opts)
}

// compiler holds the state of one Compile call.
type compiler struct {
	c        *rulefile.Collection
	b        *builder
	opts     Options
	problems []rulefile.Problem
}

func compile(c *rulefile.Collection, reg resolver, opts Options) (*Ruleset, []rulefile.Problem) {
	return newCompiler(c, reg, opts).run()
}

func newCompiler(c *rulefile.Collection, reg resolver, opts Options) *compiler {
	return &compiler{c: c, b: newBuilder(reg), opts: opts}
}

func (k *compiler) run() (*Ruleset, []rulefile.Problem) {
	c := k.c
	macros := c.Macros()
	defs := make([]*macroDef, 0, len(macros))
	for _, m := range macros {
		defs = append(defs, k.parseMacro(m))
	}
	k.checkMacroRefs(macros, defs)

	rs := &Ruleset{opts: k.opts}
	for _, r := range c.Rules() {
		if cr := k.compileRule(r); cr != nil {
			rs.rules = append(rs.rules, cr)
		}
	}
	for i, d := range defs {
		for _, w := range d.warns {
			k.report(w, rulefile.KindMacro, d.name)
		}
		if !d.used {
			k.add(rulefile.SeverityWarning, rulefile.CodeUnusedMacro, macros[i].Pos, rulefile.KindMacro, d.name,
				"macro not referenced by any rule")
		}
	}
	for _, l := range c.Lists() {
		if !l.Used {
			k.add(rulefile.SeverityWarning, rulefile.CodeUnusedList, l.Pos, rulefile.KindList, l.Name,
				"list not referenced by any rule or macro")
		}
	}
	if rulefile.HasErrors(k.problems) {
		return nil, k.problems
	}
	rs.nslots = len(k.b.slots)
	rs.nmemo = int(k.b.nmemo)
	rs.index()
	return rs, k.problems
}

func (k *compiler) add(sev rulefile.Severity, code rulefile.Code, pos rulefile.Position, kind, name, msg string) {
	k.problems = append(k.problems, rulefile.Problem{Severity: sev, Code: code, Pos: pos, ItemKind: kind, ItemName: name, Message: msg})
}

// report turns a compile error into a problem of item kind/name. Errors met
// inside a macro while compiling a rule say so.
func (k *compiler) report(e *compileError, kind, name string) {
	sev := rulefile.SeverityError
	if e.warn {
		sev = rulefile.SeverityWarning
	}
	msg := e.msg
	if e.src != nil && e.src.kind == rulefile.KindMacro && kind != rulefile.KindMacro {
		msg = fmt.Sprintf("in macro '%s': %s", e.src.name, msg)
	}
	var pos rulefile.Position
	if e.src != nil && e.src.at != nil {
		pos = e.src.at(e.pos.Offset)
	}
	k.add(sev, e.code, pos, kind, name, msg)
}

// expand substitutes lists into cond and returns the text with a function
// mapping offsets of it back to file positions through posAt.
func (k *compiler) expand(cond string, posAt func(int) rulefile.Position) (string, func(int) rulefile.Position, error) {
	e, err := k.c.Expand(cond)
	if err != nil {
		return "", nil, err
	}
	return e.Text, func(off int) rulefile.Position { return posAt(e.Origin(off)) }, nil
}

// parse parses a condition; a syntax error is reported at its file
// position.
func (k *compiler) parse(src *condSource) (condition.Expr, bool) {
	ast, err := condition.Parse(src.text, condition.Options{MaxDepth: k.opts.MaxDepth})
	if err == nil {
		return ast, true
	}
	var se *condition.SyntaxError
	pos := src.at(0)
	msg := err.Error()
	if errors.As(err, &se) {
		pos = src.at(se.Pos.Offset)
		msg = se.Msg
	}
	k.add(rulefile.SeverityError, rulefile.CodeCompileCondition, pos, src.kind, src.name, msg)
	return nil, false
}

func (k *compiler) parseMacro(m *rulefile.Macro) *macroDef {
	d := &macroDef{name: m.Name, index: m.Index}
	k.b.macros[m.Name] = d
	text, at, err := k.expand(m.Condition, m.CondPosAt)
	if err != nil {
		k.add(rulefile.SeverityError, rulefile.CodeCompileCondition, m.CondPos, rulefile.KindMacro, m.Name, err.Error())
		d.bad = true
		return d
	}
	d.src = &condSource{kind: rulefile.KindMacro, name: m.Name, text: text, at: at}
	ast, ok := k.parse(d.src)
	if !ok {
		d.bad = true
		return d
	}
	d.ast = ast
	return d
}

// checkMacroRefs enforces definition order between macros: a macro may only
// reference macros first defined before its own latest definition or
// append, even when it is never used. Reference loops are errors too.
func (k *compiler) checkMacroRefs(macros []*rulefile.Macro, defs []*macroDef) {
	for i, d := range defs {
		if d.ast == nil {
			continue
		}
		vis := macros[i].Visibility
		walkIdents(d.ast, func(id *condition.Ident) {
			t := k.b.macros[id.Name]
			if t == nil || t.index >= vis {
				k.add(rulefile.SeverityError, rulefile.CodeValidate, d.src.at(id.Pos.Offset), rulefile.KindMacro, d.name,
					fmt.Sprintf("undefined macro '%s' used in filter", id.Name))
				d.bad = true
			}
		})
	}
	// Loops are only possible through appends or redefinitions that made a
	// macro visible to one defined earlier.
	for _, d := range defs {
		if d.ast != nil && k.inLoop(d) {
			k.add(rulefile.SeverityError, rulefile.CodeValidate, d.src.at(0), rulefile.KindMacro, d.name,
				fmt.Sprintf("reference loop in macro '%s'", d.name))
			d.bad = true
		}
	}
}

// inLoop reports whether d can reach itself through macro references.
func (k *compiler) inLoop(d *macroDef) bool {
	seen := map[*macroDef]bool{}
	var reach func(m *macroDef) bool
	reach = func(m *macroDef) bool {
		found := false
		if m.ast == nil {
			return false
		}
		walkIdents(m.ast, func(id *condition.Ident) {
			t := k.b.macros[id.Name]
			if found || t == nil {
				return
			}
			if t == d {
				found = true
				return
			}
			if !seen[t] {
				seen[t] = true
				found = reach(t)
			}
		})
		return found
	}
	return reach(d)
}

// walkIdents calls fn for every macro reference of e (not following them).
func walkIdents(e condition.Expr, fn func(*condition.Ident)) {
	switch e := e.(type) {
	case *condition.And:
		for _, t := range e.Terms {
			walkIdents(t, fn)
		}
	case *condition.Or:
		for _, t := range e.Terms {
			walkIdents(t, fn)
		}
	case *condition.Not:
		walkIdents(e.X, fn)
	case *condition.Ident:
		fn(e)
	}
}

// compileRule compiles one rule; it returns nil when the rule is skipped or
// has errors (which are reported).
func (k *compiler) compileRule(r *rulefile.Rule) *Rule {
	kind, name := rulefile.KindRule, r.Name
	if r.UnknownSource {
		k.add(rulefile.SeverityWarning, rulefile.CodeUnknownSource, r.Pos, kind, name,
			fmt.Sprintf("unknown source %s, skipping", r.Source))
		return nil
	}
	text, at, err := k.expand(r.Condition, r.CondPosAt)
	if err != nil {
		k.add(rulefile.SeverityError, rulefile.CodeCompileCondition, r.CondPos, kind, name, err.Error())
		return nil
	}
	src := &condSource{kind: kind, name: name, text: text, at: at}
	ast, ok := k.parse(src)
	if !ok {
		return nil
	}
	ctx := &buildCtx{b: k.b, src: src}
	cond := ctx.expr(ast)
	out, outErrs := compileOutput(k.b.reg, &condSource{kind: kind, name: name, text: r.Output, at: r.OutputPosAt})

	var errs []*compileError
	errs = append(errs, ctx.errs...)
	for _, e := range outErrs {
		if e.warn {
			ctx.warns = append(ctx.warns, e)
		} else {
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		if r.SkipIfUnknownFilter && allUnknown(errs) {
			for _, e := range errs {
				e.warn = true
				e.code = rulefile.CodeUnknownFilter
				e.msg += "; rule skipped (skip-if-unknown-filter)"
				k.report(e, kind, name)
			}
			return nil
		}
		for _, e := range errs {
			k.report(e, kind, name)
		}
		return nil
	}
	for _, w := range ctx.warns {
		k.report(w, kind, name)
	}

	types := k.b.eventTypes(ast)
	limit := k.opts.WarnEvttypesAbove
	if limit <= 0 {
		limit = defaultWarnEvttypesAbove
	}
	if n := types.Len(); n > limit && r.WarnEvttypes {
		k.add(rulefile.SeverityWarning, rulefile.CodeNoEvttype, r.CondPos, kind, name,
			fmt.Sprintf("rule matches too many evt.type values (%d); this has a significant performance penalty, start the condition with an evt.type check", n))
	}
	return &Rule{
		Name:            r.Name,
		Desc:            r.Desc,
		Priority:        r.Priority,
		Source:          r.Source,
		Tags:            r.Tags,
		Enabled:         r.Enabled,
		EventTypes:      types,
		Condition:       text,
		Output:          r.Output,
		Capture:         r.Capture,
		CaptureDuration: time.Duration(r.CaptureDuration) * time.Millisecond,
		cond:            cond,
		out:             out,
		stats:           &ruleStats{},
	}
}

func allUnknown(errs []*compileError) bool {
	for _, e := range errs {
		if !e.unknown {
			return false
		}
	}
	return true
}
