package exporter

import (
	"fmt"
	"strings"

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
	"container.id", "container.full_id", "container.name", "container.type", "container.privileged", "container.image",
	"container.image.repository", "container.image.tag", "container.image.digest", "container.image.id",
	"k8s.ns.name", "k8s.pod.name", "k8s.pod.uid",
	"fd.num", "fd.type", "fd.name", "fd.filename", "fd.directory", "fd.l4proto", "fd.lip", "fd.lport", "fd.rip", "fd.rport",
}

// ContextKeyedFields are keyed fields captured with every detection as a
// whole: Detection.Event maps each name to a map[string]any from key to
// value (container.label → {"app": "web"}), with at most MaxContextKeys keys,
// the first in key order. Only events that list their keys
// (fields.KeyLister) give them; the field is absent when there are none.
var ContextKeyedFields = []string{"container.label", "k8s.pod.label"}

// MaxContextKeys bounds the keys captured per keyed context field, so that a
// container with thousands of labels cannot make every detection huge.
// Outputs apply their own, smaller bounds (maxOTLPLabels).
const MaxContextKeys = 256

// EventCapture extracts ContextFields and ContextKeyedFields from events. It
// is immutable after construction and safe for concurrent use.
type EventCapture struct {
	names []string
	refs  []fields.Ref
	fs    []*fields.Field

	keyedNames []string
	keyed      []fields.ID
	keyedFs    []*fields.Field
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
	for _, name := range ContextKeyedFields {
		f := reg.Lookup(name)
		if f == nil || f.Arg != fields.ArgKeyRequired {
			return nil, fmt.Errorf("context field %s: not a field with a key argument", name)
		}
		c.keyedNames = append(c.keyedNames, name)
		c.keyed = append(c.keyed, f.ID)
		c.keyedFs = append(c.keyedFs, f)
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
	kl, ok := ev.(fields.KeyLister)
	if !ok {
		return m
	}
	var keys []string
	for i, id := range c.keyed {
		keys = kl.FieldKeys(id, keys[:0])
		if len(keys) > MaxContextKeys {
			keys = keys[:MaxContextKeys]
		}
		var km map[string]any
		for _, k := range keys {
			v.Reset()
			ref := fields.Ref{ID: id, Arg: fields.Arg{Kind: fields.ArgKey, Key: k}}
			if !ev.Extract(&ref, &v) {
				continue
			}
			if km == nil {
				km = make(map[string]any, len(keys))
			}
			km[strings.Clone(k)] = fields.Detach(fields.JSONValue(c.keyedFs[i], &v))
		}
		if km != nil {
			m[c.keyedNames[i]] = km
		}
	}
	return m
}
