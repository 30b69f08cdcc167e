// Package record defines the binary records that Vigil's kernel programs emit
// and that the capture file stores: the record kinds, the fixed header, the
// per-kind schema (what each argument and data field holds) and the zero-copy
// decoder shared by the kernel reader, the capture file and the state machine.
//
// Wire format (little-endian, every record a multiple of 8 bytes long):
//
//	offset size
//	0      8    Header.TS        bpf_ktime_get_boot_ns() at the hook
//	8      4    Header.TGID      process id (thread-group id), init pid namespace
//	12     4    Header.TID       thread id, init pid namespace
//	16     2    Header.Kind      a Kind
//	18     2    Header.Flags     Flags (compat, truncated, stash missing, read fault)
//	20     4    Header.Len       total record length in bytes, padding included
//	24     8    Header.CgroupID  cgroup v2 id of the task (bpf_get_current_cgroup_id)
//	32     8    Header.Ret       syscall return value (0 for non-syscall kinds)
//	40     8*n  Args             n = Schema(kind).NArgs() unsigned 64-bit values
//	...         Data             Schema(kind).NData() fields, each a u16 length
//	                             followed by that many bytes, no alignment
//	...         padding          zero bytes up to a multiple of 8
//
// The meaning of each argument and data field is fixed per kind and listed
// in schema.go, together with named index constants (ArgOpenFlags,
// DataOpenPath, ...). Strings are stored without a trailing NUL; argv is a
// sequence of NUL-terminated strings, as in /proc/PID/cmdline.
//
// Invariants:
//   - Decode never allocates and never panics, whatever the input; on bad
//     input it returns a *DecodeError carrying the offset of the problem.
//   - A decoded Record aliases the buffer it was decoded from: its Data slices
//     are valid only as long as that buffer is (for the kernel reader: until
//     the next read). Copy what must outlive it.
//   - Kind numbers, flag bits and per-kind layouts are stable: capture files
//     written by one version are read by the next. New kinds and new trailing
//     data fields may be added; existing ones are never renumbered.
//   - The C side (bpf/kinds.h) is generated from this package, so the kernel
//     programs and the decoder cannot disagree about numbers or field counts.
package record
