/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tests' readers of counters: "Name value" files (/proc/net/ktix_stat,
 * /proc/net/tls_stat), and the module's figures over netlink.
 */
#ifndef KTIX_SELFTESTS_PROC_STAT_H
#define KTIX_SELFTESTS_PROC_STAT_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ktix_nl.h"

/* The value of counter name in file path, or -1 if there is none. */
static inline long proc_stat(const char *path, const char *name)
{
	char got[64];
	long val, found = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", got, &val) == 2)
		if (!strcmp(got, name))
			found = val;
	fclose(f);
	return found;
}

/* One figure of KTIX_CMD_STATS_GET (type: KTIX_STATS_A_*), or -1. */
static inline uint64_t ktix_stat(struct ktix_nl *nl, int type)
{
	struct ktix_stats st;

	return ktix_nl_stats(nl, &st) ? (uint64_t)-1 : st.v[type];
}

#endif /* KTIX_SELFTESTS_PROC_STAT_H */
