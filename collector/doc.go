// Package collector turns kernel records into enriched events: it applies
// each record to the user-space state (collector/proc, collector/users,
// collector/container) and pairs the record with the thread, process and fd
// it concerns, which is what the rules engine reads through fields.Event.
//
// Data flow: a Source (kernel probe or capture file) decodes records;
// State.Apply updates the state and fills an Event; the Event is handed to
// the consumer and is valid until the consumer returns.
//
// Invariants:
//   - State is owned by one goroutine (the one running the Source).
//   - Applying a record never fails: records that do not fit the state
//     (unknown thread, unknown fd) are absorbed and counted by the state
//     packages; a record the state cannot use still yields an Event.
//   - Apply allocates only when it stores new state (paths, command lines,
//     socket names); lookups for events that change nothing do not allocate.
package collector
