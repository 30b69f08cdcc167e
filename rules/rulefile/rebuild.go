package rulefile

import (
	"fmt"
	"strings"
)

// Bounds on list flattening: one list, and all lists together.
const (
	maxFlatListItems  = 1 << 18
	maxFlatTotalItems = 1 << 22
)

// rebuild recomputes the views after an Add: flattened lists, macros, and
// rules with their exceptions expanded. Problems found in the collection as
// a whole (lists too large once flattened) are reported to r.
func (c *Collection) rebuild(r *reader) {
	c.viewLists = make([]*List, 0, len(c.lists))
	c.listIndex = make(map[string]*List, len(c.lists))
	for _, l := range c.lists {
		v := &List{Name: l.name, RawItems: append([]string(nil), l.items...), Pos: l.pos, Index: l.index, Visibility: l.vis}
		c.viewLists = append(c.viewLists, v)
		c.listIndex[l.name] = v
	}
	total := 0
	for i, l := range c.lists {
		v := c.viewLists[i]
		n := 0
		for _, it := range l.items {
			if ref := c.listByName[it]; ref != nil && ref.index < l.vis {
				n += len(ref.items)
			} else {
				n++
			}
		}
		if n > maxFlatListItems || total+n > maxFlatTotalItems {
			if !l.capWarned {
				l.capWarned = true
				r.report(Problem{Severity: SeverityError, Code: CodeValidate, Pos: l.pos, ItemKind: KindList, ItemName: l.name,
					Message: fmt.Sprintf("list has %d items once the lists it names are expanded, more than the %d allowed (%d for all lists together); it is left unexpanded", n, maxFlatListItems, maxFlatTotalItems)})
			}
			v.Items = v.RawItems
			total += len(v.Items)
			v.sub = joinItems(v.Items)
			continue
		}
		total += n
		items := make([]string, 0, n)
		for _, it := range l.items {
			if ref := c.listByName[it]; ref != nil && ref.index < l.vis {
				items = append(items, ref.items...)
				c.listIndex[ref.name].Used = true
			} else {
				items = append(items, it)
			}
		}
		v.Items = items
		v.sub = joinItems(items)
	}

	c.viewMacros = make([]*Macro, 0, len(c.macros))
	c.macroIndex = make(map[string]*Macro, len(c.macros))
	for _, m := range c.macros {
		cond := m.cond.build()
		v := &Macro{
			Name: m.name, Condition: cond.text, Pos: m.pos, CondPos: m.condPos,
			Index: m.index, Visibility: m.vis, cond: cond,
		}
		c.viewMacros = append(c.viewMacros, v)
		c.macroIndex[m.name] = v
	}

	c.viewRules = make([]*Rule, 0, len(c.rules))
	c.ruleIndex = make(map[string]*Rule, len(c.rules))
	for _, s := range c.rules {
		var excs []Exception
		for _, e := range s.exceptions {
			x := *e.clone()
			x.Values = e.renderValues()
			excs = append(excs, x)
		}
		raw := s.cond.build()
		cond := expandExceptions(raw, s.condPos, s.exceptions)
		output := s.output.build()
		c.viewRules = append(c.viewRules, &Rule{
			Name: s.name, Desc: strings.Join(s.desc, " "), Output: output.text, Source: s.source,
			Condition: cond.text, RawCondition: raw.text,
			Priority: s.priority, Tags: s.sortedTags(), Enabled: s.enabled,
			SkipIfUnknownFilter: s.skipUnknown, WarnEvttypes: s.warnEv,
			Capture: s.capture, CaptureDuration: s.captureDuration,
			Exceptions: excs, UnknownSource: s.unknownSource,
			Pos: s.pos, CondPos: s.condPos, OutputPos: s.outputPos,
			Index: s.index, Visibility: s.vis,
			cond: cond, output: output,
		})
		c.ruleIndex[s.name] = c.viewRules[len(c.viewRules)-1]
	}
}
