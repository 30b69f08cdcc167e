package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/vigilsec/vigil/rules/fields"
)

type fieldsCmd struct {
	JSON bool `help:"Print a JSON array instead of a table."`
}

// fieldJSON is the machine-readable form of one field.
type fieldJSON struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	List        bool   `json:"list,omitempty"`
	Arg         string `json:"arg,omitempty"`
	FilterOnly  bool   `json:"filter_only,omitempty"`
	Deprecated  bool   `json:"deprecated,omitempty"`
	Description string `json:"description"`
}

func (c fieldsCmd) Run(e *env) error {
	reg := fields.NewRegistry()
	all := reg.Fields()
	out := make([]fieldJSON, 0, len(all))
	for _, f := range all {
		out = append(out, fieldJSON{
			Name:        f.Name,
			Type:        f.Type.String(),
			List:        f.List,
			Arg:         argText(f.Arg),
			FilterOnly:  f.Flags.Has(fields.FilterOnly),
			Deprecated:  f.Flags.Has(fields.Deprecated),
			Description: f.Desc,
		})
	}
	if c.JSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FIELD\tTYPE\tDESCRIPTION")
	for _, f := range out {
		name := f.Name
		if f.Arg != "" {
			name += f.Arg
		}
		typ := f.Type
		if f.List {
			typ += " list"
		}
		var notes []string
		if f.FilterOnly {
			notes = append(notes, "filter only")
		}
		if f.Deprecated {
			notes = append(notes, "deprecated")
		}
		desc := f.Description
		if len(notes) > 0 {
			desc += " (" + strings.Join(notes, ", ") + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, typ, desc)
	}
	return tw.Flush()
}

// argText shows how a field takes its argument.
func argText(a fields.ArgSpec) string {
	switch a {
	case fields.ArgIndexOptional:
		return "[N]"
	case fields.ArgIndexRequired:
		return "[N] (required)"
	case fields.ArgKeyOptional:
		return "[KEY]"
	case fields.ArgKeyRequired:
		return "[KEY] (required)"
	case fields.ArgIndexOrKey:
		return "[N|KEY] (required)"
	}
	return ""
}
