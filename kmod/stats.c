// SPDX-License-Identifier: GPL-2.0
/*
 * ktix: per-namespace counters, shown in /proc/net/ktix_stat in the format
 * of /proc/net/tls_stat: one "Name<TAB>value" line a counter.
 */

#include <linux/cpumask.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>

#include "main.h"
#include "stats.h"

static const char *const ktix_mib_names[__KTIX_MIB_MAX] = {
	[KTIX_MIB_POLICY_UPDATES] = "KtixPolicyUpdates",
	[KTIX_MIB_ROTATIONS] = "KtixRotations",
	[KTIX_MIB_KEYS_WIPED] = "KtixKeysWiped",
	[KTIX_MIB_KEYS_EXPIRED] = "KtixKeysExpired",
	[KTIX_MIB_KEYS_EVICTED] = "KtixKeysEvicted",
};

struct ktix_mib __percpu *ktix_stats_alloc(void)
{
	return alloc_percpu(struct ktix_mib);
}

void ktix_stats_free(struct ktix_mib __percpu *mib)
{
	free_percpu(mib);
}

void ktix_stats_read(struct ktix_mib __percpu *mib, u64 *out)
{
	int cpu, i;

	memset(out, 0, sizeof(u64) * __KTIX_MIB_MAX);
	for_each_possible_cpu(cpu) {
		const struct ktix_mib *m = per_cpu_ptr(mib, cpu);

		for (i = 0; i < __KTIX_MIB_MAX; i++)
			out[i] += READ_ONCE(m->mibs[i]);
	}
}

#ifdef CONFIG_PROC_FS
static int ktix_stats_seq_show(struct seq_file *seq, void *v)
{
	struct ktix_net *kn = ktix_pernet(seq->private);
	u64 val[__KTIX_MIB_MAX];
	int i;

	ktix_stats_read(kn->mib, val);
	/* Gauges first, then counters. */
	seq_printf(seq, "%-32s\t%u\n", "KtixRingKeys", READ_ONCE(kn->ring.nkeys));
	for (i = 0; i < __KTIX_MIB_MAX; i++)
		seq_printf(seq, "%-32s\t%llu\n", ktix_mib_names[i], val[i]);

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
