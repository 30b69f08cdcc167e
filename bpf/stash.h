/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Syscall-entry snapshots (TOCTOU mitigation). Classic per-syscall
 * tracepoints copy user memory that another thread could change, or that is
 * gone, by the time the syscall returns: the path of open/openat/openat2/
 * creat, the address of connect, and the filename and argv of execve and
 * execveat (needed when the exec fails; a successful exec is described from
 * the new image). The snapshot lives in task storage and is consumed by the
 * exit handler of the same syscall. Per-syscall tracepoints do not fire for
 * ia32 compat calls; those records carry VF_STASH_MISSING and are read at
 * exit.
 */
#ifndef VIGIL_STASH_H
#define VIGIL_STASH_H

#include "vigil.h"
#include "task.h"

struct stash_path {
	u32 valid;
	u32 nr;
	u16 flags;
	u16 pad;
	u32 len;
	u8 buf[V_MAX_PATH];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct stash_path);
} stash_paths SEC(".maps");

struct stash_exec {
	u32 valid;
	u32 nr;
	u16 kind;
	u16 flags;
	u32 pad;
	s64 dirfd;
	u64 atflags;
	u32 fname_len;
	u32 argv_len;
	u8 fname[V_MAX_PATH];
	u8 argv[V_MAX_ARGV * 2];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct stash_exec);
} stash_execs SEC(".maps");

/* Layout of a classic syscalls:sys_enter_* tracepoint record. */
struct sys_enter_ctx {
	u64 common;
	s32 nr;
	u32 pad;
	u64 args[6];
};

/* The path snapshot of the current syscall, if its entry was seen. Consumed. */
static __always_inline struct stash_path *take_path_stash(struct task_struct *t, struct scratch *s)
{
	if (s->c.flags & VF_COMPAT)
		return 0;
	struct stash_path *st = bpf_task_storage_get(&stash_paths, t, 0, 0);
	if (!st || !st->valid || st->nr != s->c.nr)
		return 0;
	st->valid = 0;
	return st;
}

#define ARGV_MAX_ARGS 64

/*
 * Copy argv (an array of user pointers, 4 bytes each for compat callers) into
 * dst as NUL-terminated strings, at most V_MAX_ARGV bytes and ARGV_MAX_ARGS
 * arguments. dst must have room for 2 * V_MAX_ARGV bytes.
 */
static __always_inline u32 read_argv(u8 *dst, const void *argv, bool compat, u16 *flags)
{
	u32 off = 0;
	if (!argv)
		return 0;
	for (int i = 0; i < ARGV_MAX_ARGS + 1; i++) {
		u64 p = 0;
		if (compat) {
			u32 p32 = 0;
			if (bpf_probe_read_user(&p32, sizeof(p32), argv + 4 * i)) {
				*flags |= VF_READ_FAULT;
				break;
			}
			p = p32;
		} else if (bpf_probe_read_user(&p, sizeof(p), argv + 8 * i)) {
			*flags |= VF_READ_FAULT;
			break;
		}
		if (!p)
			break;
		if (i == ARGV_MAX_ARGS || off >= V_MAX_ARGV) {
			*flags |= VF_TRUNCATED;
			break;
		}
		u32 room = V_MAX_ARGV - 1 - off;
		barrier_var(room);
		room &= V_MAX_ARGV - 1;
		room += 1; /* 1..V_MAX_ARGV, visibly to the verifier */
		long n = bpf_probe_read_user_str(&dst[off & (V_MAX_ARGV - 1)], room, (const void *)p);
		if (n < 0) {
			*flags |= VF_READ_FAULT;
			break;
		}
		if (n >= room) {
			*flags |= VF_TRUNCATED;
			off = V_MAX_ARGV;
			break;
		}
		off += n;
	}
	return off;
}

/* argv read at syscall exit straight into the record (separately verified). */
GLOBAL int g_put_argv(u64 argv, u32 compat, u32 off)
{
	struct rb b;
	if (!rb_at(&b, off))
		return off;
	u32 n = read_argv(fld(&b), (const void *)argv, compat, &b.flags);
	fld_end(&b, n);
	return rb_pack(&b);
}

static __always_inline void put_argv(struct rb *b, const void *argv, bool compat)
{
	rb_unpack(b, g_put_argv((u64)argv, compat, b->off));
}

