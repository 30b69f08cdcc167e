package collector

import (
	"github.com/vigilsec/vigil/collector/linuxabi"
	"github.com/vigilsec/vigil/collector/proc"
	"github.com/vigilsec/vigil/rules/fields"
)

// extractProc handles the proc.* and thread.* fields.
func (e *Event) extractProc(ref *fields.Ref, v *fields.Value) bool {
	p := e.Proc
	if p == nil {
		if ref.ID == fields.ThreadTID {
			v.Int = int64(e.Rec.TID)
			return true
		}
		return false
	}
	switch ref.ID {
	case fields.ProcPID:
		v.Int = int64(p.Pid)
	case fields.ProcPPID:
		if p.Ppid == 0 {
			return false
		}
		v.Int = int64(p.Ppid)
	case fields.ProcVPID:
		return nonZero(v, p.Vpid)
	case fields.ProcPVPID:
		pp := p.Parent()
		if pp == nil {
			return false
		}
		return nonZero(v, pp.Vpid)
	case fields.ProcSID:
		v.Int = int64(p.Sid)
	case fields.ProcVPGID:
		return nonZero(v, p.Vpgid)
	case fields.ProcPGID:
		return nonZero(v, p.Pgid)
	case fields.ProcName:
		v.Str = e.comm()
		return v.Str != ""
	case fields.ProcExe, fields.ProcExepath, fields.ProcArgs, fields.ProcCmdline:
		return procText(ref.ID, p, v)
	case fields.ProcCmdnargs:
		v.Int = int64(len(p.Args))
	case fields.ProcCwd:
		v.Str = p.Cwd
		return v.Str != ""
	case fields.ProcEnv:
		return e.env(ref, v)
	case fields.ProcTTY:
		v.Int = int64(p.Tty)
	case fields.ProcLoginShellID:
		return loginShell(p, v)
	case fields.ProcDuration:
		if start := p.Start(); start != 0 && e.Rec.TS >= start {
			v.Int = int64(e.Rec.TS - start)
			return true
		}
		return false
	case fields.ProcNthreads:
		n := 0
		p.Threads(func(t *proc.Thread) bool {
			if !t.Exited {
				n++
			}
			return true
		})
		v.Int = int64(n)
	case fields.ProcPname, fields.ProcPexe, fields.ProcPexepath, fields.ProcPcmdline:
		pp := p.Parent()
		if pp == nil {
			return false
		}
		return procText(parentOf(ref.ID), pp, v)
	case fields.ProcAname, fields.ProcAexe, fields.ProcAexepath, fields.ProcAcmdline, fields.ProcAPID:
		return e.ancestor(ref, p, v)
	case fields.ProcSname:
		sl := p.SessionLeader()
		if sl == nil || sl.Comm == "" {
			return false
		}
		v.Str = sl.Comm
	case fields.ProcIsExeFromMemfd:
		v.Int = b2i(p.ExeFile.Flags&proc.ExeFromMemfd != 0)
	case fields.ProcIsExeWritable:
		v.Int = b2i(p.ExeFile.Flags&proc.ExeWritable != 0)
	case fields.ProcIsExeUpperLayer:
		v.Int = b2i(p.ExeFile.Flags&proc.ExeUpperLayer != 0)
	case fields.ProcExeIno:
		return nonZero64(v, p.ExeFile.Ino)
	case fields.ProcExeInoCtime:
		return nonZero64(v, uint64(p.ExeFile.Ctime))
	case fields.ProcExeInoMtime:
		return nonZero64(v, uint64(p.ExeFile.Mtime))
	case fields.ProcExeInoCtimeDurationProcStart:
		if p.ExeFile.Ctime == 0 || p.Start() == 0 {
			return false
		}
		d := e.st.BootTime + int64(p.Start()) - p.ExeFile.Ctime
		if d < 0 {
			d = 0
		}
		v.Int = d
	case fields.ProcIsVPGIDLeader:
		if p.Vpgid == 0 {
			return false
		}
		v.Int = b2i(p.IsVpgidLeader())
	case fields.ProcIsSIDLeader:
		if p.Sid == 0 {
			return false
		}
		v.Int = b2i(p.Sid == p.Pid)
	case fields.ThreadTID:
		v.Int = int64(e.Rec.TID)
	case fields.ThreadVTID:
		if e.Thread == nil {
			return false
		}
		return nonZero(v, e.Thread.Vtid)
	case fields.ThreadCapEffective, fields.ThreadCapPermitted, fields.ThreadCapInheritable:
		set := p.Creds.CapEff
		switch ref.ID {
		case fields.ThreadCapPermitted:
			set = p.Creds.CapPrm
		case fields.ThreadCapInheritable:
			set = p.Creds.CapInh
		}
		start := len(e.scratch)
		e.scratch = linuxabi.AppendCaps(e.scratch, set)
		v.Str = e.view(start)
	default:
		return false
	}
	return true
}

