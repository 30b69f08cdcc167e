package rules

import (
	"regexp"
	"strings"

	"github.com/vigilsec/vigil/rules/fields"
)

// A matcher is the right-hand side of one comparison, compiled for the
// left-hand side's type. It reads only the Value member that type uses and
// never allocates.
type matcher interface {
	match(v *fields.Value) bool
}

// strMatcher is the string form of a matcher, used where the compared text
// does not come from a Value (event-type names, list elements).
type strMatcher interface {
	matcher
	matchString(s string) bool
}

type strEq struct{ s string }

func (m *strEq) match(v *fields.Value) bool       { return v.Str == m.s }
func (m *strEq) matchString(s string) bool        { return s == m.s }
func (m *strPrefix) match(v *fields.Value) bool   { return strings.HasPrefix(v.Str, m.s) }
func (m *strPrefix) matchString(s string) bool    { return strings.HasPrefix(s, m.s) }
func (m *strSuffix) match(v *fields.Value) bool   { return strings.HasSuffix(v.Str, m.s) }
func (m *strSuffix) matchString(s string) bool    { return strings.HasSuffix(s, m.s) }
func (m *strContains) match(v *fields.Value) bool { return strings.Contains(v.Str, m.s) }
func (m *strContains) matchString(s string) bool  { return strings.Contains(s, m.s) }

type strPrefix struct{ s string }
type strSuffix struct{ s string }
type strContains struct{ s string }

// strIContains is an ASCII case-insensitive substring test; lower is the
// needle already folded to lower case.
type strIContains struct{ lower string }

func (m *strIContains) match(v *fields.Value) bool { return m.matchString(v.Str) }
func (m *strIContains) matchString(s string) bool  { return indexFold(s, m.lower) >= 0 }

// indexFold returns the first index of needle (lower case) in s comparing
// ASCII letters case-insensitively, or -1.
func indexFold(s, needle string) int {
	n := len(needle)
	if n == 0 {
		return 0
	}
	first := needle[0]
	upperFirst := first
	if first >= 'a' && first <= 'z' {
		upperFirst = first - ('a' - 'A')
	}
outer:
	for i := 0; i+n <= len(s); i++ {
		c := s[i]
		if c != first && c != upperFirst {
			continue
		}
		for j := 1; j < n; j++ {
			if lowerASCII(s[i+j]) != needle[j] {
				continue outer
			}
		}
		return i
	}
	return -1
}

// strGlob is glob (fold false) or iglob (fold true).
type strGlob struct {
	pattern string
	fold    bool
}

func (m *strGlob) match(v *fields.Value) bool { return globMatch(m.pattern, v.Str, m.fold) }
func (m *strGlob) matchString(s string) bool  { return globMatch(m.pattern, s, m.fold) }

// strRegex is a full-match regular expression.
type strRegex struct{ re *regexp.Regexp }

func (m *strRegex) match(v *fields.Value) bool { return m.re.MatchString(v.Str) }
func (m *strRegex) matchString(s string) bool  { return m.re.MatchString(s) }

type strPMatch struct{ trie *pathTrie }

func (m *strPMatch) match(v *fields.Value) bool { return m.trie.match(v.Str) }
func (m *strPMatch) matchString(s string) bool  { return m.trie.match(s) }

// strOrder is <, <=, > or >= on strings, compared bytewise like strcmp.
type strOrder struct {
	op ordOp
	s  string
}

func (m *strOrder) match(v *fields.Value) bool { return m.matchString(v.Str) }
func (m *strOrder) matchString(s string) bool  { return m.op.holds(strings.Compare(s, m.s)) }

// strIn is set membership for a single-valued string field (in, intersects).
type strIn struct{ set stringSet }

func (m *strIn) match(v *fields.Value) bool { return m.set.has(v.Str) }
func (m *strIn) matchString(s string) bool  { return m.set.has(s) }

// ordOp is one of the four ordering operators.
type ordOp uint8

const (
	ordLt ordOp = iota
	ordLe
	ordGt
	ordGe
)

// holds reports whether a comparison result c (-1, 0, 1) satisfies the
// operator.
func (o ordOp) holds(c int) bool {
	switch o {
	case ordLt:
		return c < 0
	case ordLe:
		return c <= 0
	case ordGt:
		return c > 0
	default:
		return c >= 0
	}
}

// stringSet is an immutable set of strings. Small sets are scanned, larger
// ones hashed; both are allocation-free to query.
type stringSet struct {
	small []string
	m     map[string]struct{}
}

// smallSetMax is the size up to which a linear scan beats hashing.
const smallSetMax = 8

func newStringSet(items []string) stringSet {
	if len(items) <= smallSetMax {
		var s stringSet
		for _, it := range items {
			if !s.has(it) {
				s.small = append(s.small, it)
			}
		}
		return s
	}
	m := make(map[string]struct{}, len(items))
	for _, it := range items {
		m[it] = struct{}{}
	}
	return stringSet{m: m}
}

func (s *stringSet) has(v string) bool {
	if s.m != nil {
		_, ok := s.m[v]
		return ok
	}
	for _, it := range s.small {
		if it == v {
			return true
		}
	}
	return false
}

func (s *stringSet) len() int {
	if s.m != nil {
		return len(s.m)
	}
	return len(s.small)
}

// listIn is `in` on a list-valued field: every element is in the set and the
// list is not empty.
type listIn struct{ set stringSet }

func (m *listIn) match(v *fields.Value) bool {
	if len(v.List) == 0 {
		return false
	}
	for _, e := range v.List {
		if !m.set.has(e) {
			return false
		}
	}
	return true
}

// listIntersects is `intersects` on a list-valued field: some element is in
// the set.
type listIntersects struct{ set stringSet }

func (m *listIntersects) match(v *fields.Value) bool {
	for _, e := range v.List {
		if m.set.has(e) {
			return true
		}
	}
	return false
}

// modMatcher applies a string operator to every item of a list under the
// oneof/anyof/allof modifiers. Each item matcher already carries the
// operator's negation (for !=). An empty list never matches.
type modMatcher struct {
	items []matcher
	neg   bool
	mod   modKind
}

type modKind uint8

const (
	modAny modKind = iota
	modAll
	modOne
)

func (m *modMatcher) match(v *fields.Value) bool {
	if len(m.items) == 0 {
		return false
	}
	n := 0
	for _, it := range m.items {
		if it.match(v) != m.neg {
			switch m.mod {
			case modAny:
				return true
			case modOne:
				n++
				if n > 1 {
					return false
				}
			}
		} else if m.mod == modAll {
			return false
		}
	}
	switch m.mod {
	case modAll:
		return true
	case modOne:
		return n == 1
	}
	return false
}
