package record

// This file is the one place that says what every argument and data field of
// every kind means. The kernel programs (bpf/*.bpf.c) write exactly this
// layout; bpf/kinds.h is generated from the table below.
//
// Conventions:
//   - Args hold integers widened to 64 bits. Signed syscall arguments (file
//     descriptors, dirfds such as AT_FDCWD = -100, pids) are sign-extended:
//     read them as int64(r.Args[i]).
//   - Ret is the syscall's return value (a new fd, a byte count, 0, or a
//     negative errno).
//   - "dirfd" is the directory fd a relative path is resolved against; for
//     the syscall variants without one (open, creat, mkdir, ...) it is
//     AT_FDCWD. Paths are stored as the process passed them (relative paths
//     are not resolved in the kernel).
//   - An empty Data field means "not applicable" or "could not be read"; the
//     header flags say which (FlagReadFault, FlagStashMissing).

// FieldType says how to interpret a data field.
type FieldType uint8

// Data field types.
const (
	FieldString   FieldType = iota + 1 // bytes of a string, no trailing NUL
	FieldArgv                          // NUL-terminated strings back to back
	FieldSockaddr                      // a struct sockaddr as the process passed or received it
	FieldSockInfo                      // SockInfo: the kernel socket's family and tuple
	FieldExecInfo                      // ExecInfo: credentials and process attributes at exec
	FieldU32                           // one little-endian uint32
)

// Schema describes the layout of one kind.
type Schema struct {
	Name    string      // stable lowercase name (Falco event-type name when one exists)
	Syscall bool        // Name is also a syscall name
	Args    []string    // meaning of Args[i]
	Data    []string    // meaning of Data[i]
	Types   []FieldType // type of Data[i]
}

// NArgs is the number of 64-bit arguments records of this kind carry.
func (s *Schema) NArgs() int { return len(s.Args) }

// NData is the number of variable-length data fields records of this kind carry.
func (s *Schema) NData() int { return len(s.Data) }

// Exec records (KindExecve, KindExecveat). A successful exec is reported from
// sched_process_exec in the context of the new program (Ret 0, TGID/TID after
// the exec); a failed one from the syscall exit (Ret < 0, the old program).
const (
	ArgExecDirfd  = 0 // execveat dirfd (AT_FDCWD for execve)
	ArgExecFlags  = 1 // execveat flags (AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW)
	ArgExecOldTID = 2 // tid that called exec (differs from TID when a non-leader thread exec'd)

	DataExecFilename = 0 // path as passed (bprm->filename on success)
	DataExecArgv     = 1 // argv, NUL-separated, at most MaxArgv bytes
	DataExecExePath  = 2 // absolute path of the executed file as the kernel resolved it (success only)
	DataExecInterp   = 3 // bprm->interp: the interpreter for scripts, else the filename (success only)
	DataExecCwd      = 4 // absolute current working directory
	DataExecComm     = 5 // task comm (after a successful exec: the new name)
	DataExecCgroup   = 6 // cgroup path of the configured v1 controller (memory, else pids), or the v2 path
	DataExecInfo     = 7 // ExecInfo blob
)

// Parent-side clone records (KindClone, KindClone3, KindFork, KindVfork):
// Ret is the child's tid (init pid namespace) or a negative errno. The child
// side of the syscall is not reported; see KindProcFork.
const (
	ArgCloneFlags = 0 // clone flags (clone3: clone_args.flags; fork: SIGCHLD; vfork: CLONE_VM|CLONE_VFORK|SIGCHLD)
)

// KindProcFork, from sched_process_fork: a task was created. The header's
// TGID/TID are the creating task's.
const (
	ArgForkChildTGID   = 0
	ArgForkChildTID    = 1
	ArgForkFlags       = 2 // CLONE_* bits derived from what the child shares: VM, FS, FILES, THREAD|SIGHAND, PARENT, NEWNS, NEWNET, NEWPID
	ArgForkChildStart  = 3 // child's start_boottime in ns, with TGID the stable process identity
	ArgForkParentTGID  = 4 // child's real parent tgid (a new thread's is its process's parent; differs from TGID for CLONE_PARENT)
	ArgForkParentStart = 5 // start_boottime of that parent's thread-group leader
)

// KindProcExit, from sched_process_exit: a task exits.
const (
	ArgExitCode      = 0 // task->exit_code: wait status (exit status << 8 | signal)
	ArgExitGroupDead = 1 // 1 when this was the last thread of the thread group
	ArgExitStart     = 2 // start_boottime of the exiting task's thread-group leader
)

