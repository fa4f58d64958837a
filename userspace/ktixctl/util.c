// SPDX-License-Identifier: GPL-2.0
/*
 * ktixctl: reading and printing what several commands share.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int parse_hex(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(s), i;

	if (!n || n % 2 || n / 2 > max)
		return -EINVAL;
	for (i = 0; i < n / 2; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

const struct unit duration_units[] = {
	{ "", 1 }, { "s", 1 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 },
	{ NULL, 0 },
};

const struct unit size_units[] = {
	{ "", 1 }, { "B", 1 }, { "K", 1ULL << 10 }, { "KiB", 1ULL << 10 },
	{ "M", 1ULL << 20 }, { "MiB", 1ULL << 20 }, { "G", 1ULL << 30 },
	{ "GiB", 1ULL << 30 }, { NULL, 0 },
};

const struct unit no_units[] = {
	{ "", 1 }, { NULL, 0 },
};

int parse_scaled(const char *s, const struct unit *units, uint64_t *out)
{
	unsigned long long v;
	char *end;

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

int parse_duration(const char *s, uint64_t *out)
{
	return parse_scaled(s, duration_units, out);
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
