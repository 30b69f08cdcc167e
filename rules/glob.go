package rules

// globMatch reports whether s matches the shell wildcard pattern p as
// fnmatch(3) does with no flags: '*' matches any run of bytes including '/',
// '?' matches one byte, "[...]" is a bracket expression ('!' or '^' negates,
// ranges, POSIX classes such as [:alpha:]), and a backslash makes the next
// pattern byte literal. The whole of s must match. With fold set, letters
// compare ASCII case-insensitively (FNM_CASEFOLD).
//
// The matcher works on bytes, never allocates and runs in O(len(p)*len(s)):
// only the most recent '*' is ever retried, which is sufficient because a
// later star can absorb anything an earlier one could.
func globMatch(p, s string, fold bool) bool {
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(p) {
			switch c := p[pi]; c {
			case '*':
				// Collapse runs of stars; a trailing star matches the rest.
				for pi < len(p) && p[pi] == '*' {
					pi++
				}
				if pi == len(p) {
					return true
				}
				starP, starS = pi, si
				continue
			case '?':
				pi++
				si++
				continue
			case '[':
				if ok, next, valid := matchBracket(p, pi, s[si], fold); valid {
					if ok {
						pi = next
						si++
						continue
					}
				} else if s[si] == '[' {
					// An unterminated bracket is a literal '['.
					pi++
					si++
					continue
				}
			case '\\':
				if pi+1 < len(p) && foldEq(p[pi+1], s[si], fold) {
					pi += 2
					si++
					continue
				}
			default:
				if foldEq(c, s[si], fold) {
					pi++
					si++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		// Let the last star absorb one more byte and retry.
		starS++
		pi, si = starP, starS
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// matchBracket matches byte c against the bracket expression starting at
// p[start] == '['. It returns whether c matched, the index just past the
// closing ']', and whether the expression is well formed (terminated).
func matchBracket(p string, start int, c byte, fold bool) (matched bool, next int, valid bool) {
	i := start + 1
	negate := false
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		negate = true
		i++
	}
	if fold {
		c = lowerASCII(c)
	}
	first := true
	for i < len(p) {
		ch := p[i]
		if ch == ']' && !first {
			return matched != negate, i + 1, true
		}
		first = false
		if ch == '[' && i+1 < len(p) && p[i+1] == ':' {
			if end := classEnd(p, i+2); end >= 0 {
				if inClass(p[i+2:end], c, fold) {
					matched = true
				}
				i = end + 2
				continue
			}
		}
		if ch == '\\' && i+1 < len(p) {
			i++
			ch = p[i]
		}
		lo := ch
		i++
		hi := lo
		if i+1 < len(p) && p[i] == '-' && p[i+1] != ']' {
			hi = p[i+1]
			i += 2
			if hi == '\\' && i < len(p) {
				hi = p[i]
				i++
			}
		}
		if fold {
			lo, hi = lowerASCII(lo), lowerASCII(hi)
		}
		if lo <= c && c <= hi {
			matched = true
		}
	}
	return false, 0, false
}

// classEnd returns the index of the ':' of the ":]" closing a character class
// whose name starts at i, or -1.
func classEnd(p string, i int) int {
	for j := i; j+1 < len(p); j++ {
		if p[j] == ':' && p[j+1] == ']' {
			return j
		}
		if p[j] < 'a' || p[j] > 'z' {
			return -1
		}
	}
	return -1
}

// inClass reports whether c belongs to the POSIX character class name in the
// C locale. Unknown class names match nothing.
func inClass(name string, c byte, fold bool) bool {
	switch name {
	case "alpha":
		return isAlpha(c)
	case "digit":
		return c >= '0' && c <= '9'
	case "alnum":
		return isAlpha(c) || (c >= '0' && c <= '9')
	case "upper":
		// With case folding c is already lower case; fnmatch then treats
		// [:upper:] and [:lower:] as letters.
		return (c >= 'A' && c <= 'Z') || (fold && c >= 'a' && c <= 'z')
	case "lower":
		return c >= 'a' && c <= 'z'
	case "space":
		return c == ' ' || (c >= '\t' && c <= '\r')
	case "blank":
		return c == ' ' || c == '\t'
	case "punct":
		return c > ' ' && c < 0x7f && !isAlpha(c) && !(c >= '0' && c <= '9')
	case "print":
		return c >= ' ' && c < 0x7f
	case "graph":
		return c > ' ' && c < 0x7f
	case "cntrl":
		return c < ' ' || c == 0x7f
	case "xdigit":
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
	}
	return false
}

func isAlpha(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

func foldEq(a, b byte, fold bool) bool {
	if a == b {
		return true
	}
	return fold && lowerASCII(a) == lowerASCII(b)
}

// hasGlobMeta reports whether a pattern contains wildcard syntax.
func hasGlobMeta(p string) bool {
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '*', '?', '[', '\\':
			return true
		}
	}
	return false
}