// comm is the name of the thread that made the call: its own name when it
// renamed itself, else the process's.
func (e *Event) comm() string {
	if e.Thread != nil && e.Thread.Comm != "" {
		return e.Thread.Comm
	}
	return e.Proc.Comm
}

func nonZero(v *fields.Value, n uint32) bool {
	v.Int = int64(n)
	return n != 0
}

func nonZero64(v *fields.Value, n uint64) bool {
	v.Int = int64(n)
	return n != 0
}

// procText fills one of the per-process text fields of p: id is ProcName,
// ProcExe, ProcExepath, ProcArgs or ProcCmdline.
func procText(id fields.ID, p *proc.Process, v *fields.Value) bool {
	switch id {
	case fields.ProcName:
		v.Str = p.Comm
	case fields.ProcExe:
		v.Str = p.Exe
	case fields.ProcExepath:
		v.Str = p.ExePath
	case fields.ProcArgs:
		v.Str = p.ArgsLine
		return true // no arguments is the empty string, not missing
	case fields.ProcCmdline:
		v.Str = p.Cmdline
		if v.Str == "" {
			v.Str = p.Comm
		}
	}
	return v.Str != ""
}

// parentOf maps proc.pname-style fields to the per-process field they read
// on the parent.
func parentOf(id fields.ID) fields.ID {
	switch id {
	case fields.ProcPexe:
		return fields.ProcExe
	case fields.ProcPexepath:
		return fields.ProcExepath
	case fields.ProcPcmdline:
		return fields.ProcCmdline
	}
	return fields.ProcName
}

// ancestorOf maps proc.aname-style fields to the per-process field they read.
func ancestorOf(id fields.ID) fields.ID {
	switch id {
	case fields.ProcAexe:
		return fields.ProcExe
	case fields.ProcAexepath:
		return fields.ProcExepath
	case fields.ProcAcmdline:
		return fields.ProcCmdline
	case fields.ProcAPID:
		return fields.ProcPID
	}
	return fields.ProcName
}

// ancestor fills proc.aname[N] and friends; without an index (outputs) the
// values of every ancestor from the parent upwards, space separated.
func (e *Event) ancestor(ref *fields.Ref, p *proc.Process, v *fields.Value) bool {
	id := ancestorOf(ref.ID)
	if ref.Arg.Kind == fields.ArgIndex {
		a := p.Ancestor(ref.Arg.Index)
		if a == nil {
			return false
		}
		if id == fields.ProcPID {
			v.Int = int64(a.Pid)
			return true
		}
		return procText(id, a, v)
	}
	if id == fields.ProcPID {
		return false // a bare proc.apid has no single integer value
	}
	start := len(e.scratch)
	n := 0
	p.Ancestors(func(_ int, a *proc.Process) bool {
		var av fields.Value
		if !procText(id, a, &av) {
			return true
		}
		if n > 0 {
			e.scratch = append(e.scratch, ' ')
		}
		n++
		e.scratch = append(e.scratch, av.Str...)
		return true
	})
	if n == 0 {
		return false
	}
	v.Str = e.view(start)
	return true
}

// env fills proc.env or proc.env[NAME].
func (e *Event) env(ref *fields.Ref, v *fields.Value) bool {
	p := e.Proc
	if ref.Arg.Kind == fields.ArgKey {
		s, ok := p.Getenv(ref.Arg.Key)
		v.Str = s
		return ok
	}
	if len(p.Env) == 0 {
		return false
	}
	start := len(e.scratch)
	for i, kv := range p.Env {
		if i > 0 {
			e.scratch = append(e.scratch, ' ')
		}
		e.scratch = append(e.scratch, kv...)
	}
	v.Str = e.view(start)
	return true
}

// shells are the programs proc.loginshellid looks for.
var shells = map[string]bool{
	"sh": true, "bash": true, "dash": true, "ash": true, "zsh": true, "ksh": true,
	"mksh": true, "csh": true, "tcsh": true, "fish": true, "busybox": true,
}

// loginShell fills proc.loginshellid: the pid of the outermost shell among
// p and its ancestors.
func loginShell(p *proc.Process, v *fields.Value) bool {
	found := false
	if shells[p.Comm] {
		v.Int, found = int64(p.Pid), true
	}
	p.Ancestors(func(_ int, a *proc.Process) bool {
		if shells[a.Comm] {
			v.Int, found = int64(a.Pid), true
		}
		return true
	})
	return found
}
