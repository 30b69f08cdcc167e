package rulefile

import (
	"strconv"
)

// EngineVersion is the Falco engine version whose rules language Vigil
// implements: rules requiring a newer engine (same major, higher minor or
// patch) are rejected, as Falco 0.42 would reject them.
const EngineVersion = "0.57.0"

// version is a semantic version as Falco's loader understands it: three
// unsigned integers; anything after the third number is ignored.
type version struct {
	major, minor, patch uint64
}

func (v version) String() string {
	return strconv.FormatUint(v.major, 10) + "." + strconv.FormatUint(v.minor, 10) + "." + strconv.FormatUint(v.patch, 10)
}

func (v version) less(w version) bool {
	if v.major != w.major {
		return v.major < w.major
	}
	if v.minor != w.minor {
		return v.minor < w.minor
	}
	return v.patch < w.patch
}

// compatibleWith reports whether an implementation at version v satisfies a
// requirement of version req: same major and not older.
func (v version) compatibleWith(req version) bool {
	return v.major == req.major && !v.less(req)
}

// parseVersion reads "x.y.z" the way a scanf("%u.%u.%u") does: leading blanks
// before each number are skipped, trailing text after the third number is
// ignored. It fails unless three numbers are found.
func parseVersion(s string) (version, bool) {
	var nums [3]uint64
	i := 0
	for k := 0; k < 3; k++ {
		if k > 0 {
			if i >= len(s) || s[i] != '.' {
				return version{}, false
			}
			i++
		}
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i < len(s) && s[i] == '+' {
			i++
		}
		start := i
		var n uint64
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			d := uint64(s[i] - '0')
			if n > (1<<63)/10 {
				return version{}, false
			}
			n = n*10 + d
			i++
		}
		if i == start {
			return version{}, false
		}
		nums[k] = n
	}
	return version{nums[0], nums[1], nums[2]}, true
}

// parseEngineInteger decodes the legacy integer form of
// required_engine_version (N means 0.N.0) the way yaml-cpp converts a scalar
// to an unsigned 32-bit integer.
func parseEngineInteger(s string) (uint64, bool) { return parseUint(s, 32) }

// parseUint converts a scalar to an unsigned integer of the given size the
// way yaml-cpp does: decimal, 0x hexadecimal or 0-prefixed octal, an
// optional '+', nothing else.
func parseUint(s string, bits int) (uint64, bool) {
	if len(s) > 0 && s[0] == '+' {
		s = s[1:]
	}
	if s == "" {
		return 0, false
	}
	base := 10
	digits := s
	switch {
	case len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'):
		base, digits = 16, s[2:]
	case len(s) > 1 && s[0] == '0':
		base, digits = 8, s[1:]
	}
	n, err := strconv.ParseUint(digits, base, bits)
	if err != nil || digits == "" || digits[0] == '+' || digits[0] == '-' {
		return 0, false
	}
	return n, true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}
