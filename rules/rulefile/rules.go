package rulefile

import (
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

type ruleState struct {
	name, desc, source  string
	cond, output        condText
	condPos, outputPos  Position
	priority            Priority
	tags                []string // sorted, unique
	enabled             bool
	skipUnknown, warnEv bool
	capture             bool
	captureDuration     uint64
	exceptions          []*Exception
	unknownSource       bool
	pos                 Position
	index, vis          int
}

// clone copies the state deeply enough that changing the copy's exceptions
// (values included) never changes the original.
func (s *ruleState) clone() *ruleState {
	c := *s
	c.tags = append([]string(nil), s.tags...)
	c.exceptions = make([]*Exception, len(s.exceptions))
	for i, e := range s.exceptions {
		c.exceptions[i] = e.clone()
	}
	return &c
}

// Keys that an override may append to or replace.
var (
	ruleAppendable  = keySet("condition", "output", "desc", "tags", "exceptions")
	ruleReplaceable = keySet("condition", "output", "desc", "priority", "tags", "exceptions", "enabled",
		"warn_evttypes", "skip-if-unknown-filter", "capture", "capture_duration")
	// Processing order of override keys (Falco's).
	ruleAppendOrder  = []string{"condition", "exceptions", "output", "desc", "tags"}
	ruleReplaceOrder = []string{"condition", "exceptions", "output", "desc", "tags", "priority", "enabled",
		"warn_evttypes", "skip-if-unknown-filter", "capture", "capture_duration"}
)

const defaultSource = "syscall"

func (r *reader) readRule(it *item, m *mapping) {
	name, _, ok := it.reqString(m, "rule")
	if !ok {
		return
	}
	it.name = name
	it.checkKeys(m, ruleKeys)
	appendFlag := it.readAppendFlag(m)
	app, rep := it.overrides(m, ruleAppendable, ruleReplaceable)
	hasOverride := len(app)+len(rep) > 0
	if appendFlag && hasOverride {
		it.errorf(CodeYAMLValidate, nil, "keys 'override' and 'append: true' cannot be used together; use an 'override' entry only")
	}
	if it.failed {
		return
	}
	switch {
	case hasOverride:
		r.overrideRule(it, m, app, rep)
	case appendFlag:
		r.appendRule(it, m)
	case !m.has("condition") && !m.has("output") && !m.has("desc") && !m.has("priority"):
		r.enableRule(it, m)
	default:
		r.defineRule(it, m)
	}
}

// readSource decodes `source` for updates: absent, null or empty mean
// "unspecified".
func (it *item) updateSource(m *mapping) (string, *yaml.Node) {
	e, ok := m.get("source")
	if !ok || isNull(e.v) {
		return "", nil
	}
	if e.v.Kind != yaml.ScalarNode {
		it.errorf(CodeYAMLValidate, e.v, "value of 'source' is not a scalar value (found %s)", describe(e.v))
		return "", nil
	}
	return e.v.Value, e.v
}

func (it *item) checkSameSource(prev *ruleState, source string, at *yaml.Node) {
	if prev != nil && source != "" && source != prev.source {
		it.errorf(CodeValidate, at, "rule has been re-defined with a different source ('%s', previously '%s')", source, prev.source)
	}
}

func (r *reader) defineRule(it *item, m *mapping) {
	s := &ruleState{name: it.name, enabled: true, warnEv: true, pos: it.pos}
	var condOK, outOK bool
	var cn, on *yaml.Node
	_, cn, condOK = it.reqString(m, "condition")
	_, on, outOK = it.reqString(m, "output")
	s.desc, _, _ = it.reqString(m, "desc")
	if pri, pn, ok := it.reqString(m, "priority"); ok {
		p, err := ParsePriority(pri)
		if err != nil {
			it.errorf(CodeYAMLValidate, pn, "%s", err.Error())
		}
		s.priority = p
	}
	s.source = defaultSource
	var sourceNode *yaml.Node
	if src, sn := it.updateSource(m); src != "" {
		s.source, sourceNode = src, sn
	}
	s.enabled, _, _ = it.optBool(m, "enabled", true)
	s.warnEv, _, _ = it.optBool(m, "warn_evttypes", true)
	s.skipUnknown, _, _ = it.optBool(m, "skip-if-unknown-filter", false)
	s.capture, _, _ = it.optBool(m, "capture", false)
	if d, ok := it.optUint(m, "capture_duration"); ok {
		s.captureDuration = d
	}
	if e, ok := m.get("tags"); ok {
		if tags, ok := it.stringSeq(e, "tags"); ok {
			s.tags = tagSet(tags)
		}
	}
	excs, excOK := it.readExceptions(m, false)
	if condOK {
		s.cond, s.condPos = fromScalar(newScalarSource(r, cn)), r.pos(cn)
	}
	if outOK {
		s.output, s.outputPos = trimmedOutput(r, on), r.pos(on)
	}
	c := r.c
	prev := c.ruleByName[it.name]
	if prev != nil && prev.source != s.source {
		at := sourceNode
		it.errorf(CodeValidate, at, "rule has been re-defined with a different source ('%s', previously '%s')", s.source, prev.source)
	}
	if excOK {
		for _, e := range excs {
			if e.fields == nil {
				it.errorf(CodeValidate, e.node, "exception '%s' must have a 'fields' property with a list of fields", e.name)
				continue
			}
			if ex, ok := it.validateException(e, nil); ok {
				s.exceptions = append(s.exceptions, ex)
			}
		}
	}
	if it.failed {
		return
	}
	s.unknownSource = !c.sources[s.source]
	seq := c.next()
	s.vis = seq
	if prev != nil {
		s.index = prev.index
		*prev = *s
		return
	}
	s.index = seq
	c.rules = append(c.rules, s)
	c.ruleByName[it.name] = s
}

// trimmedOutput is the output value without surrounding blanks, as Falco
// stores a rule's output.
func trimmedOutput(r *reader, n *yaml.Node) condText {
	src := newScalarSource(r, n)
	t := fromScalar(src)
	trimmed := strings.TrimLeft(src.value, outputBlanks)
	lead := len(src.value) - len(trimmed)
	trimmed = strings.TrimRight(trimmed, outputBlanks)
	if lead == 0 && len(trimmed) == len(src.value) {
		return t
	}
	// Keep the mapping of the kept bytes by shifting the part.
	return condText{text: trimmed, parts: []textPart{{start: 0, end: len(trimmed), src: &scalarSource{
		data: src.data, pos: src.pos, style: src.style, value: src.value, skip: lead,
	}}}}
}

const outputBlanks = " \t\n\r\f\v"

func (it *item) optUint(m *mapping, key string) (uint64, bool) {
	e, ok := m.get(key)
	if !ok {
		return 0, false
	}
	s, n, ok := it.scalarValue(e, key)
	if !ok {
		return 0, false
	}
	v, ok := parseUint(s, 64)
	if !ok {
		it.errorf(CodeYAMLValidate, n, "value '%s' of '%s' is not a non-negative integer", s, key)
		return 0, false
	}
	return v, true
}

func tagSet(tags []string) []string {
	out := append([]string(nil), tags...)
	sort.Strings(out)
	k := 0
	for i, t := range out {
		if i > 0 && t == out[k-1] {
			continue
		}
		out[k] = t
		k++
	}
	return out[:k]
}

// enableRule handles the deprecated shorthand: an entry with only `rule` and
// `enabled` (none of condition, output, desc, priority) sets the enabled flag
// of an existing rule. It does not count as a change of the rule.
func (r *reader) enableRule(it *item, m *mapping) {
	enabled, ok := it.reqBool(m, "enabled")
	if !ok {
		return
	}
	e, _ := m.get("enabled")
	it.warnf(CodeDeprecatedItem, e.k, "an entry with only 'enabled' is deprecated; use 'override: {enabled: replace}' instead")
	prev := r.c.ruleByName[it.name]
	if prev == nil {
		it.errorf(CodeValidate, nil, "rule has 'enabled' key but no rule by that name is defined yet")
		return
	}
	prev.enabled = enabled
}

// appendRule handles the deprecated `append: true`: condition text and
// exceptions are appended; other keys are ignored.
func (r *reader) appendRule(it *item, m *mapping) {
	var cond *scalarSource
	if m.has("condition") {
		if _, cn, ok := it.reqString(m, "condition"); ok {
			cond = newScalarSource(r, cn)
		}
	}
	var excs []*rawException
	hasExc := m.has("exceptions")
	if hasExc {
		excs, _ = it.readExceptions(m, true)
	}
	source, sn := it.updateSource(m)
	if it.failed {
		return
	}
	prev := r.c.ruleByName[it.name]
	if prev == nil {
		it.errorf(CodeValidate, nil, "rule uses 'append' or 'override.<key>: append' but no rule by that name is defined yet")
		return
	}
	it.checkSameSource(prev, source, sn)
	if cond == nil && !hasExc {
		it.errorf(CodeValidate, nil, "appended rule must have exceptions or condition property")
	}
	if it.failed {
		return
	}
	next := prev.clone()
	if cond != nil && cond.value != "" {
		next.cond = next.cond.appendScalar(" ", cond)
	}
	next.exceptions = it.appendExceptions(next.exceptions, excs)
	if it.failed {
		return
	}
	next.vis = r.c.next()
	*prev = *next
}

// overrideRule handles `override:`: the listed keys are appended to or
// replaced in an existing rule; every overridable key present must be listed
// and every listed key must be present.
func (r *reader) overrideRule(it *item, m *mapping, app, rep map[string]*yaml.Node) {
	expected := map[string]bool{}
	for _, e := range m.entries {
		if ruleAppendable[e.key] || ruleReplaceable[e.key] {
			expected[e.key] = true
		}
	}
	take := func(ops map[string]*yaml.Node, op, key string) bool {
		kn, ok := ops[key]
		if !ok {
			return false
		}
		if !expected[key] {
			it.errorf(CodeYAMLValidate, kn, "an %s override for '%s' was specified but '%s' is not defined", op, key, key)
			return false
		}
		delete(expected, key)
		return true
	}

	type update struct {
		cond, output, desc *scalarSource
		condNode, outNode  *yaml.Node
		tags               []string
		hasTags            bool
		excs               []*rawException
		hasExcs            bool
	}
	var add, set update
	var pri Priority
	var hasPri, enabled, hasEnabled, warnEv, hasWarn, skip, hasSkip, capture, hasCapture, hasDur bool
	var dur uint64

	readCommon := func(u *update, ops map[string]*yaml.Node, op string, appendMode bool) {
		for _, key := range []string{"condition", "exceptions", "output", "desc", "tags"} {
			if !take(ops, op, key) {
				continue
			}
			switch key {
			case "condition":
				if _, n, ok := it.reqString(m, key); ok {
					u.cond, u.condNode = newScalarSource(r, n), n
				}
			case "output":
				if _, n, ok := it.reqString(m, key); ok {
					u.output, u.outNode = newScalarSource(r, n), n
				}
			case "desc":
				if _, n, ok := it.reqString(m, key); ok {
					u.desc = newScalarSource(r, n)
				}
			case "tags":
				e, _ := m.get(key)
				if tags, ok := it.stringSeq(e, key); ok {
					u.tags, u.hasTags = tags, true
				}
			case "exceptions":
				u.excs, _ = it.readExceptions(m, appendMode)
				u.hasExcs = true
			}
		}
	}
	readCommon(&add, app, "append", true)
	readCommon(&set, rep, "replace", false)
	if take(rep, "replace", "priority") {
		if s, pn, ok := it.reqString(m, "priority"); ok {
			p, err := ParsePriority(s)
			if err != nil {
				it.errorf(CodeYAMLValidate, pn, "%s", err.Error())
			}
			pri, hasPri = p, true
		}
	}
	if take(rep, "replace", "enabled") {
		enabled, hasEnabled = it.reqBool(m, "enabled")
	}
	if take(rep, "replace", "warn_evttypes") {
		warnEv, hasWarn = it.reqBool(m, "warn_evttypes")
	}
	if take(rep, "replace", "skip-if-unknown-filter") {
		skip, hasSkip = it.reqBool(m, "skip-if-unknown-filter")
	}
	if take(rep, "replace", "capture") {
		capture, hasCapture = it.reqBool(m, "capture")
	}
	if take(rep, "replace", "capture_duration") {
		dur, hasDur = it.optUint(m, "capture_duration")
	}
	for _, e := range m.entries {
		if expected[e.key] {
			it.errorf(CodeYAMLValidate, e.k, "unexpected key '%s': no corresponding entry under 'override' is defined", e.key)
		}
	}
	source, sn := it.updateSource(m)
	if it.failed {
		return
	}
	c := r.c
	prev := c.ruleByName[it.name]
	if prev == nil {
		if len(app) > 0 {
			it.errorf(CodeValidate, nil, "rule uses 'append' or 'override.<key>: append' but no rule by that name is defined yet")
		} else {
			it.errorf(CodeValidate, nil, "an 'override.<key>: replace' was requested but no rule by that name is defined yet")
		}
		return
	}
	it.checkSameSource(prev, source, sn)
	if it.failed {
		return
	}
	next := prev.clone()
	if len(app) > 0 {
		if add.cond != nil {
			next.cond = next.cond.appendScalar(" ", add.cond)
		}
		if add.output != nil {
			next.output = next.output.appendScalar(" ", add.output)
		}
		if add.desc != nil {
			next.desc += " " + add.desc.value
		}
		if add.hasTags {
			next.tags = tagSet(append(next.tags, add.tags...))
		}
		if add.hasExcs {
			next.exceptions = it.appendExceptions(next.exceptions, add.excs)
		}
	}
	if len(rep) > 0 {
		if set.cond != nil {
			next.cond, next.condPos = fromScalar(set.cond), r.pos(set.condNode)
		}
		if set.output != nil {
			next.output, next.outputPos = fromScalar(set.output), r.pos(set.outNode)
		}
		if set.desc != nil {
			next.desc = set.desc.value
		}
		if set.hasTags {
			next.tags = tagSet(set.tags)
		}
		if set.hasExcs {
			var excs []*Exception
			for _, e := range set.excs {
				if ex, ok := it.validateException(e, nil); ok {
					excs = append(excs, ex)
				}
			}
			next.exceptions = excs
		}
		if hasPri {
			next.priority = pri
		}
		if hasEnabled {
			next.enabled = enabled
		}
		if hasWarn {
			next.warnEv = warnEv
		}
		if hasSkip {
			next.skipUnknown = skip
		}
		if hasCapture {
			next.capture = capture
		}
		if hasDur {
			next.captureDuration = dur
		}
	}
	if it.failed {
		return
	}
	// Falco counts the append and the replace part as two changes.
	if len(app) > 0 {
		next.vis = c.next()
	}
	if len(rep) > 0 {
		next.vis = c.next()
	}
	*prev = *next
}
