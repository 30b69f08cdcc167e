package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/vigilsec/vigil/rules"
	"github.com/vigilsec/vigil/rules/fields"
	"github.com/vigilsec/vigil/rules/rulefile"
)

type rulesCmd struct {
	Validate rulesValidateCmd `cmd:"" help:"Load rules files and report every error and warning (exit 1 on errors)."`
	List     rulesListCmd     `cmd:"" help:"List the rules of rules files (default: the built-in rules)."`
}

type rulesValidateCmd struct {
	JSON  bool     `help:"Print problems as a JSON document."`
	Files []string `arg:"" name:"file" help:"Rules files or directories, loaded in order; - reads standard input."`
}

// problemJSON is the machine-readable form of one load problem.
type problemJSON struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Severity string `json:"severity"`
	Code     string `json:"code"`
	ItemKind string `json:"item_kind,omitempty"`
	Item     string `json:"item,omitempty"`
	Message  string `json:"message"`
}

type validateJSON struct {
	Files    []string      `json:"files"`
	OK       bool          `json:"ok"`
	Errors   int           `json:"errors"`
	Warnings int           `json:"warnings"`
	Rules    int           `json:"rules"`
	Problems []problemJSON `json:"problems"`
}

func (c rulesValidateCmd) Run(e *env) error {
	srcs, err := readRuleSources(c.Files, e.stdin)
	if err != nil {
		return err
	}
	rs, problems := rules.Load(fields.NewRegistry(), rules.Options{}, srcs...)
	res := validateJSON{Problems: []problemJSON{}}
	for _, s := range srcs {
		res.Files = append(res.Files, s.Name)
	}
	for _, p := range problems {
		if p.Severity == rulefile.SeverityError {
			res.Errors++
		} else {
			res.Warnings++
		}
		res.Problems = append(res.Problems, problemJSON{
			File: p.Pos.File, Line: p.Pos.Line, Column: p.Pos.Col,
			Severity: severityText(p.Severity), Code: string(p.Code),
			ItemKind: p.ItemKind, Item: p.ItemName, Message: p.Message,
		})
	}
	res.OK = res.Errors == 0
	if rs != nil {
		res.Rules = len(rs.Rules())
	}
	if c.JSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		for _, p := range problems {
			fmt.Fprintln(e.stdout, p.String())
		}
		status := "ok"
		if !res.OK {
			status = "failed"
		}
		fmt.Fprintf(e.stdout, "%s: %d files, %d rules, %d errors, %d warnings\n",
			status, len(srcs), res.Rules, res.Errors, res.Warnings)
	}
	if !res.OK {
		return exitError{code: 1}
	}
	return nil
}

func severityText(s rulefile.Severity) string {
	if s == rulefile.SeverityError {
		return "error"
	}
	return "warning"
}

type rulesListCmd struct {
	JSON  bool     `help:"Print a JSON array instead of a table."`
	Files []string `arg:"" optional:"" name:"file" help:"Rules files or directories (default: the built-in rules)."`
}

// ruleJSON is the machine-readable form of one rule.
type ruleJSON struct {
	Name       string   `json:"name"`
	Priority   string   `json:"priority"`
	Source     string   `json:"source"`
	EventTypes []string `json:"event_types"`
	Enabled    bool     `json:"enabled"`
	Tags       []string `json:"tags"`
}

func (c rulesListCmd) Run(e *env) error {
	srcs, err := readRuleSources(c.Files, e.stdin)
	if err != nil {
		return err
	}
	rs, problems := rules.Load(fields.NewRegistry(), rules.Options{}, srcs...)
	var nerr int
	for _, p := range problems {
		if p.Severity == rulefile.SeverityError {
			fmt.Fprintln(e.stderr, p.String())
			nerr++
		}
	}
	if nerr > 0 || rs == nil {
		return fmt.Errorf("load rules: %d errors", nerr)
	}
	var out []ruleJSON
	for _, r := range rs.Rules() {
		types := r.EventTypes.Names()
		if types == nil {
			types = []string{}
		}
		tags := r.Tags
		if tags == nil {
			tags = []string{}
		}
		out = append(out, ruleJSON{
			Name: r.Name, Priority: r.Priority.String(), Source: r.Source,
			EventTypes: types, Enabled: r.Enabled, Tags: tags,
		})
	}
	if c.JSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPRIORITY\tSOURCE\tEVENT TYPES\tENABLED\tTAGS")
	for _, r := range out {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%t\t%s\n", r.Name, r.Priority, r.Source,
			strings.Join(r.EventTypes, ","), r.Enabled, strings.Join(r.Tags, ","))
	}
	return tw.Flush()
}
