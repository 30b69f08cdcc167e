package proc

import "slices"

// smallFDs is the number of fd slots kept in a dense array; higher fd numbers
// go to a map. Most processes only use the low numbers. The array is copied
// whole when a fork child first changes its table, so it stays short: a
// shell's fd 255 in the array would make every such copy 36 KiB.
const smallFDs = 64

// fdTable is the fd table of one or more processes. Processes created with
// CLONE_FILES share one fdTable; a plain fork gets its own fdTable that
// shares the entries copy-on-write until either side changes them.
type fdTable struct {
	users int // processes using this table
	e     *fdEntries
}

// fdEntries holds the fds. Kind == FDNone marks an empty small slot.
type fdEntries struct {
	refs  int // fdTables sharing these entries copy-on-write
	small []FD
	big   map[int32]*FD
	n     int
}

func newFDTable() *fdTable { return &fdTable{users: 1, e: &fdEntries{refs: 1}} }

// cow returns a new table sharing t's entries copy-on-write.
func (t *fdTable) cow() *fdTable {
	t.e.refs++
	return &fdTable{users: 1, e: t.e}
}

// writable makes t's entries private to t and returns them.
func (t *fdTable) writable() *fdEntries {
	if t.e.refs > 1 {
		t.e.refs--
		t.e = t.e.clone()
	}
	return t.e
}

// release drops one user of t.
func (t *fdTable) release() {
	t.users--
	if t.users == 0 {
		t.e.refs--
		t.e = &fdEntries{refs: 1}
	}
}

func (e *fdEntries) get(n int32) *FD {
	if n >= 0 && int(n) < len(e.small) {
		if f := &e.small[n]; f.Kind != FDNone {
			return f
		}
		return nil
	}
	if n >= smallFDs && e.big != nil {
		return e.big[n]
	}
	return nil
}

// put stores f under f.Num, replacing any fd with that number. It returns
// nil when the table holds max fds already and f.Num is a new number.
func (e *fdEntries) put(f *FD, max int) *FD {
	if f.Num < 0 {
		return nil
	}
	if f.Kind == FDNone {
		f.Kind = FDOther
	}
	if old := e.get(f.Num); old != nil {
		*old = *f
		return old
	}
	if e.n >= max {
		return nil
	}
	e.n++
	if f.Num < smallFDs {
		if int(f.Num) >= len(e.small) {
			e.small = slices.Grow(e.small, int(f.Num)+1-len(e.small))
			e.small = e.small[:int(f.Num)+1]
		}
		e.small[f.Num] = *f
		return &e.small[f.Num]
	}
	if e.big == nil {
		e.big = make(map[int32]*FD)
	}
	nf := new(FD)
	*nf = *f
	e.big[f.Num] = nf
	return nf
}

// del removes fd n and reports whether it existed.
func (e *fdEntries) del(n int32) bool {
	if n >= 0 && int(n) < len(e.small) {
		if e.small[n].Kind == FDNone {
			return false
		}
		e.small[n] = FD{}
		e.n--
		// Trim trailing empty slots so the array follows the highest fd.
		k := len(e.small)
		for k > 0 && e.small[k-1].Kind == FDNone {
			k--
		}
		e.small = e.small[:k]
		return true
	}
	if _, ok := e.big[n]; ok {
		delete(e.big, n)
		e.n--
		return true
	}
	return false
}

func (e *fdEntries) clone() *fdEntries {
	c := &fdEntries{refs: 1, n: e.n}
	if len(e.small) > 0 {
		c.small = slices.Clone(e.small)
	}
	if len(e.big) > 0 {
		c.big = make(map[int32]*FD, len(e.big))
		for k, f := range e.big {
			nf := *f
			c.big[k] = &nf
		}
	}
	return c
}

// anyCloExec reports whether any fd is close-on-exec.
func (e *fdEntries) anyCloExec() bool {
	for i := range e.small {
		if e.small[i].Kind != FDNone && e.small[i].CloExec {
			return true
		}
	}
	for _, f := range e.big {
		if f.CloExec {
			return true
		}
	}
	return false
}

// keep returns new private entries holding copies of the fds for which
// ok returns true.
func (e *fdEntries) keep(ok func(*FD) bool) *fdEntries {
	c := &fdEntries{refs: 1}
	hi := -1
	for i := range e.small {
		if f := &e.small[i]; f.Kind != FDNone && ok(f) {
			hi = i
		}
	}
	c.small = make([]FD, 0, hi+1) // one allocation for the array
	e.each(func(f *FD) bool {
		if ok(f) {
			c.put(f, e.n)
		}
		return true
	})
	return c
}

// each calls fn for every fd in ascending order until fn returns false.
func (e *fdEntries) each(fn func(*FD) bool) {
	for i := range e.small {
		if e.small[i].Kind != FDNone && !fn(&e.small[i]) {
			return
		}
	}
	if len(e.big) == 0 {
		return
	}
	keys := make([]int32, 0, len(e.big))
	for k := range e.big {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !fn(e.big[k]) {
			return
		}
	}
}

// nums returns the fd numbers in ascending order.
func (e *fdEntries) nums() []int32 {
	out := make([]int32, 0, e.n)
	e.each(func(f *FD) bool { out = append(out, f.Num); return true })
	return out
}
