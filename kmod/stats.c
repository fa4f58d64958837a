// SPDX-License-Identifier: GPL-2.0
/*
 * ktix: per-namespace counters, shown in /proc/net/ktix_stat in the format
 * of /proc/net/tls_stat: one "Name<TAB>value" line a counter.
 */

#include <linux/cpumask.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <uapi/linux/ktix.h>

#include "main.h"
#include "stats.h"

struct ktix_stat_desc {
	const char *name;
	int attr;			/* KTIX_STATS_A_* */
};

enum {
	KTIX_GAUGE_RING_KEYS,
	KTIX_GAUGE_CACHE_ENTRIES,
	KTIX_GAUGE_CACHE_BYTES,
	KTIX_GAUGE_REVOKED,
	KTIX_GAUGE_REVOKE_BYTES,
	__KTIX_GAUGE_MAX
};

static const struct ktix_stat_desc ktix_gauges[__KTIX_GAUGE_MAX] = {
	[KTIX_GAUGE_RING_KEYS] = { "KtixRingKeys", KTIX_STATS_A_RING_KEYS },
	[KTIX_GAUGE_CACHE_ENTRIES] = { "KtixCacheEntries",
				       KTIX_STATS_A_CACHE_ENTRIES },
	[KTIX_GAUGE_CACHE_BYTES] = { "KtixCacheBytes", KTIX_STATS_A_CACHE_BYTES },
	[KTIX_GAUGE_REVOKED] = { "KtixRevoked", KTIX_STATS_A_REVOKED },
	[KTIX_GAUGE_REVOKE_BYTES] = { "KtixRevokeBytes",
				      KTIX_STATS_A_REVOKE_BYTES },
};