/* argv of an exec entry into its stash (separately verified). */
GLOBAL int g_stash_argv(u64 argv)
{
	struct stash_exec *st = bpf_task_storage_get(&stash_execs, bpf_get_current_task_btf(), 0, 0);
	if (!st)
		return 0;
	u16 f = 0;
	st->argv_len = read_argv(st->argv, (const void *)argv, false, &f);
	st->flags |= f;
	return 0;
}

static __always_inline int stash_user_path(struct sys_enter_ctx *ctx, const void *p)
{
	if (skip_self() || !interested(ctx->nr))
		return 0;
	struct stash_path *st = bpf_task_storage_get(&stash_paths, bpf_get_current_task_btf(), 0,
						     BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st)
		return 0;
	st->nr = ctx->nr;
	st->flags = 0;
	long n = 0;
	if (p)
		n = bpf_probe_read_user_str(st->buf, V_MAX_PATH, p);
	if (n < 0) {
		st->flags = VF_READ_FAULT;
		n = 0;
	} else if (n > 0) {
		if (n >= V_MAX_PATH)
			st->flags = VF_TRUNCATED;
		n--;
	}
	st->len = n;
	st->valid = 1;
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_open")
int enter_open(struct sys_enter_ctx *ctx)
{
	return stash_user_path(ctx, (const void *)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_creat")
int enter_creat(struct sys_enter_ctx *ctx)
{
	return stash_user_path(ctx, (const void *)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int enter_openat(struct sys_enter_ctx *ctx)
{
	return stash_user_path(ctx, (const void *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int enter_openat2(struct sys_enter_ctx *ctx)
{
	return stash_user_path(ctx, (const void *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_connect")
int enter_connect(struct sys_enter_ctx *ctx)
{
	if (skip_self() || !interested(ctx->nr))
		return 0;
	struct stash_path *st = bpf_task_storage_get(&stash_paths, bpf_get_current_task_btf(), 0,
						     BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st)
		return 0;
	const void *addr = (const void *)ctx->args[1];
	s32 alen = (s32)ctx->args[2];
	u32 len = alen < 0 ? 0 : alen;
	st->nr = ctx->nr;
	st->flags = 0;
	if (len > 128) {
		len = 128;
		st->flags = VF_TRUNCATED;
	}
	if (!addr)
		len = 0;
	barrier_var(len);
	len &= 0xff; /* no-op (len <= 128); tells the verifier the bound */
	if (len && bpf_probe_read_user(st->buf, len, addr)) {
		st->flags = VF_READ_FAULT;
		len = 0;
	}
	st->len = len;
	st->valid = 1;
	return 0;
}

static __always_inline int stash_exec_args(struct sys_enter_ctx *ctx, u16 kind, s64 dirfd, const void *fn,
					   const void *argv, u64 atflags)
{
	if (skip_self() || !interested(ctx->nr))
		return 0;
	struct stash_exec *st = bpf_task_storage_get(&stash_execs, bpf_get_current_task_btf(), 0,
						     BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st)
		return 0;
	st->nr = ctx->nr;
	st->kind = kind;
	st->dirfd = dirfd;
	st->atflags = atflags;
	st->flags = 0;
	long n = 0;
	if (fn)
		n = bpf_probe_read_user_str(st->fname, V_MAX_PATH, fn);
	if (n < 0) {
		st->flags |= VF_READ_FAULT;
		n = 0;
	} else if (n > 0) {
		if (n >= V_MAX_PATH)
			st->flags |= VF_TRUNCATED;
		n--;
	}
	st->fname_len = n;
	g_stash_argv((u64)argv);
	st->valid = 1;
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int enter_execve(struct sys_enter_ctx *ctx)
{
	return stash_exec_args(ctx, VK_EXECVE, AT_FDCWD, (const void *)ctx->args[0], (const void *)ctx->args[1], 0);
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int enter_execveat(struct sys_enter_ctx *ctx)
{
	return stash_exec_args(ctx, VK_EXECVEAT, (s32)ctx->args[0], (const void *)ctx->args[1],
			       (const void *)ctx->args[2], (u32)ctx->args[4]);
}

#endif /* VIGIL_STASH_H */
