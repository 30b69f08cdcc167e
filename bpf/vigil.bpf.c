// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Vigil's kernel capture.
 *
 *   tp_btf/sys_exit            the dispatcher: skips Vigil itself, maps ia32
 *                              syscalls to the native table, tests the interest
 *                              bitmap and tail-calls the handler of the syscall
 *   h_* (tail-call targets)    build one record per syscall exit
 *   tp_btf/sched_process_*     successful exec, task creation, task exit
 *   tracepoint/syscalls/sys_enter_{open,openat,openat2,creat,connect,execve,execveat}
 *                              entry snapshots of user memory that may change
 *                              or disappear before the exit (TOCTOU); stashed in
 *                              task storage and merged by the exit handler
 *
 * Record layout: collector/record (doc.go, schema.go).
 */
#include "vigil.h"
#include "task.h"
#include "stash.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, V_MAX_SYSCALLS);
	__type(key, u32);
	__type(value, u32);
} handlers SEC(".maps");

/* ---- dispatcher ---- */

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	if (skip_self())
		return 0;
	long id = syscall_nr(regs);
	if (id < 0)
		return 0;
	u32 nr = id;
	u32 slot = nr;
	u16 flags = 0;
	struct task_struct *t = bpf_get_current_task_btf();
	if (in_compat(t)) {
#if defined(__TARGET_ARCH_x86)
		if (nr >= V_MAX_SYSCALLS)
			return 0;
		barrier_var(nr);
		u16 m = ia32_slot[nr & (V_MAX_SYSCALLS - 1)];
		slot = m == NO_SLOT ? COMPAT_SLOT : m;
		flags = VF_COMPAT;
#else
		return 0; /* aarch32 tasks: no table yet */
#endif
	} else {
#if defined(__TARGET_ARCH_x86)
		nr &= ~X32_SYSCALL_BIT;
		slot = nr;
#endif
	}
	if (!interested(slot))
		return 0;
	struct scratch *s = get_scratch();
	if (!s)
		return 0;
	barrier_var(slot);
	slot &= V_MAX_SYSCALLS - 1;
	s->c.nr = nr;
	s->c.slot = slot;
	s->c.flags = flags;
	s->c.kind = kind_of_slot[slot];
	bpf_tail_call(ctx, &handlers, slot);
	count(s->c.kind, R_TAILCALL_MISS);
	return 0;
}

#define HANDLER(name) \
	SEC("tp_btf/sys_exit") int BPF_PROG(name, struct pt_regs *regs, long ret)

#define PROLOGUE                                   \
	struct scratch *s = get_scratch();         \
	if (!s)                                    \
		return 0;                          \
	u16 kind = s->c.kind; (void)kind;         \
	bool compat = s->c.flags & VF_COMPAT;      \
	struct rb b;

#define A(i) sc_arg(regs, i, compat)
#define AI(i) ((s64)(s32)A(i))
#define AU(i) ((u64)(u32)A(i))
#define AP(i) ((const void *)A(i))

/* ---- generic ---- */

HANDLER(h_generic)
{
	PROLOGUE
	rec_begin(&b, s, VK_GENERIC, s->c.flags, ret, VK_GENERIC_NARGS);
	rec_arg(&b, 0, A(0));
	rec_arg(&b, 1, A(1));
	rec_arg(&b, 2, A(2));
	rec_arg(&b, 3, A(3));
	rec_arg(&b, 4, A(4));
	rec_arg(&b, 5, A(5));
	/* the native number, or an unmapped ia32 number marked with bit 31 (record.GenericIA32) */
	put_u32(&b, s->c.slot == COMPAT_SLOT ? (s->c.nr | 0x80000000u) : s->c.slot);
	rec_submit(&b);
	return 0;
}

/* ---- exec (failures; successes come from sched_process_exec) ---- */

_Static_assert(VK_EXECVE_NDATA == 8 && VK_EXECVEAT_NDATA == 8, "exec layout");