static const struct ktix_stat_desc ktix_mibs[__KTIX_MIB_MAX] = {
	[KTIX_MIB_POLICY_UPDATES] = { "KtixPolicyUpdates",
				      KTIX_STATS_A_POLICY_UPDATES },
	[KTIX_MIB_ROTATIONS] = { "KtixRotations", KTIX_STATS_A_ROTATIONS },
	[KTIX_MIB_KEYS_WIPED] = { "KtixKeysWiped", KTIX_STATS_A_KEYS_WIPED },
	[KTIX_MIB_KEYS_EXPIRED] = { "KtixKeysExpired", KTIX_STATS_A_KEYS_EXPIRED },
	[KTIX_MIB_KEYS_EVICTED] = { "KtixKeysEvicted", KTIX_STATS_A_KEYS_EVICTED },
	[KTIX_MIB_SESS_PUTS] = { "KtixSessPuts", KTIX_STATS_A_SESS_PUTS },
	[KTIX_MIB_SESS_HITS] = { "KtixSessHits", KTIX_STATS_A_SESS_HITS },
	[KTIX_MIB_SESS_MISSES] = { "KtixSessMisses", KTIX_STATS_A_SESS_MISSES },
	[KTIX_MIB_SESS_DELETES] = { "KtixSessDeletes",
				    KTIX_STATS_A_SESS_DELETES },
	[KTIX_MIB_SESS_EVICTIONS] = { "KtixSessEvictions",
				      KTIX_STATS_A_SESS_EVICTIONS },
	[KTIX_MIB_SESS_EXPIRATIONS] = { "KtixSessExpirations",
					KTIX_STATS_A_SESS_EXPIRATIONS },
	[KTIX_MIB_REVOCATIONS] = { "KtixRevocations",
				   KTIX_STATS_A_REVOCATIONS },
	[KTIX_MIB_REVOKE_EXPIRED] = { "KtixRevokeExpired",
				      KTIX_STATS_A_REVOKE_EXPIRED },
	[KTIX_MIB_REVOKE_FULL] = { "KtixRevokeFull", KTIX_STATS_A_REVOKE_FULL },
	[KTIX_MIB_OFFLOADS] = { "KtixOffloads", KTIX_STATS_A_OFFLOADS },
	[KTIX_MIB_OFFLOAD_TLS12] = { "KtixOffloadTls12",
				     KTIX_STATS_A_OFFLOAD_TLS12 },
	[KTIX_MIB_OFFLOAD_TLS13] = { "KtixOffloadTls13",
				     KTIX_STATS_A_OFFLOAD_TLS13 },
	[KTIX_MIB_OFFLOAD_AES_GCM_128] = { "KtixOffloadAesGcm128",
					   KTIX_STATS_A_OFFLOAD_AES_GCM_128 },
	[KTIX_MIB_OFFLOAD_AES_GCM_256] = { "KtixOffloadAesGcm256",
					   KTIX_STATS_A_OFFLOAD_AES_GCM_256 },
	[KTIX_MIB_OFFLOAD_CHACHA20_POLY1305] = {
		"KtixOffloadChacha20Poly1305",
		KTIX_STATS_A_OFFLOAD_CHACHA20_POLY1305 },
	[KTIX_MIB_OFFLOAD_AES_CCM_128] = { "KtixOffloadAesCcm128",
					   KTIX_STATS_A_OFFLOAD_AES_CCM_128 },
	[KTIX_MIB_OFFLOAD_FULL] = { "KtixOffloadFull",
				    KTIX_STATS_A_OFFLOAD_FULL },
	[KTIX_MIB_OFFLOAD_TICKET] = { "KtixOffloadTicket",
				      KTIX_STATS_A_OFFLOAD_TICKET },
	[KTIX_MIB_OFFLOAD_SESSION_ID] = { "KtixOffloadSessionId",
					  KTIX_STATS_A_OFFLOAD_SESSION_ID },
	[KTIX_MIB_OFFLOAD_PSK] = { "KtixOffloadPsk", KTIX_STATS_A_OFFLOAD_PSK },
	[KTIX_MIB_OFFLOAD_ERR_SOCKET] = { "KtixOffloadErrSocket",
					  KTIX_STATS_A_OFFLOAD_ERR_SOCKET },
	[KTIX_MIB_OFFLOAD_ERR_ULP] = { "KtixOffloadErrUlp",
				       KTIX_STATS_A_OFFLOAD_ERR_ULP },
	[KTIX_MIB_OFFLOAD_ERR_KEYS] = { "KtixOffloadErrKeys",
					KTIX_STATS_A_OFFLOAD_ERR_KEYS },
	[KTIX_MIB_OFFLOAD_ERR_KTLS] = { "KtixOffloadErrKtls",
					KTIX_STATS_A_OFFLOAD_ERR_KTLS },
	[KTIX_MIB_RESUME_MISS_UNKNOWN_KEY] = {
		"KtixResumeMissUnknownKey",
		KTIX_STATS_A_RESUME_MISS_UNKNOWN_KEY },
	[KTIX_MIB_RESUME_MISS_BAD_TICKET] = {
		"KtixResumeMissBadTicket",
		KTIX_STATS_A_RESUME_MISS_BAD_TICKET },
	[KTIX_MIB_RESUME_MISS_REVOKED] = { "KtixResumeMissRevoked",
					   KTIX_STATS_A_RESUME_MISS_REVOKED },
	[KTIX_MIB_RESUME_MISS_CACHE_MISS] = {
		"KtixResumeMissCacheMiss",
		KTIX_STATS_A_RESUME_MISS_CACHE_MISS },
	[KTIX_MIB_RESUME_MISS_EXPIRED] = { "KtixResumeMissExpired",
					   KTIX_STATS_A_RESUME_MISS_EXPIRED },
	[KTIX_MIB_RESUME_MISS_CONTEXT] = { "KtixResumeMissContext",
					   KTIX_STATS_A_RESUME_MISS_CONTEXT },
	[KTIX_MIB_RESUME_MISS_FUTURE] = { "KtixResumeMissFuture",
					  KTIX_STATS_A_RESUME_MISS_FUTURE },
	[KTIX_MIB_RESUME_MISS_REVOKE_STALE] = {
		"KtixResumeMissRevokeStale",
		KTIX_STATS_A_RESUME_MISS_REVOKE_STALE },
};

