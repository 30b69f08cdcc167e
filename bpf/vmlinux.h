/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Minimal CO-RE view of the kernel types Vigil's programs read, shared by
 * every architecture.
 *
 * This is deliberately NOT a full `bpftool btf dump` of one kernel: each
 * struct lists only the members the programs use, under the kernel's member
 * names. Every struct carries preserve_access_index, so each member access is
 * relocated at load time against the running kernel's BTF (by name, not by
 * the offsets below). That makes one header correct for amd64 and arm64 and
 * for every kernel whose members have these names; members that were renamed
 * across versions have "___flavour" variants and are read behind
 * bpf_core_field_exists() checks.
 *
 * Checked against the BTF of Linux 6.18 (amd64). The arm64 pt_regs and
 * thread_info layouts follow arch/arm64/include/asm/ptrace.h and
 * thread_info.h. Only architecture register layouts are #ifdef'd.
 */
#ifndef VIGIL_VMLINUX_H
#define VIGIL_VMLINUX_H

typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;

typedef __s8 s8;
typedef __u8 u8;
typedef __s16 s16;
typedef __u16 u16;
typedef __s32 s32;
typedef __u32 u32;
typedef __s64 s64;
typedef __u64 u64;

typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;

typedef _Bool bool;
enum { false = 0, true = 1 };

typedef int pid_t;
typedef unsigned int uid_t;
typedef unsigned int gid_t;
typedef __u32 dev_t;
typedef unsigned short umode_t;
typedef long long time64_t;

/* UAPI values the programs need (include/uapi/linux/bpf.h). */
enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PROG_ARRAY = 3,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_ARRAY_OF_MAPS = 12,
	BPF_MAP_TYPE_RINGBUF = 27,
	BPF_MAP_TYPE_TASK_STORAGE = 29,
};

enum {
	BPF_ANY = 0,
	BPF_F_NO_PREALLOC = 1,
};

enum {
	BPF_RB_NO_WAKEUP = 1,
	BPF_RB_FORCE_WAKEUP = 2,
};

enum {
	BPF_RB_AVAIL_DATA = 0,
};

enum {
	BPF_LOCAL_STORAGE_GET_F_CREATE = 1,
};

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

typedef struct {
	int counter;
} atomic_t;

typedef struct {
	uid_t val;
} kuid_t;

typedef struct {
	gid_t val;
} kgid_t;

/* 6.3+: struct { u64 val; }; before: struct { u32 cap[2]; }. Read as 8 bytes. */
typedef struct {
	u64 val;
} kernel_cap_t;

#if defined(__TARGET_ARCH_x86)
struct pt_regs {
	unsigned long r15;
	unsigned long r14;
	unsigned long r13;
	unsigned long r12;
	unsigned long bp;
	unsigned long bx;
	unsigned long r11;
	unsigned long r10;
	unsigned long r9;
	unsigned long r8;
	unsigned long ax;
	unsigned long cx;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
	unsigned long orig_ax;
	unsigned long ip;
	unsigned long flags;
	unsigned long sp;
};

struct thread_info {
	unsigned long flags;
	u32 status; /* TS_COMPAT */
};
#elif defined(__TARGET_ARCH_arm64)
struct pt_regs {
	u64 regs[31];
	u64 sp;
	u64 pc;
	u64 pstate;
	u64 orig_x0;
	s32 syscallno;
};

struct thread_info {
	unsigned long flags; /* TIF_32BIT */
};
#else
#error "vigil: unsupported target architecture"
#endif

struct qstr {
	union {
		struct {
			u32 hash;
			u32 len;
		};
		u64 hash_len;
	};
	const unsigned char *name;
};

struct super_block {
	dev_t s_dev;
	unsigned long s_flags;
	unsigned long s_magic;
};

struct timespec64 {
	time64_t tv_sec;
	long tv_nsec;
};

struct inode {
	umode_t i_mode;
	kuid_t i_uid;
	kgid_t i_gid;
	struct super_block *i_sb;
	unsigned long i_ino;
	unsigned int i_nlink;
	/* 6.11+ */
	time64_t i_mtime_sec;
	time64_t i_ctime_sec;
	u32 i_mtime_nsec;
	u32 i_ctime_nsec;
};

/*
 * Timestamps before 6.11: timespec64 members named i_ctime/i_mtime (up to
 * 6.5), __i_ctime (6.6+) and __i_mtime (6.7+). Each is read only if it exists.
 */
struct inode___ts {
	struct timespec64 __i_ctime;
	struct timespec64 __i_mtime;
	struct timespec64 i_ctime;
	struct timespec64 i_mtime;
};

