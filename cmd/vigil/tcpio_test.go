package main

import (
	"slices"
	"testing"

	"github.com/vigilsec/vigil/collector/record"
	"github.com/vigilsec/vigil/rules"
	"github.com/vigilsec/vigil/rules/fields"
	"github.com/vigilsec/vigil/rules/rulefile"
)

func TestTCPIOSkip(t *testing.T) {
	tests := []struct {
		name  string
		rules string
		want  []record.Kind
	}{
		{"no rule on sends", "- rule: r\n  desc: d\n  condition: evt.type = connect\n  output: o\n  priority: WARNING\n",
			tcpIOKinds},
		{"udp sends only", "- rule: r\n  desc: d\n  condition: evt.type in (sendto, sendmsg) and fd.l4proto = udp\n  output: o\n  priority: WARNING\n",
			tcpIOKinds},
		{"tcp sends to a port", "- rule: r\n  desc: d\n  condition: evt.type = sendto and fd.sport = 4444\n  output: o\n  priority: WARNING\n",
			[]record.Kind{record.KindSendmsg, record.KindRecvfrom, record.KindRecvmsg}},
		{"receives by a process", "- rule: r\n  desc: d\n  condition: evt.type in (recvfrom, recvmsg) and proc.name = nc\n  output: o\n  priority: WARNING\n",
			[]record.Kind{record.KindSendto, record.KindSendmsg}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs, probs := rules.Load(fields.NewRegistry(), rules.Options{}, rulefile.Source{Name: "t.yaml", Data: []byte(tc.rules)})
			if rs == nil || rulefile.HasErrors(probs) {
				t.Fatalf("load: %v", probs)
			}
			got, err := tcpIOSkip(rs)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("skip %v, want %v", got, tc.want)
			}
		})
	}
}