HANDLER(h_exec)
{
	PROLOGUE
	struct task_struct *t = bpf_get_current_task_btf();
	struct stash_exec *st = bpf_task_storage_get(&stash_execs, t, 0, 0);
	bool have = st && st->valid && st->nr == s->c.nr && !compat;
	if (st)
		st->valid = 0;
	if (ret >= 0)
		return 0;

	u16 flags = s->c.flags;
	if (!have)
		flags |= VF_STASH_MISSING;
	rec_begin(&b, s, kind, flags, ret, VK_EXECVE_NARGS);
	if (have) {
		rec_arg(&b, 0, st->dirfd);
		rec_arg(&b, 1, st->atflags);
		b.flags |= st->flags;
	} else if (kind == VK_EXECVEAT) {
		rec_arg(&b, 0, AI(0));
		rec_arg(&b, 1, AU(4));
	} else {
		rec_arg(&b, 0, (u64)(s64)AT_FDCWD);
		rec_arg(&b, 1, 0);
	}
	rec_arg(&b, 2, (u32)bpf_get_current_pid_tgid());
	if (have) {
		put_kbytes(&b, st->fname, st->fname_len, V_MAX_PATH);
		put_kbytes(&b, st->argv, st->argv_len, V_MAX_ARGV);
	} else {
		const void *fn = kind == VK_EXECVEAT ? AP(1) : AP(0);
		const void *argv = kind == VK_EXECVEAT ? AP(2) : AP(1);
		put_ustr(&b, fn, V_MAX_PATH);
		put_argv(&b, argv, compat);
	}
	put_empty(&b); /* exe path */
	put_empty(&b); /* interp */
	put_path_g(&b, BPF_CORE_READ(t, fs, pwd.mnt), BPF_CORE_READ(t, fs, pwd.dentry));
	put_kstr(&b, t->comm, sizeof(t->comm));
	put_cgroup_path_g(&b);
	put_exec_info_g(&b, 0);
	rec_submit(&b);
	return 0;
}

/* ---- clone family, parent side ---- */

#define CLONE_VM 0x00000100
#define CLONE_FS 0x00000200
#define CLONE_FILES 0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_PARENT 0x00008000
#define CLONE_THREAD 0x00010000
#define CLONE_VFORK 0x00004000
#define CLONE_NEWNS 0x00020000
#define CLONE_NEWCGROUP 0x02000000
#define CLONE_NEWUTS 0x04000000
#define CLONE_NEWIPC 0x08000000
#define CLONE_NEWUSER 0x10000000
#define CLONE_NEWPID 0x20000000
#define CLONE_NEWNET 0x40000000
#define SIGCHLD 17

HANDLER(h_clone)
{
	PROLOGUE
	if (ret == 0)
		return 0; /* the child's return; KindProcFork describes the child */
	u64 flags = 0;
	switch (kind) {
	case VK_CLONE:
		flags = A(0);
		break;
	case VK_CLONE3: {
		const void *args = AP(0);
		if (args && bpf_probe_read_user(&flags, sizeof(flags), args))
			s->c.flags |= VF_READ_FAULT;
		break;
	}
	case VK_FORK:
		flags = SIGCHLD;
		break;
	case VK_VFORK:
		flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
		break;
	default:
		return 0;
	}
	rec_begin(&b, s, kind, s->c.flags, ret, VK_CLONE_NARGS);
	rec_arg(&b, 0, flags);
	rec_submit(&b);
	return 0;
}

/* ---- open family ---- */

#define O_WRONLY 01
#define O_CREAT 0100
#define O_TRUNC 01000

_Static_assert(VK_OPEN_NARGS == 6 && VK_OPENAT_NARGS == 6 && VK_OPENAT2_NARGS == 6 && VK_CREAT_NARGS == 6, "open layout");

HANDLER(h_open)
{
	PROLOGUE
	s64 dirfd = AT_FDCWD;
	u64 flags = 0, mode = 0, resolve = 0;
	const void *path;
	switch (kind) {
	case VK_OPEN:
		path = AP(0);
		flags = AU(1);
		mode = AU(2);
		break;
	case VK_CREAT:
		path = AP(0);
		flags = O_CREAT | O_WRONLY | O_TRUNC;
		mode = AU(1);
		break;
	case VK_OPENAT:
		dirfd = AI(0);
		path = AP(1);
		flags = AU(2);
		mode = AU(3);
		break;
	case VK_OPENAT2: {
		dirfd = AI(0);
		path = AP(1);
		struct open_how_user how = {};
		const void *hp = AP(2);
		if (hp && bpf_probe_read_user(&how, sizeof(how), hp))
			s->c.flags |= VF_READ_FAULT;
		flags = how.flags;
		mode = how.mode;
		resolve = how.resolve;
		break;
	}
	default:
		return 0;
	}
	struct task_struct *t = bpf_get_current_task_btf();
	struct stash_path *st = take_path_stash(t, s);
	u16 rflags = s->c.flags;
	if (!st)
		rflags |= VF_STASH_MISSING;
	rec_begin(&b, s, kind, rflags, ret, VK_OPENAT_NARGS);
	rec_arg(&b, 0, dirfd);
	rec_arg(&b, 1, flags);
	rec_arg(&b, 2, mode);
	rec_arg(&b, 3, resolve);
	u64 dev = 0, ino = 0;
	if (ret >= 0)
		file_dev_ino(fd_file(t, ret), &dev, &ino);
	rec_arg(&b, 4, dev);
	rec_arg(&b, 5, ino);
	if (st) {
		b.flags |= st->flags;
		put_kbytes(&b, st->buf, st->len, V_MAX_PATH);
	} else {
		put_ustr(&b, path, V_MAX_PATH);
	}
	rec_submit(&b);
	return 0;
}

