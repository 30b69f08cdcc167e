package rulefile

import (
	"fmt"

	yaml "go.yaml.in/yaml/v3"
)

// Source is one rules file: Name is used as Position.File.
type Source struct {
	Name string
	Data []byte
}

// Options describe the engine the rules are loaded for.
type Options struct {
	// EngineVersion is the engine version rules are checked against
	// (default EngineVersion).
	EngineVersion string
	// Sources are the event sources the engine knows (default: syscall).
	// Rules of other sources are collected and flagged UnknownSource.
	Sources []string
	// Plugins are the plugins the engine provides, for
	// required_plugin_versions. An empty Version satisfies any required
	// version. Nil means the default: the container plugin, any version,
	// because Vigil provides the container.* and k8s.* fields itself (a rule
	// using a field Vigil lacks still fails at compile time as an unknown
	// field). An empty, non-nil slice provides no plugin.
	Plugins []PluginVersion
}

// Collection accumulates the items of rules files added in order.
type Collection struct {
	engine  version
	sources map[string]bool
	plugins []PluginVersion

	seq int // shared by lists, macros and rules (Falco's collector index)

	lists      []*listState
	listByName map[string]*listState
	macros     []*macroState
	macroBy    map[string]*macroState
	rules      []*ruleState
	ruleByName map[string]*ruleState

	requiredEngine *version
	requiredPlugin []PluginRequirement

	// views, rebuilt after every Add
	viewLists  []*List
	viewMacros []*Macro
	viewRules  []*Rule
	listIndex  map[string]*List
	macroIndex map[string]*Macro
	ruleIndex  map[string]*Rule
}

type listState struct {
	name       string
	items      []string
	pos        Position
	index, vis int
	capWarned  bool
}

type macroState struct {
	name       string
	cond       segText
	pos        Position
	condPos    Position
	index, vis int
}

// NewCollection returns an empty collection for Vigil's engine (Options
// defaults).
func NewCollection() *Collection {
	c, err := NewCollectionWith(Options{})
	if err != nil {
		// The defaults are constants of this package.
		panic("rulefile: default options invalid: " + err.Error())
	}
	return c
}

// NewCollectionWith returns an empty collection for the given engine.
func NewCollectionWith(o Options) (*Collection, error) {
	ev := o.EngineVersion
	if ev == "" {
		ev = EngineVersion
	}
	v, ok := parseVersion(ev)
	if !ok {
		return nil, fmt.Errorf("engine version %q is not x.y.z", ev)
	}
	c := &Collection{
		engine:     v,
		sources:    map[string]bool{},
		listByName: map[string]*listState{},
		macroBy:    map[string]*macroState{},
		ruleByName: map[string]*ruleState{},
		listIndex:  map[string]*List{},
		macroIndex: map[string]*Macro{},
		ruleIndex:  map[string]*Rule{},
	}
	if len(o.Sources) == 0 {
		o.Sources = []string{"syscall"}
	}
	for _, s := range o.Sources {
		c.sources[s] = true
	}
	if o.Plugins == nil {
		o.Plugins = []PluginVersion{{Name: "container"}}
	}
	for _, p := range o.Plugins {
		if p.Version != "" {
			if _, ok := parseVersion(p.Version); !ok {
				return nil, fmt.Errorf("plugin %s: version %q is not x.y.z", p.Name, p.Version)
			}
		}
		c.plugins = append(c.plugins, p)
	}
	return c, nil
}

// Add reads one rules file and merges its items into the collection. It
// returns every problem found in the file (and in the collection as it
// stands after the file, such as a list grown beyond the flattening bound).
func (c *Collection) Add(src Source) []Problem {
	r := newReader(c, src)
	docs, line, err := parseDocuments(src.Data)
	if err != nil {
		r.report(Problem{Severity: SeverityError, Code: CodeYAMLParse, Pos: Position{File: src.Name, Line: line}, Message: err.Error()})
		return r.finish()
	}
	for _, doc := range docs {
		if r.exhausted {
			break
		}
		r.readDocument(doc)
	}
	if r.exhausted {
		// Reported past the problem cap: it explains why reading stopped.
		r.problems = append(r.problems, Problem{Severity: SeverityError, Code: CodeYAMLValidate, Pos: Position{File: src.Name},
			Message: "the file's YAML aliases expand beyond the allowed size; reading stopped"})
	}
	c.rebuild(r)
	return r.finish()
}

func (r *reader) readDocument(doc *yaml.Node) {
	root := doc
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return
		}
		root = doc.Content[0]
	}
	root = r.node(root)
	if isNull(root) {
		return
	}
	it := &item{r: r, pos: r.pos(root)}
	switch root.Kind {
	case yaml.SequenceNode:
	case yaml.MappingNode:
		it.errorf(CodeYAMLValidate, root, "rules content is not a YAML sequence of items (found a mapping)")
		return
	default:
		it.errorf(CodeYAMLValidate, root, "rules content is not a YAML sequence of items (found %s)", describe(root))
		return
	}
	for _, c := range root.Content {
		if r.exhausted {
			return
		}
		n := r.node(c)
		if isNull(n) {
			continue
		}
		r.readItem(n)
	}
}

// next advances the shared sequence and returns its previous value.
func (c *Collection) next() int {
	s := c.seq
	c.seq++
	return s
}

// Lists returns the lists in definition order.
func (c *Collection) Lists() []*List { return append([]*List(nil), c.viewLists...) }

// Macros returns the macros in definition order.
func (c *Collection) Macros() []*Macro { return append([]*Macro(nil), c.viewMacros...) }

// Rules returns the rules in evaluation order (first definition).
func (c *Collection) Rules() []*Rule { return append([]*Rule(nil), c.viewRules...) }

// List returns the list with the given name from the current view, or nil.
func (c *Collection) List(name string) *List { return c.listIndex[name] }

// Macro returns the macro with the given name from the current view, or nil.
func (c *Collection) Macro(name string) *Macro { return c.macroIndex[name] }

// Rule returns the rule with the given name from the current view, or nil.
func (c *Collection) Rule(name string) *Rule { return c.ruleIndex[name] }

// RequiredEngineVersion returns the highest required_engine_version of all
// files added (normalised to x.y.z), or "" if none declared one.
func (c *Collection) RequiredEngineVersion() string {
	if c.requiredEngine == nil {
		return ""
	}
	return c.requiredEngine.String()
}

// RequiredPlugins returns every required_plugin_versions entry, in order.
func (c *Collection) RequiredPlugins() []PluginRequirement {
	out := make([]PluginRequirement, len(c.requiredPlugin))
	for i, p := range c.requiredPlugin {
		out[i] = PluginRequirement{Alternatives: append([]PluginVersion(nil), p.Alternatives...), Pos: p.Pos}
	}
	return out
}
