package collector

import (
	"net/netip"

	"github.com/vigilsec/vigil/collector/proc"
	"github.com/vigilsec/vigil/collector/record"
	"github.com/vigilsec/vigil/rules/fields"
)

// extractUser handles the user.* and group.* fields: the effective ids of
// the process, named from the passwd and group files its mount namespace
// sees.
func (e *Event) extractUser(ref *fields.Ref, v *fields.Value) bool {
	p := e.Proc
	if p == nil {
		return false
	}
	c := &p.Creds
	db := e.st.Users
	switch ref.ID {
	case fields.UserUID:
		v.Int = int64(c.EUID)
	case fields.GroupGID:
		v.Int = int64(c.EGID)
	case fields.UserLoginUID:
		v.Int = int64(int32(c.LoginUID)) // unset (0xffffffff) is -1
	case fields.UserName, fields.UserHomedir, fields.UserShell, fields.UserLoginname:
		if db == nil {
			return false
		}
		uid := c.EUID
		if ref.ID == fields.UserLoginname {
			if c.LoginUID == proc.UnsetLoginUID {
				return false
			}
			uid = c.LoginUID
		}
		u, ok := db.User(p.MntNS, p.Pid, uid)
		if !ok {
			return false
		}
		switch ref.ID {
		case fields.UserHomedir:
			v.Str = u.Home
		case fields.UserShell:
			v.Str = u.Shell
		default:
			v.Str = u.Name
		}
	case fields.GroupName:
		if db == nil {
			return false
		}
		name, ok := db.GroupName(p.MntNS, p.Pid, c.EGID)
		if !ok {
			return false
		}
		v.Str = name
	default:
		return false
	}
	return true
}

// extractFD handles the fd.* fields of the fd the event used or created.
func (e *Event) extractFD(ref *fields.Ref, v *fields.Value) bool {
	switch ref.ID {
	case fields.FdNum:
		if !e.HasFD {
			return false
		}
		v.Int = e.FDNum
		return true
	case fields.FdTypes:
		return e.fdTypes(ref, v)
	case fields.FdNameChanged:
		if e.FD == nil {
			return false
		}
		v.Int = b2i(e.NameChanged)
		return true
	}
	f := e.FD
	if f == nil {
		return false
	}
	switch ref.ID {
	case fields.FdType:
		v.Str = f.Kind.String()
	case fields.FdTypechar:
		v.Str = f.Kind.TypeChar()
	case fields.FdName:
		v.Str = f.Name
		if v.Str == "" {
			v.Str = f.Path
		}
	case fields.FdNameraw:
		if isOpen(e.Rec.Kind) {
			v.Str = bstr(e.Rec.Data[record.DataOpenPath])
		} else {
			v.Str = f.Name
		}
	case fields.FdDirectory, fields.FdFilename:
		if f.Kind != proc.FDFile && f.Kind != proc.FDDirectory || f.Path == "" {
			return false
		}
		if ref.ID == fields.FdDirectory {
			v.Str = f.Directory()
		} else {
			v.Str = f.Filename()
		}
	case fields.FdCIP, fields.FdSIP, fields.FdLIP, fields.FdRIP:
		ap, ok := endpoint(ref.ID, f)
		if !ok || !ap.Addr().IsValid() {
			return false
		}
		v.IP = ap.Addr()
	case fields.FdCport, fields.FdSport, fields.FdLport, fields.FdRport:
		ap, ok := endpoint(ref.ID, f)
		if !ok || !ap.IsValid() {
			return false
		}
		v.Int = int64(ap.Port())
	case fields.FdL4proto:
		if !f.Kind.IsSocket() {
			return false
		}
		v.Str = f.Sock.L4.String()
		return v.Str != ""
	case fields.FdSockfamily:
		switch {
		case f.Kind.IsIP():
			v.Str = "ip"
		case f.Kind == proc.FDUnix:
			v.Str = "unix"
		default:
			return false
		}
	case fields.FdIsServer:
		if !f.Kind.IsSocket() {
			return false
		}
		v.Int = b2i(f.Sock.Role == proc.RoleServer)
	case fields.FdConnected:
		if !f.Kind.IsSocket() {
			return false
		}
		v.Int = b2i(f.Sock.Connected)
	case fields.FdIno:
		if f.Ino == 0 {
			return false
		}
		v.Int = int64(f.Ino)
	case fields.FdDev:
		if f.Dev == 0 {
			return false
		}
		v.Int = int64(f.Dev)
	default:
		// fd.cip.name and friends: no DNS resolution in the event path.
		return false
	}
	return true
}

// endpoint returns the socket endpoint an address or port field reads.
func endpoint(id fields.ID, f *proc.FD) (netip.AddrPort, bool) {
	if !f.Kind.IsIP() {
		return netip.AddrPort{}, false
	}
	s := &f.Sock
	switch id {
	case fields.FdCIP, fields.FdCport:
		return s.Client(), true
	case fields.FdSIP, fields.FdSport:
		return s.Server(), true
	case fields.FdLIP, fields.FdLport:
		return s.Local, true
	default:
		return s.Remote, true
	}
}

// fdTypes fills fd.types (the distinct kinds of the process's fds) or
// fd.types[N] (the kind of fd N).
func (e *Event) fdTypes(ref *fields.Ref, v *fields.Value) bool {
	p := e.Proc
	if p == nil {
		return false
	}
	v.List = v.List[:0]
	if ref.Arg.Kind == fields.ArgIndex {
		f := p.FD(int32(ref.Arg.Index))
		if f == nil {
			return false
		}
		v.List = append(v.List, f.Kind.String())
		return true
	}
	p.FDs(func(f *proc.FD) bool {
		k := f.Kind.String()
		for _, s := range v.List {
			if s == k {
				return true
			}
		}
		v.List = append(v.List, k)
		return true
	})
	return true
}
