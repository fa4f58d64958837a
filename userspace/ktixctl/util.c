// SPDX-License-Identifier: GPL-2.0
/*
 * ktixctl: reading and printing what several commands share.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "ktixctl.h"

void print_time(uint64_t t, int width)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm) ||
	    !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		printf("%-*s", width, "-");
	else
		printf("%-*s", width, buf);
}

void print_hex(const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%02x", b[i]);
}

int parse_hex(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n = 0;

	/* OpenSSL's parser: even length, hex digits only, no separator. */
	if (!*s || !OPENSSL_hexstr2buf_ex(out, max, &n, s, '\0'))
		return -EINVAL;
	*len = n;
	return 0;
}

const struct ktix_unit duration_units[] = {
	{ "", 1 }, { "s", 1 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 },
	{ NULL, 0 },
};

const struct ktix_unit size_units[] = {
	{ "", 1 }, { "B", 1 }, { "K", 1ULL << 10 }, { "KiB", 1ULL << 10 },
	{ "M", 1ULL << 20 }, { "MiB", 1ULL << 20 }, { "G", 1ULL << 30 },
	{ "GiB", 1ULL << 30 }, { NULL, 0 },
};

const struct ktix_unit no_units[] = {
	{ "", 1 }, { NULL, 0 },
};

int parse_duration(const char *s, uint64_t *out)
{
	return ktix_parse_scaled(s, duration_units, out);
}

int parse_time(const char *s, uint64_t now, uint64_t *out)
{
	struct tm tm = { 0 };
	uint64_t d;
	const char *end;
	time_t t;

	/* "+12h": from now. */
	if (*s == '+') {
		if (parse_duration(s + 1, &d))
			return -EINVAL;
		*out = now + d;
		return 0;
	}
	/* "2026-11-25T12:00:00Z", UTC. */
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end && !*end) {
		t = timegm(&tm);
		if (t <= 0)
			return -EINVAL;
		*out = (uint64_t)t;
		return 0;
	}
	/* "@1790000000": seconds since the epoch. */
	if (*s == '@' && s[1] >= '0' && s[1] <= '9') {
		char *e;

		errno = 0;
		*out = strtoull(s + 1, &e, 10);
		return errno || *e ? -EINVAL : 0;
	}
	return -EINVAL;
}
