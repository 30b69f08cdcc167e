package rules

import (
	"testing"

	"github.com/vigilsec/vigil/rules/fields"
	"github.com/vigilsec/vigil/rules/rulefile"
)

// tcpSend is a send or receive on a TCP socket: the class of record the
// agent asks the kernel to skip when no rule can match. Only fd.l4proto is
// known (the kernel checks nothing else; fd.connected and fd.name_changed
// are set in the event but not known, so rules on them stay undecided).
func tcpSend(t *testing.T, reg *fields.Registry, typ string) (fields.Event, func(fields.Ref) bool) {
	t.Helper()
	et, ok := fields.LookupEventType(typ)
	if !ok {
		t.Fatalf("no event type %s", typ)
	}
	ev, err := fields.NewMapEventValues(reg, et, map[string]any{"fd.l4proto": "tcp", "fd.connected": true, "fd.name_changed": false})
	if err != nil {
		t.Fatal(err)
	}
	knownIDs := map[fields.ID]bool{}
	for _, name := range []string{"fd.l4proto"} {
		ref, _, err := reg.Resolve(name, "", false)
		if err != nil {
			t.Fatal(err)
		}
		knownIDs[ref.ID] = true
	}
	return ev, func(r fields.Ref) bool { return knownIDs[r.ID] && r.Arg.Kind == fields.ArgNone }
}

func TestCanMatch(t *testing.T) {
	tests := []struct {
		name string
		cond string
		typ  string
		want bool
	}{
		{"needs udp", "evt.type = sendto and fd.l4proto = udp", "sendto", false},
		{"unconnected is not assumed", "evt.type in (sendto, sendmsg) and fd.connected = false", "sendmsg", true},
		{"excludes tcp", "evt.type = sendto and not fd.l4proto = tcp and proc.name = nc", "sendto", false},
		{"other field unknown", "evt.type = sendto and proc.name = curl", "sendto", true},
		{"port on tcp", "evt.type = sendto and fd.sport = 443", "sendto", true},
		{"or with unknown", "evt.type = sendto and (fd.l4proto = udp or proc.name = nc)", "sendto", true},
		{"not of unknown", "evt.type = sendto and not proc.name = nc", "sendto", true},
		{"other type", "evt.type = connect and fd.l4proto = tcp", "sendto", false},
		{"tcp wanted", "evt.type = recvfrom and fd.l4proto = tcp", "recvfrom", true},
		{"name change is not assumed", "evt.type = sendto and fd.name_changed = true", "sendto", true},
		{"tcp excluded by list", "evt.type = sendmsg and fd.l4proto in (udp, icmp)", "sendmsg", false},
		{"ancestor not analysed", "evt.type = sendto and proc.aname = sshd", "sendto", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := fields.NewRegistry()
			yaml := "- rule: r\n  desc: d\n  condition: " + tc.cond + "\n  output: o\n  priority: WARNING\n"
			rs, probs := Load(reg, Options{}, rulefile.Source{Name: "t.yaml", Data: []byte(yaml)})
			if rs == nil || rulefile.HasErrors(probs) {
				t.Fatalf("load: %v", probs)
			}
			ev, known := tcpSend(t, reg, tc.typ)
			if got := rs.CanMatch(ev, known); got != tc.want {
				t.Errorf("CanMatch = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestCanMatchStable checks the stable upstream rules: none can match a
// send or receive on a TCP socket (the only one that selects sendto/sendmsg
// wants non-TCP sockets), while connect is still needed.
func TestCanMatchStable(t *testing.T) {
	reg := fields.NewRegistry()
	rs, probs := Load(reg, Options{}, rulefile.Source{Name: "falco_rules.yaml", Data: readUpstream(t, "falco_rules.yaml")})
	if rs == nil || rulefile.HasErrors(probs) {
		t.Fatalf("load: %v", probs)
	}
	for _, typ := range []string{"sendto", "sendmsg", "recvfrom", "recvmsg"} {
		ev, known := tcpSend(t, reg, typ)
		if rs.CanMatch(ev, known) {
			t.Errorf("%s on a TCP socket: CanMatch = true", typ)
		}
	}
	ev, known := tcpSend(t, reg, "connect")
	if !rs.CanMatch(ev, known) {
		t.Error("connect: CanMatch = false")
	}
}
