package rules

import (
	"time"

	"github.com/vigilsec/vigil/rules/fields"
)

// Detection is one rule match, rendered. It owns all its data and stays
// valid after the event is released.
type Detection struct {
	Rule *Rule
	Time time.Time
	// Output is the rule's output with every token rendered (<NA> for
	// missing values).
	Output string
	// OutputFields maps each output token's field, as written
	// ("proc.aname[2]", "evt.arg.flags"), to its value; nil when missing.
	// For transformer tokens the key is the plain field and the value
	// untransformed.
	OutputFields map[string]any
}

// Render appends r's output for ev to buf and returns the extended buffer.
func (r *Rule) Render(ev fields.Event, buf []byte) []byte {
	var v, tv fields.Value
	var arena []byte
	return r.out.render(ev, buf, &v, &tv, &arena)
}

// OutputFields returns the output_fields map of r for ev.
func (r *Rule) OutputFields(ev fields.Event) map[string]any { return r.out.fieldValues(ev) }

// Detect renders the detection of r for ev at time t. Evaluator.Detect does
// the same with less garbage.
func (r *Rule) Detect(ev fields.Event, t time.Time) Detection {
	return Detection{Rule: r, Time: t, Output: string(r.Render(ev, nil)), OutputFields: r.OutputFields(ev)}
}
