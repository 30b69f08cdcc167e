package collector

import (
	"bytes"
	"strconv"

	"github.com/vigilsec/vigil/collector/linuxabi"
	"github.com/vigilsec/vigil/collector/proc"
	"github.com/vigilsec/vigil/collector/record"
	"github.com/vigilsec/vigil/rules/fields"
)

// paramHow says where the value of an event parameter comes from.
type paramHow uint8

const (
	phNone     paramHow = iota // not captured: the parameter is missing
	phRet                      // the syscall result
	phArg                      // record argument idx
	phData                     // record data field idx, as text or bytes
	phPath                     // record data field idx, a path relative to the dirfd in argument dirfd (-1: the working directory)
	phSockAddr                 // record data field idx, a sockaddr
	phTuple                    // the socket tuple of the event's fd
	phArgv                     // argv after argv[0] (exec: record data; otherwise the process's)
	phStatus                   // procexit: the wait status, and what it encodes (idx selects)
	phProc                     // a value from the process (idx is a procParam)
)

// procParam selects what a phProc parameter reads from the process.
type procParam int8

const (
	ppExe procParam = iota
	ppTID
	ppPID
	ppPPID
	ppVTID
	ppVPID
	ppVPGID
	ppPGID
	ppCwd
	ppComm
	ppEnv
	ppTTY
	ppLoginUID
	ppUID
	ppGID
	ppExeFlags
	ppCapInh
	ppCapPrm
	ppCapEff
	ppExeIno
	ppExeCtime
	ppExeMtime
	ppExePath
)

// Wait-status parts of procexit (phStatus idx).
const (
	stStatus = iota
	stRet
	stSig
	stCore
)

type paramSrc struct {
	how   paramHow
	idx   int8
	dirfd int8
}

func ret() paramSrc                 { return paramSrc{how: phRet} }
func arg(i int) paramSrc            { return paramSrc{how: phArg, idx: int8(i)} }
func data(i int) paramSrc           { return paramSrc{how: phData, idx: int8(i)} }
func pathAt(i, dirfd int) paramSrc  { return paramSrc{how: phPath, idx: int8(i), dirfd: int8(dirfd)} }
func fromProc(p procParam) paramSrc { return paramSrc{how: phProc, idx: int8(p)} }

