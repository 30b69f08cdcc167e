package dashboards

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// grafanaVar matches Grafana's variable syntaxes: $name, ${name},
// ${name:format} and [[name]].
var grafanaVar = regexp.MustCompile(`\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)(?::[^\]]*)?\]\]`)

// grafanaMacros are the values given to Grafana's built-in interval
// variables before parsing.
var grafanaMacros = map[string]string{
	"__rate_interval": "5m",
	"__interval":      "5m",
	"__range":         "5m",
	"__interval_ms":   "300000",
	"__range_s":       "300",
	"__range_ms":      "300000",
}

// varMarker is what template variable name becomes before parsing: a
// literal that is a valid label value and regexp (like the ".*" Grafana
// sends for "All") and still says which variable stood there, so that the
// checks can tell a matcher on $job from one on a fixed value.
func varMarker(name string) string { return "__var_" + name + "__" }

// markerVar returns the variable a matcher value stands for, if it is a
// marker.
func markerVar(v string) (string, bool) {
	name, ok := strings.CutPrefix(v, "__var_")
	if !ok {
		return "", false
	}
	return strings.CutSuffix(name, "__")
}

// substitute turns a dashboard query into plain PromQL: macros become
// durations, variables defined in vars become markers. It reports the
// variables used and an error for any variable that is not defined.
func substitute(q string, vars map[string]bool) (string, []string, error) {
	var used []string
	var err error
	out := grafanaVar.ReplaceAllStringFunc(q, func(m string) string {
		sub := grafanaVar.FindStringSubmatch(m)
		name := sub[1] + sub[2] + sub[3]
		if v, ok := grafanaMacros[name]; ok {
			return v
		}
		if strings.Trim(name, "0123456789") == "" {
			return m // $1: a label_replace group reference, not a variable
		}
		if !vars[name] {
			if err == nil {
				err = fmt.Errorf("variable $%s is not defined", name)
			}
			return m
		}
		if !slices.Contains(used, name) {
			used = append(used, name)
		}
		return varMarker(name)
	})
	return out, used, err
}

// labelValuesQuery matches a Grafana Prometheus variable query
// label_values(selector, label).
var labelValuesQuery = regexp.MustCompile(`^label_values\((.+),\s*(\w+)\)$`)

// queryChecker checks the PromQL of one dashboard against the golden.
type queryChecker struct {
	g    golden
	vars map[string]bool // template variables the dashboard defines
}

// labelSet is the set of label names a PromQL expression's result can
// carry; nil means unknown (a metric outside the golden).
type labelSet map[string]bool

func setOf(names ...string) labelSet {
	s := labelSet{}
	for _, n := range names {
		s[n] = true
	}
	return s
}

func (s labelSet) union(o labelSet) labelSet {
	if s == nil || o == nil {
		return nil
	}
	u := maps.Clone(s)
	maps.Copy(u, o)
	return u
}

// parse substitutes and parses q.
func (c *queryChecker) parse(q string) (parser.Expr, []string, error) {
	sub, used, err := substitute(q, c.vars)
	if err != nil {
		return nil, nil, err
	}
	e, err := parser.NewParser(parser.Options{}).ParseExpr(sub)
	if err != nil {
		return nil, nil, fmt.Errorf("parse %q: %w", sub, err)
	}
	return e, used, nil
}

// checkExpr checks one panel query: it parses, every selector names a
// known metric with existing labels and honours the dashboard's variables,
// every grouping and matching label exists, and legend's {{labels}} exist
// on the result. It returns the metric families the query reads (golden
// names, or the foreign name) and the variables it uses.
func (c *queryChecker) checkExpr(q, legend string) (metrics, used []string, errs []error) {
	e, used, err := c.parse(q)
	if err != nil {
		return nil, nil, []error{err}
	}
	metrics, errs = c.checkTree(e, true)
	if res := c.labelsOf(e); res != nil && legend != "" && legend != "__auto" {
		for _, m := range legendLabel.FindAllStringSubmatch(legend, -1) {
			if !res[m[1]] {
				errs = append(errs, fmt.Errorf("legend %q uses {{%s}}, which the result of %q does not carry", legend, m[1], q))
			}
		}
	}
	return metrics, used, errs
}

// checkVariableQuery checks a label_values(selector, label) variable query.
func (c *queryChecker) checkVariableQuery(q string) (metrics, used []string, errs []error) {
	m := labelValuesQuery.FindStringSubmatch(strings.TrimSpace(q))
	if m == nil {
		return nil, nil, []error{fmt.Errorf("variable query %q is not label_values(selector, label)", q)}
	}
	e, used, err := c.parse(m[1])
	if err != nil {
		return nil, nil, []error{err}
	}
	metrics, errs = c.checkTree(e, false)
	if res := c.labelsOf(e); res != nil && !res[m[2]] {
		errs = append(errs, fmt.Errorf("variable query %q: label %q is not on %s", q, m[2], m[1]))
	}
	return metrics, used, errs
}

