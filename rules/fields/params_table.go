package fields

// Parameters that recur across events. Names, order and meaning follow the
// exit events of the Falco event table (enter parameters merged after the
// exit ones), so that `evt.arg.NAME` and `evt.arg[N]` written for Falco find
// the same parameter here.
var (
	pRes      = Param{"res", TypeInt, FmtErrno}
	pResFD    = Param{"res", TypeInt, FmtFD} // result that is a new fd
	pRetFD    = Param{"fd", TypeInt, FmtFD}  // result that is a new fd, in the events Falco names it fd
	pResPID   = Param{"res", TypeInt, FmtDec}
	pFD       = Param{"fd", TypeInt, FmtFD}
	pDirfd    = Param{"dirfd", TypeInt, FmtFD}
	pName     = Param{"name", TypeString, FmtPath}
	pPath     = Param{"path", TypeString, FmtPath}
	pFilename = Param{"filename", TypeString, FmtPath}
	pPathname = Param{"pathname", TypeString, FmtPath}
	pOldpath  = Param{"oldpath", TypeString, FmtPath}
	pNewpath  = Param{"newpath", TypeString, FmtPath}
	pOpenFl   = Param{"flags", TypeUint, FmtOpenFlags}
	pFlags    = Param{"flags", TypeUint, FmtFlags}
	pCloneFl  = Param{"flags", TypeUint, FmtCloneFlags}
	pOpenMode = Param{"mode", TypeUint, FmtOct}
	pChmod    = Param{"mode", TypeUint, FmtMode}
	pDev      = Param{"dev", TypeUint, FmtHex}
	pIno      = Param{"ino", TypeUint, FmtDec}
	pData     = Param{"data", TypeBytes, FmtBytes}
	pSize     = Param{"size", TypeUint, FmtDec}
	pTuple    = Param{"tuple", TypeString, FmtSockTuple}
	pAddr     = Param{"addr", TypeString, FmtSockAddr}
	pPos      = Param{"pos", TypeUint, FmtDec}
	pPID      = Param{"pid", TypeInt, FmtDec}
	pTID      = Param{"tid", TypeInt, FmtDec}
	pSig      = Param{"sig", TypeUint, FmtSignal}
	pUID      = Param{"uid", TypeUint, FmtUID}
	pGID      = Param{"gid", TypeUint, FmtGID}
	pDomain   = Param{"domain", TypeUint, FmtSockDomain}
	pSockType = Param{"type", TypeUint, FmtDec}
	pProto    = Param{"proto", TypeUint, FmtDec}
	pFd1      = Param{"fd1", TypeInt, FmtFD}
	pFd2      = Param{"fd2", TypeInt, FmtFD}
	pOldfd    = Param{"oldfd", TypeInt, FmtFD}
	pNewfd    = Param{"newfd", TypeInt, FmtFD}
	pCapInh   = Param{"cap_inheritable", TypeUint, FmtHex}
	pCapPerm  = Param{"cap_permitted", TypeUint, FmtHex}
	pCapEff   = Param{"cap_effective", TypeUint, FmtHex}
	pQueuePct = Param{"queuepct", TypeUint, FmtDec}
	pQueueLen = Param{"queuelen", TypeUint, FmtDec}
	pQueueMax = Param{"queuemax", TypeUint, FmtDec}
	pOlddirfd = Param{"olddirfd", TypeInt, FmtFD}
	pNewdirfd = Param{"newdirfd", TypeInt, FmtFD}
	pInitval  = Param{"initval", TypeUint, FmtDec}
)

// openExit, creatExit... are the parameter lists shared by several events.
var (
	openatExit = []Param{pRetFD, pDirfd, pName, pOpenFl, pOpenMode, pDev, pIno}
	dupExit    = []Param{pResFD, pOldfd, pNewfd}
	renameatX  = []Param{pRes, pOlddirfd, pOldpath, pNewdirfd, pNewpath}
	acceptExit = []Param{pRetFD, pTuple, pQueuePct, pQueueLen, pQueueMax}
	sendExit   = []Param{pRes, pData, pFD, pSize, pTuple}
	ioExit     = []Param{pRes, pData, pFD, pSize}
	ioPosExit  = []Param{pRes, pData, pFD, pSize, pPos}
	forkExit   = []Param{
		{"res", TypeInt, FmtDec}, {"exe", TypeString, FmtDec}, {"args", TypeBytes, FmtBytes}, pTID, pPID,
		{"ptid", TypeInt, FmtDec}, {"cwd", TypeString, FmtDec}, {"fdlimit", TypeInt, FmtDec},
		{"pgft_maj", TypeUint, FmtDec}, {"pgft_min", TypeUint, FmtDec}, {"vm_size", TypeUint, FmtDec},
		{"vm_rss", TypeUint, FmtDec}, {"vm_swap", TypeUint, FmtDec}, {"comm", TypeString, FmtDec},
		{"cgroups", TypeBytes, FmtBytes}, pCloneFl, pUID, pGID, {"vtid", TypeInt, FmtDec},
		{"vpid", TypeInt, FmtDec}, {"pidns_init_start_ts", TypeUint, FmtDec},
	}
	execveExit = []Param{
		pRes, {"exe", TypeString, FmtDec}, {"args", TypeBytes, FmtBytes}, pTID, pPID,
		{"ptid", TypeInt, FmtDec}, {"cwd", TypeString, FmtDec}, {"fdlimit", TypeInt, FmtDec},
		{"pgft_maj", TypeUint, FmtDec}, {"pgft_min", TypeUint, FmtDec}, {"vm_size", TypeUint, FmtDec},
		{"vm_rss", TypeUint, FmtDec}, {"vm_swap", TypeUint, FmtDec}, {"comm", TypeString, FmtDec},
		{"cgroups", TypeBytes, FmtBytes}, {"env", TypeBytes, FmtBytes}, {"tty", TypeUint, FmtDec},
		{"vpgid", TypeInt, FmtDec}, {"loginuid", TypeUint, FmtUID}, {"flags", TypeUint, FmtExecveFlags},
		pCapInh, pCapPerm, pCapEff, {"exe_ino", TypeUint, FmtDec},
		{"exe_ino_ctime", TypeAbsTime, FmtDec}, {"exe_ino_mtime", TypeAbsTime, FmtDec}, pUID,
		{"trusted_exepath", TypeString, FmtPath}, {"pgid", TypeInt, FmtDec}, pGID,
	}
)

