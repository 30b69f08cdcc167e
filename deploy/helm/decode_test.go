package helm

import (
	"errors"
	"fmt"

	monv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// object is a decoded manifest: its kind and its typed value.
type object struct {
	Kind string
	Name string
	Obj  any
}

// apiTypes maps apiVersion/kind to a constructor of its Go API type. A kind
// the chart renders and this table lacks is a test failure, so a new
// template cannot escape the strict check.
var apiTypes = map[string]func() any{
	"v1/ServiceAccount": func() any { return &corev1.ServiceAccount{} },
	"v1/ConfigMap":      func() any { return &corev1.ConfigMap{} },
	"v1/Service":        func() any { return &corev1.Service{} },
	"apps/v1/DaemonSet": func() any { return &appsv1.DaemonSet{} },
	"monitoring.coreos.com/v1/ServiceMonitor": func() any { return &monv1.ServiceMonitor{} },
	"monitoring.coreos.com/v1/PodMonitor":     func() any { return &monv1.PodMonitor{} },
	"monitoring.coreos.com/v1/PrometheusRule": func() any { return &monv1.PrometheusRule{} },
}

// decodeStrict decodes one manifest into its API type the way the API
// server's strict field validation does: YAML to JSON rejecting duplicate
// keys, then sigs.k8s.io/json, which matches field names case-sensitively
// (encoding/json would accept "hostPid" for hostPID) and reports unknown
// and duplicate fields. Any of these, or a type mismatch, is an error.
func decodeStrict(m manifest) (object, error) {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal([]byte(m.Body), &tm); err != nil {
		return object{}, fmt.Errorf("%s: %w", m.Source, err)
	}
	newObj, ok := apiTypes[tm.APIVersion+"/"+tm.Kind]
	if !ok {
		return object{}, fmt.Errorf("%s: no API type for %s %s", m.Source, tm.APIVersion, tm.Kind)
	}
	obj := newObj()
	js, err := yaml.YAMLToJSONStrict([]byte(m.Body))
	if err != nil {
		return object{}, fmt.Errorf("%s: %s: %w", m.Source, tm.Kind, err)
	}
	strict, err := kjson.UnmarshalStrict(js, obj)
	if err != nil {
		return object{}, fmt.Errorf("%s: %s: %w", m.Source, tm.Kind, err)
	}
	if len(strict) > 0 {
		return object{}, fmt.Errorf("%s: %s: %w", m.Source, tm.Kind, errors.Join(strict...))
	}
	meta, ok := obj.(metav1.Object)
	if !ok {
		return object{}, fmt.Errorf("%s: %T has no object metadata", m.Source, obj)
	}
	if meta.GetName() == "" {
		return object{}, fmt.Errorf("%s: %s without a name", m.Source, tm.Kind)
	}
	return object{Kind: tm.Kind, Name: meta.GetName(), Obj: obj}, nil
}
