package rulefile

import (
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// rawException is an exception as read from one entry, before it is checked
// against the rule it belongs to.
type rawException struct {
	name   string
	node   *yaml.Node
	fields *excStrings // nil when absent
	comps  *excStrings // nil when absent
	values []rawValue
	hasVal bool
}

// excStrings is `fields` or `comps`: a scalar (single) or a list of scalars.
type excStrings struct {
	single bool
	items  []string
	node   *yaml.Node
}

// rawValue is one entry of `values`: a scalar, or a tuple of elements.
type rawValue struct {
	scalar string
	tuple  []excValue
	isList bool
	node   *yaml.Node
}

// excValue is one element of a tuple: a scalar or a list of scalars.
type excValue struct {
	s      string
	list   []string
	isList bool
}

func (e *Exception) clone() *Exception {
	c := *e
	c.Fields = append([]string(nil), e.Fields...)
	c.Comps = append([]string(nil), e.Comps...)
	c.tuples = append([][]excValue(nil), e.tuples...)
	c.ValuePos = append([]Position(nil), e.ValuePos...)
	c.Values = nil
	return &c
}

var exceptionKeys = keySet("name", "fields", "comps", "values")

// readExceptions decodes `exceptions`. In append mode (appends and the
// deprecated append flag) `fields` is optional and an exception without
// values draws LOAD_APPEND_NO_VALUES.
func (it *item) readExceptions(m *mapping, appendMode bool) ([]*rawException, bool) {
	e, ok := m.get("exceptions")
	if !ok || isNull(e.v) {
		return nil, true
	}
	if e.v.Kind != yaml.SequenceNode {
		it.errorf(CodeYAMLValidate, e.v, "rule exceptions must be a sequence (found %s)", describe(e.v))
		return nil, false
	}
	r := it.r
	var out []*rawException
	names := map[string]bool{}
	good := true
	for _, c := range e.v.Content {
		n := r.node(c)
		if n == nil || n.Kind != yaml.MappingNode {
			at := n
			if at == nil {
				at = c
			}
			it.errorf(CodeYAMLValidate, at, "rule exception must be a mapping (found %s)", describe(n))
			good = false
			continue
		}
		em := r.mapping(n)
		for _, k := range em.entries {
			if !exceptionKeys[k.key] {
				it.warnf(CodeUnknownKey, k.k, "unknown key '%s' for an exception; it is ignored", k.key)
			}
		}
		for _, d := range em.dups {
			it.warnf(CodeDuplicateKey, d.k, "key '%s' appears more than once; only the first is used", d.key)
		}
		name, _, ok := it.reqStringAt(em, "name")
		if !ok {
			good = false
			continue
		}
		if names[name] {
			it.warnf(CodeExceptionNameNotUnique, n, "multiple definitions of exception '%s' in the same rule", name)
		}
		names[name] = true
		x := &rawException{name: name, node: n}
		fine := true
		if fe, ok := em.get("fields"); ok && !isNull(fe.v) {
			x.fields, ok = it.excStrings(fe, "fields")
			fine = fine && ok
		} else if !appendMode {
			it.errorf(CodeYAMLValidate, n, "exception '%s' has no mapping for key 'fields'", name)
			fine = false
		}
		if ce, ok := em.get("comps"); ok && !isNull(ce.v) {
			x.comps, ok = it.excStrings(ce, "comps")
			fine = fine && ok
		}
		if ve, ok := em.get("values"); ok {
			x.hasVal = true
			x.values, ok = it.excValues(ve)
			fine = fine && ok
		} else if appendMode {
			it.warnf(CodeAppendNoValues, n, "exception '%s' is appended or overridden with no values", name)
		}
		if !fine {
			good = false
			continue
		}
		out = append(out, x)
	}
	return out, good
}

func (it *item) excStrings(e mapEntry, key string) (*excStrings, bool) {
	switch {
	case isScalar(e.v):
		if e.v.Value == "" {
			it.errorf(CodeYAMLValidate, e.v, "value of '%s' must be non-empty", key)
			return nil, false
		}
		return &excStrings{single: true, items: []string{e.v.Value}, node: e.v}, true
	case e.v != nil && e.v.Kind == yaml.SequenceNode:
		out := &excStrings{node: e.v}
		for _, c := range e.v.Content {
			n := it.r.node(c)
			if !isScalar(n) || n.Value == "" {
				at := n
				if at == nil {
					at = c
				}
				it.errorf(CodeYAMLValidate, at, "elements of '%s' must be non-empty strings (found %s)", key, describeValue(n))
				return nil, false
			}
			out.items = append(out.items, n.Value)
		}
		return out, true
	}
	it.errorf(CodeYAMLValidate, e.v, "value of '%s' must be a string or a list of strings (found %s)", key, describe(e.v))
	return nil, false
}

func describeValue(n *yaml.Node) string {
	if isScalar(n) && n.Value == "" {
		return "an empty string"
	}
	return describe(n)
}

func (it *item) excValues(e mapEntry) ([]rawValue, bool) {
	if e.v == nil || e.v.Kind != yaml.SequenceNode {
		at := e.v
		if at == nil {
			at = e.k
		}
		it.errorf(CodeYAMLValidate, at, "rule exception values must be a sequence (found %s)", describe(e.v))
		return nil, false
	}
	r := it.r
	var out []rawValue
	for _, c := range e.v.Content {
		n := r.node(c)
		switch {
		case isScalar(n) && n.Value != "":
			out = append(out, rawValue{scalar: n.Value, node: n})
		case n != nil && n.Kind == yaml.SequenceNode:
			v := rawValue{isList: true, node: n, tuple: make([]excValue, 0, len(n.Content))}
			for _, ec := range n.Content {
				en := r.node(ec)
				switch {
				case isScalar(en) && en.Value != "":
					v.tuple = append(v.tuple, excValue{s: en.Value})
				case en != nil && en.Kind == yaml.SequenceNode:
					ev := excValue{isList: true, list: make([]string, 0, len(en.Content))}
					for _, lc := range en.Content {
						ln := r.node(lc)
						if !isScalar(ln) || ln.Value == "" {
							at := ln
							if at == nil {
								at = lc
							}
							it.errorf(CodeYAMLValidate, at, "exception value list elements must be non-empty strings (found %s)", describeValue(ln))
							return nil, false
						}
						ev.list = append(ev.list, ln.Value)
					}
					v.tuple = append(v.tuple, ev)
				default:
					at := en
					if at == nil {
						at = ec
					}
					it.errorf(CodeYAMLValidate, at, "exception value elements must be non-empty strings or lists of strings (found %s)", describeValue(en))
					return nil, false
				}
			}
			out = append(out, v)
		default:
			at := n
			if at == nil {
				at = c
			}
			it.errorf(CodeYAMLValidate, at, "exception values must be non-empty strings or lists (found %s)", describeValue(n))
			return nil, false
		}
	}
	return out, true
}

// validateException checks a new exception and fills in Falco's default
// comparison operators.
func (it *item) validateException(x *rawException) (*Exception, bool) {
	ex := &Exception{Name: x.name, Pos: it.r.pos(x.node)}
	f := x.fields
	ex.Single = f.single
	ex.Fields = append([]string(nil), f.items...)
	if f.single {
		switch {
		case x.comps == nil:
			ex.Comps = []string{"in"}
		case !x.comps.single:
			it.errorf(CodeValidate, x.comps.node, "exception '%s': fields and comps must both be strings", x.name)
			return nil, false
		default:
			comp := strings.TrimSpace(x.comps.items[0])
			if !isListOperator(comp) {
				it.errorf(CodeValidate, x.comps.node, "exception '%s': when fields is a single value, comps must be one of in, pmatch, intersects (or an operator with oneof/anyof/allof), not '%s'", x.name, comp)
				return nil, false
			}
			ex.Comps = []string{comp}
		}
	} else {
		switch {
		case x.comps == nil:
			for range f.items {
				ex.Comps = append(ex.Comps, "=")
			}
		case x.comps.single || len(x.comps.items) != len(f.items):
			it.errorf(CodeValidate, x.comps.node, "exception '%s': fields and comps lists must have equal length", x.name)
			return nil, false
		default:
			for _, c := range x.comps.items {
				comp := strings.TrimSpace(c)
				if !isOperator(comp) {
					it.errorf(CodeValidate, x.comps.node, "exception '%s': '%s' is not a supported comparison operator", x.name, comp)
					return nil, false
				}
				ex.Comps = append(ex.Comps, comp)
			}
		}
	}
	tuples, pos, ok := it.checkValues(ex, x.values)
	if !ok {
		return nil, false
	}
	ex.tuples, ex.ValuePos = tuples, pos
	return ex, true
}

// checkValues checks values against an exception's form and returns them as
// tuples, with their positions.
func (it *item) checkValues(ex *Exception, values []rawValue) ([][]excValue, []Position, bool) {
	tuples := make([][]excValue, 0, len(values))
	pos := make([]Position, 0, len(values))
	for _, v := range values {
		if ex.Single {
			if v.isList {
				it.errorf(CodeValidate, v.node, "exception '%s': expected values array to contain a list of strings", ex.Name)
				return nil, nil, false
			}
			tuples = append(tuples, []excValue{{s: v.scalar}})
		} else {
			if !v.isList || len(v.tuple) != len(ex.Fields) {
				it.errorf(CodeValidate, v.node, "exception '%s': fields and values lists must have equal length", ex.Name)
				return nil, nil, false
			}
			tuples = append(tuples, v.tuple)
		}
		pos = append(pos, it.r.pos(v.node))
	}
	return tuples, pos, true
}

// excPlan is a checked append of exceptions to a rule: new exceptions, and
// values for exceptions that exist (or are new in the same entry).
type excPlan struct {
	add    []*Exception
	extend []excExtend
}

type excExtend struct {
	target *Exception
	tuples [][]excValue
	pos    []Position
}

// planExceptionAppend checks an append of exceptions (override exceptions:
// append and the deprecated append flag) against the rule without changing
// it: a new name must bring a complete exception, a known name only values.
func (it *item) planExceptionAppend(s *ruleState, raws []*rawException) excPlan {
	var plan excPlan
	var added map[string]*Exception
	for _, x := range raws {
		var target *Exception
		if i, ok := s.excIndex[x.name]; ok {
			target = s.exceptions[i]
		} else if e, ok := added[x.name]; ok {
			target = e
		}
		if target == nil {
			if x.fields == nil {
				it.errorf(CodeValidate, x.node, "exception '%s' must have a 'fields' property with a list of fields", x.name)
				continue
			}
			if len(x.values) == 0 {
				it.errorf(CodeValidate, x.node, "exception '%s' must have a 'values' property with a list of values", x.name)
				continue
			}
			if ex, ok := it.validateException(x); ok {
				plan.add = append(plan.add, ex)
				if added == nil {
					added = map[string]*Exception{}
				}
				added[x.name] = ex
			}
			continue
		}
		if x.fields != nil {
			it.errorf(CodeValidate, x.fields.node, "cannot append fields to existing exception '%s', only values", x.name)
			continue
		}
		if x.comps != nil {
			it.errorf(CodeValidate, x.comps.node, "cannot append comps to existing exception '%s', only values", x.name)
			continue
		}
		if tuples, pos, ok := it.checkValues(target, x.values); ok && len(tuples) > 0 {
			plan.extend = append(plan.extend, excExtend{target: target, tuples: tuples, pos: pos})
		}
	}
	return plan
}

// apply makes a checked plan part of the rule.
func (p excPlan) apply(s *ruleState) {
	for _, e := range p.add {
		s.exceptions = append(s.exceptions, e)
		if s.excIndex == nil {
			s.excIndex = map[string]int{}
		}
		if _, dup := s.excIndex[e.Name]; !dup {
			s.excIndex[e.Name] = len(s.exceptions) - 1
		}
	}
	for _, x := range p.extend {
		x.target.tuples = append(x.target.tuples, x.tuples...)
		x.target.ValuePos = append(x.target.ValuePos, x.pos...)
	}
}

// Comparison operators accepted in exception comps, and the string operators
// that take a oneof/anyof/allof modifier.
var (
	operators = keySet("=", "==", "!=", "<", "<=", ">", ">=", "contains", "icontains", "bcontains",
		"startswith", "bstartswith", "endswith", "glob", "iglob", "in", "intersects", "pmatch", "exists", "regex")
	modifierOperators = keySet("=", "==", "!=", "glob", "iglob", "contains", "icontains", "bcontains",
		"startswith", "bstartswith", "endswith", "regex")
	modifiers = keySet("oneof", "anyof", "allof")
)

// isOperator reports whether comp is an operator, or a string operator
// followed by a modifier ("startswith oneof").
func isOperator(comp string) bool {
	if operators[comp] {
		return true
	}
	return isModified(comp)
}

func isModified(comp string) bool {
	f := strings.Fields(comp)
	return len(f) == 2 && modifierOperators[f[0]] && modifiers[f[1]]
}

// isListOperator reports whether comp takes a list on its right-hand side:
// in, intersects, pmatch, or an operator with a modifier.
func isListOperator(comp string) bool {
	return comp == "in" || comp == "intersects" || comp == "pmatch" || isModified(comp)
}

// quoteItem wraps a value in double quotes when it contains a blank and does
// not already start with a quote (Falco's only escaping of list items and
// exception values).
func quoteItem(s string) string {
	if strings.Contains(s, " ") && !strings.HasPrefix(s, `"`) && !strings.HasPrefix(s, "'") {
		return `"` + s + `"`
	}
	return s
}

func parenItem(s string) string {
	if !strings.HasPrefix(s, "(") {
		return "(" + s + ")"
	}
	return s
}

func renderList(items []string) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, s := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteItem(s))
	}
	b.WriteByte(')')
	return b.String()
}

