package rulefile

import (
	"bytes"
	"sort"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// condText is a condition (or any text assembled from YAML values) together
// with where each part of it came from, so that an offset in the text can be
// mapped back to a line and column of the rules file.
type condText struct {
	text  string
	parts []textPart // sorted by start, non-overlapping
}

// textPart maps text[start:end] either to a YAML scalar (src != nil) or to a
// fixed position (generated text, such as expanded exceptions).
type textPart struct {
	start, end int
	src        *scalarSource
	at         Position
}

// scalarSource is a YAML scalar value and where it is in its file. text is
// the part of the value that is used (all of it, or the output without its
// surrounding blanks, then starting skip bytes into value).
type scalarSource struct {
	data  []byte
	pos   Position
	style yaml.Style
	value string
	text  string
	skip  int
}

func newScalarSource(r *reader, n *yaml.Node) *scalarSource {
	return &scalarSource{data: r.src.Data, pos: r.pos(n), style: n.Style, value: n.Value, text: n.Value}
}

// segText is text assembled from YAML values by appends (joined with a
// separator). It is kept as segments so that an append costs O(1), and built
// into a condText once per Add.
type segText struct {
	segs []textSeg
}

type textSeg struct {
	sep string
	src *scalarSource
}

func newSegText(src *scalarSource) segText { return segText{segs: []textSeg{{src: src}}} }

// add appends sep and a value.
func (t *segText) add(sep string, src *scalarSource) {
	t.segs = append(t.segs, textSeg{sep: sep, src: src})
}

func (t segText) build() condText {
	var tb textBuilder
	for _, s := range t.segs {
		tb.b.WriteString(s.sep)
		start := tb.b.Len()
		tb.b.WriteString(s.src.text)
		tb.parts = append(tb.parts, textPart{start: start, end: tb.b.Len(), src: s.src})
	}
	return tb.done()
}

// builder assembles a condText from pieces.
type textBuilder struct {
	b     strings.Builder
	parts []textPart
}

func (tb *textBuilder) text(c condText) {
	base := tb.b.Len()
	tb.b.WriteString(c.text)
	for _, p := range c.parts {
		p.start += base
		p.end += base
		tb.parts = append(tb.parts, p)
	}
}

func (tb *textBuilder) generated(s string, at Position) {
	start := tb.b.Len()
	tb.b.WriteString(s)
	if s != "" {
		tb.parts = append(tb.parts, textPart{start: start, end: start + len(s), at: at})
	}
}

func (tb *textBuilder) done() condText { return condText{text: tb.b.String(), parts: tb.parts} }

// posAt maps an offset of the text to a position; def is used when the text
// has no parts.
func (c condText) posAt(off int, def Position) Position {
	if len(c.parts) == 0 {
		return def
	}
	if off < 0 {
		off = 0
	}
	// The last part starting at or before off; offsets in the gaps between
	// parts (separators) belong to the part before them.
	i := sort.Search(len(c.parts), func(i int) bool { return c.parts[i].start > off }) - 1
	if i < 0 {
		i = 0
		off = c.parts[0].start
	}
	p := c.parts[i]
	if p.src == nil {
		return p.at
	}
	rel := off - p.start
	if rel >= p.end-p.start {
		rel = p.end - p.start - 1
	}
	return p.src.locate(rel + p.src.skip)
}

// locate finds the line and column of byte off of the scalar's value by
// walking its source lines and matching their content against the value:
// this follows plain, folded and literal scalars across lines. When the
// source cannot be matched (escapes in quoted scalars), the scalar's own
// position is returned.
func (s *scalarSource) locate(off int) Position {
	base := s.pos
	if off < 0 || off >= len(s.value) || s.pos.Line <= 0 {
		return base
	}
	lineNo := s.pos.Line
	rest := lineStart(s.data, lineNo)
	if rest < 0 {
		return base
	}
	first := true
	block := s.style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0
	v, pos := s.value, 0
	for rest <= len(s.data) {
		end := rest
		for end < len(s.data) && s.data[end] != '\n' {
			end++
		}
		line := strings.TrimSuffix(string(s.data[rest:end]), "\r")
		content, col := line, 1
		if first {
			first = false
			if block {
				goto next // the indicator line holds no content
			}
			skip := s.pos.Col - 1
			if s.style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
				skip++
			}
			b := runeOffset(line, skip)
			content, col = line[b:], skip+1
		}
		{
			trimmed := strings.TrimLeft(content, " \t")
			col += utf8.RuneCountInString(content[:len(content)-len(trimmed)])
			content = trimmed
		}
		if content != "" {
			for pos < len(v) && (v[pos] == ' ' || v[pos] == '\n' || v[pos] == '\t') {
				pos++
			}
			k := 0
			for k < len(content) && pos+k < len(v) && content[k] == v[pos+k] {
				k++
			}
			if k == 0 {
				return base
			}
			if off < pos+k {
				rel := off - pos
				if rel < 0 {
					// A blank between two lines: point at this line's text.
					rel = 0
				}
				return Position{File: s.pos.File, Line: lineNo, Col: col + utf8.RuneCountInString(content[:rel])}
			}
			pos += k
			if pos >= len(v) {
				return base
			}
		}
	next:
		if end >= len(s.data) {
			break
		}
		rest = end + 1
		lineNo++
	}
	return base
}

// lineStart returns the byte offset of 1-based line n of data, or -1.
func lineStart(data []byte, n int) int {
	off := 0
	for l := 1; l < n; l++ {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			return -1
		}
		off += i + 1
	}
	return off
}

// runeOffset returns the byte offset of the n-th rune of s (len(s) if s is
// shorter).
func runeOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}
