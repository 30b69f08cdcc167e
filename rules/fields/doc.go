// Package fields is the vocabulary shared by the rules engine and the event
// sources: event types, field descriptors, the field registry, event
// parameter tables and the Event interface through which rules read an
// event.
//
// The rules engine compiles conditions and outputs against the Registry
// (Resolve turns `proc.aname[2]`, `evt.arg.flags`, `k8s.pod.label.app` into
// a Ref and a *Field) and evaluates them through Event; the collector
// implements Event for kernel and replayed events, switching on the exported
// field ID constants (ProcName, FdName, ...). Tests and tools use MapEvent.
// AppendValue and JSONValue render extracted values for text and JSON
// outputs.
//
// Value conventions (what Extract fills, by Field.Type):
//   - TypeString: Str; list fields (Field.List): List.
//   - TypeInt, TypeRelTime (ns), TypeAbsTime (ns since the epoch), TypePort,
//     TypeBool (0/1): Int. TypeUint: Int holding the uint64 bit pattern.
//   - TypeIP: IP. TypeBytes: Bytes. TypeDouble: Float.
//   - Filter-only fields (fd.ip, fd.net, fd.snet...) are never extracted:
//     Field.Either names the fields the engine extracts instead.
//   - Ancestor fields (AnyAncestor) are extracted with ArgIndex 0, 1, 2...;
//     the engine walks the indexes itself for the "any ancestor" test. With
//     ArgNone (outputs only) the value is the ancestors' values from the
//     parent upwards, separated by spaces.
//   - evt.rawarg is extracted with the type ParamType gives for its key;
//     evt.arg and evt.args as the text ParamFmt describes.
//
// Invariants:
//   - Field IDs are dense, from 1 to NumFields-1, and the table gives each
//     exactly one descriptor (checked by TestFieldIDs). IDs are stable within
//     one build only; persist names.
//   - The registry and the parameter tables are immutable after
//     construction and safe for concurrent use.
//   - Event.Extract does not allocate and never retains the Value it fills;
//     the Value's strings and slices are valid only until the event is
//     released by its source.
//   - A field that cannot be computed for an event is missing (Extract returns
//     false). Missing is not the empty string: every comparison on a missing
//     value is false, including !=.
package fields
