package rules

import (
	"strings"
	"testing"
)

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		fold, want bool
	}{
		{"*", "", false, true},
		{"*", "/any/path", false, true},
		{"/var/*", "/var/run/file.txt", false, true}, // '*' crosses '/' (no FNM_PATHNAME)
		{"/home/*/.ssh/*", "/home/alice/.ssh/id_rsa", false, true},
		{"/home/*/.ssh/*", "/home/alice/ssh/id_rsa", false, false},
		{"*../*../*", "/tmp/../../etc/passwd", false, true},
		{"*../*../*", "/tmp/../etc/passwd", false, false},
		{"a?c", "abc", false, true},
		{"a?c", "ac", false, false},
		{"a?c", "a/c", false, true},
		{"[abc]x", "bx", false, true},
		{"[!abc]x", "bx", false, false},
		{"[^abc]x", "dx", false, true},
		{"[a-c]", "b", false, true},
		{"[a-c]", "d", false, false},
		{"[]]", "]", false, true},
		{"[!]]", "a", false, true},
		{"[a-]", "-", false, true},
		{"[[:digit:]]*", "7up", false, true},
		{"[[:alpha:]]*", "7up", false, false},
		{"[[:upper:]]", "a", false, false},
		{"\\*", "*", false, true},
		{"\\*", "x", false, false},
		{"a\\", "a\\", false, false}, // trailing backslash never matches
		{"[", "[", false, true},      // unterminated bracket is literal
		{"[ab", "[ab", false, true},
		{"abc", "abcd", false, false},
		{"abc*", "abcd", false, true},
		{"*abc", "xxabc", false, true},
		{"*a*b*c*", "xaybzc", false, true},
		{"*a*b*c*", "xaycz", false, false},
		{"ABC", "abc", false, false},
		{"ABC", "abc", true, true},
		{"[A-C]x", "bX", true, true},
		{"*.LOG", "/var/log/sys.log", true, true},
		{"**", "x", false, true},
		{"", "", false, true},
		{"", "a", false, false},
		{"a*", "", false, false},
	}
	for _, tt := range tests {
		if got := globMatch(tt.pattern, tt.s, tt.fold); got != tt.want {
			t.Errorf("globMatch(%q, %q, fold=%v) = %v, want %v", tt.pattern, tt.s, tt.fold, got, tt.want)
		}
	}
}

func TestGlobMatchLinear(t *testing.T) {
	// A pathological pattern must not take exponential time.
	s := strings.Repeat("a", 5000)
	if globMatch(strings.Repeat("*a", 50)+"b", s, false) {
		t.Fatal("unexpected match")
	}
}