static void ktix_gauges_read(struct ktix_net *kn, u64 *out)
{
	out[KTIX_GAUGE_RING_KEYS] = READ_ONCE(kn->ring.nkeys);
	spin_lock(&kn->cache.lock);
	out[KTIX_GAUGE_CACHE_ENTRIES] = kn->cache.n;
	out[KTIX_GAUGE_CACHE_BYTES] = kn->cache.bytes;
	spin_unlock(&kn->cache.lock);
	out[KTIX_GAUGE_REVOKED] = READ_ONCE(kn->revoke.n);
	out[KTIX_GAUGE_REVOKE_BYTES] = out[KTIX_GAUGE_REVOKED] *
				       KTIX_REVOKE_ENTRY_COST;
}

struct ktix_mib __percpu *ktix_stats_alloc(void)
{
	return alloc_percpu(struct ktix_mib);
}

void ktix_stats_free(struct ktix_mib __percpu *mib)
{
	free_percpu(mib);
}

static void ktix_stats_read(struct ktix_mib __percpu *mib, u64 *out)
{
	int cpu, i;

	memset(out, 0, sizeof(u64) * __KTIX_MIB_MAX);
	for_each_possible_cpu(cpu) {
		const struct ktix_mib *m = per_cpu_ptr(mib, cpu);

		for (i = 0; i < __KTIX_MIB_MAX; i++)
			out[i] += READ_ONCE(m->mibs[i]);
	}
}

size_t ktix_stats_size(void)
{
	return nla_total_size(0) +
	       (__KTIX_GAUGE_MAX + __KTIX_MIB_MAX) *
	       nla_total_size_64bit(sizeof(u64));
}

int ktix_stats_fill(struct sk_buff *msg, struct ktix_net *kn)
{
	u64 gauge[__KTIX_GAUGE_MAX], val[__KTIX_MIB_MAX];
	struct nlattr *nest;
	int i;

	ktix_gauges_read(kn, gauge);
	ktix_stats_read(kn->mib, val);
	nest = nla_nest_start(msg, KTIX_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < __KTIX_GAUGE_MAX; i++)
		if (nla_put_u64_64bit(msg, ktix_gauges[i].attr, gauge[i],
				      KTIX_STATS_A_PAD))
			goto nla_put_failure;
	for (i = 0; i < __KTIX_MIB_MAX; i++)
		if (nla_put_u64_64bit(msg, ktix_mibs[i].attr, val[i],
				      KTIX_STATS_A_PAD))
			goto nla_put_failure;
	nla_nest_end(msg, nest);
	return 0;

nla_put_failure:
	nla_nest_cancel(msg, nest);
	return -EMSGSIZE;
}

#ifdef CONFIG_PROC_FS
static int ktix_stats_seq_show(struct seq_file *seq, void *v)
{
	struct ktix_net *kn = ktix_pernet(seq->private);
	u64 gauge[__KTIX_GAUGE_MAX], val[__KTIX_MIB_MAX];
	int i;

	ktix_gauges_read(kn, gauge);
	ktix_stats_read(kn->mib, val);
	/* Gauges first, then counters. */
	for (i = 0; i < __KTIX_GAUGE_MAX; i++)
		seq_printf(seq, "%-32s\t%llu\n", ktix_gauges[i].name, gauge[i]);
	for (i = 0; i < __KTIX_MIB_MAX; i++)
		seq_printf(seq, "%-32s\t%llu\n", ktix_mibs[i].name, val[i]);

	return 0;
}
#endif

int ktix_stats_proc_init(struct net *net)
{
#ifdef CONFIG_PROC_FS
	if (!proc_create_net_single("ktix_stat", 0444, net->proc_net,
				    ktix_stats_seq_show, NULL))
		return -ENOMEM;
#endif
	return 0;
}

void ktix_stats_proc_exit(struct net *net)
{
	remove_proc_entry("ktix_stat", net->proc_net);
}