/* ---- fd bookkeeping: close, close_range, dup*, fcntl(F_DUPFD*) ---- */

#define F_DUPFD 0
#define F_DUPFD_CLOEXEC 1030

HANDLER(h_fd)
{
	PROLOGUE
	switch (kind) {
	case VK_CLOSE:
		rec_begin(&b, s, kind, s->c.flags, ret, VK_CLOSE_NARGS);
		rec_arg(&b, 0, AI(0));
		break;
	case VK_CLOSE_RANGE:
		rec_begin(&b, s, kind, s->c.flags, ret, VK_CLOSE_RANGE_NARGS);
		rec_arg(&b, 0, AU(0));
		rec_arg(&b, 1, AU(1));
		rec_arg(&b, 2, AU(2));
		break;
	case VK_DUP:
	case VK_DUP2:
	case VK_DUP3:
		rec_begin(&b, s, kind, s->c.flags, ret, VK_DUP_NARGS);
		rec_arg(&b, 0, AI(0));
		rec_arg(&b, 1, kind == VK_DUP ? (u64)-1 : AI(1));
		rec_arg(&b, 2, kind == VK_DUP3 ? AU(2) : 0);
		break;
	case VK_FCNTL: {
		u64 cmd = AU(1);
		if (cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC)
			return 0;
		rec_begin(&b, s, kind, s->c.flags, ret, VK_FCNTL_NARGS);
		rec_arg(&b, 0, AI(0));
		rec_arg(&b, 1, cmd);
		rec_arg(&b, 2, A(2));
		break;
	}
	default:
		return 0;
	}
	rec_submit(&b);
	return 0;
}

/* ---- fd pairs: pipe, pipe2, socketpair ---- */

HANDLER(h_pair)
{
	PROLOGUE
	const void *fdsp;
	u64 flags = 0;
	switch (kind) {
	case VK_PIPE:
		fdsp = AP(0);
		break;
	case VK_PIPE2:
		fdsp = AP(0);
		flags = AU(1);
		break;
	case VK_SOCKETPAIR:
		fdsp = AP(3);
		break;
	default:
		return 0;
	}
	s32 fds[2] = {-1, -1};
	if (ret == 0 && fdsp && bpf_probe_read_user(fds, sizeof(fds), fdsp))
		s->c.flags |= VF_READ_FAULT;
	if (kind == VK_SOCKETPAIR) {
		rec_begin(&b, s, kind, s->c.flags, ret, VK_SOCKETPAIR_NARGS);
		rec_arg(&b, 0, AI(0));
		rec_arg(&b, 1, AI(1));
		rec_arg(&b, 2, AI(2));
		rec_arg(&b, 3, (s64)fds[0]);
		rec_arg(&b, 4, (s64)fds[1]);
	} else {
		rec_begin(&b, s, kind, s->c.flags, ret, VK_PIPE_NARGS);
		rec_arg(&b, 0, (s64)fds[0]);
		rec_arg(&b, 1, (s64)fds[1]);
		rec_arg(&b, 2, flags);
		u64 ino = 0;
		if (ret == 0) {
			struct file *f = fd_file(bpf_get_current_task_btf(), fds[0]);
			ino = BPF_CORE_READ(f, f_inode, i_ino);
		}
		rec_arg(&b, 3, ino);
	}
	rec_submit(&b);
	return 0;
}

/* ---- single new fd: socket, memfd_create ---- */

