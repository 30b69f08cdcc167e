package fields

//go:generate go run ./internal/geneventtypes -o eventtype_names.go /usr/include/x86_64-linux-gnu/asm/unistd_64.h /usr/include/asm-generic/unistd.h

// EventType identifies the kind of an event: a syscall (delivered at its exit,
// with the enter arguments merged in) or a non-syscall event such as procexit.
// The zero value is EventUnknown.
type EventType uint16

// EventUnknown is the type of an event the registry has no name for.
const EventUnknown EventType = 0

// NumEventTypes is one past the largest valid EventType.
const NumEventTypes = EventType(len(eventTypeNames) + 1)

// String returns the Falco event-type name, e.g. "openat".
func (t EventType) String() string {
	if t == EventUnknown || t >= NumEventTypes {
		return "unknown"
	}
	return eventTypeNames[t-1]
}

// EventTypes returns every known event type in name order.
func EventTypes() []EventType {
	all := make([]EventType, 0, len(eventTypeNames))
	for i := range eventTypeNames {
		all = append(all, EventType(i+1))
	}
	return all
}

// LookupEventType returns the event type with the given Falco name.
func LookupEventType(name string) (EventType, bool) {
	lo, hi := 0, len(eventTypeNames)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if eventTypeNames[mid] < name {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(eventTypeNames) && eventTypeNames[lo] == name {
		return EventType(lo + 1), true
	}
	return EventUnknown, false
}

// EventSet is a set of event types.
type EventSet [(int(NumEventTypes) + 63) / 64]uint64

// AllEvents returns the set of every known event type.
func AllEvents() EventSet {
	var s EventSet
	for t := EventType(1); t < NumEventTypes; t++ {
		s.Add(t)
	}
	return s
}

// Add puts t in the set.
func (s *EventSet) Add(t EventType) { s[t/64] |= 1 << (t % 64) }

// Has reports whether t is in the set.
func (s *EventSet) Has(t EventType) bool { return s[t/64]&(1<<(t%64)) != 0 }

// Union adds every member of o to s.
func (s *EventSet) Union(o *EventSet) {
	for i := range s {
		s[i] |= o[i]
	}
}

// Intersect keeps only the members of s that are also in o.
func (s *EventSet) Intersect(o *EventSet) {
	for i := range s {
		s[i] &= o[i]
	}
}

// Complement replaces s with every known event type not in s.
func (s *EventSet) Complement() {
	all := AllEvents()
	for i := range s {
		s[i] = ^s[i] & all[i]
	}
}

// Len returns the number of members.
func (s *EventSet) Len() int {
	n := 0
	for _, w := range s {
		for ; w != 0; w &= w - 1 {
			n++
		}
	}
	return n
}

// Types returns the members in ascending order.
func (s *EventSet) Types() []EventType {
	var out []EventType
	for t := EventType(1); t < NumEventTypes; t++ {
		if s.Has(t) {
			out = append(out, t)
		}
	}
	return out
}

// Names returns the members' names in ascending order.
func (s *EventSet) Names() []string {
	var out []string
	for _, t := range s.Types() {
		out = append(out, t.String())
	}
	return out
}
