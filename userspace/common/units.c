// SPDX-License-Identifier: GPL-2.0
/*
 * Numbers with units (ktix_units.h): the one parser ktixctl, ktixd and
 * ktix-serve read durations and sizes with.
 */
#include <errno.h>
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
