package users

import (
	"strconv"
	"strings"
)

// User is one /etc/passwd entry.
type User struct {
	Name  string `json:"name"`
	UID   uint32 `json:"uid"`
	GID   uint32 `json:"gid"`
	Home  string `json:"home,omitempty"`
	Shell string `json:"shell,omitempty"`
}

// parsePasswd parses passwd(5) text, keeping at most max entries; the first
// entry of a uid wins, as with getpwuid. It reports whether entries were
// dropped because of max. Malformed lines, comments and NIS compat lines
// ("+", "-") are skipped. The returned strings share s's memory.
func parsePasswd(s string, max int) (map[uint32]*User, bool) {
	out := make(map[uint32]*User)
	truncated := false
	for s != "" {
		var line string
		line, s, _ = strings.Cut(s, "\n")
		if line == "" || line[0] == '#' || line[0] == '+' || line[0] == '-' {
			continue
		}
		var f [7]string
		n := splitColon(line, f[:])
		if n < 4 || f[0] == "" {
			continue
		}
		uid, err1 := strconv.ParseUint(f[2], 10, 32)
		gid, err2 := strconv.ParseUint(f[3], 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		if _, dup := out[uint32(uid)]; dup {
			continue
		}
		if len(out) >= max {
			truncated = true
			break
		}
		out[uint32(uid)] = &User{Name: f[0], UID: uint32(uid), GID: uint32(gid), Home: f[5], Shell: f[6]}
	}
	return out, truncated
}

// parseGroup parses group(5) text into gid → name, like parsePasswd.
func parseGroup(s string, max int) (map[uint32]string, bool) {
	out := make(map[uint32]string)
	truncated := false
	for s != "" {
		var line string
		line, s, _ = strings.Cut(s, "\n")
		if line == "" || line[0] == '#' || line[0] == '+' || line[0] == '-' {
			continue
		}
		var f [4]string
		n := splitColon(line, f[:])
		if n < 3 || f[0] == "" {
			continue
		}
		gid, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil {
			continue
		}
		if _, dup := out[uint32(gid)]; dup {
			continue
		}
		if len(out) >= max {
			truncated = true
			break
		}
		out[uint32(gid)] = f[0]
	}
	return out, truncated
}

// splitColon splits line at ':' into f (the last field keeps any further
// colons) and returns the number of fields found. A trailing '\r' is
// dropped.
func splitColon(line string, f []string) int {
	line = strings.TrimSuffix(line, "\r")
	n := 0
	for n < len(f)-1 {
		i := strings.IndexByte(line, ':')
		if i < 0 {
			break
		}
		f[n] = line[:i]
		line = line[i+1:]
		n++
	}
	f[n] = line
	return n + 1
}