// paramSource maps parameter name of a record of kind k to where its value
// is. The names are those of fields.EventParams for the kind's event type.
func paramSource(k record.Kind, name string) paramSrc {
	if name == "res" {
		return ret()
	}
	switch k {
	case record.KindOpen, record.KindOpenat, record.KindOpenat2, record.KindCreat:
		switch name {
		case "fd":
			return ret()
		case "dirfd":
			return arg(record.ArgOpenDirfd)
		case "name":
			return pathAt(record.DataOpenPath, record.ArgOpenDirfd)
		case "flags":
			return arg(record.ArgOpenFlags)
		case "mode":
			return arg(record.ArgOpenMode)
		case "resolve":
			return arg(record.ArgOpenResolve)
		case "dev":
			return arg(record.ArgOpenDev)
		case "ino":
			return arg(record.ArgOpenIno)
		}
	case record.KindClose:
		if name == "fd" {
			return arg(record.ArgCloseFd)
		}
	case record.KindCloseRange:
		switch name {
		case "first":
			return arg(record.ArgCloseRangeFirst)
		case "last":
			return arg(record.ArgCloseRangeLast)
		case "flags":
			return arg(record.ArgCloseRangeFlags)
		}
	case record.KindDup, record.KindDup2, record.KindDup3:
		switch name {
		case "oldfd":
			return arg(record.ArgDupOldFd)
		case "newfd":
			return arg(record.ArgDupNewFd)
		case "flags":
			return arg(record.ArgDupFlags)
		}
	case record.KindFcntl:
		switch name {
		case "fd":
			return arg(record.ArgFcntlFd)
		case "cmd":
			return arg(record.ArgFcntlCmd)
		}
	case record.KindPipe, record.KindPipe2:
		switch name {
		case "fd1":
			return arg(record.ArgPipeFd0)
		case "fd2":
			return arg(record.ArgPipeFd1)
		case "flags":
			return arg(record.ArgPipeFlags)
		case "ino":
			return arg(record.ArgPipeIno)
		}
	case record.KindMemfdCreate:
		switch name {
		case "fd":
			return ret()
		case "name":
			return data(record.DataMemfdName)
		case "flags":
			return arg(record.ArgMemfdFlags)
		}
	case record.KindRename, record.KindRenameat, record.KindRenameat2, record.KindLink, record.KindLinkat:
		switch name {
		case "olddirfd", "olddir":
			return arg(record.ArgPath2OldDirfd)
		case "newdirfd", "newdir":
			return arg(record.ArgPath2NewDirfd)
		case "oldpath":
			return pathAt(record.DataPath2Old, record.ArgPath2OldDirfd)
		case "newpath":
			return pathAt(record.DataPath2New, record.ArgPath2NewDirfd)
		case "flags":
			return arg(record.ArgPath2Flags)
		}
	case record.KindSymlink, record.KindSymlinkat:
		switch name {
		case "target":
			return data(record.DataSymlinkTarget)
		case "linkdirfd":
			return arg(record.ArgSymlinkDirfd)
		case "linkpath":
			return pathAt(record.DataSymlinkPath, record.ArgSymlinkDirfd)
		}
	case record.KindUnlink, record.KindUnlinkat, record.KindMkdir, record.KindMkdirat, record.KindRmdir,
		record.KindChmod, record.KindFchmod, record.KindFchmodat, record.KindChdir, record.KindFchdir, record.KindChroot:
		switch name {
		case "dirfd", "fd":
			return arg(record.ArgPathDirfd)
		case "path", "name", "filename":
			return pathAt(record.DataPath, record.ArgPathDirfd)
		case "mode":
			return arg(record.ArgPathMode)
		case "flags":
			return arg(record.ArgPathFlags)
		}
	case record.KindChown, record.KindFchown, record.KindLchown, record.KindFchownat:
		switch name {
		case "dirfd", "fd":
			return arg(record.ArgChownDirfd)
		case "path", "pathname":
			return pathAt(record.DataChownPath, record.ArgChownDirfd)
		case "uid":
			return arg(record.ArgChownUID)
		case "gid":
			return arg(record.ArgChownGID)
		case "flags":
			return arg(record.ArgChownFlags)
		}
	case record.KindSocket, record.KindSocketpair:
		switch name {
		case "fd":
			return ret()
		case "fd1":
			return arg(record.ArgSocketpairFd0)
		case "fd2":
			return arg(record.ArgSocketpairFd1)
		case "domain":
			return arg(record.ArgSocketDomain)
		case "type":
			return arg(record.ArgSocketType)
		case "proto":
			return arg(record.ArgSocketProtocol)
		}
	case record.KindConnect, record.KindBind, record.KindAccept, record.KindAccept4, record.KindListen,
		record.KindSendto, record.KindSendmsg, record.KindRecvfrom, record.KindRecvmsg:
		switch name {
		case "fd":
			if k == record.KindAccept || k == record.KindAccept4 {
				return ret()
			}
			return arg(record.ArgSockFd)
		case "tuple":
			return paramSrc{how: phTuple}
		case "addr":
			return paramSrc{how: phSockAddr, idx: record.DataSockAddr}
		case "flags", "backlog":
			return arg(record.ArgSockFlags)
		case "size":
			return arg(record.ArgSockLength)
		}
	case record.KindExecve, record.KindExecveat, record.KindClone, record.KindClone3, record.KindFork, record.KindVfork:
		return processParam(k, name)
	case record.KindProcExit:
		switch name {
		case "status":
			return paramSrc{how: phStatus, idx: stStatus}
		case "ret":
			return paramSrc{how: phStatus, idx: stRet}
		case "sig":
			return paramSrc{how: phStatus, idx: stSig}
		case "core":
			return paramSrc{how: phStatus, idx: stCore}
		}
	case record.KindPtrace:
		switch name {
		case "request":
			return arg(record.ArgPtraceRequest)
		case "pid":
			return arg(record.ArgPtracePID)
		case "addr":
			return arg(record.ArgPtraceAddr)
		case "data":
			return arg(record.ArgPtraceData)
		}
	case record.KindKill:
		switch name {
		case "pid":
			return arg(record.ArgKillPID)
		case "sig":
			return arg(record.ArgKillSig)
		}
	case record.KindSetns:
		switch name {
		case "fd":
			return arg(record.ArgSetnsFd)
		case "nstype":
			return arg(record.ArgSetnsNSType)
		}
	case record.KindUnshare:
		if name == "flags" {
			return arg(record.ArgUnshareFlags)
		}
	case record.KindPrctl:
		switch name {
		case "option":
			return arg(record.ArgPrctlOption)
		case "arg2_str":
			return data(record.DataPrctlName)
		case "arg2_int":
			return arg(record.ArgPrctlArg2)
		}
	case record.KindCapset:
		switch name {
		case "cap_effective":
			return arg(record.ArgCapEffective)
		case "cap_permitted":
			return arg(record.ArgCapPermitted)
		case "cap_inheritable":
			return arg(record.ArgCapInheritable)
		}
	case record.KindInitModule, record.KindFinitModule:
		switch name {
		case "length", "fd":
			return arg(record.ArgModuleLen) // same slot as ArgModuleFd
		case "uargs":
			return data(record.DataModuleParams)
		case "flags":
			return arg(record.ArgModuleFlags)
		}
	case record.KindSetuid, record.KindSetgid, record.KindSetreuid, record.KindSetregid, record.KindSetresuid, record.KindSetresgid:
		switch name {
		case "uid", "gid", "ruid", "rgid":
			return arg(record.ArgSetIDArg0)
		case "euid", "egid":
			return arg(record.ArgSetIDArg1)
		case "suid", "sgid":
			return arg(record.ArgSetIDArg2)
		}
	case record.KindMount:
		switch name {
		case "dev":
			return data(record.DataMountSource)
		case "dir":
			return pathAt(record.DataMountTarget, -1)
		case "type":
			return data(record.DataMountFSType)
		case "flags":
			return arg(record.ArgMountFlags)
		}
	case record.KindUmount2:
		switch name {
		case "name":
			return pathAt(record.DataUmountTarget, -1)
		case "flags":
			return arg(record.ArgMountFlags)
		}
	case record.KindBpf:
		switch name {
		case "fd":
			return ret()
		case "cmd":
			return arg(record.ArgBpfCmd)
		}
	case record.KindUserfaultfd:
		if name == "flags" {
			return arg(record.ArgUserfaultfdFlags)
		}
	}
	return paramSrc{}
}

