package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/vigilsec/vigil/rules/fields"
)

// defaultCase is one entry of rules/default/testdata/cases.yaml (the file's
// header comment documents the format).
type defaultCase struct {
	Rule    string     `yaml:"rule"`
	Match   *caseEvent `yaml:"match"`
	NoMatch *caseEvent `yaml:"nomatch"`
}

type caseEvent struct {
	EvtType string         `yaml:"evt.type"`
	Fields  map[string]any `yaml:"fields"`
	Absent  []string       `yaml:"absent"`
}

// loadDefaultCases decodes the fixtures strictly: unknown keys, a second
// document or an entry without a rule name fail.
func loadDefaultCases(t *testing.T) []defaultCase {
	t.Helper()
	data, err := os.ReadFile("default/testdata/cases.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var cases []defaultCase
	if err := dec.Decode(&cases); err != nil {
		t.Fatalf("decode cases.yaml: %v", err)
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		t.Fatalf("cases.yaml: want one YAML document, got more (%v)", err)
	}
	if len(cases) == 0 {
		t.Fatal("cases.yaml holds no cases")
	}
	for i, c := range cases {
		if c.Rule == "" {
			t.Fatalf("case %d has no rule name", i)
		}
		if c.Match == nil && c.NoMatch == nil {
			t.Fatalf("case %d (%s) has neither match nor nomatch", i, c.Rule)
		}
	}
	return cases
}

// splitCaseKey splits "name" or "name[arg]" as fields.NewMapEvent does.
func splitCaseKey(s string) (name, arg string, hasArg bool) {
	i := strings.IndexByte(s, '[')
	if i <= 0 || !strings.HasSuffix(s, "]") {
		return s, "", false
	}
	arg = s[i+1 : len(s)-1]
	if len(arg) >= 2 && (arg[0] == '"' || arg[0] == '\'') && arg[len(arg)-1] == arg[0] {
		arg = arg[1 : len(arg)-1]
	}
	return s[:i], arg, true
}

func resolveCaseKey(reg *fields.Registry, key string) (fields.Ref, *fields.Field, error) {
	name, arg, hasArg := splitCaseKey(key)
	return reg.Resolve(name, arg, hasArg)
}

// builtCase is a case event turned into a MapEvent, with what it covers.
type builtCase struct {
	typ fields.EventType
	ev  *fields.MapEvent
	// given holds the refs the case gives a value for; absent those it
	// declares missing on purpose.
	given, absent map[fields.Ref]bool
	// ancestors holds the any-ancestor fields given as a list: every index
	// of them is covered (past the list's end the field is missing).
	ancestors map[fields.ID]bool
}

// buildCase turns a fixture event into a MapEvent. Lists given for
// any-ancestor fields (proc.aname) become the indexed keys [1], [2], ...
func buildCase(reg *fields.Registry, ce *caseEvent) (*builtCase, error) {
	typ, ok := fields.LookupEventType(ce.EvtType)
	if !ok {
		return nil, fmt.Errorf("unknown evt.type %q", ce.EvtType)
	}
	if len(ce.Fields) == 0 {
		return nil, errors.New("no fields")
	}
	bc := &builtCase{typ: typ, given: map[fields.Ref]bool{}, absent: map[fields.Ref]bool{}, ancestors: map[fields.ID]bool{}}
	vals := make(map[string]any, len(ce.Fields))
	add := func(key string, v any) error {
		ref, _, err := resolveCaseKey(reg, key)
		if err != nil {
			return err
		}
		if bc.given[ref] {
			return fmt.Errorf("field %s given twice", key)
		}
		bc.given[ref] = true
		vals[key] = v
		return nil
	}
	for key, v := range ce.Fields {
		if key == "evt.type" {
			return nil, errors.New("give evt.type as the event's evt.type, not as a field")
		}
		if v == nil {
			return nil, fmt.Errorf("field %s is null: list it under absent instead", key)
		}
		ref, f, err := resolveCaseKey(reg, key)
		if err != nil {
			return nil, err
		}
		items, isList := v.([]any)
		if !isList || f.List || !f.Flags.Has(fields.AnyAncestor) || ref.Arg.Kind != fields.ArgNone {
			if err := add(key, v); err != nil {
				return nil, err
			}
			continue
		}
		if len(items) == 0 {
			return nil, fmt.Errorf("field %s: empty ancestor list", key)
		}
		bc.ancestors[ref.ID] = true
		bc.given[ref] = true // derived from the indexed values by MapEvent
		for i, it := range items {
			if err := add(fmt.Sprintf("%s[%d]", key, i+1), it); err != nil {
				return nil, err
			}
		}
	}
	// The parent is ancestor 1: fixtures giving both must agree.
	if pa, ok := ce.Fields["proc.aname"].([]any); ok {
		if pn, ok := ce.Fields["proc.pname"]; ok && len(pa) > 0 && pn != pa[0] {
			return nil, fmt.Errorf("proc.pname %v differs from proc.aname[1] %v", pn, pa[0])
		}
	}
	for _, key := range ce.Absent {
		ref, _, err := resolveCaseKey(reg, key)
		if err != nil {
			return nil, fmt.Errorf("absent: %w", err)
		}
		if bc.given[ref] {
			return nil, fmt.Errorf("field %s is both given and absent", key)
		}
		bc.absent[ref] = true
	}
	ev, err := fields.NewMapEventValues(reg, typ, vals)
	if err != nil {
		return nil, err
	}
	bc.ev = ev
	return bc, nil
}

// covers reports whether the case accounts for ref: gives it, declares it
// absent, or gives the ancestor list it indexes. evt.type is always given.
func (bc *builtCase) covers(ref fields.Ref) bool {
	if ref.ID == fields.EvtType && ref.Arg.Kind == fields.ArgNone {
		return true
	}
	return bc.given[ref] || bc.absent[ref] || (ref.Arg.Kind == fields.ArgIndex && bc.ancestors[ref.ID])
}

// recordingEvent records every field the evaluator extracts.
type recordingEvent struct {
	fields.Event
	seen []fields.Ref
}

func (e *recordingEvent) Extract(ref *fields.Ref, v *fields.Value) bool {
	if !slices.Contains(e.seen, *ref) {
		e.seen = append(e.seen, *ref)
	}
	return e.Event.Extract(ref, v)
}

func refText(reg *fields.Registry, ref fields.Ref) string {
	name := reg.Field(ref.ID).Name
	switch ref.Arg.Kind {
	case fields.ArgIndex:
		return fmt.Sprintf("%s[%d]", name, ref.Arg.Index)
	case fields.ArgKey:
		return name + "[" + ref.Arg.Key + "]"
	}
	return name
}

// TestDefaultCases checks every rule of rules/default against its
// synthetic fixtures: each match event must fire the named rule (alone,
// bound to the event's type, and among the matches of a MatchAll
// evaluation), each near miss must not. The fixtures must cover every
// enabled rule both ways, use event types the rule is evaluated for and
// account for every field the condition reads; a match's rendered output
// must show every field the case gave.
func TestDefaultCases(t *testing.T) {
	reg := fields.NewRegistry()
	srcs, err := DefaultSources()
	if err != nil {
		t.Fatal(err)
	}
	rs, probs := Load(reg, Options{Matching: MatchAll}, srcs...)
	if rs == nil {
		t.Fatalf("load default rules:\n%s", problemsText(probs))
	}
	if len(probs) > 0 {
		t.Errorf("default rules load with problems:\n%s", problemsText(probs))
	}
	cases := loadDefaultCases(t)

	type counts struct{ match, nomatch int }
	seen := map[string]*counts{}
	x := rs.NewEvaluator()
	ran := 0
	for _, c := range cases {
		r := rs.Lookup(c.Rule)
		if r == nil {
			t.Errorf("case names rule %q, which the default rules do not define", c.Rule)
			continue
		}
		if seen[c.Rule] == nil {
			seen[c.Rule] = &counts{}
		}
		for _, kind := range []string{"match", "nomatch"} {
			ce, want, n := c.Match, true, &seen[c.Rule].match
			if kind == "nomatch" {
				ce, want, n = c.NoMatch, false, &seen[c.Rule].nomatch
			}
			if ce == nil {
				continue
			}
			*n++
			ran++
			name := fmt.Sprintf("%s/%s#%d", c.Rule, kind, *n)
			t.Run(name, func(t *testing.T) {
				checkDefaultCase(t, reg, x, r, ce, want)
			})
		}
	}

	var missing []string
	for _, r := range rs.Rules() {
		if !r.Enabled {
			continue
		}
		if !r.Active {
			t.Errorf("enabled default rule %q is not active (no event types?)", r.Name)
		}
		c := seen[r.Name]
		switch {
		case c == nil:
			missing = append(missing, r.Name+" (no cases)")
		case c.match == 0:
			missing = append(missing, r.Name+" (no match case)")
		case c.nomatch == 0:
			missing = append(missing, r.Name+" (no nomatch case)")
		}
	}
	if len(missing) > 0 {
		t.Errorf("enabled default rules without both a match and a nomatch case:\n  %s", strings.Join(missing, "\n  "))
	}
	t.Logf("%d cases over %d rules", ran, len(seen))
}

func checkDefaultCase(t *testing.T, reg *fields.Registry, x *Evaluator, r *Rule, ce *caseEvent, want bool) {
	bc, err := buildCase(reg, ce)
	if err != nil {
		t.Fatalf("bad fixture: %v", err)
	}
	bound := r.Active && r.EventTypes.Has(bc.typ)
	if !bound {
		// A near miss of another event type would not fire for a trivial
		// reason; both kinds must reach the condition.
		t.Errorf("rule is not evaluated for %s events (active %v, event types %v)", ce.EvtType, r.Active, r.EventTypes.Names())
	}

	// The rule alone, recording the fields its condition reads.
	rec := &recordingEvent{Event: bc.ev}
	alone := x.Match(r, rec)
	if got := bound && alone; got != want {
		t.Errorf("rule fired = %v, want %v\n  condition: %s", got, want, r.Condition)
	}
	var uncovered []string
	for _, ref := range rec.seen {
		if !bc.covers(ref) {
			uncovered = append(uncovered, refText(reg, ref))
		}
	}
	if len(uncovered) > 0 {
		t.Errorf("condition read fields the case neither gives nor lists as absent: %s", strings.Join(uncovered, ", "))
	}

	// The same verdict among all matches of the ruleset.
	among := false
	x.Evaluate(bc.ev, func(m *Rule) bool {
		among = among || m == r
		return true
	})
	if among != (bound && alone) {
		t.Errorf("Evaluate reports the rule among the matches = %v, Match on the rule alone = %v", among, bound && alone)
	}

	if !want || !alone {
		return
	}
	d := r.Detect(bc.ev, time.Unix(0, 0))
	for key, v := range d.OutputFields {
		ref, _, err := resolveCaseKey(reg, key)
		if err != nil {
			t.Errorf("output field %s does not resolve: %v", key, err)
			continue
		}
		if bc.given[ref] && v == nil {
			t.Errorf("output field %s renders <NA> although the case gives it\n  output: %s", key, d.Output)
		}
	}
}
