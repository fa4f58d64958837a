// SPDX-License-Identifier: GPL-2.0
/*
 * Numbers with units (ktix_units.h): the one parser ktixctl, ktixd and
 * ktix-serve read durations and sizes with.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktix_units.h"

int ktix_parse_scaled(const char *s, const struct ktix_unit *units,
		      uint64_t *out)
{
	unsigned long long v;
	char *end;

	/* strtoull() would take "-1", " 1" and "+1". */
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	for (; units->suffix; units++) {
		if (strcmp(end, units->suffix))
			continue;
		if (v > UINT64_MAX / units->mul)
			return -ERANGE;
		*out = v * units->mul;
		return 0;
	}
	return -EINVAL;
}

int ktix_parse_ms(const char *s, uint64_t max_ms, uint64_t *out)
{
	static const struct ktix_unit u[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { NULL, 0 },
	};
	uint64_t ms;
	int err = ktix_parse_scaled(s, u, &ms);

	if (err)
		return err;
	if (!ms || ms > max_ms)
		return -ERANGE;
	*out = ms;
	return 0;
}

int ktix_opt_ms(const char *prog, const char *name, const char *arg,
		unsigned int *out)
{
	uint64_t ms;

	if (ktix_parse_ms(arg, 86400000, &ms)) {
		fprintf(stderr,
			"%s: --%s: \"%s\" is not a duration from 1ms to 1 day (500ms, 10s, 2m)\n",
			prog, name, arg);
		return -1;
	}
	*out = (unsigned int)ms;
	return 0;
}
