package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/vigilsec/vigil/rules"
	"github.com/vigilsec/vigil/rules/rulefile"
)

// readRuleSources reads rules files in the order given. A directory
// contributes its *.yaml and *.yml files in lexical order; "-" reads standard
// input. With no paths, the embedded default rules are used.
func readRuleSources(paths []string, stdin io.Reader) ([]rulefile.Source, error) {
	if len(paths) == 0 {
		return rules.DefaultSources()
	}
	var srcs []rulefile.Source
	for _, p := range paths {
		if p == "-" {
			data, err := io.ReadAll(stdin)
			if err != nil {
				return nil, fmt.Errorf("read stdin: %w", err)
			}
			srcs = append(srcs, rulefile.Source{Name: "<stdin>", Data: data})
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("read rules: %w", err)
		}
		files := []string{p}
		if st.IsDir() {
			if files, err = ruleFilesIn(p); err != nil {
				return nil, err
			}
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("read rules: %w", err)
			}
			srcs = append(srcs, rulefile.Source{Name: f, Data: data})
		}
	}
	return srcs, nil
}

// ruleFilesIn lists the rules files of a directory in lexical order.
func ruleFilesIn(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read rules directory: %w", err)
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
			continue
		}
		files = append(files, filepath.Join(dir, name))
	}
	sort.Strings(files)
	return files, nil
}