var legendLabel = regexp.MustCompile(`\{\{\s*(\w+)\s*\}\}`)

// checkTree walks e. With requireVars, every selector must filter on each
// defined variable whose label the metric carries (cluster, job and
// instance on every metric but ALERTS; priority and rule on the per-rule
// metrics).
func (c *queryChecker) checkTree(e parser.Expr, requireVars bool) (metrics []string, errs []error) {
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		switch n := n.(type) {
		case *parser.VectorSelector:
			name, errs2 := c.checkSelector(n, requireVars)
			errs = append(errs, errs2...)
			if name != "" && !slices.Contains(metrics, name) {
				metrics = append(metrics, name)
			}
		case *parser.AggregateExpr:
			if in := c.labelsOf(n.Expr); in != nil {
				for _, l := range n.Grouping {
					if !in[l] {
						errs = append(errs, fmt.Errorf("%s groups by %q, which %s does not carry", n.Op, l, n.Expr))
					}
				}
			}
		case *parser.BinaryExpr:
			errs = append(errs, c.checkMatching(n)...)
		case *parser.Call:
			// label_replace(v, dst, replacement, src, regex)
			if n.Func.Name == "label_replace" && len(n.Args) == 5 {
				if src, ok := n.Args[3].(*parser.StringLiteral); ok {
					if in := c.labelsOf(n.Args[0]); in != nil && !in[src.Val] {
						errs = append(errs, fmt.Errorf("label_replace reads label %q, which %s does not carry", src.Val, n.Args[0]))
					}
				}
			}
		}
		return nil
	})
	return metrics, errs
}

// checkSelector checks one vector selector and returns its family name.
func (c *queryChecker) checkSelector(vs *parser.VectorSelector, requireVars bool) (string, []error) {
	var errs []error
	if vs.Name == "" {
		return "", []error{fmt.Errorf("selector %s has no metric name", vs)}
	}
	fam, known := c.g.family(vs.Name)
	name := vs.Name
	if known {
		name = fam.name
	} else if !allowedForeign(vs.Name) {
		return vs.Name, []error{fmt.Errorf("metric %s is neither in the golden %s nor allowed (up, ALERTS, process_*, go_*)", vs.Name, goldenPath)}
	}
	have := map[string]*labels.Matcher{}
	for _, m := range vs.LabelMatchers {
		if m.Name == labels.MetricName {
			continue
		}
		have[m.Name] = m
		if !known {
			continue
		}
		if !c.labelsOf(vs)[m.Name] {
			errs = append(errs, fmt.Errorf("%s has no label %q", vs.Name, m.Name))
			continue
		}
		if _, isVar := markerVar(m.Value); isVar {
			continue
		}
		var allowed []string
		switch {
		case m.Name == "priority":
			allowed = priorityNames
		case slices.Contains(fixedLabels, m.Name):
			allowed = fam.labels[m.Name]
		default:
			continue
		}
		for _, v := range literalAlternatives(m.Value) {
			if !slices.Contains(allowed, v) {
				errs = append(errs, fmt.Errorf("%s{%s}: %q is not a value of %s (%s)", vs.Name, m, v, m.Name, strings.Join(allowed, ", ")))
			}
		}
	}
	if requireVars && vs.Name != "ALERTS" {
		for v := range c.vars {
			if v == "datasource" {
				continue
			}
			onMetric := slices.Contains(targetLabels, v) || (known && fam.labels[v] != nil)
			if !onMetric {
				continue
			}
			m, ok := have[v]
			if !ok {
				errs = append(errs, fmt.Errorf("%s does not filter on label %q although the dashboard has a $%s variable", vs, v, v))
				continue
			}
			if name, isVar := markerVar(m.Value); slices.Contains(targetLabels, v) && (!isVar || name != v || m.Type != labels.MatchRegexp) {
				errs = append(errs, fmt.Errorf("%s: target label %q must be matched as %s=~\"$%s\"", vs, v, v, v))
			}
		}
	}
	return name, errs
}

