package linuxabi

// name pairs a value with its symbolic name.
type name struct {
	v uint64
	s string
}

// appendFlags appends the names of the flags set in v, separated by "|", in
// table order. A table entry matches when all its bits are still set in the
// remaining value; its bits are then cleared, so composite entries listed
// first (O_RDWR before O_WRONLY) consume their parts. An entry whose value is
// zero matches only when v is zero.
func appendFlags(dst []byte, v uint64, table []name) []byte {
	start := len(dst)
	rest := v
	for _, n := range table {
		if n.v == 0 {
			if v != 0 {
				continue
			}
		} else if rest == 0 || rest&n.v != n.v {
			continue
		}
		if len(dst) > start {
			dst = append(dst, '|')
		}
		dst = append(dst, n.s...)
		rest &^= n.v
	}
	return dst
}

// appendEnum appends the name of v, or the names of every table entry equal
// to v separated by "|" when several names share the value (AF_LOCAL and
// AF_UNIX), in table order.
func appendEnum(dst []byte, v uint64, table []name) []byte {
	start := len(dst)
	for _, n := range table {
		if n.v != v {
			continue
		}
		if len(dst) > start {
			dst = append(dst, '|')
		}
		dst = append(dst, n.s...)
	}
	return dst
}

// lookup returns the first name of v in table.
func lookup(v uint64, table []name) (string, bool) {
	for _, n := range table {
		if n.v == v {
			return n.s, true
		}
	}
	return "", false
}
