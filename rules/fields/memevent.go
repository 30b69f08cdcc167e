package fields

import (
	"fmt"
	"maps"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MapEvent is an in-memory Event built from field values given as text or
// Go values, keyed by the field expression as rules write it
// (`proc.name`, `proc.aname[2]`, `evt.arg.flags`, `proc.env[HOME]`). Tests,
// benchmarks and tools use it in place of a kernel event.
//
// Values are parsed once at construction; Extract does not allocate (list
// and byte values are copied into the capacity the caller's Value already
// has). Fields that were not given are missing. Ancestor fields
// (proc.aname...) are given per index; the bare form used by outputs is
// derived from [1], [2]... when not given itself. evt.type is filled from
// the event type unless given.
type MapEvent struct {
	EvtType EventType
	vals    [][]mapVal // indexed by field ID, one entry per argument
}

type mapVal struct {
	arg Arg
	v   Value
}

// NewMapEvent builds an event of type t from textual values: numbers in
// decimal, booleans as true/false, addresses in the usual notation, list
// values as Falco prints them ("(a,b)") or bare "a,b", absolute times as
// nanoseconds or RFC 3339.
func NewMapEvent(reg *Registry, t EventType, vals map[string]string) (*MapEvent, error) {
	e := newMapEvent(t)
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		if err := e.set(reg, k, vals[k]); err != nil {
			return nil, err
		}
	}
	e.fill(reg)
	return e, nil
}

// NewMapEventValues is NewMapEvent for typed values: strings are parsed as
// in NewMapEvent; Go integers, floats (integral ones for integer fields),
// bools, netip.Addr, []byte, []string, []any of strings, time.Time and
// time.Duration are taken as they are; nil leaves the field missing.
func NewMapEventValues(reg *Registry, t EventType, vals map[string]any) (*MapEvent, error) {
	e := newMapEvent(t)
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		if vals[k] == nil {
			continue
		}
		if err := e.set(reg, k, vals[k]); err != nil {
			return nil, err
		}
	}
	e.fill(reg)
	return e, nil
}

func newMapEvent(t EventType) *MapEvent {
	return &MapEvent{EvtType: t, vals: make([][]mapVal, NumFields)}
}

// Type returns the event type.
func (e *MapEvent) Type() EventType { return e.EvtType }

// Extract fills v with the value given for ref's field and argument.
func (e *MapEvent) Extract(ref *Ref, v *Value) bool {
	if int(ref.ID) >= len(e.vals) {
		return false
	}
	for i := range e.vals[ref.ID] {
		mv := &e.vals[ref.ID][i]
		if mv.arg != ref.Arg {
			continue
		}
		v.Str, v.Int, v.Float, v.IP = mv.v.Str, mv.v.Int, mv.v.Float, mv.v.IP
		v.List = append(v.List[:0], mv.v.List...)
		v.Bytes = append(v.Bytes[:0], mv.v.Bytes...)
		return true
	}
	return false
}

// FieldKeys appends the keys given for id as name[KEY] or name.KEY, in
// increasing order (KeyLister).
func (e *MapEvent) FieldKeys(id ID, dst []string) []string {
	if int(id) >= len(e.vals) {
		return dst
	}
	start := len(dst)
	for _, mv := range e.vals[id] {
		if mv.arg.Kind == ArgKey {
			dst = append(dst, mv.arg.Key)
		}
	}
	slices.Sort(dst[start:])
	return dst
}

// set parses one key and value and stores it.
func (e *MapEvent) set(reg *Registry, key string, raw any) error {
	name, arg, hasArg, err := splitFieldExpr(key)
	if err != nil {
		return err
	}
	ref, f, err := reg.Resolve(name, arg, hasArg)
	if err != nil {
		return fmt.Errorf("field %s: %w", key, err)
	}
	if f.Either[0] != 0 || f.Flags.Has(FilterOnly) {
		return fmt.Errorf("field %s is filter-only: give the fields it stands for", key)
	}
	var v Value
	if s, ok := raw.(string); ok {
		err = parseText(f, s, &v)
	} else {
		err = convertValue(f, raw, &v)
	}
	if err != nil {
		return fmt.Errorf("field %s: %w", key, err)
	}
	e.put(ref, v)
	return nil
}

// put stores v for ref, replacing an earlier value.
func (e *MapEvent) put(ref Ref, v Value) {
	slot := e.vals[ref.ID]
	for i := range slot {
		if slot[i].arg == ref.Arg {
			slot[i].v = v
			return
		}
	}
	e.vals[ref.ID] = append(slot, mapVal{arg: ref.Arg, v: v})
}

func (e *MapEvent) has(ref Ref) bool {
	for _, mv := range e.vals[ref.ID] {
		if mv.arg == ref.Arg {
			return true
		}
	}
	return false
}

// fill derives the values a test need not spell out: evt.type, and the bare
// form of string ancestor fields from their indexed values.
func (e *MapEvent) fill(reg *Registry) {
	if !e.has(Ref{ID: EvtType}) && e.EvtType != EventUnknown {
		e.put(Ref{ID: EvtType}, Value{Str: e.EvtType.String()})
	}
	for _, f := range reg.Fields() {
		if !f.Flags.Has(AnyAncestor) || f.Type != TypeString || e.has(Ref{ID: f.ID}) {
			continue
		}
		var parts []string
		for i := 1; ; i++ {
			var v Value
			if !e.Extract(&Ref{ID: f.ID, Arg: Arg{Kind: ArgIndex, Index: i}}, &v) {
				break
			}
			parts = append(parts, v.Str)
		}
		if len(parts) > 0 {
			e.put(Ref{ID: f.ID}, Value{Str: strings.Join(parts, " ")})
		}
	}
}