// literalAlternatives splits a matcher value "a|b|c" into its literals;
// values with other regexp syntax yield nothing (not checkable).
func literalAlternatives(v string) []string {
	if strings.ContainsAny(v, `.*+?()[]{}^$\`) {
		return nil
	}
	return strings.Split(v, "|")
}

// checkMatching checks the on/ignoring and group_left/group_right labels of
// a binary operation between two vectors.
func (c *queryChecker) checkMatching(b *parser.BinaryExpr) []error {
	vm := b.VectorMatching
	if vm == nil || b.LHS.Type() != parser.ValueTypeVector || b.RHS.Type() != parser.ValueTypeVector {
		return nil
	}
	var errs []error
	lhs, rhs := c.labelsOf(b.LHS), c.labelsOf(b.RHS)
	if vm.On {
		for _, l := range vm.MatchingLabels {
			for _, side := range []labelSet{lhs, rhs} {
				if side != nil && !side[l] {
					errs = append(errs, fmt.Errorf("on (%s): label %q missing on one side of %s", strings.Join(vm.MatchingLabels, ", "), l, b))
					break
				}
			}
		}
	}
	one := rhs
	if vm.Card == parser.CardOneToMany {
		one = lhs
	}
	for _, l := range vm.Include {
		if one != nil && !one[l] {
			errs = append(errs, fmt.Errorf("group_left/right (%s): label %q is not on the one side of %s", strings.Join(vm.Include, ", "), l, b))
		}
	}
	return errs
}

// labelsOf returns the label names the result of e can carry, or nil when
// it depends on a metric outside the golden.
func (c *queryChecker) labelsOf(e parser.Node) labelSet {
	switch e := e.(type) {
	case *parser.VectorSelector:
		fam, ok := c.g.family(e.Name)
		if !ok {
			return nil
		}
		s := setOf(targetLabels...)
		for l := range fam.labels {
			s[l] = true
		}
		if strings.HasSuffix(e.Name, "_bucket") && fam.name != e.Name {
			s["le"] = true
		}
		return s
	case *parser.MatrixSelector:
		return c.labelsOf(e.VectorSelector)
	case *parser.SubqueryExpr:
		return c.labelsOf(e.Expr)
	case *parser.ParenExpr:
		return c.labelsOf(e.Expr)
	case *parser.StepInvariantExpr:
		return c.labelsOf(e.Expr)
	case *parser.UnaryExpr:
		return c.labelsOf(e.Expr)
	case *parser.NumberLiteral, *parser.StringLiteral:
		return labelSet{}
	case *parser.AggregateExpr:
		in := c.labelsOf(e.Expr)
		switch {
		case e.Op == parser.TOPK || e.Op == parser.BOTTOMK || e.Op == parser.LIMITK || e.Op == parser.LIMIT_RATIO:
			return in
		case e.Without:
			if in == nil {
				return nil
			}
			out := maps.Clone(in)
			for _, l := range e.Grouping {
				delete(out, l)
			}
			return out
		default:
			return setOf(e.Grouping...)
		}
	case *parser.Call:
		switch e.Func.Name {
		case "time", "vector", "scalar", "pi":
			return labelSet{}
		case "label_replace", "label_join":
			in := c.labelsOf(e.Args[0])
			if dst, ok := e.Args[1].(*parser.StringLiteral); ok && in != nil {
				return in.union(setOf(dst.Val))
			}
			return in
		case "histogram_quantile":
			in := c.labelsOf(e.Args[1])
			if in != nil {
				in = maps.Clone(in)
				delete(in, "le")
			}
			return in
		}
		for _, a := range e.Args {
			if t := a.Type(); t == parser.ValueTypeVector || t == parser.ValueTypeMatrix {
				return c.labelsOf(a)
			}
		}
		return labelSet{}
	case *parser.BinaryExpr:
		lhs, rhs := c.labelsOf(e.LHS), c.labelsOf(e.RHS)
		if e.LHS.Type() == parser.ValueTypeScalar {
			return rhs
		}
		if e.RHS.Type() == parser.ValueTypeScalar {
			return lhs
		}
		vm := e.VectorMatching
		switch {
		case e.Op == parser.LOR:
			return lhs.union(rhs)
		case e.Op == parser.LAND || e.Op == parser.LUNLESS || (e.Op.IsComparisonOperator() && !e.ReturnBool):
			return lhs
		case vm != nil && vm.Card == parser.CardManyToOne:
			return lhs.union(setOf(vm.Include...))
		case vm != nil && vm.Card == parser.CardOneToMany:
			return rhs.union(setOf(vm.Include...))
		case vm != nil && vm.On:
			if lhs == nil {
				return nil
			}
			out := labelSet{}
			for _, l := range vm.MatchingLabels {
				if lhs[l] {
					out[l] = true
				}
			}
			return out
		case vm != nil && lhs != nil:
			out := maps.Clone(lhs)
			for _, l := range vm.MatchingLabels {
				delete(out, l)
			}
			return out
		}
		return lhs
	}
	return nil
}
