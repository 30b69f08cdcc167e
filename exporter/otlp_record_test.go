package exporter

import (
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"

	"github.com/vigilsec/vigil/rules"
	"github.com/vigilsec/vigil/rules/rulefile"
)

// attrGo converts an attribute value to plain Go values for comparison:
// maps become map[string]any, slices their Go slice types.
func attrGo(v attribute.Value) any {
	switch v.Type() {
	case attribute.EMPTY:
		return nil
	case attribute.MAP:
		m := map[string]any{}
		for _, kv := range v.AsMap() {
			m[string(kv.Key)] = attrGo(kv.Value)
		}
		return m
	case attribute.SLICE:
		var s []any
		for _, e := range v.AsSlice() {
			s = append(s, attrGo(e))
		}
		return s
	}
	return v.AsInterface()
}

// recordAttrs returns a record's attributes as plain Go values.
func recordAttrs(t *testing.T, r otellog.Record) map[string]any {
	t.Helper()
	m := map[string]any{}
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		if _, dup := m[string(kv.Key)]; dup {
			t.Errorf("attribute %s twice", kv.Key)
		}
		m[string(kv.Key)] = attrGo(kv.Value)
		return true
	})
	return m
}

func TestOTLPSeverity(t *testing.T) {
	tests := []struct {
		p    rulefile.Priority
		num  otellog.Severity
		want int
		text string
	}{
		{rulefile.PriorityEmergency, otellog.SeverityFatal1, 21, "Emergency"},
		{rulefile.PriorityAlert, otellog.SeverityError3, 19, "Alert"},
		{rulefile.PriorityCritical, otellog.SeverityError2, 18, "Critical"},
		{rulefile.PriorityError, otellog.SeverityError1, 17, "Error"},
		{rulefile.PriorityWarning, otellog.SeverityWarn1, 13, "Warning"},
		{rulefile.PriorityNotice, otellog.SeverityInfo2, 10, "Notice"},
		{rulefile.PriorityInformational, otellog.SeverityInfo1, 9, "Informational"},
		{rulefile.PriorityDebug, otellog.SeverityDebug1, 5, "Debug"},
		{rulefile.PriorityInvalid, otellog.SeverityUndefined, 0, ""},
		{rulefile.Priority(200), otellog.SeverityUndefined, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.p.String(), func(t *testing.T) {
			d := &Detection{Detection: rules.Detection{Rule: &rules.Rule{Name: "r", Priority: tt.p, Source: "syscall"}}}
			r := otlpRecord(d, recordOptions{})
			if r.Severity() != tt.num || int(r.Severity()) != tt.want {
				t.Errorf("severity %d, want %d", r.Severity(), tt.want)
			}
			if r.SeverityText() != tt.text {
				t.Errorf("severity text %q, want %q", r.SeverityText(), tt.text)
			}
			_, hasPrio := recordAttrs(t, r)[attrRulePriority]
			if hasPrio != tt.p.Valid() {
				t.Errorf("vigil.rule.priority present=%v for %v", hasPrio, tt.p)
			}
		})
	}
}

func TestOTLPRecordFields(t *testing.T) {
	when := time.Date(2026, 3, 1, 5, 28, 17, 622953272, time.UTC)
	d := &Detection{Detection: rules.Detection{
		Rule:   &rules.Rule{Name: "Shadow Read", Desc: "reads of shadow", Priority: rulefile.PriorityCritical, Source: "syscall"},
		Time:   when,
		Output: "shadow read by cat",
	}}
	r := otlpRecord(d, recordOptions{})
	if r.EventName() != "vigil.detection" {
		t.Errorf("event name %q", r.EventName())
	}
	if !r.Timestamp().Equal(when) {
		t.Errorf("timestamp %v, want %v", r.Timestamp(), when)
	}
	if !r.ObservedTimestamp().IsZero() {
		t.Errorf("observed timestamp set: %v (the SDK sets it at emission)", r.ObservedTimestamp())
	}
	if r.Body().Type() != attribute.STRING || r.Body().AsString() != "shadow read by cat" {
		t.Errorf("body %v", r.Body())
	}
}

