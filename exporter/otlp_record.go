package exporter

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/vigilsec/vigil/rules/rulefile"
)

// OTLPEventName is the EventName of every detection record: one structure
// for all rules (the rule is an attribute), so the name stays
// low-cardinality as the event conventions require.
const OTLPEventName = "vigil.detection"

// Vigil's own record attributes, for what the semantic conventions have no
// name for (rule metadata, MITRE, syscalls, ancestry).
const (
	attrRulePriority        = "vigil.rule.priority"
	attrRuleSource          = "vigil.rule.source"
	attrRuleTags            = "vigil.rule.tags"
	attrMitreTactics        = "vigil.mitre.tactics"
	attrMitreTechniques     = "vigil.mitre.techniques"
	attrInternal            = "vigil.internal"
	attrEventType           = "vigil.event.type"
	attrEventResult         = "vigil.event.result"
	attrCmdline             = "vigil.process.cmdline"
	attrParentExeName       = "vigil.process.parent.executable.name"
	attrParentExePath       = "vigil.process.parent.executable.path"
	attrAncestors           = "vigil.process.ancestors"
	attrLoginUID            = "vigil.user.loginuid"
	attrLoginName           = "vigil.user.loginname"
	attrGroupID             = "vigil.group.id"
	attrGroupName           = "vigil.group.name"
	attrContainerShortID    = "vigil.container.short_id"
	attrContainerPrivileged = "vigil.container.privileged"
	attrContainerLabelsCut  = "vigil.container.labels_truncated"
	attrPodLabelsCut        = "vigil.k8s.pod.labels_truncated"
	attrOutputFields        = "vigil.output_fields"
	mitreTagPrefix          = "mitre_"
	hostContainerID         = "host"
	otlpRecordAttrsPrealloc = 48

	// maxOTLPLabels bounds the container.label.<key> and
	// k8s.pod.label.<key> attributes of one record, each: the first labels
	// in key order are kept and the record says
	// vigil.container.labels_truncated or vigil.k8s.pod.labels_truncated
	// when some were left out. Backends limit attributes per record too
	// (the SDK's default is 128).
	maxOTLPLabels = 64
)

// prioritySeverity maps rule priorities, which are the syslog levels, to
// OTLP severity numbers by the data model's syslog table (Appendix B).
var prioritySeverity = [...]otellog.Severity{
	rulefile.PriorityInvalid:       otellog.SeverityUndefined,
	rulefile.PriorityEmergency:     otellog.SeverityFatal1,
	rulefile.PriorityAlert:         otellog.SeverityError3,
	rulefile.PriorityCritical:      otellog.SeverityError2,
	rulefile.PriorityError:         otellog.SeverityError1,
	rulefile.PriorityWarning:       otellog.SeverityWarn1,
	rulefile.PriorityNotice:        otellog.SeverityInfo2,
	rulefile.PriorityInformational: otellog.SeverityInfo1,
	rulefile.PriorityDebug:         otellog.SeverityDebug1,
}

// recordOptions select the optional parts of a detection record.
type recordOptions struct {
	ruleDescription bool // add security_rule.description
	omitOutputs     bool // leave vigil.output_fields out
}

// otlpRecord maps d to the log record Vigil exports: EventName
// vigil.detection, Timestamp the detection time, severity from the rule
// priority, Body the rendered output, and attributes from the rule and the
// captured event fields (only fields with a value). It is pure: the same
// detection gives the same record, without log.record.uid (Write adds it).
func otlpRecord(d *Detection, opt recordOptions) otellog.Record {
	var r otellog.Record
	r.SetEventName(OTLPEventName)
	r.SetTimestamp(d.Time)
	r.SetBody(attribute.StringValue(d.Output))

	kv := make([]attribute.KeyValue, 0, otlpRecordAttrsPrealloc)
	if rule := d.Rule; rule != nil {
		p := rule.Priority
		if p.Valid() {
			r.SetSeverity(prioritySeverity[p])
			r.SetSeverityText(p.Title())
			kv = append(kv, attribute.String(attrRulePriority, p.String()))
		}
		kv = append(kv, semconv.SecurityRuleNameKey.String(rule.Name))
		if opt.ruleDescription && rule.Desc != "" {
			kv = append(kv, semconv.SecurityRuleDescriptionKey.String(rule.Desc))
		}
		if rule.Source != "" {
			kv = append(kv, attribute.String(attrRuleSource, rule.Source))
		}
		kv = appendTagAttrs(kv, rule.Tags)
	}
	if d.Internal {
		kv = append(kv, attribute.Bool(attrInternal, true))
	}
	kv = appendEventAttrs(kv, d.Event)
	if !opt.omitOutputs && len(d.OutputFields) > 0 {
		kv = append(kv, attribute.KeyValue{Key: attrOutputFields, Value: mapValue(d.OutputFields)})
	}
	r.AddAttributes(kv...)
	return r
}

