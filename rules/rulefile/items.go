package rulefile

import (
	"fmt"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Keys valid for each item kind (anything else draws LOAD_UNKNOWN_KEY).
var (
	engineKeys = keySet("required_engine_version")
	pluginKeys = keySet("required_plugin_versions")
	listKeys   = keySet("list", "items", "append", "override")
	macroKeys  = keySet("macro", "condition", "append", "override")
	ruleKeys   = keySet("rule", "condition", "output", "desc", "priority", "source", "enabled", "tags",
		"exceptions", "capture", "capture_duration", "warn_evttypes", "skip-if-unknown-filter", "append", "override")
	pluginEntryKeys = keySet("name", "version", "alternatives")
	pluginAltKeys   = keySet("name", "version")
)

func keySet(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// Name rules of Falco's filter grammar: a macro is referenced as an
// identifier, a list as a bare string.
var (
	macroNameRE = regexp.MustCompile(`^[a-zA-Z]+[a-zA-Z0-9_]*$`)
	listNameRE  = regexp.MustCompile(`^[^()"'\t\n\v\f\r =,]+$`)
)

// readItem reads one top-level entry. The kind is decided by the first of
// required_engine_version, required_plugin_versions, list, macro, rule that
// is present.
func (r *reader) readItem(n *yaml.Node) {
	it := &item{r: r, pos: r.pos(n), kind: KindItem}
	if n.Kind != yaml.MappingNode {
		it.errorf(CodeYAMLValidate, n, "unexpected %s: each item must be a YAML mapping", strings.TrimPrefix(strings.TrimPrefix(describe(n), "a "), "an "))
		return
	}
	m := r.mapping(n)
	switch {
	case m.has("required_engine_version"):
		it.kind = KindRequiredEngineVersion
		it.checkKeys(m, engineKeys)
		r.readEngineVersion(it, m)
	case m.has("required_plugin_versions"):
		it.kind = KindRequiredPluginVersions
		it.checkKeys(m, pluginKeys)
		r.readPluginVersions(it, m)
	case m.has("list"):
		it.kind = KindList
		r.readList(it, m)
	case m.has("macro"):
		it.kind = KindMacro
		r.readMacro(it, m)
	case m.has("rule"):
		it.kind = KindRule
		r.readRule(it, m)
	default:
		it.warnf(CodeUnknownItem, n, "unknown top-level item (none of list, macro, rule, required_engine_version, required_plugin_versions); it is ignored")
	}
}

func (r *reader) readEngineVersion(it *item, m *mapping) {
	s, n, ok := it.reqString(m, "required_engine_version")
	if !ok {
		return
	}
	var v version
	if i, ok := parseEngineInteger(s); ok {
		v = version{0, i, 0}
	} else if v, ok = parseVersion(s); !ok {
		it.errorf(CodeYAMLValidate, n, "cannot parse engine version '%s': expected a semantic version \"x.y.z\" (or a legacy integer)", s)
		return
	}
	c := r.c
	if !c.engine.compatibleWith(v) {
		it.errorf(CodeValidate, n, "rules require engine version %s, but engine version is %s", v, c.engine)
		return
	}
	if c.requiredEngine == nil || c.requiredEngine.less(v) {
		c.requiredEngine = &v
	}
}

func (r *reader) readPluginVersions(it *item, m *mapping) {
	e, _ := m.get("required_plugin_versions")
	if e.v == nil || e.v.Kind != yaml.SequenceNode {
		at := e.v
		if at == nil {
			at = e.k
		}
		it.errorf(CodeYAMLValidate, at, "value of required_plugin_versions must be a sequence (found %s)", describe(e.v))
		return
	}
	for _, c := range e.v.Content {
		pn := r.node(c)
		if pn == nil || pn.Kind != yaml.MappingNode {
			at := pn
			if at == nil {
				at = c
			}
			it.errorf(CodeYAMLValidate, at, "plugin requirement must be a mapping (found %s)", describe(pn))
			continue
		}
		pm := r.mapping(pn)
		req, ok := r.readPluginVersion(it, pm, pluginEntryKeys)
		if !ok {
			continue
		}
		reqs := PluginRequirement{Alternatives: []PluginVersion{req}, Pos: r.pos(pn)}
		if ae, ok := pm.get("alternatives"); ok {
			if ae.v == nil || ae.v.Kind != yaml.SequenceNode {
				at := ae.v
				if at == nil {
					at = ae.k
				}
				it.errorf(CodeYAMLValidate, at, "value of plugin version alternatives must be a sequence (found %s)", describe(ae.v))
				continue
			}
			good := true
			for _, ac := range ae.v.Content {
				an := r.node(ac)
				if an == nil || an.Kind != yaml.MappingNode {
					at := an
					if at == nil {
						at = ac
					}
					it.errorf(CodeYAMLValidate, at, "plugin version alternative must be a mapping (found %s)", describe(an))
					good = false
					continue
				}
				alt, ok := r.readPluginVersion(it, r.mapping(an), pluginAltKeys)
				if !ok {
					good = false
					continue
				}
				reqs.Alternatives = append(reqs.Alternatives, alt)
			}
			if !good {
				continue
			}
		}
		r.definePluginRequirement(it, pn, reqs)
	}
}

func (r *reader) readPluginVersion(it *item, m *mapping, keys map[string]bool) (PluginVersion, bool) {
	it.checkKeys(m, keys)
	name, _, ok1 := it.reqStringAt(m, "name")
	ver, vn, ok2 := it.reqStringAt(m, "version")
	if !ok1 || !ok2 {
		return PluginVersion{}, false
	}
	if _, ok := parseVersion(ver); !ok {
		it.errorf(CodeValidate, vn, "invalid required version '%s' for plugin '%s'", ver, name)
		return PluginVersion{}, false
	}
	return PluginVersion{Name: name, Version: ver}, true
}

// reqStringAt is reqString for nested mappings: a missing key is reported at
// the mapping rather than at the item.
func (it *item) reqStringAt(m *mapping, key string) (string, *yaml.Node, bool) {
	if !m.has(key) {
		it.errorf(CodeYAMLValidate, m.node, "Item has no mapping for key '%s'", key)
		return "", nil, false
	}
	return it.reqString(m, key)
}

func (r *reader) definePluginRequirement(it *item, at *yaml.Node, req PluginRequirement) {
	seen := map[string]bool{}
	for _, a := range req.Alternatives {
		if seen[a.Name] {
			it.errorf(CodeValidate, at, "plugin '%s' appears more than once in one requirement and its alternatives", a.Name)
			return
		}
		seen[a.Name] = true
	}
	r.c.requiredPlugin = append(r.c.requiredPlugin, req)
	if !r.c.pluginSatisfied(req) {
		var alts []string
		for _, a := range req.Alternatives {
			alts = append(alts, fmt.Sprintf("%s (>= %s)", a.Name, a.Version))
		}
		it.errorf(CodeUnsupportedPlugin, at, "plugin requirement not satisfied: Vigil provides none of %s", strings.Join(alts, ", "))
	}
}

// pluginSatisfied applies Falco's check: the first alternative naming a
// provided plugin decides; it passes if the provided version has the same
// major and is not older (an empty provided version passes).
func (c *Collection) pluginSatisfied(req PluginRequirement) bool {
	for _, a := range req.Alternatives {
		for _, p := range c.plugins {
			if p.Name != a.Name {
				continue
			}
			if p.Version == "" {
				return true
			}
			have, _ := parseVersion(p.Version)
			want, _ := parseVersion(a.Version)
			return have.compatibleWith(want)
		}
	}
	return false
}

// overrides decodes an `override:` mapping against the keys that may be
// appended and replaced. A missing or non-mapping override means none (as in
// Falco; a non-mapping draws a warning).
func (it *item) overrides(m *mapping, appendable, replaceable map[string]bool) (app, rep map[string]*yaml.Node) {
	app, rep = map[string]*yaml.Node{}, map[string]*yaml.Node{}
	e, ok := m.get("override")
	if !ok {
		return app, rep
	}
	if e.v == nil || e.v.Kind != yaml.MappingNode {
		if !isNull(e.v) {
			it.warnf(CodeUnknownKey, e.v, "'override' is %s, not a mapping of key: append|replace; it is ignored", describe(e.v))
		}
		return app, rep
	}
	om := it.r.mapping(e.v)
	for _, k := range om.odd {
		it.errorf(CodeYAMLValidate, k, "override key %s is not a string", keyText(k))
	}
	for _, d := range om.dups {
		it.warnf(CodeDuplicateKey, d.k, "override key '%s' appears more than once; only the first is used", d.key)
	}
	for _, oe := range om.entries {
		allowed := allowedOps(oe.key, appendable, replaceable)
		if !isScalar(oe.v) {
			at := oe.v
			if at == nil {
				at = oe.k
			}
			it.errorf(CodeYAMLValidate, at, "invalid override operation for key '%s' (found %s); allowed: %s", oe.key, describe(oe.v), allowed)
			continue
		}
		switch oe.v.Value {
		case "append":
			if !appendable[oe.key] {
				if replaceable[oe.key] {
					it.errorf(CodeYAMLValidate, oe.k, "key '%s' cannot be appended to, use 'replace' instead", oe.key)
				} else {
					it.errorf(CodeYAMLValidate, oe.k, "key '%s' cannot be appended to", oe.key)
				}
				continue
			}
			app[oe.key] = oe.k
		case "replace":
			if !replaceable[oe.key] {
				it.errorf(CodeYAMLValidate, oe.k, "key '%s' cannot be replaced", oe.key)
				continue
			}
			rep[oe.key] = oe.k
		default:
			it.errorf(CodeYAMLValidate, oe.v, "invalid override operation for key '%s': '%s'; allowed: %s", oe.key, oe.v.Value, allowed)
		}
	}
	return app, rep
}

func allowedOps(key string, appendable, replaceable map[string]bool) string {
	switch {
	case appendable[key] && replaceable[key]:
		return "append, replace"
	case appendable[key]:
		return "append"
	case replaceable[key]:
		return "replace"
	}
	return "none (the key cannot be overridden)"
}

var (
	listOverridable  = keySet("items")
	macroOverridable = keySet("condition")
)

// readAppendFlag decodes the deprecated `append` key and warns when it is
// true.
func (it *item) readAppendFlag(m *mapping) bool {
	v, present, ok := it.optBool(m, "append", false)
	if present && ok && v {
		e, _ := m.get("append")
		it.warnf(CodeDeprecatedItem, e.k, "'append' is deprecated; use an 'override' entry (e.g. 'condition: append') instead")
	}
	return v
}

func (r *reader) readList(it *item, m *mapping) {
	name, _, ok := it.reqString(m, "list")
	if !ok {
		return
	}
	it.name = name
	if !listNameRE.MatchString(name) {
		it.warnf(CodeInvalidListName, nil, "list name '%s' is not a valid bare string (it must not contain blanks, quotes, parentheses, '=' or ','); conditions cannot refer to it reliably", name)
	}
	it.checkKeys(m, listKeys)
	var items []string
	if e, ok := m.get("items"); !ok {
		it.errorf(CodeYAMLValidate, nil, "Item has no mapping for key 'items'")
	} else {
		items, _ = it.stringSeq(e, "items")
	}
	appendFlag := it.readAppendFlag(m)
	app, rep := it.overrides(m, listOverridable, listOverridable)
	if appendFlag && len(app)+len(rep) > 0 {
		it.errorf(CodeYAMLValidate, nil, "keys 'override' and 'append: true' cannot be used together; use an 'override' entry only")
	}
	if it.failed {
		return
	}
	c := r.c
	if _, ok := app["items"]; ok || appendFlag {
		prev := c.listByName[name]
		if prev == nil {
			it.errorf(CodeValidate, nil, "list uses 'append' or 'override.items: append' but no list by that name is defined yet")
			return
		}
		prev.items = append(prev.items, items...)
		prev.vis = c.next()
		return
	}
	s := c.next()
	if prev := c.listByName[name]; prev != nil {
		prev.items, prev.pos, prev.vis = items, it.pos, s
		return
	}
	l := &listState{name: name, items: items, pos: it.pos, index: s, vis: s}
	c.lists = append(c.lists, l)
	c.listByName[name] = l
}

func (r *reader) readMacro(it *item, m *mapping) {
	name, _, ok := it.reqString(m, "macro")
	if !ok {
		return
	}
	it.name = name
	if !macroNameRE.MatchString(name) {
		it.warnf(CodeInvalidMacroName, nil, "macro name '%s' is not an identifier ([a-zA-Z]+[a-zA-Z0-9_]*); conditions cannot refer to it", name)
	}
	it.checkKeys(m, macroKeys)
	_, cn, condOK := it.reqString(m, "condition")
	appendFlag := it.readAppendFlag(m)
	app, rep := it.overrides(m, macroOverridable, macroOverridable)
	if appendFlag && len(app)+len(rep) > 0 {
		it.errorf(CodeYAMLValidate, nil, "keys 'override' and 'append: true' cannot be used together; use an 'override' entry only")
	}
	if it.failed || !condOK {
		return
	}
	c := r.c
	src := newScalarSource(r, cn)
	if _, ok := app["condition"]; ok || appendFlag {
		prev := c.macroBy[name]
		if prev == nil {
			it.errorf(CodeValidate, nil, "macro uses 'append' or 'override.condition: append' but no macro by that name is defined yet")
			return
		}
		prev.cond.add(" ", src)
		prev.vis = c.next()
		return
	}
	s := c.next()
	if prev := c.macroBy[name]; prev != nil {
		prev.cond, prev.pos, prev.condPos, prev.vis = newSegText(src), it.pos, r.pos(cn), s
		return
	}
	mc := &macroState{name: name, cond: newSegText(src), pos: it.pos, condPos: r.pos(cn), index: s, vis: s}
	c.macros = append(c.macros, mc)
	c.macroBy[name] = mc
}
