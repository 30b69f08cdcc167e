// Package linuxabi holds the names of Linux ABI constants (errno values, open
// flags, mode bits, ptrace requests, socket domains and types, bpf commands,
// capabilities, clone flags, fcntl commands, access modes) and renders raw
// syscall values as the text Falco rules compare against, e.g. open flags
// 0x241 as "O_TRUNC|O_CREAT|O_WRONLY" and ptrace request 16 as
// "PTRACE_ATTACH".
//
// The tables are written from the Linux UAPI headers; the spelling and order
// of the rendered names follow what Falco's event formatter produces, since
// upstream rules match that text (`evt.arg.flags contains O_TRUNC`,
// `evt.arg.request in (PTRACE_ATTACH, ...)`).
//
// Invariants:
//   - Every AppendXxx function appends to dst and returns the extended slice,
//     like strconv.AppendInt; it never allocates when dst has room.
//   - Inputs are raw values as the kernel sees them on the running
//     architecture (open flags and ptrace requests differ between amd64 and
//     arm64; the arch-specific tables are selected at build time).
//   - When Falco would have no symbolic text for a value, the function
//     appends nothing (or the documented UNKNOWN name), and the caller shows
//     the number instead, as Falco does.
//   - Tables are immutable package-level values; there is no state.
package linuxabi