func TestOTLPRecordAttributes(t *testing.T) {
	shadow := &rules.Rule{Name: "Shadow Read", Desc: "reads of /etc/shadow", Priority: rulefile.PriorityCritical,
		Source: "syscall", Tags: []string{"T1003", "T1059.004", "filesystem", "mitre_credential_access", "mitre_", "T12", "Tabcd"}}
	net := &rules.Rule{Name: "Outbound", Priority: rulefile.PriorityNotice, Source: "syscall", Tags: []string{"network"}}
	shell := &rules.Rule{Name: "Terminal Shell", Priority: rulefile.PriorityNotice, Source: "syscall",
		Tags: []string{"container", "mitre_execution", "T1059"}}
	internal := &rules.Rule{Name: "Vigil Output Failing", Desc: "An output stopped accepting detections.",
		Priority: rulefile.PriorityError, Source: "internal", Tags: []string{"vigil"}}
	untagged := &rules.Rule{Name: "Bare", Priority: rulefile.PriorityDebug, Source: "syscall"}

	tests := []struct {
		name string
		d    Detection
		opt  recordOptions
		want map[string]any
	}{
		{
			name: "file event on the host",
			d: Detection{
				Detection: rules.Detection{Rule: shadow, OutputFields: map[string]any{
					"proc.name": "cat", "fd.name": "/etc/shadow", "proc.aname[2]": nil, "evt.arg.flags": "O_RDONLY",
				}},
				Event: map[string]any{
					"evt.type": "openat", "evt.res": "SUCCESS",
					"proc.pid": int64(4242), "proc.ppid": int64(4000), "proc.vpid": int64(4242), "proc.sid": int64(3900),
					"proc.name": "cat", "proc.exe": "cat", "proc.exepath": "/usr/bin/cat", "proc.args": "/etc/shadow",
					"proc.cmdline": "cat /etc/shadow", "proc.cmdnargs": uint64(1), "proc.cwd": "/root/", "proc.tty": uint64(0),
					"proc.pname": "bash", "proc.pexepath": "/usr/bin/bash", "proc.aname": "bash sshd systemd",
					"user.uid": uint64(0), "user.name": "root", "user.loginuid": int64(1000), "user.loginname": "alice",
					"group.gid": uint64(0), "group.name": "root",
					"container.id": "host", "container.full_id": "host", "container.name": "host",
					"fd.num": int64(3), "fd.type": "file", "fd.name": "/etc/shadow", "fd.filename": "shadow", "fd.directory": "/etc",
				},
			},
			want: map[string]any{
				"security_rule.name":                   "Shadow Read",
				"vigil.rule.priority":                  "critical",
				"vigil.rule.source":                    "syscall",
				"vigil.rule.tags":                      []string{"T1003", "T1059.004", "filesystem", "mitre_credential_access", "mitre_", "T12", "Tabcd"},
				"vigil.mitre.tactics":                  []string{"credential_access"},
				"vigil.mitre.techniques":               []string{"T1003", "T1059.004"},
				"vigil.event.type":                     "openat",
				"vigil.event.result":                   "SUCCESS",
				"process.pid":                          int64(4242),
				"process.parent_pid":                   int64(4000),
				"process.vpid":                         int64(4242),
				"process.session_leader.pid":           int64(3900),
				"process.executable.name":              "cat",
				"process.executable.path":              "/usr/bin/cat",
				"process.command":                      "cat",
				"process.args_count":                   int64(2),
				"vigil.process.cmdline":                "cat /etc/shadow",
				"process.working_directory":            "/root/",
				"process.interactive":                  false,
				"vigil.process.parent.executable.name": "bash",
				"vigil.process.parent.executable.path": "/usr/bin/bash",
				"vigil.process.ancestors":              []string{"bash", "sshd", "systemd"},
				"process.user.id":                      int64(0),
				"process.user.name":                    "root",
				"vigil.user.loginuid":                  int64(1000),
				"vigil.user.loginname":                 "alice",
				"vigil.group.id":                       int64(0),
				"vigil.group.name":                     "root",
				"file.path":                            "/etc/shadow",
				"file.name":                            "shadow",
				"file.directory":                       "/etc",
				"vigil.output_fields": map[string]any{
					"proc.name": "cat", "fd.name": "/etc/shadow", "proc.aname[2]": nil, "evt.arg.flags": "O_RDONLY",
				},
			},
		},
		{
			name: "network event",
			d: Detection{
				Detection: rules.Detection{Rule: net, OutputFields: map[string]any{"fd.name": "10.0.0.2:43210->1.2.3.4:443"}},
				Event: map[string]any{
					"evt.type": "connect", "evt.res": "EINPROGRESS", "proc.pid": int64(77), "proc.name": "curl",
					"proc.exe": "curl", "proc.cmdnargs": uint64(0),
					"fd.type": "ipv4", "fd.l4proto": "tcp", "fd.name": "10.0.0.2:43210->1.2.3.4:443",
					"fd.lip": "10.0.0.2", "fd.lport": uint64(43210), "fd.rip": "1.2.3.4", "fd.rport": uint64(443),
					"fd.filename": nil, "fd.directory": nil, "container.id": nil,
				},
			},
			opt: recordOptions{omitOutputs: true},
			want: map[string]any{
				"security_rule.name":      "Outbound",
				"vigil.rule.priority":     "notice",
				"vigil.rule.source":       "syscall",
				"vigil.rule.tags":         []string{"network"},
				"vigil.event.type":        "connect",
				"vigil.event.result":      "EINPROGRESS",
				"process.pid":             int64(77),
				"process.executable.name": "curl",
				"process.command":         "curl",
				"process.args_count":      int64(1),
				"network.type":            "ipv4",
				"network.transport":       "tcp",
				"network.local.address":   "10.0.0.2",
				"network.local.port":      int64(43210),
				"network.peer.address":    "1.2.3.4",
				"network.peer.port":       int64(443),
			},
		},
		{
			name: "unix socket",
			d: Detection{
				Detection: rules.Detection{Rule: untagged},
				Event:     map[string]any{"fd.type": "unix", "fd.name": "/run/docker.sock"},
			},
			want: map[string]any{
				"security_rule.name": "Bare", "vigil.rule.priority": "debug", "vigil.rule.source": "syscall",
				"network.transport": "unix",
			},
		},
		{
			name: "container and kubernetes",
			d: Detection{
				Detection: rules.Detection{Rule: shell},
				Event: map[string]any{
					"evt.type": "execve", "proc.name": "sh", "proc.exepath": "/bin/busybox", "proc.tty": uint64(34816),
					"container.id": "ee97d9c4186f", "container.full_id": "ee97d9c4186f1234567890abcdef1234567890abcdef1234567890abcdef1234",
					"container.name": "kubecon", "container.type": "containerd",
					"container.image": "docker.io/library/alpine:3.20", "container.image.repository": "docker.io/library/alpine",
					"container.image.tag": "3.20", "container.image.digest": "sha256:aaaa", "container.image.id": "sha256:bbbb",
					"k8s.ns.name": "default", "k8s.pod.name": "kubecon-7d9f", "k8s.pod.uid": "3f1c0a6e-1111-2222-3333-444455556666",
					"fd.type": "pipe", "fd.name": "pipe:[1234]", "container.privileged": true,
					"container.label": map[string]any{"io.kubernetes.pod.name": "kubecon-7d9f", "note": "a:b,c", "": "empty key", "n": int64(1)},
					"k8s.pod.label":   map[string]any{"app": "kubecon", "app.kubernetes.io/name": "demo"},
				},
			},
			opt: recordOptions{ruleDescription: true},
			want: map[string]any{
				"security_rule.name":           "Terminal Shell",
				"vigil.rule.priority":          "notice",
				"vigil.rule.source":            "syscall",
				"vigil.rule.tags":              []string{"container", "mitre_execution", "T1059"},
				"vigil.mitre.tactics":          []string{"execution"},
				"vigil.mitre.techniques":       []string{"T1059"},
				"vigil.event.type":             "execve",
				"process.executable.name":      "sh",
				"process.executable.path":      "/bin/busybox",
				"process.interactive":          true,
				"container.id":                 "ee97d9c4186f1234567890abcdef1234567890abcdef1234567890abcdef1234",
				"vigil.container.short_id":     "ee97d9c4186f",
				"container.name":               "kubecon",
				"container.runtime.name":       "containerd",
				"container.image.name":         "docker.io/library/alpine",
				"container.image.tags":         []string{"3.20"},
				"container.image.repo_digests": []string{"docker.io/library/alpine@sha256:aaaa"},
				"container.image.id":           "sha256:bbbb",
				"k8s.namespace.name":           "default",
				"k8s.pod.name":                 "kubecon-7d9f",
				"k8s.pod.uid":                  "3f1c0a6e-1111-2222-3333-444455556666",
				"vigil.container.privileged":   true,
				// The empty key and the non-string value are left out.
				"container.label.io.kubernetes.pod.name": "kubecon-7d9f",
				"container.label.note":                   "a:b,c",
				"k8s.pod.label.app":                      "kubecon",
				"k8s.pod.label.app.kubernetes.io/name":   "demo",
			},
		},
		{
			name: "labels beyond the bound",
			d: Detection{
				Detection: rules.Detection{Rule: untagged},
				Event: map[string]any{
					"container.id": "ee97d9c4186f", "container.privileged": false,
					"container.label": numberedLabels(maxOTLPLabels + 6), "k8s.pod.label": numberedLabels(maxOTLPLabels),
				},
			},
			want: withNumberedLabels(map[string]any{
				"security_rule.name": "Bare", "vigil.rule.priority": "debug", "vigil.rule.source": "syscall",
				"container.id": "ee97d9c4186f", "vigil.container.privileged": false,
				"vigil.container.labels_truncated": true,
			}),
		},
		{
			name: "host process with labels captured",
			d: Detection{
				Detection: rules.Detection{Rule: untagged},
				Event: map[string]any{
					"container.id": "host", "container.privileged": true,
					"container.label": map[string]any{"app": "x"}, "k8s.pod.label": "app:x",
				},
			},
			want: map[string]any{"security_rule.name": "Bare", "vigil.rule.priority": "debug", "vigil.rule.source": "syscall"},
		},
		{
			name: "internal detection",
			d: Detection{
				Detection: rules.Detection{Rule: internal, Output: "output otlp failing",
					OutputFields: map[string]any{"output": "otlp", "failed": uint64(3), "huge": uint64(math.MaxUint64),
						"ratio": 0.5, "ok": false, "list": []string{"a"}, "nested": map[string]any{"n": 1}}},
				Internal: true,
			},
			opt: recordOptions{ruleDescription: true},
			want: map[string]any{
				"security_rule.name":        "Vigil Output Failing",
				"security_rule.description": "An output stopped accepting detections.",
				"vigil.rule.priority":       "error",
				"vigil.rule.source":         "internal",
				"vigil.rule.tags":           []string{"vigil"},
				"vigil.internal":            true,
				"vigil.output_fields": map[string]any{
					"output": "otlp", "failed": int64(3), "huge": "18446744073709551615", "ratio": 0.5, "ok": false,
					"list": []string{"a"}, "nested": map[string]any{"n": int64(1)},
				},
			},
		},
		{
			name: "missing and empty values",
			d: Detection{
				Detection: rules.Detection{Rule: untagged},
				Event: map[string]any{
					"proc.pid": nil, "proc.name": "", "proc.tty": nil, "user.uid": "not a number", "proc.cmdnargs": uint64(3),
					"container.id": "", "k8s.pod.name": nil, "fd.filename": "passwd", "fd.name": "/etc/passwd",
					"proc.ppid": uint64(math.MaxUint64),
				},
			},
			want: map[string]any{
				"security_rule.name": "Bare", "vigil.rule.priority": "debug", "vigil.rule.source": "syscall",
				// No argv[0]: args_count is the argument count alone.
				"process.args_count": int64(3),
				// fd.type missing but the file name parts present: a file.
				"file.path": "/etc/passwd", "file.name": "passwd",
			},
		},
		{
			name: "no rule",
			d:    Detection{Detection: rules.Detection{Output: "x"}, Internal: true},
			want: map[string]any{"vigil.internal": true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := recordAttrs(t, otlpRecord(&tt.d, tt.opt))
			for k, w := range tt.want {
				if g, ok := got[k]; !ok {
					t.Errorf("missing %s (want %#v)", k, w)
				} else if !reflect.DeepEqual(g, w) {
					t.Errorf("%s = %#v, want %#v", k, g, w)
				}
			}
			for k, g := range got {
				if _, ok := tt.want[k]; !ok {
					t.Errorf("unexpected %s = %#v", k, g)
				}
			}
		})
	}
}