HANDLER(h_newfd)
{
	PROLOGUE
	switch (kind) {
	case VK_SOCKET:
		rec_begin(&b, s, kind, s->c.flags, ret, VK_SOCKET_NARGS);
		rec_arg(&b, 0, AI(0));
		rec_arg(&b, 1, AI(1));
		rec_arg(&b, 2, AI(2));
		break;
	case VK_MEMFD_CREATE:
		rec_begin(&b, s, kind, s->c.flags, ret, VK_MEMFD_CREATE_NARGS);
		rec_arg(&b, 0, AU(1));
		put_ustr(&b, AP(0), 256);
		break;
	default:
		return 0;
	}
	rec_submit(&b);
	return 0;
}

/* ---- sockets with addresses: connect, bind, listen, accept, accept4 ---- */

#define SOCKADDR_MAX 128

_Static_assert(VK_CONNECT_NARGS == 3 && VK_CONNECT_NDATA == 2, "sock layout");

/* A sockaddr whose length is stored in user memory at lenp. */
static __always_inline void put_sockaddr_ulen(struct rb *b, const void *addr, const void *lenp)
{
	s32 alen = 0;
	if (addr && lenp && bpf_probe_read_user(&alen, sizeof(alen), lenp))
		b->flags |= VF_READ_FAULT;
	if (alen < 0)
		alen = 0;
	put_ubytes(b, addr, alen, SOCKADDR_MAX);
}

HANDLER(h_sock)
{
	PROLOGUE
	struct task_struct *t = bpf_get_current_task_btf();
	s64 fd = AI(0);
	u16 flags = s->c.flags;
	struct stash_path *st = 0;
	if (kind == VK_CONNECT) {
		st = take_path_stash(t, s);
		if (!st)
			flags |= VF_STASH_MISSING;
	}
	rec_begin(&b, s, kind, flags, ret, VK_CONNECT_NARGS);
	rec_arg(&b, 0, fd);
	rec_arg(&b, 2, 0);
	switch (kind) {
	case VK_CONNECT:
		rec_arg(&b, 1, 0);
		if (st) {
			b.flags |= st->flags;
			put_kbytes(&b, st->buf, st->len, SOCKADDR_MAX);
		} else {
			put_ubytes(&b, AP(1), AU(2), SOCKADDR_MAX);
		}
		put_sockinfo(&b, fd_file(t, fd));
		break;
	case VK_BIND:
		rec_arg(&b, 1, 0);
		put_ubytes(&b, AP(1), AU(2), SOCKADDR_MAX);
		put_sockinfo(&b, fd_file(t, fd));
		break;
	case VK_LISTEN:
		rec_arg(&b, 1, AI(1));
		put_empty(&b);
		put_sockinfo(&b, fd_file(t, fd));
		break;
	case VK_ACCEPT:
	case VK_ACCEPT4:
		rec_arg(&b, 1, kind == VK_ACCEPT4 ? AU(3) : 0);
		if (ret >= 0)
			put_sockaddr_ulen(&b, AP(1), AP(2));
		else
			put_empty(&b);
		put_sockinfo(&b, ret >= 0 ? fd_file(t, ret) : 0);
		break;
	default:
		return 0;
	}
	rec_submit(&b);
	return 0;
}

/* ---- send/recv: addresses only, never payload ---- */

/* The TIO_* bit of a send/receive kind, 0 for others. */
static __always_inline u32 tcp_io_bit(u16 kind)
{
	switch (kind) {
	case VK_SENDTO:
		return TIO_SENDTO;
	case VK_SENDMSG:
		return TIO_SENDMSG;
	case VK_RECVFROM:
		return TIO_RECVFROM;
	case VK_RECVMSG:
		return TIO_RECVMSG;
	}
	return 0;
}

