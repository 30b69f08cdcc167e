package fields

import (
	"strconv"
	"strings"
	"time"
)

// textFormat selects how a time field is printed.
type textFormat uint8

const (
	textDefault      textFormat = iota
	textTimeOfDay               // 15:04:05.000000000, local time
	textTimeOfDaySec            // 15:04:05, local time
	textISO8601                 // 2006-01-02T15:04:05.000000000Z, UTC
	textDateTime                // 2006-01-02 15:04:05.000000000, local time
	textDateTimeSec             // 2006-01-02 15:04:05, local time
)

var timeLayouts = [...]string{
	textTimeOfDay:    "15:04:05.000000000",
	textTimeOfDaySec: "15:04:05",
	textISO8601:      "2006-01-02T15:04:05.000000000Z",
	textDateTime:     "2006-01-02 15:04:05.000000000",
	textDateTimeSec:  "2006-01-02 15:04:05",
}

// AppendValue appends the text form of v, a value of field f, as outputs
// print it:
//   - strings as they are; signed numbers, relative times, ports and
//     unsigned numbers in decimal; booleans as true/false; addresses in
//     their usual notation (1.2.3.4, ::1);
//   - absolute times as nanoseconds since the epoch, except the evt.time
//     family, which prints the time of day (evt.time, evt.time.s), the date
//     and time (evt.datetime, evt.datetime.s) in the local time zone, or ISO
//     8601 in UTC (evt.time.iso8601), as Falco does;
//   - byte buffers with every byte outside printable ASCII shown as '.';
//   - doubles with one decimal;
//   - list values as (a,b,c), as Falco prints list fields.
//
// It allocates only when dst must grow. A missing value is the caller's
// business (outputs show <NA>).
func AppendValue(dst []byte, f *Field, v *Value) []byte {
	if f.List {
		dst = append(dst, '(')
		for i, s := range v.List {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, s...)
		}
		return append(dst, ')')
	}
	switch f.Type {
	case TypeString:
		return append(dst, v.Str...)
	case TypeInt, TypeRelTime:
		return strconv.AppendInt(dst, v.Int, 10)
	case TypeUint:
		return strconv.AppendUint(dst, uint64(v.Int), 10)
	case TypePort:
		return strconv.AppendUint(dst, uint64(uint16(v.Int)), 10)
	case TypeAbsTime:
		if f.text != textDefault && int(f.text) < len(timeLayouts) {
			t := time.Unix(0, v.Int)
			if f.text == textISO8601 {
				t = t.UTC()
			}
			return t.AppendFormat(dst, timeLayouts[f.text])
		}
		return strconv.AppendUint(dst, uint64(v.Int), 10)
	case TypeBool:
		if v.Int != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case TypeIP, TypeIPNet:
		return v.IP.AppendTo(dst)
	case TypeBytes:
		return AppendPrintable(dst, v.Bytes)
	case TypeDouble:
		return strconv.AppendFloat(dst, v.Float, 'f', 1, 64)
	}
	return dst
}

// AppendPrintable appends b with bytes outside printable ASCII replaced by
// '.', as Falco prints byte buffers (argv separators included).
func AppendPrintable(dst, b []byte) []byte {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '.'
		}
		dst = append(dst, c)
	}
	return dst
}

// JSONValue returns v, a value of field f, as it appears in the
// output_fields of a JSON alert: numbers stay numbers (int64 for signed
// values and relative times, uint64 for unsigned values, ports and absolute
// times, including evt.time), booleans stay booleans, lists become []string,
// and everything else (strings, addresses, byte buffers, evt.time.iso8601)
// is the text AppendValue produces. Strings and lists may alias event
// memory; callers that keep the result must copy them.
func JSONValue(f *Field, v *Value) any {
	if f.List {
		return v.List
	}
	switch f.Type {
	case TypeString:
		return v.Str
	case TypeInt, TypeRelTime:
		return v.Int
	case TypeUint:
		return uint64(v.Int)
	case TypePort:
		return uint64(uint16(v.Int))
	case TypeAbsTime:
		if f.text == textISO8601 {
			return string(AppendValue(nil, f, v))
		}
		return uint64(v.Int)
	case TypeBool:
		return v.Int != 0
	case TypeDouble:
		return v.Float
	}
	return string(AppendValue(nil, f, v))
}

// Detach returns x, a JSONValue result, with its strings and lists copied,
// so that it stays valid after the event is released.
func Detach(x any) any {
	switch x := x.(type) {
	case string:
		return strings.Clone(x)
	case []string:
		out := make([]string, len(x))
		for i, s := range x {
			out[i] = strings.Clone(s)
		}
		return out
	case []byte:
		return append([]byte(nil), x...)
	}
	return x
}
