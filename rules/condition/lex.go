package condition

import "strings"

// Character classes of the condition language. Two notions of whitespace
// coexist, as in Falco's parser: the blanks skipped between tokens, and the
// POSIX space class used inside the token patterns (the `not` keyword, bare
// strings and field arguments). They differ on \b (a blank only) and on \v,
// \f (spaces only).

// isBlank reports whether c is skipped between tokens.
func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\b' || c == '\r' || c == '\n'
}

// isSpace reports whether c belongs to the POSIX [:space:] class.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isHex(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
func isIdentChar(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' }

// isBareChar reports whether c may appear in an unquoted value.
func isBareChar(c byte) bool {
	switch c {
	case '(', ')', '"', '\'', '=', ',':
		return false
	}
	return !isSpace(c)
}

// isFieldArgChar reports whether c may appear in an unquoted field argument.
func isFieldArgChar(c byte) bool {
	switch c {
	case '[', ']', '"', '\'':
		return false
	}
	return !isSpace(c)
}

// scanIdent returns the end of the identifier [a-zA-Z][a-zA-Z0-9_]* starting
// at i, or i when there is none.
func scanIdent(s string, i int) int {
	if i >= len(s) || !isLetter(s[i]) {
		return i
	}
	i++
	for i < len(s) && isIdentChar(s[i]) {
		i++
	}
	return i
}

// scanFieldName returns the end of the longest field name (two or more
// identifiers joined by dots) starting at i, or i when there is none.
func scanFieldName(s string, i int) int {
	end := scanIdent(s, i)
	if end == i {
		return i
	}
	last := i
	for end < len(s) && s[end] == '.' {
		next := scanIdent(s, end+1)
		if next == end+1 {
			break
		}
		last, end = next, next
	}
	return last
}

// scanBare returns the end of the unquoted value starting at i.
func scanBare(s string, i int) int {
	for i < len(s) && isBareChar(s[i]) {
		i++
	}
	return i
}

// scanFieldArg returns the end of the unquoted field argument starting at i.
func scanFieldArg(s string, i int) int {
	for i < len(s) && isFieldArgChar(s[i]) {
		i++
	}
	return i
}

// scanHex returns the end of the hexadecimal number 0[xX][0-9a-fA-F]+ at i,
// or i when there is none.
func scanHex(s string, i int) int {
	if i+2 >= len(s) || s[i] != '0' || (s[i+1] != 'x' && s[i+1] != 'X') || !isHex(s[i+2]) {
		return i
	}
	j := i + 3
	for j < len(s) && isHex(s[j]) {
		j++
	}
	return j
}

// scanNumber returns the end of the number [+-]?[0-9]+\.?[0-9]*([eE][+-][0-9]+)?
// at i, or i when there is none. The exponent needs its sign: 1e5 is the
// number 1 followed by the text e5.
func scanNumber(s string, i int) int {
	j := i
	if j < len(s) && (s[j] == '+' || s[j] == '-') {
		j++
	}
	d := j
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j == d {
		return i
	}
	if j < len(s) && s[j] == '.' {
		j++
	}
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j+2 < len(s) && (s[j] == 'e' || s[j] == 'E') && (s[j+1] == '+' || s[j+1] == '-') && isDigit(s[j+2]) {
		j += 3
		for j < len(s) && isDigit(s[j]) {
			j++
		}
	}
	return j
}

// scanQuoted finds the closing quote of the quoted string opening at i. A
// quote closes the string only when the raw character before it is not a
// backslash, so "a\\" does not end at its last quote. A NUL byte ends the
// scan. It returns the index of the closing quote, or -1 and whether a
// backslash-quote pair was skipped (for the error message).
func scanQuoted(s string, i int) (end int, skippedEscaped bool) {
	q := s[i]
	prev := q
	for j := i + 1; j < len(s); j++ {
		c := s[j]
		if c == 0 {
			break
		}
		if c == q {
			if prev != '\\' {
				return j, skippedEscaped
			}
			skippedEscaped = true
		}
		prev = c
	}
	return -1, skippedEscaped
}

// unescape decodes the body of a string quoted with q. It returns the
// decoded text, or the offset (relative to body) of the bad escape and a
// description of the problem.
func unescape(body string, q byte) (text string, badAt int, problem string) {
	if strings.IndexByte(body, '\\') < 0 {
		return body, -1, ""
	}
	var b strings.Builder
	b.Grow(len(body))
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(body) {
			// Unreachable for bodies found by scanQuoted; kept for safety.
			return "", i, "incomplete escape sequence at the end of the string"
		}
		i++
		switch e := body[i]; e {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case '\\', ' ':
			// Backslash-space is a legacy spelling of a backslash.
			b.WriteByte('\\')
		case '/':
			b.WriteByte('/')
		case '"', '\'':
			if e != q {
				return "", i - 1, "escape \\" + string(e) + " is only valid inside " + string(e) + "-quoted strings"
			}
			b.WriteByte(e)
		case 'x':
			if i+2 >= len(body) || !isHex(body[i+1]) || !isHex(body[i+2]) {
				return "", i - 1, "escape \\x needs exactly two hexadecimal digits"
			}
			b.WriteByte(hexVal(body[i+1])<<4 | hexVal(body[i+2]))
			i += 2
		default:
			return "", i - 1, "unsupported escape sequence \\" + printable(e)
		}
	}
	return b.String(), -1, ""
}

func hexVal(c byte) byte {
	switch {
	case isDigit(c):
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// printable renders one byte for an error message.
func printable(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return string(c)
	}
	const digits = "0123456789abcdef"
	return "x" + string(digits[c>>4]) + string(digits[c&15])
}