HANDLER(h_sendrecv)
{
	PROLOGUE
	struct task_struct *t = bpf_get_current_task_btf();
	s64 fd = AI(0);
	/*
	 * Skip a TCP send/receive that names no address when no rule needs
	 * it. An explicit sendto address (TCP Fast Open) is always recorded;
	 * sendmsg's msg_name is not read here (TCP ignores it unless it
	 * connects, which the connect-less Fast Open path is too rare to
	 * matter for).
	 */
	if (tcp_io_skip & tcp_io_bit(kind)) {
		if (!(kind == VK_SENDTO && A(4)) && is_tcp_file(fd_file(t, fd))) {
			count(kind, R_FILTERED);
			return 0;
		}
	}
	rec_begin(&b, s, kind, s->c.flags, ret, VK_SENDTO_NARGS);
	rec_arg(&b, 0, fd);
	switch (kind) {
	case VK_SENDTO:
		rec_arg(&b, 1, AU(3));
		rec_arg(&b, 2, A(2));
		put_ubytes(&b, AP(4), AU(5), SOCKADDR_MAX);
		break;
	case VK_RECVFROM:
		rec_arg(&b, 1, AU(3));
		rec_arg(&b, 2, A(2));
		if (ret >= 0)
			put_sockaddr_ulen(&b, AP(4), AP(5));
		else
			put_empty(&b);
		break;
	case VK_SENDMSG:
	case VK_RECVMSG: {
		rec_arg(&b, 1, AU(2));
		rec_arg(&b, 2, 0);
		const void *mp = AP(1);
		u64 name = 0;
		s32 namelen = 0;
		if (compat) {
			struct compat_msghdr32 m = {};
			if (mp && bpf_probe_read_user(&m, sizeof(m), mp))
				b.flags |= VF_READ_FAULT;
			name = m.msg_name;
			namelen = m.msg_namelen;
		} else {
			struct user_msghdr64 m = {};
			if (mp && bpf_probe_read_user(&m, sizeof(m), mp))
				b.flags |= VF_READ_FAULT;
			name = m.msg_name;
			namelen = m.msg_namelen;
		}
		if (namelen < 0 || (kind == VK_RECVMSG && ret < 0))
			namelen = 0;
		put_ubytes(&b, (const void *)name, namelen, SOCKADDR_MAX);
		break;
	}
	default:
		return 0;
	}
	put_sockinfo(&b, fd_file(t, fd));
	rec_submit(&b);
	return 0;
}

/* ---- two paths: rename*, link*, symlink* ---- */

HANDLER(h_path2)
{
	PROLOGUE
	s64 od = AT_FDCWD, nd = AT_FDCWD;
	u64 flags = 0;
	const void *p1, *p2;
	switch (kind) {
	case VK_RENAME:
	case VK_LINK:
		p1 = AP(0);
		p2 = AP(1);
		break;
	case VK_RENAMEAT:
	case VK_RENAMEAT2:
	case VK_LINKAT:
		od = AI(0);
		p1 = AP(1);
		nd = AI(2);
		p2 = AP(3);
		if (kind != VK_RENAMEAT)
			flags = AU(4);
		break;
	case VK_SYMLINK:
		p1 = AP(0);
		p2 = AP(1);
		break;
	case VK_SYMLINKAT:
		p1 = AP(0);
		nd = AI(1);
		p2 = AP(2);
		break;
	default:
		return 0;
	}
	if (kind == VK_SYMLINK || kind == VK_SYMLINKAT) {
		rec_begin(&b, s, kind, s->c.flags, ret, VK_SYMLINK_NARGS);
		rec_arg(&b, 0, nd);
	} else {
		rec_begin(&b, s, kind, s->c.flags, ret, VK_RENAME_NARGS);
		rec_arg(&b, 0, od);
		rec_arg(&b, 1, nd);
		rec_arg(&b, 2, flags);
	}
	put_ustr(&b, p1, V_MAX_PATH);
	put_ustr(&b, p2, V_MAX_PATH);
	rec_submit(&b);
	return 0;
}

/* ---- one path: unlink*, rmdir, mkdir*, chmod*, chdir, fchdir, chroot, chown* ---- */

#define AT_SYMLINK_NOFOLLOW 0x100

