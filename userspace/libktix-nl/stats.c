// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libktix-nl: the module's counters (KTIX_CMD_STATS_GET), with their
 * names as /proc/net/ktix_stat and ktixctl -j show them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "ktix_nl.h"
#include "nl_priv.h"

/* From <ktix/tables.h>: gauges, then counters, as /proc shows them. */
#define KTIX_GAUGE(attr, proc, json)	\
	{ .name = proc, .key = json, .type = KTIX_STATS_A_##attr },
#define KTIX_COUNTER(attr, proc, json)	\
	{ .name = proc, .key = json, .type = KTIX_STATS_A_##attr },
const struct ktix_stat_field ktix_stat_fields[] = {
#include <ktix/tables.h>
	{ .name = NULL },
};

static int parse_stats(struct nlattr **tb, void *arg)
{
	struct nlattr *a[KTIX_STATS_A_MAX + 1];
	struct ktix_stats *out = arg;
	const struct ktix_stat_field *f;

	if (!tb[KTIX_A_STATS] ||
	    nla_parse_nested(a, KTIX_STATS_A_MAX, tb[KTIX_A_STATS], NULL) < 0)
		return -EBADMSG;
	for (f = ktix_stat_fields; f->name; f++)
		if (get_u64(a[f->type], &out->v[f->type]))
			return -EBADMSG;
	return 0;
}

int ktix_nl_stats(struct ktix_nl *nl, struct ktix_stats *out)
{
	memset(out, 0, sizeof(*out));
	return ktix_nl_transact(nl, ktix_nl_msg(nl, KTIX_CMD_STATS_GET),
				parse_stats, out);
}
