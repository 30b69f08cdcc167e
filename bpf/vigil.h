/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Shared state of Vigil's kernel programs: configuration set by user space,
 * maps, the per-CPU record builder and the emit path.
 */
#ifndef VIGIL_H
#define VIGIL_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "kinds.h"

/* ---- configuration, written by user space before load (.rodata) ---- */

/* tgid whose activity is never recorded (Vigil itself); 0 records everything. */
const volatile u32 self_tgid = 0;
/* CPUs sharing one ring buffer (1: one ring per CPU). */
const volatile u32 cpus_per_ring = 1;
/* Force a consumer wakeup once a ring holds this many unread bytes. */
const volatile u64 wakeup_bytes = 1 << 20;
/* Cgroup hierarchy whose path exec records carry: 0 memory, 1 pids, 2 unified (v2). */
const volatile u32 cgroup_hierarchy = 0;
/* Read kernel objects with bpf_probe_read_kernel even where bpf_rdonly_cast exists (tests). */
const volatile u32 no_rdonly_cast = 0;
/* Record kind of each syscall slot (the native syscall number; COMPAT_SLOT for unmapped ia32 calls). */
const volatile u16 kind_of_slot[V_MAX_SYSCALLS] = {};
/* ia32 syscall number -> native slot, NO_SLOT when there is no 64-bit equivalent. */
const volatile u16 ia32_slot[V_MAX_SYSCALLS] = {};

/* ---- live configuration, updated by user space at any time (.bss) ---- */

/* Interest bitmap indexed by syscall slot: only these syscalls are recorded. */
u64 interest[V_MAX_SYSCALLS / 64] = {};
/* Which scheduler events are recorded (TP_*). */
u32 tp_enable = 0;
/*
 * Send/receive kinds whose records are skipped on TCP sockets when the call
 * names no address (TIO_* bits): the state knows those sockets' ends from
 * connect/accept, and user space sets a bit only when no loaded rule can
 * match such a record. Data-path syscalls of busy servers then cost no
 * record at all.
 */
u32 tcp_io_skip = 0;

#define TIO_SENDTO 1
#define TIO_SENDMSG 2
#define TIO_RECVFROM 4
#define TIO_RECVMSG 8

#define TP_EXEC 1
#define TP_FORK 2
#define TP_EXIT 4

/* Slot reserved for ia32 syscalls without a 64-bit equivalent (generic records). */
#define COMPAT_SLOT (V_MAX_SYSCALLS - 1)
#define NO_SLOT 0xffff

/* ---- counters: per CPU, [kind][reason] ---- */

#define R_EMITTED 0
#define R_RING_FULL 1
#define R_OVERSIZE 2
#define R_READ_FAULT 3
#define R_TAILCALL_MISS 4
#define R_STASH_MISS 5
#define R_TRUNCATED 6
#define R_FILTERED 7 /* not recorded: a send/recv on a TCP socket no rule needs (tcp_io_skip) */
#define N_REASONS 8

struct counters {
	u64 v[VK_NUM_KINDS * N_REASONS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct counters);
} counters SEC(".maps");

static __always_inline void count(u32 kind, u32 reason)
{
	u32 zero = 0;
	struct counters *c = bpf_map_lookup_elem(&counters, &zero);
	if (!c)
		return;
	u32 i = (kind * N_REASONS + reason) & (VK_NUM_KINDS * N_REASONS - 1);
	c->v[i]++;
}

/* ---- rings: one BPF ring buffer per CPU (or per cpus_per_ring CPUs) ---- */

struct ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16); /* replaced by user space */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1); /* replaced by user space: number of rings */
	__type(key, u32);
	__array(values, struct ring);
} rings SEC(".maps");

/* ---- per-CPU scratch: dispatcher context and the record being built ---- */

#define REC_BUF 32768 /* power of two, > V_MAX_RECORD - 1 */
#define REC_MASK (REC_BUF - 1)
#define REC_SLACK (V_MAX_PATH * 2 + 64)

_Static_assert(REC_BUF >= V_MAX_RECORD, "record buffer smaller than the largest record");

/* What the dispatcher hands to a tail-called handler. */
struct sctx {
	u32 nr;    /* syscall number as called (ia32 number when COMPAT_SLOT) */
	u32 slot;  /* index into interest / handlers */
	u16 kind;  /* record kind */
	u16 flags; /* VF_COMPAT */
	u32 pad;
};

