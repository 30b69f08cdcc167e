package main

import (
	"fmt"

	"github.com/vigilsec/vigil/collector/record"
	"github.com/vigilsec/vigil/rules"
	"github.com/vigilsec/vigil/rules/fields"
)

// tcpIOKinds are the send/receive record kinds the kernel can skip on TCP
// sockets.
var tcpIOKinds = []record.Kind{record.KindSendto, record.KindSendmsg, record.KindRecvfrom, record.KindRecvmsg}

// tcpIOSkip returns the send/receive kinds no active rule can match on a
// TCP socket (fd.l4proto = tcp, every other field unknown): the kernel
// need not record them there. The state learns TCP sockets' ends from
// connect and accept, so it never needs them. On a busy server these are
// most of its syscalls.
func tcpIOSkip(rs *rules.Ruleset) ([]record.Kind, error) {
	reg := fields.NewRegistry()
	l4, _, err := reg.Resolve("fd.l4proto", "", false)
	if err != nil {
		return nil, fmt.Errorf("tcp io skip: %w", err)
	}
	known := func(r fields.Ref) bool { return r.ID == l4.ID && r.Arg.Kind == fields.ArgNone }
	var skip []record.Kind
	for _, k := range tcpIOKinds {
		et, ok := fields.LookupEventType(k.String())
		if !ok {
			return nil, fmt.Errorf("tcp io skip: no event type %s", k)
		}
		ev, err := fields.NewMapEventValues(reg, et, map[string]any{"fd.l4proto": "tcp"})
		if err != nil {
			return nil, fmt.Errorf("tcp io skip: %w", err)
		}
		if !rs.CanMatch(ev, known) {
			skip = append(skip, k)
		}
	}
	return skip, nil
}
