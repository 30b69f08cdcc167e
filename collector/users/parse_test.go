package users

import (
	"strings"
	"testing"
)

func TestParsePasswd(t *testing.T) {
	in := "root:x:0:0:root:/root:/bin/bash\r\n" +
		"odd:x:5:5:gecos:with:colons:/home:/bin/sh\n" +
		"min:x:6:6\n" +
		":x:8:8::/:/bin/sh\n" +
		"neg:x:-1:0::/:/bin/sh\n" +
		"big:x:4294967296:0::/:/bin/sh\n" +
		"-minus:x:9:9::/:/bin/sh\n"
	m, trunc := parsePasswd(in, 100)
	if trunc {
		t.Fatal("truncated")
	}
	if len(m) != 3 {
		t.Fatalf("entries %d: %v", len(m), m)
	}
	if u := m[0]; u.Name != "root" || u.Shell != "/bin/bash" || u.Home != "/root" {
		t.Errorf("root %+v", u)
	}
	if u := m[5]; u.Name != "odd" || u.Home != "with" || u.Shell != "colons:/home:/bin/sh" {
		t.Errorf("odd %+v", u)
	}
	if u := m[6]; u.Name != "min" || u.Home != "" {
		t.Errorf("min %+v", u)
	}
}

func TestParseGroup(t *testing.T) {
	g, trunc := parseGroup("a:x:1:\nb:x:2:u1,u2\nc:x\n#d:x:3:\nb2:x:2:\n", 100)
	if trunc || len(g) != 2 || g[1] != "a" || g[2] != "b" {
		t.Fatalf("groups %v %v", g, trunc)
	}
	g, trunc = parseGroup("a:x:1:\nb:x:2:\n", 1)
	if !trunc || len(g) != 1 {
		t.Fatalf("bounded groups %v %v", g, trunc)
	}
}

func FuzzParsePasswd(f *testing.F) {
	f.Add("root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n")
	f.Add("::::::\n+\n-\n#\n\r\n")
	f.Add("a:b:1:2:c:d:e:f:g")
	f.Fuzz(func(t *testing.T, s string) {
		m, _ := parsePasswd(s, 16)
		if len(m) > 16 {
			t.Fatalf("bound exceeded: %d", len(m))
		}
		for uid, u := range m {
			if u.UID != uid || u.Name == "" || strings.ContainsAny(u.Name, ":\n") {
				t.Fatalf("bad entry %d %+v", uid, u)
			}
		}
	})
}

func FuzzParseGroup(f *testing.F) {
	f.Add("root:x:0:\ndocker:x:999:alice,bob\n")
	f.Add(":::\n+::1:\n")
	f.Fuzz(func(t *testing.T, s string) {
		m, _ := parseGroup(s, 16)
		if len(m) > 16 {
			t.Fatalf("bound exceeded: %d", len(m))
		}
		for _, name := range m {
			if name == "" || strings.ContainsAny(name, ":\n") {
				t.Fatalf("bad name %q", name)
			}
		}
	})
}
