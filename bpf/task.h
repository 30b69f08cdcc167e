/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Reading kernel state through CO-RE: syscall registers, compat mode, file
 * descriptors, sockets, paths, cgroups and process attributes.
 */
#ifndef VIGIL_TASK_H
#define VIGIL_TASK_H

#include "vigil.h"

/* ---- syscall number and arguments ---- */

#if defined(__TARGET_ARCH_x86)
#define TS_COMPAT 0x0002
#define X32_SYSCALL_BIT 0x40000000

static __always_inline long syscall_nr(struct pt_regs *regs)
{
	return (long)regs->orig_ax;
}

/* True when the current syscall entered through the ia32 compat path. */
static __always_inline bool in_compat(struct task_struct *t)
{
	if (!bpf_core_field_exists(t->thread_info.status))
		return false;
	/* t is a BTF pointer (bpf_get_current_task_btf or a tp_btf argument):
	 * a direct load, no helper call, on the path of every syscall */
	return t->thread_info.status & TS_COMPAT;
}

static __always_inline u64 sc_arg(struct pt_regs *regs, u32 i, bool compat)
{
	if (compat) {
		switch (i) {
		case 0: return (u32)regs->bx;
		case 1: return (u32)regs->cx;
		case 2: return (u32)regs->dx;
		case 3: return (u32)regs->si;
		case 4: return (u32)regs->di;
		default: return (u32)regs->bp;
		}
	}
	switch (i) {
	case 0: return regs->di;
	case 1: return regs->si;
	case 2: return regs->dx;
	case 3: return regs->r10;
	case 4: return regs->r8;
	default: return regs->r9;
	}
}
#elif defined(__TARGET_ARCH_arm64)
#define TIF_32BIT 22

static __always_inline long syscall_nr(struct pt_regs *regs)
{
	return (long)regs->syscallno;
}

static __always_inline bool in_compat(struct task_struct *t)
{
	return t->thread_info.flags & (1UL << TIF_32BIT);
}

static __always_inline u64 sc_arg(struct pt_regs *regs, u32 i, bool compat)
{
	switch (i) {
	case 0: return regs->orig_x0;
	case 1: return regs->regs[1];
	case 2: return regs->regs[2];
	case 3: return regs->regs[3];
	case 4: return regs->regs[4];
	default: return regs->regs[5];
	}
}
#endif

/* ---- file descriptors ---- */

#define S_IFMT 00170000
#define S_IFSOCK 0140000

/* The file behind fd of task t, which must be a BTF pointer (direct loads). */
static __always_inline struct file *fd_file(struct task_struct *t, s64 fd)
{
	if (fd < 0)
		return 0;
	struct files_struct *files = t->files;
	if (!files)
		return 0;
	struct fdtable *fdt = files->fdt;
	if (!fdt)
		return 0;
	if ((u64)fd >= fdt->max_fds)
		return 0;
	struct file **arr = fdt->fd;
	struct file *f = 0;
	bpf_probe_read_kernel(&f, sizeof(f), &arr[fd]);
	return f;
}

/*
 * bpf_rdonly_cast (Linux 6.2+) turns a kernel pointer obtained as a plain
 * number into a read-only BTF pointer, so the following field reads are
 * plain loads instead of bpf_probe_read_kernel calls. Weak: on older kernels
 * the branches using it are removed at load time and the probe-read
 * fallbacks run.
 */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

#define ksym_exists(sym) (!!(sym))
#define use_rdonly_cast() (ksym_exists(bpf_rdonly_cast) && !no_rdonly_cast)

/* Device (kernel dev_t) and inode number of the file f. */
static __always_inline void file_dev_ino(struct file *f, u64 *dev, u64 *ino)
{
	if (!f)
		return;
	if (use_rdonly_cast()) {
		struct file *ff = bpf_rdonly_cast(f, bpf_core_type_id_kernel(struct file));
		struct inode *in = ff->f_inode;
		*ino = in->i_ino;
		*dev = in->i_sb->s_dev;
		return;
	}
	struct inode *in = BPF_CORE_READ(f, f_inode);
	*ino = BPF_CORE_READ(in, i_ino);
	*dev = BPF_CORE_READ(in, i_sb, s_dev);
}