// eventParams maps event-type names to their parameters. Every event type
// the upstream rules bind to is present, as are the events the process and
// fd state is built from.
var eventParams = map[string][]Param{
	// Files.
	"open":              {pRetFD, pName, pOpenFl, pOpenMode, pDev, pIno},
	"openat":            openatExit,
	"openat2":           {pRetFD, pDirfd, pName, pOpenFl, pOpenMode, {"resolve", TypeUint, FmtFlags}, pDev, pIno},
	"creat":             {pRetFD, pName, pOpenMode, pDev, pIno},
	"open_by_handle_at": {pRetFD, {"mountfd", TypeInt, FmtFD}, pOpenFl, pPath, pDev, pIno},
	"close":             {pRes, pFD},
	"close_range":       {pRes, {"first", TypeUint, FmtDec}, {"last", TypeUint, FmtDec}, pFlags},
	"link":              {pRes, pOldpath, pNewpath},
	"linkat":            {pRes, {"olddir", TypeInt, FmtFD}, pOldpath, {"newdir", TypeInt, FmtFD}, pNewpath, pFlags},
	"symlink":           {pRes, {"target", TypeString, FmtDec}, {"linkpath", TypeString, FmtPath}},
	"symlinkat":         {pRes, {"target", TypeString, FmtDec}, {"linkdirfd", TypeInt, FmtFD}, {"linkpath", TypeString, FmtPath}},
	"unlink":            {pRes, pPath},
	"unlinkat":          {pRes, pDirfd, pName, pFlags},
	"rename":            {pRes, pOldpath, pNewpath},
	"renameat":          renameatX,
	"renameat2":         append(renameatX[:len(renameatX):len(renameatX)], pFlags),
	"mkdir":             {pRes, pPath, pOpenMode},
	"mkdirat":           {pRes, pDirfd, pPath, pOpenMode},
	"rmdir":             {pRes, pPath},
	"chmod":             {pRes, pFilename, pChmod},
	"fchmod":            {pRes, pFD, pChmod},
	"fchmodat":          {pRes, pDirfd, pFilename, pChmod},
	"chown":             {pRes, pPath, pUID, pGID},
	"lchown":            {pRes, pPath, pUID, pGID},
	"fchown":            {pRes, pFD, pUID, pGID},
	"fchownat":          {pRes, pDirfd, pPathname, pUID, pGID, pFlags},
	"access":            {pRes, pName, {"mode", TypeUint, FmtAccessMode}},
	"chdir":             {pRes, pPath},
	"fchdir":            {pRes, pFD},
	"chroot":            {pRes, pPath},
	"mount":             {pRes, {"dev", TypeString, FmtDec}, {"dir", TypeString, FmtPath}, {"type", TypeString, FmtDec}, pFlags},
	"umount2":           {pRes, pName, pFlags},
	"mknod":             {pRes, pPath, pChmod, pDev},
	"mknodat":           {pRes, pDirfd, pPath, pChmod, pDev},

	// Fds that are not files.
	"dup":            {pResFD, pOldfd},
	"dup2":           dupExit,
	"dup3":           append(dupExit[:len(dupExit):len(dupExit)], pOpenFl),
	"fcntl":          {pResFD, pFD, {"cmd", TypeInt, FmtFcntlCmd}},
	"pipe":           {pRes, pFd1, pFd2, pIno},
	"pipe2":          {pRes, pFd1, pFd2, pIno, pOpenFl},
	"eventfd":        {pResFD, pInitval, pFlags},
	"eventfd2":       {pResFD, pFlags, pInitval},
	"signalfd":       {pResFD, pFD, {"mask", TypeUint, FmtHex}, pFlags},
	"signalfd4":      {pResFD, pFlags, pFD, {"mask", TypeUint, FmtHex}},
	"timerfd_create": {pResFD, {"clockid", TypeUint, FmtDec}, pFlags},
	"inotify_init":   {pResFD, pFlags},
	"inotify_init1":  {pResFD, pFlags},
	"epoll_create":   {pResFD, {"size", TypeUint, FmtDec}},
	"epoll_create1":  {pResFD, pFlags},
	"memfd_create":   {pRetFD, pName, pFlags},
	"userfaultfd":    {pResFD, pFlags},
	"pidfd_open":     {pRetFD, pPID, pFlags},
	"pidfd_getfd":    {pRetFD, {"pid_fd", TypeInt, FmtFD}, {"target_fd", TypeInt, FmtDec}, pFlags},
	"io_uring_setup": {pResFD, {"entries", TypeUint, FmtDec}, {"sq_entries", TypeUint, FmtDec},
		{"cq_entries", TypeUint, FmtDec}, pFlags, {"sq_thread_cpu", TypeUint, FmtDec},
		{"sq_thread_idle", TypeUint, FmtDec}, {"features", TypeUint, FmtFlags}},
	"bpf": {pRetFD, {"cmd", TypeInt, FmtBPFCmd}},

	// Network.
	"socket":     {pRetFD, pDomain, pSockType, pProto},
	"socketpair": {pRes, pFd1, pFd2, {"source", TypeUint, FmtHex}, {"peer", TypeUint, FmtHex}, pDomain, pSockType, pProto},
	"bind":       {pRes, pAddr, pFD},
	"connect":    {pRes, pTuple, pFD, pAddr},
	"listen":     {pRes, pFD, {"backlog", TypeInt, FmtDec}},
	"accept":     acceptExit,
	"accept4":    append(acceptExit[:len(acceptExit):len(acceptExit)], pFlags),
	"shutdown":   {pRes, pFD, {"how", TypeUint, FmtDec}},
	"sendto":     sendExit,
	"sendmsg":    sendExit,
	"recvfrom":   {pRes, pData, pTuple, pFD, pSize},
	"recvmsg":    {pRes, pSize, pData, pTuple, {"msgcontrol", TypeBytes, FmtBytes}, pFD},
	"read":       ioExit,
	"write":      ioExit,
	"pread64":    ioPosExit,
	"pwrite64":   ioPosExit,
	"readv":      {pRes, pSize, pData, pFD},
	"writev":     ioExit,
	"preadv":     {pRes, pSize, pData, pFD, pPos},
	"pwritev":    ioPosExit,

	// Processes.
	"execve":        append(execveExit[:len(execveExit):len(execveExit)], pFilename),
	"execveat":      append(execveExit[:len(execveExit):len(execveExit)], pDirfd, pPathname),
	"clone":         forkExit,
	"clone3":        forkExit,
	"fork":          forkExit,
	"vfork":         forkExit,
	"procexit":      {{"status", TypeInt, FmtDec}, {"ret", TypeInt, FmtDec}, pSig, {"core", TypeUint, FmtDec}, {"reaper_tid", TypeInt, FmtDec}},
	"ptrace":        {pRes, {"addr", TypeUint, FmtHex}, {"data", TypeUint, FmtHex}, {"request", TypeUint, FmtPtraceRequest}, pPID},
	"kill":          {pRes, pPID, pSig},
	"tkill":         {pRes, pTID, pSig},
	"tgkill":        {pRes, pPID, pTID, pSig},
	"setns":         {pRes, pFD, {"nstype", TypeUint, FmtCloneFlags}},
	"unshare":       {pRes, pCloneFl},
	"setsid":        {pResPID},
	"setpgid":       {pResPID, pPID, {"pgid", TypeInt, FmtDec}},
	"prctl":         {pRes, {"option", TypeUint, FmtDec}, {"arg2_str", TypeString, FmtDec}, {"arg2_int", TypeInt, FmtDec}},
	"capset":        {pRes, pCapInh, pCapPerm, pCapEff},
	"init_module":   {pRes, {"img", TypeBytes, FmtBytes}, {"length", TypeUint, FmtDec}, {"uargs", TypeString, FmtDec}},
	"finit_module":  {pRes, pFD, {"uargs", TypeString, FmtDec}, pFlags},
	"delete_module": {pRes, pName, pFlags},

	// Credentials.
	"setuid":    {pRes, pUID},
	"setgid":    {pRes, pGID},
	"setresuid": {pRes, {"ruid", TypeUint, FmtUID}, {"euid", TypeUint, FmtUID}, {"suid", TypeUint, FmtUID}},
	"setresgid": {pRes, {"rgid", TypeUint, FmtGID}, {"egid", TypeUint, FmtGID}, {"sgid", TypeUint, FmtGID}},
	"setreuid":  {pRes, {"ruid", TypeUint, FmtUID}, {"euid", TypeUint, FmtUID}},
	"setregid":  {pRes, {"rgid", TypeUint, FmtGID}, {"egid", TypeUint, FmtGID}},
}
