package condition

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// upstreamDir holds the upstream Falco rules files, outside the repository.
const upstreamDir = "../../../shared/falco-rules"

// upstreamItem is the subset of a rules-file entry this test needs.
type upstreamItem struct {
	List      string `yaml:"list"`
	Items     []any  `yaml:"items"`
	Macro     string `yaml:"macro"`
	Rule      string `yaml:"rule"`
	Condition string `yaml:"condition"`
}

// TestUpstreamConditions parses every macro and rule condition of the
// upstream rules files after substituting their lists textually. The
// substitution is test scaffolding, a simplified form of what the rules
// loader does.
func TestUpstreamConditions(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(upstreamDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		if _, err := os.Stat(upstreamDir); errors.Is(err, fs.ErrNotExist) {
			t.Skipf("upstream rules not available at %s", upstreamDir)
		}
		t.Fatalf("no rules files in %s", upstreamDir)
	}
	total := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var items []upstreamItem
		if err := yaml.Unmarshal(data, &items); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		var lists []namedList
		byName := map[string][]string{}
		for _, it := range items {
			if it.List == "" {
				continue
			}
			var vals []string
			for _, v := range it.Items {
				s := fmt.Sprint(v)
				if sub, ok := byName[s]; ok {
					vals = append(vals, sub...) // one level of nesting, as Falco does
					continue
				}
				vals = append(vals, s)
			}
			byName[it.List] = vals
			lists = append(lists, namedList{it.List, vals})
		}
		n := 0
		for _, it := range items {
			if it.Condition == "" {
				continue
			}
			name := "macro " + it.Macro
			if it.Rule != "" {
				name = "rule " + it.Rule
			}
			text := substituteLists(it.Condition, lists)
			e, err := Parse(text, Options{})
			if err != nil {
				t.Errorf("%s: %s: %v\n%s", filepath.Base(file), name, err, text)
				continue
			}
			n++
			// The canonical form parses back to itself.
			canon := e.String()
			again, err := Parse(canon, Options{})
			if err != nil {
				t.Errorf("%s: %s: canonical form does not parse: %v\n%s", filepath.Base(file), name, err, canon)
				continue
			}
			if again.String() != canon {
				t.Errorf("%s: %s: canonical form is not stable:\n%s\n%s", filepath.Base(file), name, canon, again)
			}
		}
		if n == 0 {
			t.Errorf("%s: no conditions found", file)
		}
		total += n
	}
	t.Logf("parsed %d upstream conditions", total)
}

type namedList struct {
	name  string
	items []string
}

// substituteLists replaces every list name delimited by the start or end of
// the text, whitespace, '(', ')', ',' or '=' with the list's items joined by
// ", ". Items with a space are quoted unless they already are; an empty
// list also takes one adjacent comma with it.
func substituteLists(cond string, lists []namedList) string {
	for _, l := range lists {
		quoted := make([]string, len(l.items))
		for i, it := range l.items {
			if strings.ContainsRune(it, ' ') && !(strings.HasPrefix(it, `"`) || strings.HasPrefix(it, `'`)) {
				it = `"` + it + `"`
			}
			quoted[i] = it
		}
		repl := " " + strings.Join(quoted, ", ") + " "
		var b strings.Builder
		for i := 0; i < len(cond); {
			j := strings.Index(cond[i:], l.name)
			if j < 0 {
				b.WriteString(cond[i:])
				break
			}
			j += i
			end := j + len(l.name)
			if !isListDelim(cond, j-1) || !isListDelim(cond, end) {
				b.WriteString(cond[i : j+1])
				i = j + 1
				continue
			}
			b.WriteString(cond[i:j])
			if len(l.items) > 0 {
				b.WriteString(repl)
			} else {
				b.WriteString(" ")
				end = dropComma(&b, cond, end)
			}
			i = end
		}
		cond = b.String()
	}
	return cond
}

func isListDelim(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return true
	}
	switch s[i] {
	case ' ', '\t', '\n', '\r', '(', ')', ',', '=':
		return true
	}
	return false
}

// dropComma removes the comma before the substituted empty list, or else
// the one after it, and returns where to continue reading.
func dropComma(b *strings.Builder, cond string, end int) int {
	written := b.String()
	k := len(written) - 1
	for k >= 0 && (written[k] == ' ' || written[k] == '\t' || written[k] == '\n') {
		k--
	}
	if k >= 0 && written[k] == ',' {
		b.Reset()
		b.WriteString(written[:k] + written[k+1:])
		return end
	}
	k = end
	for k < len(cond) && (cond[k] == ' ' || cond[k] == '\t' || cond[k] == '\n') {
		k++
	}
	if k < len(cond) && cond[k] == ',' {
		return k + 1
	}
	return end
}

func TestSubstituteLists(t *testing.T) {
	lists := []namedList{{"l", []string{"a", "b c"}}, {"empty", nil}}
	tests := []struct{ in, want string }{
		{"x.y in (l)", "x.y in ( a, \"b c\" )"},
		{"x.y in (l2, xl, l.z)", "x.y in (l2, xl, l.z)"},
		{"x.y in (q, empty)", "x.y in (q  )"},
		{"x.y in (empty, q)", "x.y in (  q)"},
		{"x.y=l", "x.y= a, \"b c\" "},
	}
	for _, tt := range tests {
		if got := substituteLists(tt.in, lists); got != tt.want {
			t.Errorf("substituteLists(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