struct scratch {
	struct sctx c;
	u8 name[256];               /* one path component */
	u8 pbuf[2 * V_MAX_PATH];    /* paths are assembled backwards here */
	u8 rec[REC_BUF + REC_SLACK];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* replaced by user space: number of possible CPUs */
	__type(key, u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

static __always_inline struct scratch *get_scratch(void)
{
	u32 cpu = bpf_get_smp_processor_id();
	return bpf_map_lookup_elem(&scratch, &cpu);
}

/* ---- record builder ---- */

struct vhdr {
	u64 ts;
	u32 tgid;
	u32 tid;
	u16 kind;
	u16 flags;
	u32 len;
	u64 cgroup_id;
	s64 ret;
};

_Static_assert(sizeof(struct vhdr) == V_HDR_SIZE, "header size");

struct rb {
	struct scratch *s;
	u32 off;
	u16 flags;
	u16 kind;
};

static __always_inline void rec_begin(struct rb *b, struct scratch *s, u16 kind, u16 flags, s64 ret, u32 nargs)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	struct vhdr *h = (void *)s->rec;
	h->ts = bpf_ktime_get_boot_ns();
	h->tgid = pid_tgid >> 32;
	h->tid = (u32)pid_tgid;
	h->kind = kind;
	h->flags = 0;
	h->len = 0;
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->ret = ret;
	b->s = s;
	b->off = V_HDR_SIZE + 8 * (nargs & 7);
	b->flags = flags;
	b->kind = kind;
}

static __always_inline void rec_arg(struct rb *b, u32 i, u64 v)
{
	*(u64 *)&b->s->rec[(V_HDR_SIZE + 8 * (i & 7)) & REC_MASK] = v;
}

/* Start of the bytes of the next data field (after its u16 length). */
static __always_inline u8 *fld(struct rb *b)
{
	return &b->s->rec[(b->off + 2) & REC_MASK];
}

/* Finish the next data field with len bytes already written at fld(). */
static __always_inline void fld_end(struct rb *b, u32 len)
{
	u32 off = b->off & REC_MASK;
	*(u16 *)&b->s->rec[off] = (u16)len;
	b->off = off + 2 + (len & (REC_BUF - 1));
}

static __always_inline void put_empty(struct rb *b)
{
	fld_end(b, 0);
}

static __always_inline void put_u32(struct rb *b, u32 v)
{
	*(u32 *)fld(b) = v;
	fld_end(b, 4);
}

/* A NUL-terminated string from user memory, at most max-1 bytes kept. */
static __always_inline void put_ustr(struct rb *b, const void *p, u32 max)
{
	long n = 0;
	if (p)
		n = bpf_probe_read_user_str(fld(b), max, p);
	if (n < 0) {
		b->flags |= VF_READ_FAULT;
		n = 0;
	} else if (n > 0) {
		if (n >= max)
			b->flags |= VF_TRUNCATED;
		n--;
	}
	fld_end(b, n);
}

/* A NUL-terminated string from kernel memory. */
static __always_inline void put_kstr(struct rb *b, const void *p, u32 max)
{
	long n = 0;
	if (p)
		n = bpf_probe_read_kernel_str(fld(b), max, p);
	if (n < 0) {
		b->flags |= VF_READ_FAULT;
		n = 0;
	} else if (n > 0) {
		if (n >= max)
			b->flags |= VF_TRUNCATED;
		n--;
	}
	fld_end(b, n);
}

/* len bytes (at most max <= V_MAX_PATH) of user memory. */
static __always_inline void put_ubytes(struct rb *b, const void *p, u64 len, u32 max)
{
	if (!p)
		len = 0;
	if (len > max) {
		len = max;
		b->flags |= VF_TRUNCATED;
	}
	barrier_var(len);
	len &= (V_MAX_PATH * 2 - 1);
	if (len && bpf_probe_read_user(fld(b), len, p)) {
		b->flags |= VF_READ_FAULT;
		len = 0;
	}
	fld_end(b, len);
}

/* len bytes (at most max <= V_MAX_PATH * 2) of kernel memory. */
static __always_inline void put_kbytes(struct rb *b, const void *p, u64 len, u32 max)
{
	if (!p)
		len = 0;
	if (len > max) {
		len = max;
		b->flags |= VF_TRUNCATED;
	}
	barrier_var(len);
	len &= (V_MAX_PATH * 2 - 1);
	if (len && bpf_probe_read_kernel(fld(b), len, p)) {
		b->flags |= VF_READ_FAULT;
		len = 0;
	}
	fld_end(b, len);
}

static __always_inline void rec_submit(struct rb *b)
{
	u32 kind = b->kind;
	u32 off = b->off & REC_MASK;
	u8 *r = b->s->rec;
	struct vhdr *h = (void *)r;
	u32 len = (off + 7) & ~7u;

	/* zero the padding (and up to 7 bytes after it, all inside the slack) */
	*(u64 *)&r[off] = 0;
	if (b->flags & VF_READ_FAULT)
		count(kind, R_READ_FAULT);
	if (b->flags & VF_STASH_MISSING)
		count(kind, R_STASH_MISS);
	if (b->flags & VF_TRUNCATED)
		count(kind, R_TRUNCATED);
	if (len > V_MAX_RECORD) {
		count(kind, R_OVERSIZE);
		return;
	}
	h->flags = b->flags;
	h->len = len;

	u32 idx = bpf_get_smp_processor_id();
	if (cpus_per_ring > 1)
		idx /= cpus_per_ring;
	void *ring = bpf_map_lookup_elem(&rings, &idx);
	if (!ring) {
		count(kind, R_RING_FULL);
		return;
	}
	u64 wake = BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		wake = BPF_RB_FORCE_WAKEUP;
	if (bpf_ringbuf_output(ring, r, len, wake))
		count(kind, R_RING_FULL);
	else
		count(kind, R_EMITTED);
}

/* ---- small helpers ---- */

static __always_inline bool interested(u32 slot)
{
	if (slot >= V_MAX_SYSCALLS)
		return false;
	barrier_var(slot);
	slot &= V_MAX_SYSCALLS - 1;
	return interest[slot / 64] & (1ULL << (slot % 64));
}

static __always_inline bool skip_self(void)
{
	return self_tgid && (bpf_get_current_pid_tgid() >> 32) == self_tgid;
}

#define AT_FDCWD -100

#endif /* VIGIL_H */
