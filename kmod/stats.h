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

/* The counters kept per CPU, in the order of <ktix/tables.h>. */
#define KTIX_COUNTER(attr, proc, json)	KTIX_MIB_##attr,
enum ktix_mib_field {
#include <ktix/tables.h>
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
