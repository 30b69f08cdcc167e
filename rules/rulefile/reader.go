package rulefile

import (
	"fmt"

	yaml "go.yaml.in/yaml/v3"
)

// Bounds that keep Add linear in its input.
const (
	// maxProblemsPerFile caps the problems reported for one file; the rest
	// are summarised in one final problem.
	maxProblemsPerFile = 1000
	// aliasBudgetFactor and aliasBudgetBase bound the YAML nodes visited for
	// one file (node visits grow beyond the file size only through aliases).
	aliasBudgetFactor = 4
	aliasBudgetBase   = 100000
)

// reader reads one source into a collection.
type reader struct {
	c        *Collection
	src      Source
	problems []Problem

	budget    int // remaining node visits
	exhausted bool

	dropped      int  // problems beyond maxProblemsPerFile
	droppedError bool // whether any of the dropped problems was an error
}

func newReader(c *Collection, src Source) *reader {
	return &reader{c: c, src: src, budget: aliasBudgetFactor*len(src.Data) + aliasBudgetBase}
}

func (r *reader) pos(n *yaml.Node) Position {
	if n == nil {
		return Position{File: r.src.Name}
	}
	return Position{File: r.src.Name, Line: n.Line, Col: n.Column}
}

func (r *reader) report(p Problem) {
	if len(r.problems) >= maxProblemsPerFile {
		r.dropped++
		r.droppedError = r.droppedError || p.Severity == SeverityError
		return
	}
	r.problems = append(r.problems, p)
}

// finish returns the problems, with a summary of the dropped ones.
func (r *reader) finish() []Problem {
	if r.dropped > 0 {
		sev := SeverityWarning
		if r.droppedError {
			sev = SeverityError
		}
		r.problems = append(r.problems, Problem{
			Severity: sev, Code: CodeTooManyProblems, Pos: Position{File: r.src.Name},
			Message: fmt.Sprintf("%d more problems in this file are not reported", r.dropped),
		})
	}
	return r.problems
}

// node resolves aliases and charges the visit to the file's budget. Once the
// budget is spent it returns nil, which every caller treats as a missing or
// null value, so reading winds down quickly; the file is then failed.
func (r *reader) node(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		n = nil
	}
	r.budget--
	if r.budget < 0 {
		r.exhausted = true
		return nil
	}
	return n
}

// item is the context of one top-level entry: problems it reports carry its
// kind and name, and any error marks it failed (it is then not applied).
type item struct {
	r      *reader
	kind   string
	name   string
	pos    Position
	failed bool
}

func (it *item) problem(sev Severity, code Code, at *yaml.Node, format string, args ...any) {
	if sev == SeverityError {
		it.failed = true
	}
	if it.r.exhausted {
		// Reading is being abandoned; what follows are artifacts of it.
		return
	}
	pos := it.pos
	if at != nil {
		pos = it.r.pos(at)
	}
	it.r.report(Problem{Severity: sev, Code: code, Pos: pos, ItemKind: it.kind, ItemName: it.name, Message: fmt.Sprintf(format, args...)})
}

func (it *item) errorf(code Code, at *yaml.Node, format string, args ...any) {
	it.problem(SeverityError, code, at, format, args...)
}

func (it *item) warnf(code Code, at *yaml.Node, format string, args ...any) {
	it.problem(SeverityWarning, code, at, format, args...)
}

// mapEntry is one key of a mapping; v is alias-resolved.
type mapEntry struct {
	key  string
	k, v *yaml.Node
}

// mapping is a YAML mapping with lookup by key. The first occurrence of a
// key wins (as in yaml-cpp); later ones are remembered as duplicates.
type mapping struct {
	node    *yaml.Node
	entries []mapEntry
	index   map[string]int
	dups    []mapEntry
	odd     []*yaml.Node // keys that are not plain strings
}

func (r *reader) mapping(n *yaml.Node) *mapping {
	m := &mapping{node: n, index: make(map[string]int, len(n.Content)/2)}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := r.node(n.Content[i])
		v := r.node(n.Content[i+1])
		if k == nil || k.Kind != yaml.ScalarNode {
			m.odd = append(m.odd, n.Content[i])
			continue
		}
		e := mapEntry{key: k.Value, k: k, v: v}
		if _, dup := m.index[e.key]; dup {
			m.dups = append(m.dups, e)
			continue
		}
		m.index[e.key] = len(m.entries)
		m.entries = append(m.entries, e)
	}
	return m
}

