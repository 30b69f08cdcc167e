package rules

import (
	"bytes"
	"net/netip"

	"github.com/vigilsec/vigil/rules/fields"
)

// intEq is = on integer-carried types (signed, unsigned bits, bool, port,
// times): the 64-bit patterns are equal.
type intEq struct{ n int64 }

func (m *intEq) match(v *fields.Value) bool { return v.Int == m.n }

// intIn is membership of an integer-carried value in a set.
type intIn struct{ set []int64 }

func (m *intIn) match(v *fields.Value) bool {
	for _, n := range m.set {
		if v.Int == n {
			return true
		}
	}
	return false
}

// intOrder compares a signed value.
type intOrder struct {
	op ordOp
	n  int64
}

func (m *intOrder) match(v *fields.Value) bool { return m.op.holds(cmpInt(v.Int, m.n)) }

// uintOrder compares an unsigned value carried as bits.
type uintOrder struct {
	op ordOp
	n  uint64
}

func (m *uintOrder) match(v *fields.Value) bool { return m.op.holds(cmpUint(uint64(v.Int), m.n)) }

type floatEq struct{ f float64 }

func (m *floatEq) match(v *fields.Value) bool { return v.Float == m.f }

type floatIn struct{ set []float64 }

func (m *floatIn) match(v *fields.Value) bool {
	for _, f := range m.set {
		if v.Float == f {
			return true
		}
	}
	return false
}

type floatOrder struct {
	op ordOp
	f  float64
}

func (m *floatOrder) match(v *fields.Value) bool {
	if v.Float != v.Float { // NaN is unordered
		return false
	}
	return m.op.holds(cmpFloat(v.Float, m.f))
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ipIn is equality with (=) or membership in (in, intersects) a set of
// addresses. IPv4-mapped IPv6 addresses compare equal to their IPv4 form.
type ipIn struct{ set []netip.Addr }

func (m *ipIn) match(v *fields.Value) bool {
	a := v.IP.Unmap()
	for _, b := range m.set {
		if a == b {
			return true
		}
	}
	return false
}

// netIn is membership of an address in one of a set of networks, the
// meaning of =, in and intersects on network fields.
type netIn struct{ set []netip.Prefix }

func (m *netIn) match(v *fields.Value) bool {
	a := v.IP.Unmap()
	for _, p := range m.set {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

type bytesEq struct{ b []byte }

func (m *bytesEq) match(v *fields.Value) bool { return bytes.Equal(v.Bytes, m.b) }

type bytesIn struct{ set [][]byte }

func (m *bytesIn) match(v *fields.Value) bool {
	for _, b := range m.set {
		if bytes.Equal(v.Bytes, b) {
			return true
		}
	}
	return false
}

type bytesContains struct{ b []byte }

func (m *bytesContains) match(v *fields.Value) bool { return bytes.Contains(v.Bytes, m.b) }

type bytesPrefix struct{ b []byte }

func (m *bytesPrefix) match(v *fields.Value) bool { return bytes.HasPrefix(v.Bytes, m.b) }

type bytesSuffix struct{ b []byte }

func (m *bytesSuffix) match(v *fields.Value) bool { return bytes.HasSuffix(v.Bytes, m.b) }
