package fields

import "net/netip"

// Type is the data type of a field. It decides which operators a condition may
// apply to the field and how its values are parsed and printed.
type Type uint8

// Field types. Unsigned integers are carried in Value.Int as their bit pattern.
const (
	TypeString  Type = iota + 1 // text; paths included
	TypeInt                     // signed 64-bit integer
	TypeUint                    // unsigned 64-bit integer
	TypeBool                    // true/false, Value.Int is 0 or 1
	TypeIP                      // IPv4 or IPv6 address
	TypeIPNet                   // filter-only: address tested against a CIDR
	TypePort                    // 16-bit port; rule values may be service names
	TypeRelTime                 // duration in nanoseconds
	TypeAbsTime                 // nanoseconds since the Unix epoch
	TypeBytes                   // raw byte buffer
	TypeDouble                  // floating point, carried in Value.Float
)

var typeNames = [...]string{
	TypeString: "string", TypeInt: "int64", TypeUint: "uint64", TypeBool: "bool",
	TypeIP: "ipaddr", TypeIPNet: "ipnet", TypePort: "port", TypeRelTime: "reltime",
	TypeAbsTime: "abstime", TypeBytes: "bytebuf", TypeDouble: "double",
}

// String returns the type's name as shown by `vigil fields`.
func (t Type) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return "unknown"
}

// Numeric reports whether values of the type compare as numbers.
func (t Type) Numeric() bool {
	switch t {
	case TypeInt, TypeUint, TypePort, TypeRelTime, TypeAbsTime, TypeDouble:
		return true
	}
	return false
}

// Value holds one extracted field value. Which member is meaningful follows
// from the field's Type (and List flag); the others are left unspecified.
// A Value is filled by Event.Extract and must not be retained.
type Value struct {
	Str   string     // TypeString
	Int   int64      // TypeInt, TypeUint (bits), TypeBool (0/1), TypePort, TypeRelTime, TypeAbsTime
	Float float64    // TypeDouble
	IP    netip.Addr // TypeIP, TypeIPNet
	Bytes []byte     // TypeBytes
	List  []string   // list-valued string fields (Field.List)
}

// Reset clears v for reuse without releasing List's or Bytes' capacity.
func (v *Value) Reset() {
	*v = Value{List: v.List[:0], Bytes: v.Bytes[:0]}
}
