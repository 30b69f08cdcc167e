// Package capture reads and writes Vigil capture files: a header describing
// the host and the kernel record layout, a snapshot of the user-space state
// (processes, fds, users, containers) and the stream of raw kernel records
// exactly as the BPF programs emitted them, so a capture can be replayed
// anywhere, without root, through the same decode → state → rules path.
//
// The format is specified in docs/capture-format.md. Every frame carries a
// length and a CRC-32C, so corruption and truncation are detected and
// reported with the byte offset of the offending frame.
//
// Invariants:
//   - Reader never panics on any input; every failure other than a clean end
//     is a *FormatError carrying an offset.
//   - Writer.WriteRecord and Reader.Next do not allocate per record (Next
//     reuses the caller's buffer when it is large enough).
//   - Frame sizes are bounded (MaxRecordLen, MaxStateFrameLen); the reader
//     allocates in step with the bytes actually present, never from a length
//     field alone.
//   - Record payloads are opaque here: decoding them is collector/record's
//     job.
package capture