// Open records (KindOpen, KindOpenat, KindOpenat2, KindCreat). Ret is the fd.
const (
	ArgOpenDirfd   = 0
	ArgOpenFlags   = 1 // open flags (creat: O_CREAT|O_WRONLY|O_TRUNC)
	ArgOpenMode    = 2
	ArgOpenResolve = 3 // openat2 open_how.resolve, else 0
	ArgOpenDev     = 4 // st_dev of the opened file (kernel dev_t), when Ret >= 0
	ArgOpenIno     = 5 // inode number of the opened file, when Ret >= 0

	DataOpenPath = 0
)

// KindClose: Ret is 0 or -errno.
const ArgCloseFd = 0

// KindCloseRange.
const (
	ArgCloseRangeFirst = 0
	ArgCloseRangeLast  = 1
	ArgCloseRangeFlags = 2
)

// Dup records (KindDup, KindDup2, KindDup3). Ret is the new fd.
const (
	ArgDupOldFd = 0
	ArgDupNewFd = 1 // requested new fd (dup: -1)
	ArgDupFlags = 2 // dup3 flags (O_CLOEXEC)
)

// KindFcntl: only F_DUPFD and F_DUPFD_CLOEXEC are reported. Ret is the new fd.
const (
	ArgFcntlFd  = 0
	ArgFcntlCmd = 1
	ArgFcntlArg = 2
)

// Pipe records (KindPipe, KindPipe2). Ret is 0 or -errno.
const (
	ArgPipeFd0   = 0 // read end
	ArgPipeFd1   = 1 // write end
	ArgPipeFlags = 2
	ArgPipeIno   = 3 // pipefs inode shared by both ends
)

// KindMemfdCreate: Ret is the fd.
const (
	ArgMemfdFlags = 0
	DataMemfdName = 0
)

// Two-path records: KindRename, KindRenameat, KindRenameat2, KindLink, KindLinkat.
const (
	ArgPath2OldDirfd = 0
	ArgPath2NewDirfd = 1
	ArgPath2Flags    = 2 // renameat2 / linkat flags

	DataPath2Old = 0
	DataPath2New = 1
)

// Symlink records (KindSymlink, KindSymlinkat).
const (
	ArgSymlinkDirfd = 0 // dirfd the link path is relative to

	DataSymlinkTarget = 0 // link contents (not resolved)
	DataSymlinkPath   = 1 // path of the new link
)

// One-path records: KindUnlink, KindUnlinkat, KindRmdir, KindMkdir,
// KindMkdirat, KindChmod, KindFchmod, KindFchmodat, KindChdir, KindFchdir,
// KindChroot. For the fd variants (fchmod, fchdir) ArgPathDirfd is the fd and
// the path is empty.
const (
	ArgPathDirfd = 0
	ArgPathMode  = 1 // mkdir*, chmod* mode
	ArgPathFlags = 2 // unlinkat / fchmodat flags

	DataPath = 0
)

// Chown records (KindChown, KindFchown, KindLchown, KindFchownat).
const (
	ArgChownDirfd = 0 // dirfd, or the fd for fchown
	ArgChownUID   = 1
	ArgChownGID   = 2
	ArgChownFlags = 3 // fchownat flags (lchown: AT_SYMLINK_NOFOLLOW)

	DataChownPath = 0
)

// KindSocket: Ret is the fd.
const (
	ArgSocketDomain   = 0
	ArgSocketType     = 1
	ArgSocketProtocol = 2
	ArgSocketpairFd0  = 3 // socketpair only
	ArgSocketpairFd1  = 4 // socketpair only
)

// Socket-address records: KindConnect, KindBind, KindAccept, KindAccept4,
// KindSendto, KindRecvfrom, KindSendmsg, KindRecvmsg, KindListen.
//
// DataSockAddr is the address as passed by the process (connect: snapshotted
// at syscall entry; bind, sendto, sendmsg: read at exit) or as returned to it
// (accept*, recvfrom, recvmsg). DataSockInfo is the kernel socket's view
// after the call (for accept: the new socket).
const (
	ArgSockFd     = 0 // the socket fd (accept: the listening socket; Ret is the new fd)
	ArgSockFlags  = 1 // accept4 / send* / recv* flags; listen: backlog
	ArgSockLength = 2 // sendto / recvfrom buffer length

	DataSockAddr = 0
	DataSockInfo = 1
)