// splitFieldExpr splits "name" or "name[arg]" (the argument possibly quoted).
func splitFieldExpr(s string) (name, arg string, hasArg bool, err error) {
	i := strings.IndexByte(s, '[')
	if i < 0 {
		return s, "", false, nil
	}
	if i == 0 || !strings.HasSuffix(s, "]") {
		return "", "", false, fmt.Errorf("malformed field expression %q", s)
	}
	arg = s[i+1 : len(s)-1]
	if len(arg) >= 2 && (arg[0] == '"' || arg[0] == '\'') && arg[len(arg)-1] == arg[0] {
		arg = arg[1 : len(arg)-1]
	}
	return s[:i], arg, true, nil
}

// parseText parses the text form of a value of field f into v.
func parseText(f *Field, s string, v *Value) error {
	if f.List {
		v.List = parseList(s)
		return nil
	}
	var err error
	switch f.Type {
	case TypeString:
		v.Str = s
	case TypeInt, TypeRelTime:
		v.Int, err = strconv.ParseInt(s, 10, 64)
	case TypeAbsTime:
		if v.Int, err = strconv.ParseInt(s, 10, 64); err != nil {
			t, terr := time.Parse(time.RFC3339Nano, s)
			if terr != nil {
				return fmt.Errorf("%q is neither nanoseconds nor an RFC 3339 time", s)
			}
			v.Int, err = t.UnixNano(), nil
		}
	case TypeUint:
		var u uint64
		u, err = strconv.ParseUint(s, 10, 64)
		v.Int = int64(u)
	case TypePort:
		var u uint64
		u, err = strconv.ParseUint(s, 10, 16)
		v.Int = int64(u)
	case TypeBool:
		switch s {
		case "true":
			v.Int = 1
		case "false":
			v.Int = 0
		default:
			err = fmt.Errorf("%q is not true or false", s)
		}
	case TypeIP:
		v.IP, err = netip.ParseAddr(s)
	case TypeBytes:
		v.Bytes = []byte(s)
	case TypeDouble:
		v.Float, err = strconv.ParseFloat(s, 64)
	default:
		err = fmt.Errorf("cannot hold a value of type %s", f.Type)
	}
	return err
}

// parseList parses "(a,b,c)" or "a,b,c"; "" and "()" are the empty list.
func parseList(s string) []string {
	if len(s) >= 2 && s[0] == '(' && s[len(s)-1] == ')' {
		s = s[1 : len(s)-1]
	}
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// convertValue stores a Go value of a type matching field f into v.
func convertValue(f *Field, x any, v *Value) error {
	bad := func() error { return fmt.Errorf("a %T cannot be a %s value", x, f.Type) }
	if f.List {
		switch x := x.(type) {
		case []string:
			v.List = slices.Clone(x)
		case []any:
			for _, e := range x {
				s, ok := e.(string)
				if !ok {
					return bad()
				}
				v.List = append(v.List, s)
			}
			if v.List == nil {
				v.List = []string{}
			}
		default:
			return bad()
		}
		return nil
	}
	switch f.Type {
	case TypeString:
		return bad() // strings were handled by the caller
	case TypeBool:
		b, ok := x.(bool)
		if !ok {
			return bad()
		}
		if b {
			v.Int = 1
		}
	case TypeIP:
		a, ok := x.(netip.Addr)
		if !ok {
			return bad()
		}
		v.IP = a
	case TypeBytes:
		b, ok := x.([]byte)
		if !ok {
			return bad()
		}
		v.Bytes = slices.Clone(b)
	case TypeDouble:
		switch x := x.(type) {
		case float64:
			v.Float = x
		case float32:
			v.Float = float64(x)
		default:
			n, ok := toInt(x)
			if !ok {
				return bad()
			}
			v.Float = float64(n)
		}
	case TypeAbsTime:
		if t, ok := x.(time.Time); ok {
			v.Int = t.UnixNano()
			return nil
		}
		return convertInt(f, x, v, bad)
	case TypeRelTime:
		if d, ok := x.(time.Duration); ok {
			v.Int = int64(d)
			return nil
		}
		return convertInt(f, x, v, bad)
	case TypeInt, TypeUint, TypePort:
		return convertInt(f, x, v, bad)
	default:
		return bad()
	}
	return nil
}

func convertInt(f *Field, x any, v *Value, bad func() error) error {
	n, ok := toInt(x)
	if !ok {
		return bad()
	}
	if f.Type == TypePort && (n < 0 || n > math.MaxUint16) {
		return fmt.Errorf("port %d out of range", n)
	}
	v.Int = n
	return nil
}

// toInt converts Go integers and integral floats to int64 (uint64 values
// keep their bit pattern).
func toInt(x any) (int64, bool) {
	switch x := x.(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint:
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		return int64(x), true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
			return int64(x), true
		}
	}
	return 0, false
}
