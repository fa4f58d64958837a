/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What ktix's programs share that no library of theirs is about: reading
 * a number with a unit, as an operator writes it ("10s", "500ms", "1G").
 * Built into libktix-common.a, linked into the programs, never installed.
 */
#ifndef KTIX_UNITS_H
#define KTIX_UNITS_H

#include <stdint.h>

/* A suffix and what one of it is worth; a table ends with suffix NULL. */
struct ktix_unit {
	const char *suffix;
	uint64_t mul;
};

/*
 * A decimal number followed by exactly one of the suffixes of units ("" if
 * the table lets a bare number through), times its worth: 0 and *out, or
 * -EINVAL (not a number, an unknown suffix) or -ERANGE (over 2^64 - 1).
 */
int ktix_parse_scaled(const char *s, const struct ktix_unit *units,
		      uint64_t *out);

/*
 * A duration as the daemons' options take it, "500ms", "10s" or "2m", in
 * milliseconds: 0 and *out when from 1 ms to @max_ms, else -EINVAL or
 * -ERANGE.
 */
int ktix_parse_ms(const char *s, uint64_t max_ms, uint64_t *out);
/*
 * A daemon's DURATION option, from 1 ms to a day, into @out: 0, or -1
 * after "PROG: --NAME: "ARG" is not a duration ..." on standard error.
 */
int ktix_opt_ms(const char *prog, const char *name, const char *arg,
		unsigned int *out);

#endif /* KTIX_UNITS_H */