HANDLER(h_path)
{
	PROLOGUE
	s64 dirfd = AT_FDCWD;
	u64 mode = 0, flags = 0, uid = 0, gid = 0;
	const void *path = 0;
	bool chown = false;
	switch (kind) {
	case VK_UNLINK:
	case VK_RMDIR:
	case VK_CHDIR:
	case VK_CHROOT:
		path = AP(0);
		break;
	case VK_UNLINKAT:
		dirfd = AI(0);
		path = AP(1);
		flags = AU(2);
		break;
	case VK_MKDIR:
	case VK_CHMOD:
		path = AP(0);
		mode = AU(1);
		break;
	case VK_MKDIRAT:
	case VK_FCHMODAT:
		dirfd = AI(0);
		path = AP(1);
		mode = AU(2);
		break;
	case VK_FCHMOD:
		dirfd = AI(0);
		mode = AU(1);
		break;
	case VK_FCHDIR:
		dirfd = AI(0);
		break;
	case VK_CHOWN:
	case VK_LCHOWN:
		chown = true;
		path = AP(0);
		uid = AU(1);
		gid = AU(2);
		flags = kind == VK_LCHOWN ? AT_SYMLINK_NOFOLLOW : 0;
		break;
	case VK_FCHOWN:
		chown = true;
		dirfd = AI(0);
		uid = AU(1);
		gid = AU(2);
		break;
	case VK_FCHOWNAT:
		chown = true;
		dirfd = AI(0);
		path = AP(1);
		uid = AU(2);
		gid = AU(3);
		flags = AU(4);
		break;
	default:
		return 0;
	}
	if (chown) {
		rec_begin(&b, s, kind, s->c.flags, ret, VK_CHOWN_NARGS);
		rec_arg(&b, 0, dirfd);
		rec_arg(&b, 1, uid);
		rec_arg(&b, 2, gid);
		rec_arg(&b, 3, flags);
	} else {
		rec_begin(&b, s, kind, s->c.flags, ret, VK_UNLINK_NARGS);
		rec_arg(&b, 0, dirfd);
		rec_arg(&b, 1, mode);
		rec_arg(&b, 2, flags);
	}
	put_ustr(&b, path, V_MAX_PATH);
	rec_submit(&b);
	return 0;
}

/* ---- credentials: set*id, setsid, capset ---- */

HANDLER(h_cred)
{
	PROLOGUE
	struct task_struct *t = bpf_get_current_task_btf();
	const struct cred *cr = BPF_CORE_READ(t, cred);
	switch (kind) {
	case VK_SETSID:
		rec_begin(&b, s, kind, s->c.flags, ret, VK_SETSID_NARGS);
		break;
	case VK_CAPSET: {
		rec_begin(&b, s, kind, s->c.flags, ret, VK_CAPSET_NARGS);
		u64 eff = 0, prm = 0, inh = 0;
		bpf_core_read(&eff, 8, &cr->cap_effective);
		bpf_core_read(&prm, 8, &cr->cap_permitted);
		bpf_core_read(&inh, 8, &cr->cap_inheritable);
		rec_arg(&b, 0, eff);
		rec_arg(&b, 1, prm);
		rec_arg(&b, 2, inh);
		break;
	}
	case VK_SETUID:
	case VK_SETREUID:
	case VK_SETRESUID:
	case VK_SETGID:
	case VK_SETREGID:
	case VK_SETRESGID: {
		rec_begin(&b, s, kind, s->c.flags, ret, VK_SETUID_NARGS);
		u32 n = (kind == VK_SETUID || kind == VK_SETGID) ? 1 : (kind == VK_SETREUID || kind == VK_SETREGID) ? 2 : 3;
		rec_arg(&b, 0, AU(0));
		rec_arg(&b, 1, n > 1 ? AU(1) : 0);
		rec_arg(&b, 2, n > 2 ? AU(2) : 0);
		if (kind == VK_SETUID || kind == VK_SETREUID || kind == VK_SETRESUID) {
			rec_arg(&b, 3, BPF_CORE_READ(cr, uid.val));
			rec_arg(&b, 4, BPF_CORE_READ(cr, euid.val));
			rec_arg(&b, 5, BPF_CORE_READ(cr, suid.val));
		} else {
			rec_arg(&b, 3, BPF_CORE_READ(cr, gid.val));
			rec_arg(&b, 4, BPF_CORE_READ(cr, egid.val));
			rec_arg(&b, 5, BPF_CORE_READ(cr, sgid.val));
		}
		break;
	}
	default:
		return 0;
	}
	rec_submit(&b);
	return 0;
}

/* ---- process and kernel control: prctl, ptrace, kill, unshare, setns, userfaultfd, bpf ---- */

#define PR_SET_NAME 15
#define BPF_PROG_LOAD 5

