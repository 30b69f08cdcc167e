package fields

import (
	"net/netip"
	"reflect"
	"testing"
	"time"
)

func TestAppendValue(t *testing.T) {
	r := NewRegistry()
	// 2023-11-14 22:13:20.000000042 UTC
	const ts = int64(1700000000_000000042)
	local := time.Unix(0, ts)
	tests := []struct {
		field ID
		v     Value
		want  string
	}{
		{ProcName, Value{Str: "bash"}, "bash"},
		{ProcName, Value{Str: ""}, ""},
		{FdNum, Value{Int: -1}, "-1"},
		{ProcPID, Value{Int: 4242}, "4242"},
		{UserUID, Value{Int: 0}, "0"},
		{UserUID, Value{Int: -1}, "18446744073709551615"}, // a uint carried as its bit pattern
		{ProcTTY, Value{Int: 34816}, "34816"},
		{UserLoginUID, Value{Int: -1}, "-1"},
		{EvtFailed, Value{Int: 1}, "true"},
		{EvtFailed, Value{Int: 0}, "false"},
		{FdSIP, Value{IP: netip.MustParseAddr("10.0.0.1")}, "10.0.0.1"},
		{FdSIP, Value{IP: netip.MustParseAddr("2001:db8::1")}, "2001:db8::1"},
		{FdSport, Value{Int: 443}, "443"},
		{ProcDuration, Value{Int: 5000000000}, "5000000000"},
		{EvtRawtime, Value{Int: ts}, "1700000000000000042"},
		{ContainerStartTS, Value{Int: ts}, "1700000000000000042"},
		{EvtTime, Value{Int: ts}, local.Format("15:04:05") + ".000000042"},
		{EvtTimeS, Value{Int: ts}, local.Format("15:04:05")},
		{EvtTimeISO8601, Value{Int: ts}, "2023-11-14T22:13:20.000000042Z"},
		{EvtDatetime, Value{Int: ts}, local.Format("2006-01-02 15:04:05") + ".000000042"},
		{EvtDatetimeS, Value{Int: ts}, local.Format("2006-01-02 15:04:05")},
		{EvtBuffer, Value{Bytes: []byte("GET /\r\n\x00\xca\xfe")}, "GET /....."},
		{FdTypes, Value{List: []string{"ipv4", "file"}}, "(ipv4,file)"},
		{FdTypes, Value{List: nil}, "()"},
	}
	for _, tt := range tests {
		f := r.Field(tt.field)
		if got := string(AppendValue([]byte("x"), f, &tt.v)); got != "x"+tt.want {
			t.Errorf("%s: %q, want %q", f.Name, got, "x"+tt.want)
		}
	}
	dbl := &Field{Name: "thread.cpu_usage", Type: TypeDouble}
	if got := string(AppendValue(nil, dbl, &Value{Float: 3.14159})); got != "3.1" {
		t.Errorf("double: %q", got)
	}
}

func TestJSONValue(t *testing.T) {
	r := NewRegistry()
	tests := []struct {
		field ID
		v     Value
		want  any
	}{
		{ProcName, Value{Str: "bash"}, "bash"},
		{ProcPID, Value{Int: 42}, int64(42)},
		{UserLoginUID, Value{Int: -1}, int64(-1)},
		{UserUID, Value{Int: 1000}, uint64(1000)},
		{FdSport, Value{Int: 22}, uint64(22)},
		{ProcDuration, Value{Int: 7}, int64(7)},
		{EvtTime, Value{Int: 1700000000_000000042}, uint64(1700000000_000000042)},
		{EvtTimeISO8601, Value{Int: 1700000000_000000042}, "2023-11-14T22:13:20.000000042Z"},
		{ContainerPrivileged, Value{Int: 1}, true},
		{FdCIP, Value{IP: netip.MustParseAddr("192.168.1.2")}, "192.168.1.2"},
		{EvtBuffer, Value{Bytes: []byte("ab\x01")}, "ab."},
		{FdTypes, Value{List: []string{"pipe"}}, []string{"pipe"}},
	}
	for _, tt := range tests {
		f := r.Field(tt.field)
		if got := JSONValue(f, &tt.v); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %#v, want %#v", f.Name, got, tt.want)
		}
	}
	if got := JSONValue(&Field{Type: TypeDouble}, &Value{Float: 0.5}); got != 0.5 {
		t.Errorf("double: %#v", got)
	}
}

func TestAppendValueNoAllocs(t *testing.T) {
	r := NewRegistry()
	buf := make([]byte, 0, 256)
	cases := []struct {
		id ID
		v  Value
	}{
		{ProcName, Value{Str: "nginx"}},
		{ProcPID, Value{Int: 123}},
		{UserUID, Value{Int: 33}},
		{EvtFailed, Value{Int: 1}},
		{FdSIP, Value{IP: netip.MustParseAddr("10.1.2.3")}},
		{EvtTime, Value{Int: 1700000000_000000042}},
		{EvtTimeISO8601, Value{Int: 1700000000_000000042}},
		{FdTypes, Value{List: []string{"a", "b"}}},
	}
	for _, c := range cases {
		f := r.Field(c.id)
		if n := testing.AllocsPerRun(100, func() { buf = AppendValue(buf[:0], f, &c.v) }); n != 0 {
			t.Errorf("%s: %v allocs", f.Name, n)
		}
	}
}

func BenchmarkAppendValue(b *testing.B) {
	r := NewRegistry()
	name, pid, tm := r.Field(ProcName), r.Field(ProcPID), r.Field(EvtTime)
	vs, vi, vt := Value{Str: "bash"}, Value{Int: 4242}, Value{Int: 1700000000_000000042}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendValue(buf[:0], name, &vs)
		buf = AppendValue(buf, pid, &vi)
		buf = AppendValue(buf, tm, &vt)
	}
}
