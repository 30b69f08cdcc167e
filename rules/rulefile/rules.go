package rulefile

import (
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// ruleState is a rule as collected so far. Appends change it in place and
// cost O(size of the append), so that many appends to one rule stay linear.
type ruleState struct {
	name, source        string
	desc                []string // pieces joined by one blank
	cond, output        segText
	condPos, outputPos  Position
	priority            Priority
	tags                map[string]bool
	enabled             bool
	skipUnknown, warnEv bool
	capture             bool
	captureDuration     uint64
	exceptions          []*Exception
	excIndex            map[string]int // the first exception of each name
	unknownSource       bool
	pos                 Position
	index, vis          int
}

func (s *ruleState) setExceptions(excs []*Exception) {
	s.exceptions = excs
	s.excIndex = make(map[string]int, len(excs))
	for i, e := range excs {
		if _, dup := s.excIndex[e.Name]; !dup {
			s.excIndex[e.Name] = i
		}
	}
}

func (s *ruleState) sortedTags() []string {
	if len(s.tags) == 0 {
		return nil
	}
	out := make([]string, 0, len(s.tags))
	for t := range s.tags {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

func tagSet(tags []string) map[string]bool {
	m := make(map[string]bool, len(tags))
	for _, t := range tags {
		m[t] = true
	}
	return m
}

// Keys that an override may append to or replace.
var (
	ruleAppendable  = keySet("condition", "output", "desc", "tags", "exceptions")
	ruleReplaceable = keySet("condition", "output", "desc", "priority", "tags", "exceptions", "enabled",
		"warn_evttypes", "skip-if-unknown-filter", "capture", "capture_duration")
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

// updateSource decodes `source` for updates: absent, null or empty mean
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
	_, cn, condOK := it.reqString(m, "condition")
	_, on, outOK := it.reqString(m, "output")
	if desc, _, ok := it.reqString(m, "desc"); ok {
		s.desc = []string{desc}
	}
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
	raws, excOK := it.readExceptions(m, false)
	if condOK {
		s.cond, s.condPos = newSegText(newScalarSource(r, cn)), r.pos(cn)
	}
	if outOK {
		s.output, s.outputPos = newSegText(trimmedOutput(r, on)), r.pos(on)
	}
	c := r.c
	prev := c.ruleByName[it.name]
	if prev != nil && prev.source != s.source {
		it.errorf(CodeValidate, sourceNode, "rule has been re-defined with a different source ('%s', previously '%s')", s.source, prev.source)
	}
	if excOK {
		s.setExceptions(it.newExceptions(raws))
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

// newExceptions validates the exceptions of a definition or a replace: each
// must be complete.
func (it *item) newExceptions(raws []*rawException) []*Exception {
	var out []*Exception
	for _, x := range raws {
		if x.fields == nil {
			it.errorf(CodeValidate, x.node, "exception '%s' must have a 'fields' property with a list of fields", x.name)
			continue
		}
		if ex, ok := it.validateException(x); ok {
			out = append(out, ex)
		}
	}
	return out
}

// trimmedOutput is the output value without surrounding blanks, as Falco
// stores a rule's output.
func trimmedOutput(r *reader, n *yaml.Node) *scalarSource {
	src := newScalarSource(r, n)
	trimmed := strings.TrimLeft(src.value, outputBlanks)
	src.skip = len(src.value) - len(trimmed)
	src.text = strings.TrimRight(trimmed, outputBlanks)
	return src
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
	var raws []*rawException
	hasExc := m.has("exceptions")
	if hasExc {
		raws, _ = it.readExceptions(m, true)
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
	plan := it.planExceptionAppend(prev, raws)
	if it.failed {
		return
	}
	if cond != nil {
		prev.cond.add(" ", cond)
	}
	plan.apply(prev)
	prev.vis = r.c.next()
}

// ruleUpdate is what an override entry appends or replaces.
type ruleUpdate struct {
	cond, output, desc *scalarSource
	condNode, outNode  *yaml.Node
	tags               []string
	hasTags            bool
	excs               []*rawException
	hasExcs            bool

	priority                                           Priority
	enabled, warnEv, skip, capture                     bool
	hasPriority, hasEnabled, hasWarn, hasSkip, hasCapt bool
	captureDuration                                    uint64
	hasDuration                                        bool
}

// overrideRule handles `override:`: the listed keys are appended to or
// replaced in an existing rule; every overridable key present must be listed
// and every listed key must be present. Nothing changes unless the whole
// entry is valid.
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
	readCommon := func(u *ruleUpdate, ops map[string]*yaml.Node, op string, appendMode bool) {
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
	var add, set ruleUpdate
	readCommon(&add, app, "append", true)
	readCommon(&set, rep, "replace", false)
	if take(rep, "replace", "priority") {
		if s, pn, ok := it.reqString(m, "priority"); ok {
			p, err := ParsePriority(s)
			if err != nil {
				it.errorf(CodeYAMLValidate, pn, "%s", err.Error())
			}
			set.priority, set.hasPriority = p, true
		}
	}
	if take(rep, "replace", "enabled") {
		set.enabled, set.hasEnabled = it.reqBool(m, "enabled")
	}
	if take(rep, "replace", "warn_evttypes") {
		set.warnEv, set.hasWarn = it.reqBool(m, "warn_evttypes")
	}
	if take(rep, "replace", "skip-if-unknown-filter") {
		set.skip, set.hasSkip = it.reqBool(m, "skip-if-unknown-filter")
	}
	if take(rep, "replace", "capture") {
		set.capture, set.hasCapt = it.reqBool(m, "capture")
	}
	if take(rep, "replace", "capture_duration") {
		set.captureDuration, set.hasDuration = it.optUint(m, "capture_duration")
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
	plan := it.planExceptionAppend(prev, add.excs)
	var replaced []*Exception
	if set.hasExcs {
		replaced = it.newExceptions(set.excs)
	}
	if it.failed {
		return
	}

	// Falco applies the appends, then the replacements, and counts each as
	// a change of the rule.
	if len(app) > 0 {
		if add.cond != nil {
			prev.cond.add(" ", add.cond)
		}
		if add.output != nil {
			prev.output.add(" ", add.output)
		}
		if add.desc != nil {
			prev.desc = append(prev.desc, add.desc.value)
		}
		if add.hasTags {
			if prev.tags == nil {
				prev.tags = map[string]bool{}
			}
			for _, t := range add.tags {
				prev.tags[t] = true
			}
		}
		plan.apply(prev)
		prev.vis = c.next()
	}
	if len(rep) > 0 {
		if set.cond != nil {
			prev.cond, prev.condPos = newSegText(set.cond), r.pos(set.condNode)
		}
		if set.output != nil {
			prev.output, prev.outputPos = newSegText(set.output), r.pos(set.outNode)
		}
		if set.desc != nil {
			prev.desc = []string{set.desc.value}
		}
		if set.hasTags {
			prev.tags = tagSet(set.tags)
		}
		if set.hasExcs {
			prev.setExceptions(replaced)
		}
		if set.hasPriority {
			prev.priority = set.priority
		}
		if set.hasEnabled {
			prev.enabled = set.enabled
		}
		if set.hasWarn {
			prev.warnEv = set.warnEv
		}
		if set.hasSkip {
			prev.skipUnknown = set.skip
		}
		if set.hasCapt {
			prev.capture = set.capture
		}
		if set.hasDuration {
			prev.captureDuration = set.captureDuration
		}
		prev.vis = c.next()
	}
}