HANDLER(h_ctl)
{
	PROLOGUE
	switch (kind) {
	case VK_PRCTL: {
		rec_begin(&b, s, kind, s->c.flags, ret, VK_PRCTL_NARGS);
		u64 opt = AU(0);
		rec_arg(&b, 0, opt);
		rec_arg(&b, 1, A(1));
		rec_arg(&b, 2, A(2));
		rec_arg(&b, 3, A(3));
		rec_arg(&b, 4, A(4));
		if (opt == PR_SET_NAME)
			put_ustr(&b, AP(1), 16);
		else
			put_empty(&b);
		break;
	}
	case VK_PTRACE:
		rec_begin(&b, s, kind, s->c.flags, ret, VK_PTRACE_NARGS);
		rec_arg(&b, 0, A(0));
		rec_arg(&b, 1, AI(1));
		rec_arg(&b, 2, A(2));
		rec_arg(&b, 3, A(3));
		break;
	case VK_KILL:
		rec_begin(&b, s, kind, s->c.flags, ret, VK_KILL_NARGS);
		rec_arg(&b, 0, AI(0));
		rec_arg(&b, 1, AI(1));
		break;
	case VK_UNSHARE:
		rec_begin(&b, s, kind, s->c.flags, ret, VK_UNSHARE_NARGS);
		rec_arg(&b, 0, A(0));
		break;
	case VK_SETNS:
		rec_begin(&b, s, kind, s->c.flags, ret, VK_SETNS_NARGS);
		rec_arg(&b, 0, AI(0));
		rec_arg(&b, 1, AI(1));
		break;
	case VK_USERFAULTFD:
		rec_begin(&b, s, kind, s->c.flags, ret, VK_USERFAULTFD_NARGS);
		rec_arg(&b, 0, AU(0));
		break;
	case VK_BPF: {
		rec_begin(&b, s, kind, s->c.flags, ret, VK_BPF_NARGS);
		u64 cmd = AU(0);
		u32 ptype = 0;
		const void *attr = AP(1);
		if (cmd == BPF_PROG_LOAD && attr && bpf_probe_read_user(&ptype, sizeof(ptype), attr))
			b.flags |= VF_READ_FAULT;
		rec_arg(&b, 0, cmd);
		rec_arg(&b, 1, AU(2));
		rec_arg(&b, 2, ptype);
		break;
	}
	default:
		return 0;
	}
	rec_submit(&b);
	return 0;
}

/* ---- mounts and modules ---- */

#define MODULE_PARAMS_MAX 256

HANDLER(h_mount)
{
	PROLOGUE
	switch (kind) {
	case VK_MOUNT:
		rec_begin(&b, s, kind, s->c.flags, ret, VK_MOUNT_NARGS);
		rec_arg(&b, 0, A(3));
		put_ustr(&b, AP(0), V_MAX_PATH);
		put_ustr(&b, AP(1), V_MAX_PATH);
		put_ustr(&b, AP(2), 64);
		break;
	case VK_UMOUNT2:
		rec_begin(&b, s, kind, s->c.flags, ret, VK_UMOUNT2_NARGS);
		rec_arg(&b, 0, AU(1));
		put_ustr(&b, AP(0), V_MAX_PATH);
		break;
	case VK_INIT_MODULE:
		rec_begin(&b, s, kind, s->c.flags, ret, VK_INIT_MODULE_NARGS);
		rec_arg(&b, 0, A(1));
		put_ustr(&b, AP(2), MODULE_PARAMS_MAX);
		break;
	case VK_FINIT_MODULE:
		rec_begin(&b, s, kind, s->c.flags, ret, VK_FINIT_MODULE_NARGS);
		rec_arg(&b, 0, AI(0));
		rec_arg(&b, 1, AU(2));
		put_ustr(&b, AP(1), MODULE_PARAMS_MAX);
		break;
	default:
		return 0;
	}
	rec_submit(&b);
	return 0;
}

/* ---- scheduler events ---- */

