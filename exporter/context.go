package exporter

import (
	"fmt"

	"github.com/vigilsec/vigil/rules/fields"
)

// ContextFields are the event fields captured with every detection
// (Detection.Event), whatever the rule's output names, so that outputs can
// map them to their own schema: process, user, container, Kubernetes, file
// and network identity.
var ContextFields = []string{
	"evt.type", "evt.res",
	"proc.pid", "proc.ppid", "proc.vpid", "proc.name", "proc.exe", "proc.exepath", "proc.args", "proc.cmdline",
	"proc.cmdnargs", "proc.cwd", "proc.tty", "proc.sid", "proc.pname", "proc.pexepath", "proc.aname",
	"user.uid", "user.name", "user.loginuid", "user.loginname", "group.gid", "group.name",
	"container.id", "container.full_id", "container.name", "container.type", "container.image",
	"container.image.repository", "container.image.tag", "container.image.digest", "container.image.id",
	"k8s.ns.name", "k8s.pod.name", "k8s.pod.uid",
	"fd.num", "fd.type", "fd.name", "fd.filename", "fd.directory", "fd.l4proto", "fd.lip", "fd.lport", "fd.rip", "fd.rport",
}

// EventCapture extracts ContextFields from events. It is immutable after
// construction and safe for concurrent use.
type EventCapture struct {
	names []string
	refs  []fields.Ref
	fs    []*fields.Field
}

// NewEventCapture resolves ContextFields against reg.
func NewEventCapture(reg *fields.Registry) (*EventCapture, error) {
	c := &EventCapture{}
	for _, name := range ContextFields {
		ref, f, err := reg.Resolve(name, "", false)
		if err != nil {
			return nil, fmt.Errorf("context field %s: %w", name, err)
		}
		c.names = append(c.names, name)
		c.refs = append(c.refs, ref)
		c.fs = append(c.fs, f)
	}
	return c, nil
}

// Capture returns the context fields of ev with a value, as JSON-style
// values that own their data. Missing fields are left out.
func (c *EventCapture) Capture(ev fields.Event) map[string]any {
	m := make(map[string]any, len(c.refs))
	var v fields.Value
	for i := range c.refs {
		v.Reset()
		if !ev.Extract(&c.refs[i], &v) {
			continue
		}
		m[c.names[i]] = fields.Detach(fields.JSONValue(c.fs[i], &v))
	}
	return m
}