// processParam maps the parameters of exec and clone events, most of which
// describe the process after the call.
func processParam(k record.Kind, name string) paramSrc {
	exec := k == record.KindExecve || k == record.KindExecveat
	switch name {
	case "exe":
		return fromProc(ppExe)
	case "args":
		return paramSrc{how: phArgv}
	case "tid":
		return fromProc(ppTID)
	case "pid":
		return fromProc(ppPID)
	case "ptid":
		return fromProc(ppPPID)
	case "vtid":
		return fromProc(ppVTID)
	case "vpid":
		return fromProc(ppVPID)
	case "cwd":
		return fromProc(ppCwd)
	case "comm":
		return fromProc(ppComm)
	case "env":
		return fromProc(ppEnv)
	case "tty":
		return fromProc(ppTTY)
	case "vpgid":
		return fromProc(ppVPGID)
	case "pgid":
		return fromProc(ppPGID)
	case "loginuid":
		return fromProc(ppLoginUID)
	case "uid":
		return fromProc(ppUID)
	case "gid":
		return fromProc(ppGID)
	case "cap_inheritable":
		return fromProc(ppCapInh)
	case "cap_permitted":
		return fromProc(ppCapPrm)
	case "cap_effective":
		return fromProc(ppCapEff)
	case "exe_ino":
		return fromProc(ppExeIno)
	case "exe_ino_ctime":
		return fromProc(ppExeCtime)
	case "exe_ino_mtime":
		return fromProc(ppExeMtime)
	case "trusted_exepath":
		return fromProc(ppExePath)
	case "flags":
		if exec {
			return fromProc(ppExeFlags)
		}
		return arg(record.ArgCloneFlags)
	case "filename", "pathname":
		return pathAt(record.DataExecFilename, record.ArgExecDirfd)
	case "dirfd":
		return arg(record.ArgExecDirfd)
	}
	return paramSrc{}
}

