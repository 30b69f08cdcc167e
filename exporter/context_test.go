package exporter

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/vigilsec/vigil/rules/fields"
)

// plainEvent hides the KeyLister of the event it wraps.
type plainEvent struct{ fields.Event }

func TestEventCapture(t *testing.T) {
	reg := fields.NewRegistry()
	capt, err := NewEventCapture(reg)
	if err != nil {
		t.Fatal(err)
	}
	execve, ok := fields.LookupEventType("execve")
	if !ok {
		t.Fatal("no execve event type")
	}
	many := map[string]string{"container.id": "ee97d9c4186f"}
	wantMany := map[string]any{}
	for i := range MaxContextKeys + 3 {
		k, v := fmt.Sprintf("l%04d", i), fmt.Sprintf("v%d", i)
		many["container.label["+k+"]"] = v
		if i < MaxContextKeys {
			wantMany[k] = v
		}
	}

	tests := []struct {
		name  string
		vals  map[string]string
		plain bool
		want  map[string]any
	}{
		{
			name: "container with labels",
			vals: map[string]string{
				"container.id": "ee97d9c4186f", "container.privileged": "true",
				"container.label.app": "web", "container.label[com.example/team]": "sec", "container.label[note]": "a:b,c",
				"k8s.pod.label[app.kubernetes.io/name]": "demo", "container.mount.dest[/x]": "/y",
			},
			want: map[string]any{
				"evt.type": "execve", "container.id": "ee97d9c4186f", "container.privileged": true,
				"container.label": map[string]any{"app": "web", "com.example/team": "sec", "note": "a:b,c"},
				"k8s.pod.label":   map[string]any{"app.kubernetes.io/name": "demo"},
			},
		},
		{
			name: "no labels",
			vals: map[string]string{"container.id": "host"},
			want: map[string]any{"evt.type": "execve", "container.id": "host"},
		},
		{
			name:  "event that cannot list keys",
			vals:  map[string]string{"container.id": "ee97d9c4186f", "container.label.app": "web"},
			plain: true,
			want:  map[string]any{"evt.type": "execve", "container.id": "ee97d9c4186f"},
		},
		{
			name: "labels beyond MaxContextKeys",
			vals: many,
			want: map[string]any{"evt.type": "execve", "container.id": "ee97d9c4186f", "container.label": wantMany},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := fields.NewMapEvent(reg, execve, tt.vals)
			if err != nil {
				t.Fatal(err)
			}
			var e fields.Event = ev
			if tt.plain {
				e = plainEvent{ev}
			}
			got := capt.Capture(e)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Capture = %#v\nwant %#v", got, tt.want)
			}
		})
	}
}
