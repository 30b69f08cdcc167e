// Package fields is the vocabulary shared by the rules engine and the event
// sources: event types, field descriptors, the field registry and the Event
// interface through which rules read an event.
//
// The rules engine compiles conditions and outputs against the Registry and
// evaluates them through Event; the collector implements Event for kernel and
// replayed events. Tests use MapEvent.
//
// Invariants:
//   - The registry is immutable after NewRegistry returns and safe for
//     concurrent use.
//   - Event.Extract does not allocate and never retains the Value it fills;
//     the Value's strings and slices are valid only until the event is
//     released by its source.
//   - A field that cannot be computed for an event is missing (Extract returns
//     false). Missing is not the empty string: every comparison on a missing
//     value is false, including !=.
package fields