// extractArg fills evt.arg (text) or evt.rawarg (typed) for the parameter
// ref names.
func (e *Event) extractArg(ref *fields.Ref, v *fields.Value, raw bool) bool {
	params := fields.EventParams(e.typ)
	var p fields.Param
	switch ref.Arg.Kind {
	case fields.ArgIndex:
		if ref.Arg.Index < 0 || ref.Arg.Index >= len(params) {
			return false
		}
		p = params[ref.Arg.Index]
	case fields.ArgKey:
		i, ok := fields.ParamIndex(e.typ, ref.Arg.Key)
		if !ok {
			return false
		}
		p = params[i]
	default:
		return false
	}
	src := e.paramSrc(p.Name)
	if raw {
		if t, _ := fields.ParamType(p.Name); t != p.Type {
			return false // the name has another type in this event
		}
		return e.paramValue(src, p, v)
	}
	var pv fields.Value
	if !e.paramValue(src, p, &pv) {
		return false
	}
	start := len(e.scratch)
	e.scratch = e.appendParamText(e.scratch, src, p, &pv)
	v.Str = e.view(start)
	return true
}

func (e *Event) paramSrc(name string) paramSrc {
	if e.Rec.Kind == record.KindGeneric {
		if name == "res" {
			return ret() // the arguments of generic records are not mapped to names
		}
		return paramSrc{}
	}
	return paramSource(e.Rec.Kind, name)
}

// appendArgs appends evt.args: every captured parameter but the result, as
// name=value separated by spaces.
func (e *Event) appendArgs() {
	first := true
	for _, p := range fields.EventParams(e.typ) {
		src := e.paramSrc(p.Name)
		if src.how == phRet && e.isSyscall() {
			continue
		}
		var pv fields.Value
		if !e.paramValue(src, p, &pv) {
			continue
		}
		if !first {
			e.scratch = append(e.scratch, ' ')
		}
		first = false
		e.scratch = append(e.scratch, p.Name...)
		e.scratch = append(e.scratch, '=')
		e.scratch = e.appendParamText(e.scratch, src, p, &pv)
	}
}

// paramValue fills v with the raw value of a parameter, typed as p.Type.
func (e *Event) paramValue(src paramSrc, p fields.Param, v *fields.Value) bool {
	r := e.Rec
	switch src.how {
	case phRet:
		v.Int = r.Ret
	case phArg:
		if p.Type == fields.TypeInt {
			v.Int = r.Arg(int(src.idx))
		} else {
			v.Int = int64(r.Args[src.idx])
		}
	case phData, phPath:
		b := r.Data[src.idx]
		if p.Type == fields.TypeBytes {
			v.Bytes = append(v.Bytes[:0], b...)
		} else {
			v.Str = bstr(b)
		}
	case phSockAddr:
		var sa record.Sockaddr
		if !record.DecodeSockaddr(r.Data[src.idx], &sa) {
			return false
		}
		start := len(e.scratch)
		if sa.Family == record.AFUnix {
			e.scratch = append(e.scratch, sa.Path...)
		} else {
			e.scratch = sa.Addr.AppendTo(e.scratch)
		}
		v.Str = e.view(start)
	case phTuple:
		f := e.FD
		if f == nil || !f.Kind.IsSocket() || f.Name == "" {
			return false
		}
		v.Str = f.Name
	case phArgv:
		return e.argv(v)
	case phStatus:
		st := int64(r.Args[record.ArgExitCode])
		switch src.idx {
		case stStatus:
			v.Int = st
		case stRet:
			v.Int = st >> 8 & 0xff
		case stSig:
			v.Int = st & 0x7f
		case stCore:
			v.Int = st >> 7 & 1
		}
	case phProc:
		return e.procParam(procParam(src.idx), v)
	default:
		return false
	}
	return true
}