func TestPathTrie(t *testing.T) {
	trie := newPathTrie([]string{"/opt/dir", "/usr/lib/", "/home/*/.cache", "/srv/app?/data", "relative/x"})
	tests := []struct {
		path string
		want bool
	}{
		{"/opt/dir", true},
		{"/opt/dir/", true},
		{"/opt/dir/x/y", true},
		{"/opt/dir2", false},
		{"/opt", false},
		{"/opt//dir/file", true},
		{"/usr/lib", true},
		{"/usr/lib64/x", false},
		{"/usr/libexec", false},
		{"/home/alice/.cache/f", true},
		{"/home/alice/bob/.cache/f", false}, // wildcards never cross '/'
		{"/home/alice/.cache2", false},
		{"/srv/app1/data/x", true},
		{"/srv/app12/data/x", false},
		{"relative/x/y", true},
		{"", false},
		{"/", false},
	}
	for _, tt := range tests {
		if got := trie.match(tt.path); got != tt.want {
			t.Errorf("pmatch(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	root := newPathTrie([]string{"/"})
	if !root.match("/anything") {
		t.Error("pmatch (/) should match every path")
	}
	if newPathTrie(nil).match("/x") {
		t.Error("empty pmatch list matched")
	}
}

func TestIndexFold(t *testing.T) {
	tests := []struct {
		s, needle string
		want      int
	}{
		{"-----BEGIN RSA PRIVATE KEY", "begin rsa private", 5},
		{"xx Begin", "begin", 3},
		{"abc", "", 0},
		{"ab", "abc", -1},
		{"CAP_SYS_MODULE CAP_NET", "sys_module", 4},
		{"ÄBC abc", "abc", 5}, // byte offsets; Ä is two bytes
	}
	for _, tt := range tests {
		if got := indexFold(tt.s, tt.needle); got != tt.want {
			t.Errorf("indexFold(%q, %q) = %d, want %d", tt.s, tt.needle, got, tt.want)
		}
		if got := indexFoldBoth(tt.s, strings.ToUpper(tt.needle)); got != tt.want {
			t.Errorf("indexFoldBoth(%q, upper %q) = %d, want %d", tt.s, tt.needle, got, tt.want)
		}
	}
}

func TestStringSet(t *testing.T) {
	for _, n := range []int{0, 1, smallSetMax, smallSetMax + 1, 100} {
		items := make([]string, n)
		for i := range items {
			items[i] = strings.Repeat("x", i+1)
		}
		s := newStringSet(items)
		if s.len() != n {
			t.Errorf("n=%d: len %d", n, s.len())
		}
		for _, it := range items {
			if !s.has(it) {
				t.Errorf("n=%d: missing %q", n, it)
			}
		}
		if s.has("") || s.has("y") {
			t.Errorf("n=%d: false member", n)
		}
	}
}

func TestParseValues(t *testing.T) {
	ints := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"42", 42, true}, {"-2", -2, true}, {"+7", 7, true},
		{"0x1F", 31, true}, {"-0x10", -16, true}, {"18446744073709551615", -1, true},
		{"1.0", 0, false}, {"1e5", 0, false}, {"abc", 0, false}, {"", 0, false}, {"0x", 0, false},
		{"--1", 0, false}, {"1_000", 0, false},
	}
	for _, tt := range ints {
		got, err := parseInt(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("parseInt(%q) = %d, %v; want %d ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	for _, in := range []string{"true", "false"} {
		if _, err := parseBool(in); err != nil {
			t.Errorf("parseBool(%q): %v", in, err)
		}
	}
	for _, in := range []string{"True", "1", "yes", ""} {
		if _, err := parseBool(in); err == nil {
			t.Errorf("parseBool(%q) accepted", in)
		}
	}
	ports := map[string]int64{"22": 22, "ssh": 22, "http": 80, "https": 443, "0x50": 80}
	for in, want := range ports {
		if got, err := parsePort(in); err != nil || got != want {
			t.Errorf("parsePort(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"65536", "-1", "nosuchservice"} {
		if _, err := parsePort(in); err == nil {
			t.Errorf("parsePort(%q) accepted", in)
		}
	}
	if a, err := parseIP("::ffff:10.0.0.1"); err != nil || a.String() != "10.0.0.1" {
		t.Errorf("parseIP mapped: %v %v", a, err)
	}
	if _, err := parseIP("10.0.0.0/8"); err == nil {
		t.Error("parseIP accepted a CIDR")
	}
	nets := map[string]string{"10.1.2.3/8": "10.0.0.0/8", "192.168.0.1": "192.168.0.1/32", "fe80::1/10": "fe80::/10", "::ffff:10.0.0.0/104": "10.0.0.0/8"}
	for in, want := range nets {
		if p, err := parseNet(in); err != nil || p.String() != want {
			t.Errorf("parseNet(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
	if _, err := parseNet("10.0.0.0/33"); err == nil {
		t.Error("parseNet accepted /33")
	}
	if b, err := parseHex("cafebabe"); err != nil || len(b) != 4 {
		t.Errorf("parseHex: %v %v", b, err)
	}
	for _, in := range []string{"abc", "zz"} {
		if _, err := parseHex(in); err == nil {
			t.Errorf("parseHex(%q) accepted", in)
		}
	}
}

func TestCompileRegex(t *testing.T) {
	tests := []struct {
		p, s    string
		want    bool
		invalid bool
	}{
		{p: "ab+c", s: "abbc", want: true},
		{p: "ab+c", s: "xabbc"}, // anchored at both ends
		{p: "ab+c", s: "abbcx"},
		{p: "a|ab", s: "ab", want: true}, // full match, whatever alternative is preferred
		{p: "[0-9]{3}", s: "123", want: true},
		{p: "a.c", s: "a\nc"},
		{p: "(", invalid: true},
		{p: "a)|(b", invalid: true},
		{p: `\d+`, invalid: true},     // Perl class: not POSIX
		{p: "(?i)abc", invalid: true}, // flags: not POSIX
	}
	for _, tt := range tests {
		re, err := compileRegex(tt.p)
		if tt.invalid {
			if err == nil {
				t.Errorf("compileRegex(%q) accepted", tt.p)
			}
			continue
		}
		if err != nil {
			t.Errorf("compileRegex(%q): %v", tt.p, err)
			continue
		}
		if got := re.MatchString(tt.s); got != tt.want {
			t.Errorf("regex %q on %q = %v, want %v", tt.p, tt.s, got, tt.want)
		}
	}
}