// values renders the public Values of an exception.
func (e *Exception) renderValues() [][]string {
	out := make([][]string, len(e.tuples))
	for i, t := range e.tuples {
		row := make([]string, len(t))
		for k, v := range t {
			if v.isList {
				row[k] = renderList(v.list)
			} else {
				row[k] = v.s
			}
		}
		out[i] = row
	}
	return out
}

// expandExceptions writes the rule condition with its exceptions the way
// Falco does before parsing:
//
//	(cond) and not (f in (v1, v2)) and not (( f1 c1 v1 and  f2 c2 v2) or (...))
//
// Exceptions without values contribute nothing; the parentheses around the
// condition are added whenever the rule has exceptions.
func expandExceptions(cond condText, condPos Position, excs []*Exception) condText {
	if len(excs) == 0 {
		return cond
	}
	var tb textBuilder
	tb.generated("(", condPos)
	tb.text(cond)
	tb.generated(")", condPos)
	for _, e := range excs {
		if len(e.tuples) == 0 {
			continue
		}
		tb.generated(" and not ", e.Pos)
		if e.Single {
			tb.generated("("+e.Fields[0]+" "+e.Comps[0]+" (", e.Pos)
			for i, t := range e.tuples {
				if i > 0 {
					tb.generated(", ", e.Pos)
				}
				tb.generated(quoteItem(t[0].s), e.ValuePos[i])
			}
			tb.generated("))", e.Pos)
			continue
		}
		tb.generated("(", e.Pos)
		for i, t := range e.tuples {
			var b strings.Builder
			if i > 0 {
				b.WriteString(" or ")
			}
			b.WriteByte('(')
			for k, f := range e.Fields {
				if k > 0 {
					b.WriteString(" and ")
				}
				var v string
				switch {
				case t[k].isList:
					v = renderList(t[k].list)
				case isListOperator(e.Comps[k]):
					v = parenItem(t[k].s)
				default:
					v = quoteItem(t[k].s)
				}
				b.WriteString(" " + f + " " + e.Comps[k] + " " + v)
			}
			b.WriteByte(')')
			tb.generated(b.String(), e.ValuePos[i])
		}
		tb.generated(")", e.Pos)
	}
	return tb.done()
}
