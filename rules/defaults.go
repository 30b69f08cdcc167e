package rules

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"

	"github.com/vigilsec/vigil/rules/rulefile"
)

// defaultFS holds Vigil's own default rules, loaded in file-name order.
//
//go:embed default/*.yaml
var defaultFS embed.FS

// DefaultSources returns the built-in rules files in load order.
func DefaultSources() ([]rulefile.Source, error) {
	names, err := fs.Glob(defaultFS, "default/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("list default rules: %w", err)
	}
	sort.Strings(names)
	srcs := make([]rulefile.Source, 0, len(names))
	for _, n := range names {
		data, err := defaultFS.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("read default rules: %w", err)
		}
		srcs = append(srcs, rulefile.Source{Name: "builtin:" + path.Base(n), Data: data})
	}
	return srcs, nil
}