// argv fills the args parameter of exec and clone events: argv after
// argv[0], NUL separated.
func (e *Event) argv(v *fields.Value) bool {
	r := e.Rec
	if r.Kind == record.KindExecve || r.Kind == record.KindExecveat {
		b := r.Data[record.DataExecArgv]
		if i := bytes.IndexByte(b, 0); i >= 0 {
			b = b[i+1:]
		} else {
			b = nil
		}
		v.Bytes = append(v.Bytes[:0], b...)
		return true
	}
	if e.Proc == nil {
		return false
	}
	v.Bytes = v.Bytes[:0]
	for _, a := range e.Proc.Args {
		v.Bytes = append(v.Bytes, a...)
		v.Bytes = append(v.Bytes, 0)
	}
	return true
}

// procParam fills a parameter that describes the calling process.
func (e *Event) procParam(pp procParam, v *fields.Value) bool {
	r := e.Rec
	switch pp {
	case ppTID:
		v.Int = int64(r.TID)
		return true
	case ppPID:
		v.Int = int64(r.TGID)
		return true
	}
	p := e.Proc
	if p == nil {
		return false
	}
	c := &p.Creds
	switch pp {
	case ppExe:
		v.Str = p.Exe
	case ppPPID:
		v.Int = int64(p.Ppid)
	case ppVTID:
		if e.Thread == nil {
			return false
		}
		v.Int = int64(e.Thread.Vtid)
	case ppVPID:
		v.Int = int64(p.Vpid)
	case ppVPGID:
		v.Int = int64(p.Vpgid)
	case ppPGID:
		v.Int = int64(p.Pgid)
	case ppCwd:
		v.Str = p.Cwd
	case ppComm:
		v.Str = p.Comm
	case ppEnv:
		v.Bytes = v.Bytes[:0]
		for _, kv := range p.Env {
			v.Bytes = append(v.Bytes, kv...)
			v.Bytes = append(v.Bytes, 0)
		}
	case ppTTY:
		v.Int = int64(p.Tty)
	case ppLoginUID:
		v.Int = int64(c.LoginUID)
	case ppUID:
		v.Int = int64(c.EUID)
	case ppGID:
		v.Int = int64(c.EGID)
	case ppExeFlags:
		var fl uint64
		if p.ExeFile.Flags&proc.ExeWritable != 0 {
			fl |= linuxabi.ExeWritable
		}
		if p.ExeFile.Flags&proc.ExeUpperLayer != 0 {
			fl |= linuxabi.ExeUpperLayer
		}
		if p.ExeFile.Flags&proc.ExeFromMemfd != 0 {
			fl |= linuxabi.ExeFromMemfd
		}
		v.Int = int64(fl)
	case ppCapInh:
		v.Int = int64(c.CapInh)
	case ppCapPrm:
		v.Int = int64(c.CapPrm)
	case ppCapEff:
		v.Int = int64(c.CapEff)
	case ppExeIno:
		v.Int = int64(p.ExeFile.Ino)
	case ppExeCtime:
		v.Int = p.ExeFile.Ctime
	case ppExeMtime:
		v.Int = p.ExeFile.Mtime
	case ppExePath:
		v.Str = p.ExePath
	default:
		return false
	}
	return true
}