/* The sock behind f (probe reads); NULL when f is not a socket or has none. */
static __always_inline struct sock *file_sock(struct file *f)
{
	struct inode *ino = BPF_CORE_READ(f, f_inode);
	umode_t mode = BPF_CORE_READ(ino, i_mode);
	if ((mode & S_IFMT) != S_IFSOCK)
		return 0;
	struct socket *so = BPF_CORE_READ(f, private_data);
	return BPF_CORE_READ(so, sk);
}

/* Whether f is a TCP socket (SOCK_STREAM, IPPROTO_TCP). */
static __always_inline bool is_tcp_file(struct file *f)
{
	if (!f)
		return false;
	struct sock *sk = file_sock(f);
	if (!sk)
		return false;
	u16 type = BPF_CORE_READ(sk, sk_type);
	u16 proto = BPF_CORE_READ(sk, sk_protocol);
	return type == 1 /* SOCK_STREAM */ && proto == 6 /* IPPROTO_TCP */;
}

/* SockInfo blob (record.SockInfo) for the socket behind f; empty when f is not a socket. */
static __always_inline void put_sockinfo(struct rb *b, struct file *f)
{
	if (!f) {
		put_empty(b);
		return;
	}
	u16 family, type, proto, lport = 0, rport = 0;
	u8 state;
	u64 peer = 0;
	struct sock *skp;
	u8 *d = fld(b);
	u64 *z = (u64 *)d;
	z[0] = 0;
	z[1] = 0;
	z[2] = 0;
	z[3] = 0;
	z[4] = 0;
	z[5] = 0;
	if (use_rdonly_cast()) {
		struct file *ff = bpf_rdonly_cast(f, bpf_core_type_id_kernel(struct file));
		if ((ff->f_inode->i_mode & S_IFMT) != S_IFSOCK) {
			put_empty(b);
			return;
		}
		struct socket *so = bpf_rdonly_cast(ff->private_data, bpf_core_type_id_kernel(struct socket));
		struct sock *sk = so->sk;
		if (!sk) {
			put_empty(b);
			return;
		}
		skp = sk;
		family = sk->__sk_common.skc_family;
		type = sk->sk_type;
		proto = sk->sk_protocol;
		state = sk->__sk_common.skc_state;
		if (family == 2 /* AF_INET */) {
			lport = sk->__sk_common.skc_num;
			rport = bpf_ntohs(sk->__sk_common.skc_dport);
			*(u32 *)(d + 16) = sk->__sk_common.skc_rcv_saddr;
			*(u32 *)(d + 32) = sk->__sk_common.skc_daddr;
		} else if (family == 10 /* AF_INET6 */) {
			lport = sk->__sk_common.skc_num;
			rport = bpf_ntohs(sk->__sk_common.skc_dport);
			for (int i = 0; i < 4; i++) {
				*(u32 *)(d + 16 + 4 * i) = sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32[i];
				*(u32 *)(d + 32 + 4 * i) = sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32[i];
			}
		} else if (family == 1 /* AF_UNIX */) {
			struct unix_sock *us = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct unix_sock));
			peer = (u64)us->peer;
		}
	} else {
		struct sock *sk = file_sock(f);
		if (!sk) {
			put_empty(b);
			return;
		}
		skp = sk;
		family = BPF_CORE_READ(sk, __sk_common.skc_family);
		type = BPF_CORE_READ(sk, sk_type);
		proto = BPF_CORE_READ(sk, sk_protocol);
		state = BPF_CORE_READ(sk, __sk_common.skc_state);
		if (family == 2 || family == 10) {
			lport = BPF_CORE_READ(sk, __sk_common.skc_num);
			rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		}
		if (family == 2) {
			*(u32 *)(d + 16) = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
			*(u32 *)(d + 32) = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		} else if (family == 10) {
			bpf_core_read(d + 16, 16, &sk->__sk_common.skc_v6_rcv_saddr);
			bpf_core_read(d + 32, 16, &sk->__sk_common.skc_v6_daddr);
		} else if (family == 1) {
			struct unix_sock *us = (void *)sk;
			peer = (u64)BPF_CORE_READ(us, peer);
		}
	}
	*(u16 *)(d + 0) = family;
	*(u16 *)(d + 2) = type;
	*(u16 *)(d + 4) = proto;
	*(u8 *)(d + 6) = state;
	*(u16 *)(d + 8) = lport;
	*(u16 *)(d + 10) = rport;
	if (family == 1) {
		*(u64 *)(d + 16) = (u64)skp;
		*(u64 *)(d + 32) = peer;
	}
	fld_end(b, V_SOCK_INFO_SIZE);
}