struct dentry {
	struct dentry *d_parent;
	struct qstr d_name;
	struct inode *d_inode;
	struct super_block *d_sb;
};

struct vfsmount {
	struct dentry *mnt_root;
	struct super_block *mnt_sb;
	int mnt_flags;
};

/*
 * overlayfs's in-memory inode (fs/overlayfs/ovl_entry.h, 4.13+). When
 * overlayfs is a module the type is in that module's BTF, which the loader
 * (cilium/ebpf) searches only if the module is loaded at load time, so it is
 * read behind bpf_core_type_exists()/bpf_core_field_exists().
 */
struct ovl_inode {
	struct inode vfs_inode;
	struct dentry *__upperdentry;
};

struct mount {
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
};

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
};

struct file {
	struct path f_path;
	struct inode *f_inode;
	void *private_data;
};

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
};

struct files_struct {
	struct fdtable *fdt;
};

struct fs_struct {
	struct path root;
	struct path pwd;
};

struct mm_struct {
	unsigned long arg_start;
	unsigned long arg_end;
	struct file *exe_file;
};

struct linux_binprm {
	struct mm_struct *mm;
	struct file *file;
	const char *filename;
	const char *interp;
};

struct cred {
	kuid_t uid;
	kgid_t gid;
	kuid_t suid;
	kgid_t sgid;
	kuid_t euid;
	kgid_t egid;
	kuid_t fsuid;
	kgid_t fsgid;
	kernel_cap_t cap_inheritable;
	kernel_cap_t cap_permitted;
	kernel_cap_t cap_effective;
};

struct ns_common {
	unsigned int inum;
};

struct pid_namespace {
	unsigned int level;
	struct ns_common ns;
};

struct mnt_namespace {
	struct ns_common ns;
};

struct net {
	struct ns_common ns;
};

struct nsproxy {
	struct mnt_namespace *mnt_ns;
	struct net *net_ns;
};

struct upid {
	int nr;
	struct pid_namespace *ns;
};

struct pid {
	unsigned int level;
	struct upid numbers[1];
};

enum pid_type {
	PIDTYPE_PID = 0,
	PIDTYPE_TGID = 1,
	PIDTYPE_PGID = 2,
	PIDTYPE_SID = 3,
};

struct tty_driver {
	int major;
	int minor_start;
};

struct tty_struct {
	int index;
	struct tty_driver *driver;
};

struct signal_struct {
	atomic_t live;
	struct pid *pids[4];
	struct tty_struct *tty;
};

struct kernfs_node {
	struct kernfs_node *__parent; /* 6.15+ */
	const char *name;
};

struct kernfs_node___old {
	struct kernfs_node *parent; /* before 6.15 */
};

struct cgroup {
	struct kernfs_node *kn;
};

struct cgroup_subsys_state {
	struct cgroup *cgroup;
};

struct css_set {
	struct cgroup_subsys_state *subsys[12];
	struct cgroup *dfl_cgrp;
};

/* Values are relocated by name with bpf_core_enum_value(). */
enum cgroup_subsys_id {
	memory_cgrp_id = 4,
	pids_cgrp_id = 11,
};

struct task_struct {
	struct thread_info thread_info;
	unsigned int flags;
	struct mm_struct *mm;
	int exit_code;
	pid_t pid;
	pid_t tgid;
	struct task_struct *real_parent;
	struct task_struct *group_leader;
	struct pid *thread_pid;
	u64 start_boottime;
	const struct cred *cred;
	char comm[16];
	struct fs_struct *fs;
	struct files_struct *files;
	struct nsproxy *nsproxy;
	struct signal_struct *signal;
	kuid_t loginuid;
	struct css_set *cgroups;
};

struct in6_addr {
	union {
		__u8 u6_addr8[16];
		__be16 u6_addr16[8];
		__be32 u6_addr32[4];
	} in6_u;
};

struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	volatile unsigned char skc_state;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
};

struct sock {
	struct sock_common __sk_common;
	u16 sk_type;
	u16 sk_protocol;
};

struct socket {
	short type;
	struct sock *sk;
};

struct unix_sock {
	struct sock sk;
	struct sock *peer;
};

#pragma clang attribute pop

/* User-space ABI structs read with bpf_probe_read_user: fixed layouts, no CO-RE. */
struct open_how_user {
	__u64 flags;
	__u64 mode;
	__u64 resolve;
};

struct user_msghdr64 {
	__u64 msg_name;
	__s32 msg_namelen;
};

struct compat_msghdr32 {
	__u32 msg_name;
	__s32 msg_namelen;
};

#endif /* VIGIL_VMLINUX_H */