// appendTagAttrs adds the rule tags and the MITRE tactics (mitre_* tags,
// without the prefix, as on vigil_rule_info) and techniques (T1059,
// T1059.004) found among them.
func appendTagAttrs(kv []attribute.KeyValue, tags []string) []attribute.KeyValue {
	if len(tags) == 0 {
		return kv
	}
	kv = append(kv, attribute.StringSlice(attrRuleTags, tags))
	var tactics, techniques []string
	for _, t := range tags {
		if rest, ok := strings.CutPrefix(t, mitreTagPrefix); ok && rest != "" {
			tactics = append(tactics, rest)
		} else if isMitreTechnique(t) {
			techniques = append(techniques, t)
		}
	}
	if len(tactics) > 0 {
		kv = append(kv, attribute.StringSlice(attrMitreTactics, tactics))
	}
	if len(techniques) > 0 {
		kv = append(kv, attribute.StringSlice(attrMitreTechniques, techniques))
	}
	return kv
}

// isMitreTechnique reports whether t is a MITRE ATT&CK technique id: T and
// four digits, optionally a dot and three digits for a sub-technique.
func isMitreTechnique(t string) bool {
	if (len(t) != 5 && len(t) != 9) || t[0] != 'T' || !allDigits(t[1:5]) {
		return false
	}
	return len(t) == 5 || (t[5] == '.' && allDigits(t[6:]))
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// appendEventAttrs maps the captured context fields (ContextFields) to
// semantic-convention attributes where one exists and to vigil.* otherwise.
func appendEventAttrs(kv []attribute.KeyValue, ev map[string]any) []attribute.KeyValue {
	if len(ev) == 0 {
		return kv
	}
	str := func(key attribute.Key, field string) {
		if s, ok := evString(ev, field); ok {
			kv = append(kv, key.String(s))
		}
	}
	num := func(key attribute.Key, field string) {
		if n, ok := evInt(ev, field); ok {
			kv = append(kv, key.Int64(n))
		}
	}

	str(attrEventType, "evt.type")
	str(attrEventResult, "evt.res")

	// Process. process.command_line is left out on purpose: Linux gives
	// argv, not one string, and proc.cmdline is Falco's space-joined
	// rendering, exported as vigil.process.cmdline instead.
	num(semconv.ProcessPIDKey, "proc.pid")
	num(semconv.ProcessParentPIDKey, "proc.ppid")
	num(semconv.ProcessVpidKey, "proc.vpid")
	num(semconv.ProcessSessionLeaderPIDKey, "proc.sid")
	str(semconv.ProcessExecutableNameKey, "proc.name")
	str(semconv.ProcessExecutablePathKey, "proc.exepath")
	str(semconv.ProcessCommandKey, "proc.exe")
	if n, ok := evInt(ev, "proc.cmdnargs"); ok {
		// proc.cmdnargs counts the arguments after argv[0];
		// process.args_count counts argv, argv[0] included.
		if _, argv0 := evString(ev, "proc.exe"); argv0 {
			n++
		}
		kv = append(kv, semconv.ProcessArgsCountKey.Int64(n))
	}
	str(attrCmdline, "proc.cmdline")
	str(semconv.ProcessWorkingDirectoryKey, "proc.cwd")
	if tty, ok := evInt(ev, "proc.tty"); ok {
		kv = append(kv, semconv.ProcessInteractiveKey.Bool(tty != 0))
	}
	str(attrParentExeName, "proc.pname")
	str(attrParentExePath, "proc.pexepath")
	if s, ok := evString(ev, "proc.aname"); ok {
		// Without an index proc.aname is the ancestors' names from the
		// parent upwards, separated by spaces.
		kv = append(kv, attribute.StringSlice(attrAncestors, strings.Fields(s)))
	}

	// OS user and group of the process (process.user.*, not user.*, which
	// is for identity users).
	num(semconv.ProcessUserIDKey, "user.uid")
	str(semconv.ProcessUserNameKey, "user.name")
	num(attrLoginUID, "user.loginuid")
	str(attrLoginName, "user.loginname")
	num(attrGroupID, "group.gid")
	str(attrGroupName, "group.name")

	// Container: processes on the host have container.id "host" and no
	// container attributes.
	if id, ok := evString(ev, "container.id"); ok && id != hostContainerID {
		if full, ok := evString(ev, "container.full_id"); ok {
			kv = append(kv, semconv.ContainerIDKey.String(full), attribute.String(attrContainerShortID, id))
		} else {
			kv = append(kv, semconv.ContainerIDKey.String(id))
		}
		str(semconv.ContainerNameKey, "container.name")
		str(semconv.ContainerRuntimeNameKey, "container.type")
		repo, hasRepo := evString(ev, "container.image.repository")
		if hasRepo {
			kv = append(kv, semconv.ContainerImageNameKey.String(repo))
		}
		if tag, ok := evString(ev, "container.image.tag"); ok {
			kv = append(kv, semconv.ContainerImageTagsKey.StringSlice([]string{tag}))
		}
		if dg, ok := evString(ev, "container.image.digest"); ok {
			if hasRepo {
				dg = repo + "@" + dg
			}
			kv = append(kv, semconv.ContainerImageRepoDigestsKey.StringSlice([]string{dg}))
		}
		str(semconv.ContainerImageIDKey, "container.image.id")
		if p, ok := ev["container.privileged"].(bool); ok {
			kv = append(kv, attribute.Bool(attrContainerPrivileged, p))
		}
		kv = appendLabelAttrs(kv, ev["container.label"], semconv.ContainerLabel, attrContainerLabelsCut)
	}
	str(semconv.K8SNamespaceNameKey, "k8s.ns.name")
	str(semconv.K8SPodNameKey, "k8s.pod.name")
	str(semconv.K8SPodUIDKey, "k8s.pod.uid")
	kv = appendLabelAttrs(kv, ev["k8s.pod.label"], semconv.K8SPodLabel, attrPodLabelsCut)

	// File or socket the event used.
	fdType, hasType := evString(ev, "fd.type")
	_, hasFilename := evString(ev, "fd.filename")
	_, hasDir := evString(ev, "fd.directory")
	switch {
	case fdType == "file" || fdType == "directory" || (!hasType && (hasFilename || hasDir)):
		str(semconv.FilePathKey, "fd.name")
		str(semconv.FileNameKey, "fd.filename")
		str(semconv.FileDirectoryKey, "fd.directory")
	case fdType == "ipv4" || fdType == "ipv6" || fdType == "unix":
		if fdType == "unix" {
			kv = append(kv, semconv.NetworkTransportKey.String("unix"))
		} else {
			kv = append(kv, semconv.NetworkTypeKey.String(fdType))
			str(semconv.NetworkTransportKey, "fd.l4proto")
		}
		str(semconv.NetworkLocalAddressKey, "fd.lip")
		num(semconv.NetworkLocalPortKey, "fd.lport")
		str(semconv.NetworkPeerAddressKey, "fd.rip")
		num(semconv.NetworkPeerPortKey, "fd.rport")
	}
	return kv
}

// appendLabelAttrs maps a captured keyed label field (a map from label key
// to value, see ContextKeyedFields) to one attribute per label, made by
// attr: at most maxOTLPLabels, in key order, with the bool attribute cut set
// when labels were left out. Empty keys and non-string values are skipped.
func appendLabelAttrs(kv []attribute.KeyValue, x any, attr func(key, val string) attribute.KeyValue, cut attribute.Key) []attribute.KeyValue {
	labels, ok := x.(map[string]any)
	if !ok || len(labels) == 0 {
		return kv
	}
	keys := make([]string, 0, len(labels))
	for k, v := range labels {
		if _, isStr := v.(string); isStr && k != "" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if len(keys) > maxOTLPLabels {
		keys = keys[:maxOTLPLabels]
		kv = append(kv, attribute.Bool(string(cut), true))
	}
	for _, k := range keys {
		kv = append(kv, attr(k, labels[k].(string)))
	}
	return kv
}

// evString returns a non-empty string field of ev.
func evString(ev map[string]any, field string) (string, bool) {
	s, ok := ev[field].(string)
	return s, ok && s != ""
}

// evInt returns an integer field of ev that fits an int64.
func evInt(ev map[string]any, field string) (int64, bool) {
	switch v := ev[field].(type) {
	case int64:
		return v, true
	case int:
		return int64(v), true
	case int32:
		return int64(v), true
	case uint64:
		if v > math.MaxInt64 {
			return 0, false
		}
		return int64(v), true
	case uint32:
		return int64(v), true
	case uint16:
		return int64(v), true
	}
	return 0, false
}

// mapValue converts a JSON-style map to an attribute map with sorted keys.
func mapValue(m map[string]any) attribute.Value {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	kv := make([]attribute.KeyValue, len(keys))
	for i, k := range keys {
		kv[i] = attribute.KeyValue{Key: attribute.Key(k), Value: anyValue(m[k])}
	}
	return attribute.MapValue(kv...)
}

// anyValue converts a JSON-style value (fields.JSONValue results, output
// field values of internal detections) to an attribute value. nil, the
// value of a missing field, becomes the empty value; integers beyond int64
// become decimal strings, since OTLP has no unsigned integers.
func anyValue(x any) attribute.Value {
	switch v := x.(type) {
	case nil:
		return attribute.Value{}
	case string:
		return attribute.StringValue(v)
	case bool:
		return attribute.BoolValue(v)
	case int64:
		return attribute.Int64Value(v)
	case int:
		return attribute.Int64Value(int64(v))
	case int32:
		return attribute.Int64Value(int64(v))
	case uint32:
		return attribute.Int64Value(int64(v))
	case uint16:
		return attribute.Int64Value(int64(v))
	case uint64:
		if v > math.MaxInt64 {
			return attribute.StringValue(strconv.FormatUint(v, 10))
		}
		return attribute.Int64Value(int64(v))
	case float64:
		return attribute.Float64Value(v)
	case []string:
		return attribute.StringSliceValue(v)
	case []byte:
		return attribute.ByteSliceValue(v)
	case []any:
		vs := make([]attribute.Value, len(v))
		for i, e := range v {
			vs[i] = anyValue(e)
		}
		return attribute.SliceValue(vs...)
	case map[string]any:
		return mapValue(v)
	}
	// fmt recovers from a panicking String method.
	return attribute.StringValue(fmt.Sprint(x))
}