/* ---- paths ---- */

/*
 * Absolute path of a (vfsmount, dentry) pair, crossing mount points up to the
 * root of the mount tree, like d_absolute_path() but bounded: at most
 * PATH_WALK_STEPS steps and V_MAX_PATH bytes (a longer path loses its leading
 * components and is flagged truncated). The path is assembled backwards in
 * the scratch path buffer, then copied into the record.
 */
#define PATH_WALK_STEPS 80
#define PBUF_MASK (V_MAX_PATH - 1)

static __always_inline void put_path(struct rb *b, struct vfsmount *vm, struct dentry *d)
{
	struct scratch *s = b->s;
	if (!vm || !d) {
		put_empty(b);
		return;
	}
	struct mount *mnt = (void *)vm - bpf_core_field_offset(struct mount, mnt);
	u32 pos = V_MAX_PATH;
	long fault = 0;
	for (int i = 0; i < PATH_WALK_STEPS; i++) {
		struct dentry *root = BPF_CORE_READ(vm, mnt_root);
		struct dentry *parent = BPF_CORE_READ(d, d_parent);
		if (d == root) {
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);
			if (!up || up == mnt)
				break;
			d = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			vm = (void *)up + bpf_core_field_offset(struct mount, mnt);
			continue;
		}
		bool last = false;
		if (!parent || d == parent) {
			/* A disconnected or pseudo dentry (memfd, pipe, socket) is its
			 * own parent below a mount it is not the root of: keep its
			 * name, as "/memfd:name", and stop. */
			if (pos < V_MAX_PATH)
				break;
			last = true;
		}
		u32 clen = BPF_CORE_READ(d, d_name.len);
		const unsigned char *name = BPF_CORE_READ(d, d_name.name);
		clen &= 255; /* NAME_MAX */
		if (clen + 1 > pos) {
			b->flags |= VF_TRUNCATED;
			break;
		}
		pos -= clen + 1;
		/* Forget the exact range so the verifier can merge the states of
		 * different walks (the mask is a no-op: pos < V_MAX_PATH here). */
		barrier_var(pos);
		pos &= PBUF_MASK;
		s->pbuf[pos] = '/';
		fault |= bpf_probe_read_kernel(&s->pbuf[(pos + 1) & PBUF_MASK], clen, name);
		if (last)
			break;
		d = parent;
	}
	if (fault)
		b->flags |= VF_READ_FAULT;
	u8 *dst = fld(b);
	if (pos >= V_MAX_PATH) {
		dst[0] = '/';
		fld_end(b, 1);
		return;
	}
	u32 len = V_MAX_PATH - pos;
	barrier_var(len);
	len &= (2 * V_MAX_PATH - 1);
	if (bpf_probe_read_kernel(dst, len, &s->pbuf[pos & PBUF_MASK])) {
		b->flags |= VF_READ_FAULT;
		len = 0;
	}
	fld_end(b, len);
}

/* ---- cgroups ---- */

#define CGROUP_DEPTH 16
#define CGROUP_NAME_MAX 255

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(kn->__parent))
		return BPF_CORE_READ(kn, __parent);
	struct kernfs_node___old *o = (void *)kn;
	return BPF_CORE_READ(o, parent);
}

