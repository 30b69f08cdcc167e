package users

import (
	"cmp"
	"slices"
	"time"
)

// Namespace is the serialisable user and group database of one mount
// namespace (0 = host), for capture files and replay.
type Namespace struct {
	MntNS  uint64  `json:"mntns"`
	Users  []User  `json:"users,omitempty"`
	Groups []Group `json:"groups,omitempty"`
}

// Group is one /etc/group entry.
type Group struct {
	GID  uint32 `json:"gid"`
	Name string `json:"name"`
}

// Snapshot returns the cached databases, ordered by namespace and id.
func (d *DB) Snapshot() []Namespace {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]Namespace, 0, d.lru.Len())
	for el := d.lru.Front(); el != nil; el = el.Next() {
		e := el.Value.(*nsEntry)
		if e.data == nil {
			continue
		}
		ns := Namespace{MntNS: e.key}
		for _, u := range e.data.users {
			ns.Users = append(ns.Users, *u)
		}
		for gid, name := range e.data.groups {
			ns.Groups = append(ns.Groups, Group{GID: gid, Name: name})
		}
		slices.SortFunc(ns.Users, func(a, b User) int { return cmp.Compare(a.UID, b.UID) })
		slices.SortFunc(ns.Groups, func(a, b Group) int { return cmp.Compare(a.GID, b.GID) })
		out = append(out, ns)
	}
	slices.SortFunc(out, func(a, b Namespace) int { return cmp.Compare(a.MntNS, b.MntNS) })
	return out
}

// Preload installs a namespace's database, e.g. from a capture file. A
// preloaded namespace is never read from the filesystem (replay must not
// consult the replaying host's files). It counts against MaxNamespaces.
func (d *DB) Preload(ns Namespace) {
	data := &nsData{users: make(map[uint32]*User, len(ns.Users)), groups: make(map[uint32]string, len(ns.Groups))}
	for i := range ns.Users {
		if len(data.users) >= d.cfg.MaxEntries {
			d.truncated.Add(1)
			break
		}
		u := ns.Users[i]
		data.users[u.UID] = &u
	}
	for _, g := range ns.Groups {
		if len(data.groups) >= d.cfg.MaxEntries {
			d.truncated.Add(1)
			break
		}
		data.groups[g.GID] = g.Name
	}
	key := ns.MntNS
	if key == d.cfg.HostMntNS {
		key = 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if el, ok := d.ns[key]; ok {
		d.lru.Remove(el)
		delete(d.ns, key)
	}
	for d.lru.Len() >= d.cfg.MaxNamespaces {
		old := d.lru.Back()
		d.lru.Remove(old)
		delete(d.ns, old.Value.(*nsEntry).key)
		d.evicted.Add(1)
	}
	e := &nsEntry{key: key, data: data, static: true, nextCheck: time.Unix(1<<62, 0)}
	d.ns[key] = d.lru.PushFront(e)
}
