package rulefile

import (
	"errors"
	"sort"
	"strings"
)

// Bounds on list substitution.
const (
	// MaxExpandedLen is the longest condition text list substitution may
	// produce.
	MaxExpandedLen = 16 << 20
	// expandWorkBase and expandWorkFactor bound the bytes scanned by one
	// expansion (one pass over the text per list that may occur in it): a
	// condition may be scanned expandWorkFactor times over, plus a fixed
	// allowance.
	expandWorkBase   = 4 << 20
	expandWorkFactor = 32
)

// ErrExpansionTooLarge is returned by Expand when substituting lists would
// exceed MaxExpandedLen or the work bound.
var ErrExpansionTooLarge = errors.New("condition too large once lists are substituted")

// Expansion is a condition with lists substituted.
type Expansion struct {
	Text string
	// Lists are the lists that were substituted, in list order.
	Lists []*List

	passes [][]edit
	inLen  int
}

// edit records one substitution of a pass: out[outFrom:outTo] replaced
// in[inFrom:inTo]; the list name was at in[name].
type edit struct {
	inFrom, inTo, outFrom, outTo, name int
}

// Origin maps an offset of Text back to the offset in the condition given to
// Expand: offsets inside substituted items map to the list name.
func (e *Expansion) Origin(off int) int {
	for p := len(e.passes) - 1; p >= 0; p-- {
		edits := e.passes[p]
		i := sort.Search(len(edits), func(i int) bool { return edits[i].outFrom > off }) - 1
		if i < 0 {
			continue
		}
		ed := edits[i]
		if off < ed.outTo {
			off = ed.name
		} else {
			off = off - ed.outTo + ed.inTo
		}
	}
	if off > e.inLen {
		off = e.inLen
	}
	if off < 0 {
		off = 0
	}
	return off
}

// ExpandLists substitutes lists into a condition the way Falco does before
// parsing (see Expand). When the result would be too large it returns cond
// unchanged; use Expand to detect that.
func (c *Collection) ExpandLists(cond string) string {
	e, err := c.Expand(cond)
	if err != nil {
		return cond
	}
	return e.Text
}

// Expand substitutes lists into a condition with Falco's textual rules. For
// each list, in list order, every occurrence of its name that is preceded by
// the start of the text or one of blank, '(', ')', ',', '=' and followed by
// the end of the text or one of those, is replaced, together with the blanks
// around it, by " item1, item2 " (the leading blank is left out at the start
// of the text). Items containing a blank are double-quoted unless they start
// with a quote. For an empty list one adjacent comma (left first, else right)
// is removed too. Quotes in the condition are not honoured: a list name inside
// a quoted string is substituted like any other. Falco's scan resumes one
// character late after a substitution at the very start of the text, so in
// "foo foo" only the first foo is substituted. Substituted lists are marked
// Used.
func (c *Collection) Expand(cond string) (*Expansion, error) {
	e := &Expansion{Text: cond, inLen: len(cond)}
	present := map[string]bool{}
	addTokens(present, cond)
	work, maxWork := 0, expandWorkBase+expandWorkFactor*len(cond)
	for _, l := range c.viewLists {
		if l.Name == "" {
			continue
		}
		if simpleName(l.Name) {
			if !present[l.Name] {
				continue
			}
		} else if !strings.Contains(e.Text, l.Name) {
			continue
		}
		work += len(e.Text)
		if work > maxWork {
			return nil, ErrExpansionTooLarge
		}
		out, edits, err := substitute(e.Text, l.Name, l.sub)
		if err != nil {
			return nil, err
		}
		if len(edits) == 0 {
			continue
		}
		e.Text = out
		e.passes = append(e.passes, edits)
		e.Lists = append(e.Lists, l)
		l.Used = true
		addTokens(present, l.sub)
	}
	return e, nil
}

func isBlank(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

func isDelim(b byte) bool {
	return isBlank(b) || b == '(' || b == ')' || b == ',' || b == '='
}

// simpleName reports whether a list name contains no delimiter: its
// occurrences can then only be whole tokens.
func simpleName(name string) bool {
	for i := 0; i < len(name); i++ {
		if isDelim(name[i]) {
			return false
		}
	}
	return true
}

func addTokens(set map[string]bool, s string) {
	start := -1
	for i := 0; i <= len(s); i++ {
		if i == len(s) || isDelim(s[i]) {
			if start >= 0 {
				set[s[start:i]] = true
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
}

func joinItems(items []string) string {
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteItem(it))
	}
	return b.String()
}

// substitute is one pass of Falco's list substitution for one list: the
// result is what repeatedly rebuilding the string around each match gives,
// computed in one left-to-right sweep.
func substitute(cur, name, sub string) (string, []edit, error) {
	var b []byte
	var edits []edit
	pos, search := 0, 0
	for search <= len(cur) {
		i := strings.Index(cur[search:], name)
		if i < 0 {
			break
		}
		m := search + i
		end := m + len(name)
		var leftOK bool
		switch {
		case m > pos:
			leftOK = isDelim(cur[m-1])
		case len(b) > 0:
			leftOK = isDelim(b[len(b)-1])
		default:
			leftOK = true
		}
		if !leftOK || (end < len(cur) && !isDelim(cur[end])) {
			search = m + 1
			continue
		}
		if b == nil {
			b = make([]byte, 0, len(cur)+len(sub)+2)
		}
		b = append(b, cur[pos:m]...)
		inFrom := m
		for len(b) > 0 && isBlank(b[len(b)-1]) {
			b = b[:len(b)-1]
			inFrom--
		}
		for end < len(cur) && isBlank(cur[end]) {
			end++
		}
		if sub == "" {
			if len(b) > 0 && b[len(b)-1] == ',' {
				b = b[:len(b)-1]
				inFrom--
			} else if end < len(cur) && cur[end] == ',' {
				end++
			}
		}
		if len(b)+len(sub)+2+len(cur)-end > MaxExpandedLen {
			return "", nil, ErrExpansionTooLarge
		}
		atStart := len(b) == 0
		outFrom := len(b)
		if !atStart {
			b = append(b, ' ')
		}
		b = append(b, sub...)
		b = append(b, ' ')
		if inFrom < 0 {
			inFrom = 0
		}
		edits = append(edits, edit{inFrom: inFrom, inTo: end, outFrom: outFrom, outTo: len(b), name: m})
		pos, search = end, end
		if atStart {
			search++
		}
	}
	if len(edits) == 0 {
		return cur, nil, nil
	}
	b = append(b, cur[pos:]...)
	return string(b), edits, nil
}
