/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktix: per-namespace counters, shown in /proc/net/ktix_stat.
 */
#ifndef _KTIX_STATS_H
#define _KTIX_STATS_H

#include <linux/percpu.h>
#include <linux/types.h>

struct net;
struct ktix_net;
struct sk_buff;

enum ktix_mib_field {
	KTIX_MIB_POLICY_UPDATES,
	KTIX_MIB_ROTATIONS,
	KTIX_MIB_KEYS_WIPED,
	KTIX_MIB_KEYS_EXPIRED,
	KTIX_MIB_KEYS_EVICTED,
	KTIX_MIB_SESS_PUTS,
	KTIX_MIB_SESS_HITS,
	KTIX_MIB_SESS_MISSES,
	KTIX_MIB_SESS_DELETES,
	KTIX_MIB_SESS_EVICTIONS,
	KTIX_MIB_SESS_EXPIRATIONS,
	KTIX_MIB_REVOCATIONS,
	KTIX_MIB_REVOKE_EXPIRED,
	KTIX_MIB_REVOKE_FULL,
	KTIX_MIB_OFFLOADS,
	KTIX_MIB_OFFLOAD_TLS12,
	KTIX_MIB_OFFLOAD_TLS13,
	KTIX_MIB_OFFLOAD_AES_GCM_128,
	KTIX_MIB_OFFLOAD_AES_GCM_256,
	KTIX_MIB_OFFLOAD_CHACHA20_POLY1305,
	KTIX_MIB_OFFLOAD_AES_CCM_128,
	/* By enum ktix_offload_kind, in its order. */
	KTIX_MIB_OFFLOAD_FULL,
	KTIX_MIB_OFFLOAD_TICKET,
	KTIX_MIB_OFFLOAD_SESSION_ID,
	KTIX_MIB_OFFLOAD_PSK,
	KTIX_MIB_OFFLOAD_ERR_SOCKET,
	KTIX_MIB_OFFLOAD_ERR_ULP,
	KTIX_MIB_OFFLOAD_ERR_KEYS,
	KTIX_MIB_OFFLOAD_ERR_KTLS,
	/* By enum ktix_resume_miss, in its order. */
	KTIX_MIB_RESUME_MISS_UNKNOWN_KEY,
	KTIX_MIB_RESUME_MISS_BAD_TICKET,
	KTIX_MIB_RESUME_MISS_REVOKED,
	KTIX_MIB_RESUME_MISS_CACHE_MISS,
	KTIX_MIB_RESUME_MISS_EXPIRED,
	KTIX_MIB_RESUME_MISS_CONTEXT,
	KTIX_MIB_RESUME_MISS_FUTURE,
	KTIX_MIB_RESUME_MISS_REVOKE_STALE,
	__KTIX_MIB_MAX
};

struct ktix_mib {
	u64 mibs[__KTIX_MIB_MAX];
};

struct ktix_mib __percpu *ktix_stats_alloc(void);
void ktix_stats_free(struct ktix_mib __percpu *mib);
/* The whole KTIX_A_STATS nest: gauges and counters. */
int ktix_stats_fill(struct sk_buff *msg, struct ktix_net *kn);
size_t ktix_stats_size(void);
int ktix_stats_proc_init(struct net *net);
void ktix_stats_proc_exit(struct net *net);

#define KTIX_INC_STATS(kn, field) this_cpu_inc((kn)->mib->mibs[field])
#define KTIX_ADD_STATS(kn, field, v) this_cpu_add((kn)->mib->mibs[field], v)

#endif /* _KTIX_STATS_H */