// numberedLabels returns n labels l000: v000, l001: v001...
func numberedLabels(n int) map[string]any {
	m := make(map[string]any, n)
	for i := range n {
		m[fmt.Sprintf("l%03d", i)] = fmt.Sprintf("v%03d", i)
	}
	return m
}

// withNumberedLabels adds to want the attributes of the first maxOTLPLabels
// container and pod labels of numberedLabels.
func withNumberedLabels(want map[string]any) map[string]any {
	for i := range maxOTLPLabels {
		want[fmt.Sprintf("container.label.l%03d", i)] = fmt.Sprintf("v%03d", i)
		want[fmt.Sprintf("k8s.pod.label.l%03d", i)] = fmt.Sprintf("v%03d", i)
	}
	return want
}

func TestIsMitreTechnique(t *testing.T) {
	for tag, want := range map[string]bool{
		"T1059": true, "T1059.004": true, "T105": false, "T10599": false, "T1059.04": false, "T1059x004": false,
		"t1059": false, "T1059.00a": false, "": false, "mitre_execution": false,
	} {
		if got := isMitreTechnique(tag); got != want {
			t.Errorf("isMitreTechnique(%q) = %v, want %v", tag, got, want)
		}
	}
}

func BenchmarkOTLPRecord(b *testing.B) {
	d := &Detection{
		Detection: rules.Detection{
			Rule: &rules.Rule{Name: "Terminal Shell", Priority: rulefile.PriorityNotice, Source: "syscall",
				Tags: []string{"container", "mitre_execution", "T1059"}},
			Time: time.Now(), Output: "A shell was spawned in a container",
			OutputFields: map[string]any{"proc.name": "sh", "proc.cmdline": "sh -c id", "container.id": "ee97d9c4186f", "user.name": "root"},
		},
		Event: map[string]any{
			"evt.type": "execve", "proc.pid": int64(4242), "proc.ppid": int64(4000), "proc.name": "sh", "proc.exe": "sh",
			"proc.exepath": "/bin/sh", "proc.cmdline": "sh -c id", "proc.cmdnargs": uint64(2), "proc.tty": uint64(34816),
			"user.uid": uint64(0), "user.name": "root", "container.id": "ee97d9c4186f", "container.name": "kubecon",
			"container.image.repository": "docker.io/library/alpine", "k8s.ns.name": "default", "k8s.pod.name": "kubecon",
		},
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = otlpRecord(d, recordOptions{})
	}
}