// Set-id records: KindSetuid, KindSetgid, KindSetreuid, KindSetregid,
// KindSetresuid, KindSetresgid. Args 0-2 are the raw arguments in order
// (uint32, 0xffffffff means "unchanged"); 3-5 the task's ids after the call
// (uids for the *uid kinds, gids for the *gid kinds).
const (
	ArgSetIDArg0  = 0
	ArgSetIDArg1  = 1
	ArgSetIDArg2  = 2
	ArgSetIDReal  = 3
	ArgSetIDEff   = 4
	ArgSetIDSaved = 5
)

// KindCapset: the task's capability sets after the call.
const (
	ArgCapEffective   = 0
	ArgCapPermitted   = 1
	ArgCapInheritable = 2
)

// KindPrctl.
const (
	ArgPrctlOption = 0
	ArgPrctlArg2   = 1
	ArgPrctlArg3   = 2
	ArgPrctlArg4   = 3
	ArgPrctlArg5   = 4

	DataPrctlName = 0 // PR_SET_NAME: the new name; otherwise empty
)

// KindPtrace.
const (
	ArgPtraceRequest = 0
	ArgPtracePID     = 1
	ArgPtraceAddr    = 2
	ArgPtraceData    = 3
)

// KindMount and KindUmount2.
const (
	ArgMountFlags = 0

	DataMountSource = 0 // mount only
	DataMountTarget = 1 // mount only
	DataMountFSType = 2 // mount only

	DataUmountTarget = 0 // umount2
)

// KindInitModule and KindFinitModule.
const (
	ArgModuleLen   = 0 // init_module image length
	ArgModuleFd    = 0 // finit_module fd
	ArgModuleFlags = 1 // finit_module flags

	DataModuleParams = 0
)

// KindBpf.
const (
	ArgBpfCmd      = 0
	ArgBpfSize     = 1
	ArgBpfProgType = 2 // BPF_PROG_LOAD: attr.prog_type, else 0
)

// KindUnshare, KindSetns, KindUserfaultfd, KindKill.
const (
	ArgUnshareFlags     = 0
	ArgSetnsFd          = 0
	ArgSetnsNSType      = 1
	ArgUserfaultfdFlags = 0
	ArgKillPID          = 0
	ArgKillSig          = 1
)

// KindGeneric: Args are the six raw syscall arguments; DataGenericNr is a
// FieldU32 with the syscall number in the native table of the capturing
// architecture (ia32 calls with a 64-bit equivalent are mapped to it, and
// flagged FlagCompat), or, when GenericIA32 is set in it, the number of an
// ia32 call that has no 64-bit equivalent (socketcall, ipc, ...). Use
// Record.GenericSyscall to read it.
const DataGenericNr = 0

// GenericIA32 marks a DataGenericNr that is an ia32 table number.
const GenericIA32 = 1 << 31

// Shared argument and field lists.
var (
	argsExec   = []string{"dirfd", "flags", "old_tid"}
	dataExec   = []string{"filename", "argv", "exe_path", "interp", "cwd", "comm", "cgroup", "info"}
	typesExec  = []FieldType{FieldString, FieldArgv, FieldString, FieldString, FieldString, FieldString, FieldString, FieldExecInfo}
	argsClone  = []string{"flags"}
	argsOpen   = []string{"dirfd", "flags", "mode", "resolve", "dev", "ino"}
	argsDup    = []string{"oldfd", "newfd", "flags"}
	argsPipe   = []string{"fd0", "fd1", "flags", "ino"}
	argsPath2  = []string{"olddirfd", "newdirfd", "flags"}
	dataPath2  = []string{"oldpath", "newpath"}
	argsPath   = []string{"dirfd", "mode", "flags"}
	argsChown  = []string{"dirfd", "uid", "gid", "flags"}
	argsSock   = []string{"fd", "flags", "len"}
	dataSock   = []string{"addr", "sock"}
	typesSock  = []FieldType{FieldSockaddr, FieldSockInfo}
	argsSetID  = []string{"arg0", "arg1", "arg2", "real", "effective", "saved"}
	dataPath1  = []string{"path"}
	typesStr1  = []FieldType{FieldString}
	typesStr2  = []FieldType{FieldString, FieldString}
	argsSocket = []string{"domain", "type", "protocol"}
)

