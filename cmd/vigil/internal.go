package main

import (
	"time"

	"github.com/vigilsec/vigil/exporter"
	"github.com/vigilsec/vigil/rules"
	"github.com/vigilsec/vigil/rules/rulefile"
)

// internalSource is the source of the detections Vigil raises about itself.
const internalSource = "internal"

// internalRules are the rules of Vigil's own detections. They are not part
// of any rule set: they survive reloads and cannot be disabled by rules
// files.
type internalRules struct {
	reloadFailed *rules.Rule
	eventsLost   *rules.Rule
	outputFailed *rules.Rule
}

func newInternalRules() *internalRules {
	rule := func(name, desc string, p rulefile.Priority) *rules.Rule {
		return &rules.Rule{Name: name, Desc: desc, Priority: p, Source: internalSource, Enabled: true, Active: true,
			Tags: []string{"vigil"}}
	}
	return &internalRules{
		reloadFailed: rule("Vigil Rules Reload Failed",
			"A rules reload failed; the previous rules stay in effect.", rulefile.PriorityCritical),
		eventsLost: rule("Vigil Events Lost",
			"More events than the configured threshold were lost before rule evaluation.", rulefile.PriorityCritical),
		outputFailed: rule("Vigil Output Failing",
			"An output stopped accepting detections.", rulefile.PriorityError),
	}
}

func (ir *internalRules) all() []*rules.Rule {
	return []*rules.Rule{ir.reloadFailed, ir.eventsLost, ir.outputFailed}
}

// raiser publishes internal detections.
type raiser struct {
	out     *exporter.Dispatcher
	metrics *exporter.Metrics
}

// raise publishes an internal detection of r with the given text and
// output fields.
func (x *raiser) raise(r *rules.Rule, text string, fields map[string]any) {
	x.metrics.Match(r)
	x.out.Publish(&exporter.Detection{
		Detection: rules.Detection{Rule: r, Time: time.Now(), Output: text, OutputFields: fields},
		Internal:  true,
	})
}