// appendParamText appends the text of a parameter value as evt.arg shows it.
func (e *Event) appendParamText(dst []byte, src paramSrc, p fields.Param, v *fields.Value) []byte {
	n := uint64(v.Int)
	symbolic := func(dst []byte, render func([]byte, uint64) []byte) []byte {
		l := len(dst)
		if dst = render(dst, n); len(dst) == l {
			dst = appendUint(dst, n)
		}
		return dst
	}
	switch p.Fmt {
	case fields.FmtHex, fields.FmtFlags:
		return strconv.AppendUint(append(dst, "0x"...), n, 16)
	case fields.FmtOct:
		return strconv.AppendUint(append(dst, '0'), n, 8)
	case fields.FmtErrno:
		if v.Int < 0 {
			return linuxabi.AppendRes(dst, v.Int)
		}
		return appendInt(dst, v.Int)
	case fields.FmtFD:
		return e.appendFD(dst, v.Int)
	case fields.FmtPath:
		if src.how == phPath && e.Proc != nil && v.Str != "" && v.Str[0] != '/' {
			dirfd := int32(proc.AtFDCWD)
			if src.dirfd >= 0 {
				dirfd = int32(e.Rec.Arg(int(src.dirfd)))
			}
			if abs, ok := e.Proc.Resolve(dirfd, v.Str); ok {
				return append(dst, abs...)
			}
		}
		return append(dst, v.Str...)
	case fields.FmtBytes:
		return fields.AppendPrintable(dst, v.Bytes)
	case fields.FmtOpenFlags:
		return linuxabi.AppendOpenFlags(dst, n)
	case fields.FmtMode:
		return symbolic(dst, linuxabi.AppendMode)
	case fields.FmtAccessMode:
		return symbolic(dst, linuxabi.AppendAccessMode)
	case fields.FmtSockDomain:
		return symbolic(dst, linuxabi.AppendSocketDomain)
	case fields.FmtPtraceRequest:
		return symbolic(dst, linuxabi.AppendPtraceRequest)
	case fields.FmtBPFCmd:
		return symbolic(dst, linuxabi.AppendBPFCmd)
	case fields.FmtCloneFlags:
		return symbolic(dst, linuxabi.AppendCloneFlags)
	case fields.FmtExecveFlags:
		return linuxabi.AppendExecveFlags(dst, n)
	case fields.FmtFcntlCmd:
		return symbolic(dst, linuxabi.AppendFcntlCmd)
	case fields.FmtUID, fields.FmtGID:
		return e.appendID(dst, p.Fmt == fields.FmtUID, uint32(n))
	}
	// FmtDec, FmtSignal, FmtSockTuple, FmtSockAddr.
	switch p.Type {
	case fields.TypeString:
		return append(dst, v.Str...)
	case fields.TypeBytes:
		return fields.AppendPrintable(dst, v.Bytes)
	case fields.TypeUint:
		return appendUint(dst, n)
	}
	return appendInt(dst, v.Int)
}

// appendFD appends an fd parameter: the number followed by the fd's type
// character and name when known, "AT_FDCWD", or the errno name of a failed
// call's result.
func (e *Event) appendFD(dst []byte, n int64) []byte {
	if n == proc.AtFDCWD {
		return append(dst, "AT_FDCWD"...)
	}
	if n < 0 {
		return linuxabi.AppendRes(dst, n)
	}
	dst = appendInt(dst, n)
	var f *proc.FD
	if e.HasFD && e.FDNum == n {
		f = e.FD
	} else if e.Proc != nil && n <= 1<<31-1 {
		f = e.Proc.FD(int32(n))
	}
	if f != nil {
		name := f.Name
		if name == "" {
			name = f.Path
		}
		dst = append(dst, "(<"...)
		dst = append(dst, f.Kind.TypeChar()...)
		dst = append(dst, '>')
		dst = append(dst, name...)
		dst = append(dst, ')')
	}
	return dst
}

// appendID appends a uid or gid parameter as the name the process's mount
// namespace gives it, or the number when it has none.
func (e *Event) appendID(dst []byte, user bool, id uint32) []byte {
	if p, db := e.Proc, e.st.Users; p != nil && db != nil {
		var name string
		var ok bool
		if user {
			if ue, found := db.User(p.MntNS, p.Pid, id); found {
				name, ok = ue.Name, true
			}
		} else {
			name, ok = db.GroupName(p.MntNS, p.Pid, id)
		}
		if ok {
			return append(dst, name...)
		}
	}
	return appendUint(dst, uint64(id))
}

func appendInt(dst []byte, n int64) []byte { return strconv.AppendInt(dst, n, 10) }