static __always_inline struct cgroup *task_cgroup(struct task_struct *t)
{
	struct css_set *cs = BPF_CORE_READ(t, cgroups);
	int id = -1;
	if (cgroup_hierarchy == 0 && bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	else if (cgroup_hierarchy == 1 && bpf_core_enum_value_exists(enum cgroup_subsys_id, pids_cgrp_id))
		id = bpf_core_enum_value(enum cgroup_subsys_id, pids_cgrp_id);
	if (id >= 0 && id < 64) {
		struct cgroup_subsys_state *css = 0;
		bpf_probe_read_kernel(&css, sizeof(css),
				      (void *)cs + bpf_core_field_offset(struct css_set, subsys) + id * sizeof(void *));
		if (css)
			return BPF_CORE_READ(css, cgroup);
	}
	return BPF_CORE_READ(cs, dfl_cgrp);
}

/* Path of the task's cgroup in the configured hierarchy, "/" for its root. */
static __always_inline void put_cgroup_path(struct rb *b, struct task_struct *t)
{
	struct scratch *s = b->s;
	struct kernfs_node *kn = BPF_CORE_READ(task_cgroup(t), kn);
	u32 pos = V_MAX_PATH;
	for (int i = 0; i < CGROUP_DEPTH; i++) {
		if (!kn)
			break;
		struct kernfs_node *parent = kn_parent(kn);
		if (!parent)
			break;
		long n = bpf_probe_read_kernel_str(s->name, CGROUP_NAME_MAX + 1, BPF_CORE_READ(kn, name));
		if (n < 1) {
			b->flags |= VF_READ_FAULT;
			break;
		}
		u32 clen = (n - 1) & CGROUP_NAME_MAX;
		if (clen + 1 > pos) {
			b->flags |= VF_TRUNCATED;
			break;
		}
		pos -= clen + 1;
		barrier_var(pos);
		pos &= PBUF_MASK;
		s->pbuf[pos] = '/';
		bpf_probe_read_kernel(&s->pbuf[(pos + 1) & PBUF_MASK], clen, s->name);
		kn = parent;
		if (i == CGROUP_DEPTH - 1 && kn_parent(kn))
			b->flags |= VF_TRUNCATED;
	}
	u8 *dst = fld(b);
	if (pos >= V_MAX_PATH) {
		dst[0] = '/';
		fld_end(b, 1);
		return;
	}
	u32 len = V_MAX_PATH - pos;
	barrier_var(len);
	len &= (2 * V_MAX_PATH - 1);
	if (bpf_probe_read_kernel(dst, len, &s->pbuf[pos & PBUF_MASK])) {
		b->flags |= VF_READ_FAULT;
		len = 0;
	}
	fld_end(b, len);
}

/* ---- process attributes ---- */

static __always_inline u32 pid_nr_level0(struct pid *p)
{
	return BPF_CORE_READ(p, numbers[0].nr);
}

/* The upid of p in its deepest (own) pid namespace. */
static __always_inline void pid_deepest(struct pid *p, u32 *nr, u32 *ns_inum)
{
	u32 level = BPF_CORE_READ(p, level) & 31;
	void *up = (void *)p + bpf_core_field_offset(struct pid, numbers) + level * bpf_core_type_size(struct upid);
	int v = 0;
	struct pid_namespace *ns = 0;
	bpf_probe_read_kernel(&v, sizeof(v), up + bpf_core_field_offset(struct upid, nr));
	bpf_probe_read_kernel(&ns, sizeof(ns), up + bpf_core_field_offset(struct upid, ns));
	*nr = v;
	*ns_inum = BPF_CORE_READ(ns, ns.inum);
}

static __always_inline u32 tty_dev(struct signal_struct *sig)
{
	struct tty_struct *tty = BPF_CORE_READ(sig, tty);
	if (!tty)
		return 0;
	int index = BPF_CORE_READ(tty, index);
	struct tty_driver *drv = BPF_CORE_READ(tty, driver);
	int major = BPF_CORE_READ(drv, major);
	int minor = BPF_CORE_READ(drv, minor_start) + index;
	return ((u32)major << 20) | ((u32)minor & 0xfffff);
}

static __always_inline void inode_times(struct inode *ino, s64 *ctime, s64 *mtime)
{
	struct inode___ts *o = (void *)ino;
	if (bpf_core_field_exists(ino->i_ctime_sec)) {
		*ctime = BPF_CORE_READ(ino, i_ctime_sec) * 1000000000LL + BPF_CORE_READ(ino, i_ctime_nsec);
	} else if (bpf_core_field_exists(o->__i_ctime)) {
		*ctime = BPF_CORE_READ(o, __i_ctime.tv_sec) * 1000000000LL + BPF_CORE_READ(o, __i_ctime.tv_nsec);
	} else if (bpf_core_field_exists(o->i_ctime)) {
		*ctime = BPF_CORE_READ(o, i_ctime.tv_sec) * 1000000000LL + BPF_CORE_READ(o, i_ctime.tv_nsec);
	}
	if (bpf_core_field_exists(ino->i_mtime_sec)) {
		*mtime = BPF_CORE_READ(ino, i_mtime_sec) * 1000000000LL + BPF_CORE_READ(ino, i_mtime_nsec);
	} else if (bpf_core_field_exists(o->__i_mtime)) {
		*mtime = BPF_CORE_READ(o, __i_mtime.tv_sec) * 1000000000LL + BPF_CORE_READ(o, __i_mtime.tv_nsec);
	} else if (bpf_core_field_exists(o->i_mtime)) {
		*mtime = BPF_CORE_READ(o, i_mtime.tv_sec) * 1000000000LL + BPF_CORE_READ(o, i_mtime.tv_nsec);
	}
}

#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#define SB_RDONLY 1	  /* super_block.s_flags */
#define MNT_READONLY 0x40 /* vfsmount.mnt_flags */

/*
 * True when ino is an overlayfs inode whose ovl_inode has an upper dentry:
 * the file was created in, or copied up to, the writable upper layer. The
 * ovl_inode embeds the VFS inode, so it is found by subtracting the offset of
 * vfs_inode (container_of). Without ovl_inode in the kernel BTF (overlayfs a
 * module not loaded when the programs were loaded, or a kernel before 4.13)
 * the answer is false.
 */
static __always_inline bool exe_upper_layer(struct inode *ino, unsigned long magic)
{
	if (magic != OVERLAYFS_SUPER_MAGIC)
		return false;
	if (!bpf_core_type_exists(struct ovl_inode) || !bpf_core_field_exists(struct ovl_inode, __upperdentry) ||
	    !bpf_core_field_exists(struct ovl_inode, vfs_inode))
		return false;
	struct ovl_inode *oi = (void *)ino - bpf_core_field_offset(struct ovl_inode, vfs_inode);
	return BPF_CORE_READ(oi, __upperdentry) != 0;
}

/*
 * Whether exe is writable by cred, from the mode bits only (no ACLs, no LSM,
 * no supplementary groups): never on a read-only superblock or mount; always
 * for fsuid 0; otherwise the owner write bit when fsuid owns the file, else
 * the group bit when fsgid is its group, else the other bit.
 */
static __always_inline bool exe_writable(const struct cred *cr, struct file *exe, struct inode *ino)
{
	if (BPF_CORE_READ(ino, i_sb, s_flags) & SB_RDONLY)
		return false;
	if (BPF_CORE_READ(exe, f_path.mnt, mnt_flags) & MNT_READONLY)
		return false;
	u32 fsuid = BPF_CORE_READ(cr, fsuid.val);
	if (fsuid == 0)
		return true;
	umode_t mode = BPF_CORE_READ(ino, i_mode);
	if (fsuid == BPF_CORE_READ(ino, i_uid.val))
		return mode & 0200;
	if (BPF_CORE_READ(cr, fsgid.val) == BPF_CORE_READ(ino, i_gid.val))
		return mode & 0020;
	return mode & 0002;
}

/* ExecInfo blob (record.ExecInfo) for task t executing exe (NULL for a failed exec). */
static __always_inline void put_exec_info(struct rb *b, struct task_struct *t, struct file *exe)
{
	u8 *d = fld(b);
	u64 *z = (u64 *)d;
	for (int i = 0; i < V_EXEC_INFO_SIZE / 8; i++)
		z[i] = 0;

	const struct cred *cr = BPF_CORE_READ(t, cred);
	*(u32 *)(d + 0) = BPF_CORE_READ(cr, uid.val);
	*(u32 *)(d + 4) = BPF_CORE_READ(cr, gid.val);
	*(u32 *)(d + 8) = BPF_CORE_READ(cr, euid.val);
	*(u32 *)(d + 12) = BPF_CORE_READ(cr, egid.val);
	*(u32 *)(d + 16) = BPF_CORE_READ(cr, suid.val);
	*(u32 *)(d + 20) = BPF_CORE_READ(cr, sgid.val);
	*(u32 *)(d + 24) = BPF_CORE_READ(cr, fsuid.val);
	u32 loginuid = 0xffffffff;
	if (bpf_core_field_exists(t->loginuid))
		loginuid = BPF_CORE_READ(t, loginuid.val);
	*(u32 *)(d + 28) = loginuid;
	bpf_core_read(d + 32, 8, &cr->cap_effective);
	bpf_core_read(d + 40, 8, &cr->cap_permitted);
	bpf_core_read(d + 48, 8, &cr->cap_inheritable);

	struct task_struct *leader = BPF_CORE_READ(t, group_leader);
	*(u32 *)(d + 56) = BPF_CORE_READ(t, real_parent, tgid);
	struct signal_struct *sig = BPF_CORE_READ(t, signal);
	*(u32 *)(d + 60) = pid_nr_level0(BPF_CORE_READ(sig, pids[PIDTYPE_SID]));
	*(u32 *)(d + 64) = pid_nr_level0(BPF_CORE_READ(sig, pids[PIDTYPE_PGID]));
	*(u32 *)(d + 68) = tty_dev(sig);

	u32 vtgid = 0, pidns = 0;
	pid_deepest(BPF_CORE_READ(leader, thread_pid), &vtgid, &pidns);
	*(u32 *)(d + 72) = pidns;
	*(u32 *)(d + 76) = BPF_CORE_READ(t, nsproxy, mnt_ns, ns.inum);
	*(u32 *)(d + 80) = vtgid;
	*(u32 *)(d + 84) = BPF_CORE_READ(t, nsproxy, net_ns, ns.inum);
	*(u64 *)(d + 88) = BPF_CORE_READ(leader, start_boottime);

	if (exe) {
		struct inode *ino = BPF_CORE_READ(exe, f_inode);
		*(u64 *)(d + 96) = BPF_CORE_READ(ino, i_ino);
		*(u32 *)(d + 104) = BPF_CORE_READ(ino, i_sb, s_dev);
		*(u32 *)(d + 108) = BPF_CORE_READ(ino, i_nlink);
		s64 ct = 0, mt = 0;
		inode_times(ino, &ct, &mt);
		*(s64 *)(d + 112) = ct;
		*(s64 *)(d + 120) = mt;
		unsigned long magic = BPF_CORE_READ(ino, i_sb, s_magic);
		*(u64 *)(d + 128) = magic;
		u32 ef = 0;
		if (exe_upper_layer(ino, magic))
			ef |= EXE_FLAG_UPPER_LAYER;
		if (exe_writable(cr, exe, ino))
			ef |= EXE_FLAG_WRITABLE;
		*(u32 *)(d + 136) = ef;
	} else {
		*(u32 *)(d + 136) = EXE_FLAG_NO_FILE;
	}
	fld_end(b, V_EXEC_INFO_SIZE);
}

/*
 * Global (separately verified) wrappers for the loop-heavy writers. Each is
 * verified once instead of once per call path of every caller, which keeps
 * the exec programs far below the verifier's instruction budget. They take
 * and return the builder state as scalars: the field offset in, and
 * (flags << 16 | new offset) out.
 */
#define GLOBAL __attribute__((noinline))

static __always_inline int rb_pack(struct rb *b)
{
	return ((int)b->flags << 16) | (int)(b->off & REC_MASK);
}

static __always_inline void rb_unpack(struct rb *b, int packed)
{
	b->off = packed & 0xffff;
	b->flags |= (packed >> 16) & 0xffff;
}

static __always_inline bool rb_at(struct rb *b, u32 off)
{
	struct scratch *s = get_scratch();
	if (!s)
		return false;
	b->s = s;
	b->off = off & REC_MASK;
	b->flags = 0;
	b->kind = 0;
	return true;
}

GLOBAL int g_put_path(u64 vm, u64 dentry, u32 off)
{
	struct rb b;
	if (!rb_at(&b, off))
		return off;
	put_path(&b, (struct vfsmount *)vm, (struct dentry *)dentry);
	return rb_pack(&b);
}

/* The task is always the current one: global functions take only scalars. */
GLOBAL int g_put_cgroup_path(u32 off)
{
	struct rb b;
	if (!rb_at(&b, off))
		return off;
	put_cgroup_path(&b, bpf_get_current_task_btf());
	return rb_pack(&b);
}

GLOBAL int g_put_exec_info(u64 exe, u32 off)
{
	struct rb b;
	if (!rb_at(&b, off))
		return off;
	put_exec_info(&b, bpf_get_current_task_btf(), (struct file *)exe);
	return rb_pack(&b);
}

static __always_inline void put_path_g(struct rb *b, struct vfsmount *vm, struct dentry *d)
{
	rb_unpack(b, g_put_path((u64)vm, (u64)d, b->off));
}

/* Cgroup path of the current task. */
static __always_inline void put_cgroup_path_g(struct rb *b)
{
	rb_unpack(b, g_put_cgroup_path(b->off));
}

/* ExecInfo of the current task. */
static __always_inline void put_exec_info_g(struct rb *b, struct file *exe)
{
	rb_unpack(b, g_put_exec_info((u64)exe, b->off));
}

static __always_inline void put_file_path(struct rb *b, struct file *f)
{
	if (!f) {
		put_empty(b);
		return;
	}
	put_path_g(b, BPF_CORE_READ(f, f_path.mnt), BPF_CORE_READ(f, f_path.dentry));
}

#endif /* VIGIL_TASK_H */
