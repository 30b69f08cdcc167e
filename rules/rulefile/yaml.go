package rulefile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// parseDocuments parses every YAML document of data. On a syntax error it
// returns the error and the line it names (0 when unknown).
func parseDocuments(data []byte) (docs []*yaml.Node, line int, err error) {
	defer func() {
		// The YAML library reports errors as values; this is a last line of
		// defence so that no input can crash the caller.
		if p := recover(); p != nil {
			docs, line, err = nil, 0, fmt.Errorf("YAML parser failure: %v", p)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, 0, nil
		}
		if err != nil {
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			line := 0
			if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
				line, _ = strconv.Atoi(m[1])
				msg = strings.Replace(msg, m[0], "", 1)
			}
			if parserProblems[msg] {
				// The YAML library numbers the lines of parser (not
				// scanner) errors from 0 and leaves line 0 out.
				line++
			}
			return nil, line, errors.New(msg)
		}
		docs = append(docs, &n)
	}
}

var yamlLineRE = regexp.MustCompile(`^line (\d+): `)

// parserProblems are the messages of the YAML parser proper, whose line
// numbers the library reports 0-based.
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

func isScalar(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && n.ShortTag() != "!!null"
}

// yamlBool converts a scalar the way yaml-cpp does: y/n, yes/no, true/false,
// on/off, written in lower case, UPPER case or Capitalised.
func yamlBool(s string) (value, ok bool) {
	if !flexibleCase(s) {
		return false, false
	}
	switch strings.ToLower(s) {
	case "y", "yes", "true", "on":
		return true, true
	case "n", "no", "false", "off":
		return false, true
	}
	return false, false
}

func flexibleCase(s string) bool {
	if s == "" || s == strings.ToLower(s) {
		return true
	}
	if !(s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	rest := s[1:]
	return rest == strings.ToLower(rest) || rest == strings.ToUpper(rest)
}

// describe names a node's kind for messages.
func describe(n *yaml.Node) string {
	switch {
	case n == nil || isNull(n):
		return "null"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a sequence"
	case n.Kind == yaml.ScalarNode:
		return "a scalar"
	}
	return "an unexpected node"
}

// keyText renders a mapping key for messages: its value for scalars, a short
// description otherwise.
func keyText(k *yaml.Node) string {
	if k != nil && k.Kind == yaml.ScalarNode {
		return k.Value
	}
	return "<" + describe(k) + ">"
}