func (m *mapping) get(key string) (mapEntry, bool) {
	i, ok := m.index[key]
	if !ok {
		return mapEntry{}, false
	}
	return m.entries[i], true
}

func (m *mapping) has(key string) bool {
	_, ok := m.index[key]
	return ok
}

// checkKeys warns about keys not valid for the item's kind, duplicate keys and
// keys that are not strings.
func (it *item) checkKeys(m *mapping, allowed map[string]bool) {
	for _, e := range m.entries {
		if !allowed[e.key] {
			it.warnf(CodeUnknownKey, e.k, "unknown key '%s' for a %s; it is ignored", e.key, it.kind)
		}
	}
	for _, e := range m.dups {
		it.warnf(CodeDuplicateKey, e.k, "key '%s' appears more than once; only the first is used", e.key)
	}
	for _, k := range m.odd {
		it.warnf(CodeUnknownKey, k, "key %s is not a string; it is ignored", keyText(k))
	}
}

// reqString decodes a required, non-empty scalar (Falco's decode_val).
func (it *item) reqString(m *mapping, key string) (string, *yaml.Node, bool) {
	e, ok := m.get(key)
	if !ok {
		it.errorf(CodeYAMLValidate, nil, "Item has no mapping for key '%s'", key)
		return "", nil, false
	}
	return it.scalarValue(e, key)
}

func (it *item) scalarValue(e mapEntry, key string) (string, *yaml.Node, bool) {
	at := e.v
	if at == nil {
		at = e.k
	}
	switch {
	case isNull(e.v):
		it.errorf(CodeYAMLValidate, at, "Mapping for key '%s' is empty", key)
	case e.v.Kind != yaml.ScalarNode:
		it.errorf(CodeYAMLValidate, at, "value of '%s' is not a scalar value (found %s)", key, describe(e.v))
	case e.v.Value == "":
		it.errorf(CodeYAMLValidate, at, "value of '%s' must be non-empty", key)
	default:
		return e.v.Value, e.v, true
	}
	return "", at, false
}

// optBool decodes an optional boolean with yaml-cpp spellings. It returns the
// value (def when absent), whether the key was present and whether decoding
// succeeded.
func (it *item) optBool(m *mapping, key string, def bool) (value, present, ok bool) {
	e, found := m.get(key)
	if !found {
		return def, false, true
	}
	s, n, ok := it.scalarValue(e, key)
	if !ok {
		return def, true, false
	}
	b, ok := yamlBool(s)
	if !ok {
		it.errorf(CodeYAMLValidate, n, "value '%s' of '%s' is not a boolean (true/false, yes/no, on/off, y/n)", s, key)
		return def, true, false
	}
	return b, true, true
}

// reqBool decodes a required boolean.
func (it *item) reqBool(m *mapping, key string) (bool, bool) {
	if !m.has(key) {
		it.errorf(CodeYAMLValidate, nil, "Item has no mapping for key '%s'", key)
		return false, false
	}
	v, _, ok := it.optBool(m, key, false)
	return v, ok
}

// stringSeq decodes a sequence of scalars (list items, tags). Null elements
// and nested structures are errors; empty strings are kept.
func (it *item) stringSeq(e mapEntry, key string) ([]string, bool) {
	if e.v == nil || e.v.Kind != yaml.SequenceNode {
		at := e.v
		if at == nil {
			at = e.k
		}
		it.errorf(CodeYAMLValidate, at, "value of '%s' is not a sequence (found %s)", key, describe(e.v))
		return nil, false
	}
	out := make([]string, 0, len(e.v.Content))
	ok := true
	for _, c := range e.v.Content {
		n := it.r.node(c)
		if it.r.exhausted {
			return nil, false
		}
		if !isScalar(n) {
			at := n
			if at == nil {
				at = c
			}
			it.errorf(CodeYAMLValidate, at, "element of '%s' is not a scalar (found %s)", key, describe(n))
			ok = false
			continue
		}
		out = append(out, n.Value)
	}
	return out, ok
}