// schemas is indexed by Kind.
var schemas = [NumKinds]Schema{
	KindExecve:   {Name: "execve", Syscall: true, Args: argsExec, Data: dataExec, Types: typesExec},
	KindExecveat: {Name: "execveat", Syscall: true, Args: argsExec, Data: dataExec, Types: typesExec},
	KindClone:    {Name: "clone", Syscall: true, Args: argsClone},
	KindClone3:   {Name: "clone3", Syscall: true, Args: argsClone},
	KindFork:     {Name: "fork", Syscall: true, Args: argsClone},
	KindVfork:    {Name: "vfork", Syscall: true, Args: argsClone},
	KindProcExit: {Name: "procexit", Args: []string{"exit_code", "group_dead", "start"}},
	KindProcFork: {Name: "procfork", Args: []string{"child_tgid", "child_tid", "flags", "child_start", "parent_tgid", "parent_start"}},

	KindOpen:        {Name: "open", Syscall: true, Args: argsOpen, Data: dataPath1, Types: typesStr1},
	KindOpenat:      {Name: "openat", Syscall: true, Args: argsOpen, Data: dataPath1, Types: typesStr1},
	KindOpenat2:     {Name: "openat2", Syscall: true, Args: argsOpen, Data: dataPath1, Types: typesStr1},
	KindCreat:       {Name: "creat", Syscall: true, Args: argsOpen, Data: dataPath1, Types: typesStr1},
	KindClose:       {Name: "close", Syscall: true, Args: []string{"fd"}},
	KindCloseRange:  {Name: "close_range", Syscall: true, Args: []string{"first", "last", "flags"}},
	KindDup:         {Name: "dup", Syscall: true, Args: argsDup},
	KindDup2:        {Name: "dup2", Syscall: true, Args: argsDup},
	KindDup3:        {Name: "dup3", Syscall: true, Args: argsDup},
	KindFcntl:       {Name: "fcntl", Syscall: true, Args: []string{"fd", "cmd", "arg"}},
	KindPipe:        {Name: "pipe", Syscall: true, Args: argsPipe},
	KindPipe2:       {Name: "pipe2", Syscall: true, Args: argsPipe},
	KindMemfdCreate: {Name: "memfd_create", Syscall: true, Args: []string{"flags"}, Data: []string{"name"}, Types: typesStr1},
	KindRename:      {Name: "rename", Syscall: true, Args: argsPath2, Data: dataPath2, Types: typesStr2},
	KindRenameat:    {Name: "renameat", Syscall: true, Args: argsPath2, Data: dataPath2, Types: typesStr2},
	KindRenameat2:   {Name: "renameat2", Syscall: true, Args: argsPath2, Data: dataPath2, Types: typesStr2},
	KindUnlink:      {Name: "unlink", Syscall: true, Args: argsPath, Data: dataPath1, Types: typesStr1},
	KindUnlinkat:    {Name: "unlinkat", Syscall: true, Args: argsPath, Data: dataPath1, Types: typesStr1},
	KindMkdir:       {Name: "mkdir", Syscall: true, Args: argsPath, Data: dataPath1, Types: typesStr1},
	KindMkdirat:     {Name: "mkdirat", Syscall: true, Args: argsPath, Data: dataPath1, Types: typesStr1},
	KindRmdir:       {Name: "rmdir", Syscall: true, Args: argsPath, Data: dataPath1, Types: typesStr1},
	KindLink:        {Name: "link", Syscall: true, Args: argsPath2, Data: dataPath2, Types: typesStr2},
	KindLinkat:      {Name: "linkat", Syscall: true, Args: argsPath2, Data: dataPath2, Types: typesStr2},
	KindSymlink:     {Name: "symlink", Syscall: true, Args: []string{"dirfd"}, Data: []string{"target", "linkpath"}, Types: typesStr2},
	KindSymlinkat:   {Name: "symlinkat", Syscall: true, Args: []string{"dirfd"}, Data: []string{"target", "linkpath"}, Types: typesStr2},
	KindChmod:       {Name: "chmod", Syscall: true, Args: argsPath, Data: dataPath1, Types: typesStr1},
	KindFchmod:      {Name: "fchmod", Syscall: true, Args: argsPath, Data: dataPath1, Types: typesStr1},
	KindFchmodat:    {Name: "fchmodat", Syscall: true, Args: argsPath, Data: dataPath1, Types: typesStr1},
	KindChown:       {Name: "chown", Syscall: true, Args: argsChown, Data: dataPath1, Types: typesStr1},
	KindFchown:      {Name: "fchown", Syscall: true, Args: argsChown, Data: dataPath1, Types: typesStr1},
	KindLchown:      {Name: "lchown", Syscall: true, Args: argsChown, Data: dataPath1, Types: typesStr1},
	KindFchownat:    {Name: "fchownat", Syscall: true, Args: argsChown, Data: dataPath1, Types: typesStr1},
	KindChdir:       {Name: "chdir", Syscall: true, Args: argsPath, Data: dataPath1, Types: typesStr1},
	KindFchdir:      {Name: "fchdir", Syscall: true, Args: argsPath, Data: dataPath1, Types: typesStr1},
	KindChroot:      {Name: "chroot", Syscall: true, Args: argsPath, Data: dataPath1, Types: typesStr1},

	KindSocket:     {Name: "socket", Syscall: true, Args: argsSocket},
	KindSocketpair: {Name: "socketpair", Syscall: true, Args: []string{"domain", "type", "protocol", "fd0", "fd1"}},
	KindConnect:    {Name: "connect", Syscall: true, Args: argsSock, Data: dataSock, Types: typesSock},
	KindAccept:     {Name: "accept", Syscall: true, Args: argsSock, Data: dataSock, Types: typesSock},
	KindAccept4:    {Name: "accept4", Syscall: true, Args: argsSock, Data: dataSock, Types: typesSock},
	KindBind:       {Name: "bind", Syscall: true, Args: argsSock, Data: dataSock, Types: typesSock},
	KindListen:     {Name: "listen", Syscall: true, Args: argsSock, Data: dataSock, Types: typesSock},
	KindSendto:     {Name: "sendto", Syscall: true, Args: argsSock, Data: dataSock, Types: typesSock},
	KindSendmsg:    {Name: "sendmsg", Syscall: true, Args: argsSock, Data: dataSock, Types: typesSock},
	KindRecvfrom:   {Name: "recvfrom", Syscall: true, Args: argsSock, Data: dataSock, Types: typesSock},
	KindRecvmsg:    {Name: "recvmsg", Syscall: true, Args: argsSock, Data: dataSock, Types: typesSock},

	KindSetuid:      {Name: "setuid", Syscall: true, Args: argsSetID},
	KindSetgid:      {Name: "setgid", Syscall: true, Args: argsSetID},
	KindSetreuid:    {Name: "setreuid", Syscall: true, Args: argsSetID},
	KindSetregid:    {Name: "setregid", Syscall: true, Args: argsSetID},
	KindSetresuid:   {Name: "setresuid", Syscall: true, Args: argsSetID},
	KindSetresgid:   {Name: "setresgid", Syscall: true, Args: argsSetID},
	KindCapset:      {Name: "capset", Syscall: true, Args: []string{"effective", "permitted", "inheritable"}},
	KindSetsid:      {Name: "setsid", Syscall: true},
	KindPrctl:       {Name: "prctl", Syscall: true, Args: []string{"option", "arg2", "arg3", "arg4", "arg5"}, Data: []string{"name"}, Types: typesStr1},
	KindPtrace:      {Name: "ptrace", Syscall: true, Args: []string{"request", "pid", "addr", "data"}},
	KindMount:       {Name: "mount", Syscall: true, Args: []string{"flags"}, Data: []string{"source", "target", "fstype"}, Types: []FieldType{FieldString, FieldString, FieldString}},
	KindUmount2:     {Name: "umount2", Syscall: true, Args: []string{"flags"}, Data: []string{"target"}, Types: typesStr1},
	KindInitModule:  {Name: "init_module", Syscall: true, Args: []string{"len"}, Data: []string{"params"}, Types: typesStr1},
	KindFinitModule: {Name: "finit_module", Syscall: true, Args: []string{"fd", "flags"}, Data: []string{"params"}, Types: typesStr1},
	KindBpf:         {Name: "bpf", Syscall: true, Args: []string{"cmd", "size", "prog_type"}},
	KindUnshare:     {Name: "unshare", Syscall: true, Args: []string{"flags"}},
	KindSetns:       {Name: "setns", Syscall: true, Args: []string{"fd", "nstype"}},
	KindUserfaultfd: {Name: "userfaultfd", Syscall: true, Args: []string{"flags"}},
	KindKill:        {Name: "kill", Syscall: true, Args: []string{"pid", "sig"}},

	KindGeneric: {Name: "generic", Args: []string{"arg0", "arg1", "arg2", "arg3", "arg4", "arg5"}, Data: []string{"nr"}, Types: []FieldType{FieldU32}},
}