_Static_assert(VK_PROCFORK_NARGS == 6 && VK_PROCEXIT_NARGS == 3, "sched layout");

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	if (!(tp_enable & TP_EXEC) || skip_self())
		return 0;
	struct scratch *s = get_scratch();
	if (!s)
		return 0;
	u16 kind = VK_EXECVE, flags = 0;
	s64 dirfd = AT_FDCWD;
	u64 atflags = 0;
	struct stash_exec *st = bpf_task_storage_get(&stash_execs, p, 0, 0);
	if (st && st->valid) {
		kind = st->kind;
		dirfd = st->dirfd;
		atflags = st->atflags;
		st->valid = 0;
	} else {
		flags |= VF_STASH_MISSING;
	}
	if (in_compat(p))
		flags |= VF_COMPAT;

	struct rb b;
	rec_begin(&b, s, kind, flags, 0, VK_EXECVE_NARGS);
	rec_arg(&b, 0, dirfd);
	rec_arg(&b, 1, atflags);
	rec_arg(&b, 2, (u32)old_pid);
	put_kstr(&b, BPF_CORE_READ(bprm, filename), V_MAX_PATH);

	/* argv from the new image's stack: the kernel just copied it there
	 * (bprm->mm is already NULL here: the task owns the new mm) */
	struct mm_struct *mm = BPF_CORE_READ(p, mm);
	unsigned long as = BPF_CORE_READ(mm, arg_start);
	unsigned long ae = BPF_CORE_READ(mm, arg_end);
	put_ubytes(&b, (const void *)as, ae > as ? ae - as : 0, V_MAX_ARGV);

	struct file *exe = BPF_CORE_READ(bprm, file);
	put_file_path(&b, exe);
	put_kstr(&b, BPF_CORE_READ(bprm, interp), V_MAX_PATH);
	put_path_g(&b, BPF_CORE_READ(p, fs, pwd.mnt), BPF_CORE_READ(p, fs, pwd.dentry));
	put_kstr(&b, p->comm, sizeof(p->comm));
	put_cgroup_path_g(&b);
	put_exec_info_g(&b, exe);
	rec_submit(&b);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_fork, struct task_struct *parent, struct task_struct *child)
{
	if (!(tp_enable & TP_FORK) || skip_self())
		return 0;
	struct scratch *s = get_scratch();
	if (!s)
		return 0;
	/* CLONE_* bits recovered from what the child shares with its creator */
	u64 flags = 0;
	if (BPF_CORE_READ(child, mm) == BPF_CORE_READ(parent, mm))
		flags |= CLONE_VM;
	if (BPF_CORE_READ(child, fs) == BPF_CORE_READ(parent, fs))
		flags |= CLONE_FS;
	if (BPF_CORE_READ(child, files) == BPF_CORE_READ(parent, files))
		flags |= CLONE_FILES;
	if (BPF_CORE_READ(child, signal) == BPF_CORE_READ(parent, signal))
		flags |= CLONE_THREAD | CLONE_SIGHAND;
	/* a new thread's real parent is its process's parent: only a new
	 * process whose parent is not its creator was made with CLONE_PARENT */
	struct task_struct *rp = BPF_CORE_READ(child, real_parent);
	if (!(flags & CLONE_THREAD) && BPF_CORE_READ(rp, tgid) != BPF_CORE_READ(parent, tgid))
		flags |= CLONE_PARENT;
	struct nsproxy *cn = BPF_CORE_READ(child, nsproxy), *pn = BPF_CORE_READ(parent, nsproxy);
	if (cn != pn) {
		if (BPF_CORE_READ(cn, mnt_ns) != BPF_CORE_READ(pn, mnt_ns))
			flags |= CLONE_NEWNS;
		if (BPF_CORE_READ(cn, net_ns) != BPF_CORE_READ(pn, net_ns))
			flags |= CLONE_NEWNET;
	}
	if (BPF_CORE_READ(child, thread_pid, level) != BPF_CORE_READ(parent, thread_pid, level))
		flags |= CLONE_NEWPID;

	struct rb b;
	rec_begin(&b, s, VK_PROCFORK, 0, 0, VK_PROCFORK_NARGS);
	rec_arg(&b, 0, (u32)BPF_CORE_READ(child, tgid));
	rec_arg(&b, 1, (u32)BPF_CORE_READ(child, pid));
	rec_arg(&b, 2, flags);
	rec_arg(&b, 3, BPF_CORE_READ(child, group_leader, start_boottime));
	rec_arg(&b, 4, (u32)BPF_CORE_READ(rp, tgid));
	rec_arg(&b, 5, BPF_CORE_READ(rp, group_leader, start_boottime));
	rec_submit(&b);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_exit, struct task_struct *p)
{
	if (!(tp_enable & TP_EXIT) || skip_self())
		return 0;
	struct scratch *s = get_scratch();
	if (!s)
		return 0;
	struct rb b;
	rec_begin(&b, s, VK_PROCEXIT, 0, 0, VK_PROCEXIT_NARGS);
	rec_arg(&b, 0, (u32)BPF_CORE_READ(p, exit_code));
	rec_arg(&b, 1, BPF_CORE_READ(p, signal, live.counter) == 0);
	rec_arg(&b, 2, BPF_CORE_READ(p, group_leader, start_boottime));
	rec_submit(&b);
	return 0;
}
