/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tests' reader of "Name value" counter files: /proc/net/ktix_stat,
 * /proc/net/tls_stat.
 */
#ifndef KTIX_SELFTESTS_PROC_STAT_H
#define KTIX_SELFTESTS_PROC_STAT_H

#include <stdio.h>
#include <string.h>

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

#endif /* KTIX_SELFTESTS_PROC_STAT_H */
