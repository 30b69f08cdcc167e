// Package users resolves user and group ids to names the way the process
// that owns them sees them: from the host's /etc/passwd and /etc/group, or,
// for a process in another mount namespace (a container), from the files
// under /proc/PID/root/etc.
//
// Files are read by background loaders and cached per mount namespace; a
// lookup never waits on the filesystem for longer than Config.LoadWait
// (only the first lookup in a namespace waits at all), so a slow or hung
// container filesystem cannot stall the event path.
//
// Invariants:
//   - Bounded: namespaces cached (LRU, evictions counted), bytes read per
//     file, entries kept per file (truncation counted), concurrent loaders
//     (loads that cannot start are counted and retried on a later lookup).
//   - Cached files are re-read when their modification time or size
//     changes, checked at most once per Config.CheckInterval.
//   - A namespace whose files cannot be read is cached as empty (negative
//     caching) and retried after Config.RetryInterval.
//   - Lookups of cached namespaces do not allocate.
//   - A DB is safe for concurrent use.
package users
