// SPDX-License-Identifier: GPL-2.0
/*
 * ktix: per-namespace counters, shown in /proc/net/ktix_stat in the format
 * of /proc/net/tls_stat: one "Name<TAB>value" line a counter.
 */

#include <linux/build_bug.h>
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

#define KTIX_GAUGE(attr, proc, json)	KTIX_GAUGE_##attr,
enum {
#include <ktix/tables.h>
	__KTIX_GAUGE_MAX
};

#define KTIX_GAUGE(attr, proc, json)	{ proc, KTIX_STATS_A_##attr },
static const struct ktix_stat_desc ktix_gauges[__KTIX_GAUGE_MAX] = {
#include <ktix/tables.h>
};

#define KTIX_COUNTER(attr, proc, json)	{ proc, KTIX_STATS_A_##attr },
static const struct ktix_stat_desc ktix_mibs[__KTIX_MIB_MAX] = {
#include <ktix/tables.h>
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

/**
 * ktix_stats_alloc() - a new namespace's counters, all zero
 *
 * Return: the per-CPU counters, or NULL.
 */
struct ktix_mib __percpu *ktix_stats_alloc(void)
{
	return alloc_percpu(struct ktix_mib);
}

/**
 * ktix_stats_free() - free a namespace's counters
 * @mib: from ktix_stats_alloc(), or NULL
 */
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

/**
 * ktix_stats_size() - the room ktix_stats_fill() needs in a message
 *
 * Return: the bytes of the KTIX_A_STATS nest.
 */
size_t ktix_stats_size(void)
{
	/* Every KTIX_STATS_A_* but UNSPEC and PAD is in <ktix/tables.h>. */
	BUILD_BUG_ON(__KTIX_GAUGE_MAX + __KTIX_MIB_MAX != KTIX_STATS_A_MAX - 1);
	return nla_total_size(0) +
	       (__KTIX_GAUGE_MAX + __KTIX_MIB_MAX) *
	       nla_total_size_64bit(sizeof(u64));
}

/**
 * ktix_stats_fill() - put every gauge and counter into a message
 * @msg: the reply, with ktix_stats_size() bytes of room
 * @kn: the namespace
 *
 * Return: 0, or -EMSGSIZE (the nest is cancelled).
 */
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

/**
 * ktix_stats_proc_init() - create /proc/net/ktix_stat in a namespace
 * @net: the namespace
 *
 * Return: 0, or -ENOMEM.
 */
int ktix_stats_proc_init(struct net *net)
{
#ifdef CONFIG_PROC_FS
	if (!proc_create_net_single("ktix_stat", 0444, net->proc_net,
				    ktix_stats_seq_show, NULL))
		return -ENOMEM;
#endif
	return 0;
}

/**
 * ktix_stats_proc_exit() - remove /proc/net/ktix_stat from a namespace
 * @net: the namespace
 */
void ktix_stats_proc_exit(struct net *net)
{
	remove_proc_entry("ktix_stat", net->proc_net);
}
