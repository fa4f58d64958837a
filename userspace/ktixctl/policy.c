// SPDX-License-Identifier: GPL-2.0
/*
 * ktixctl policy: show or change the namespace's key-ring and session-cache
 * policy.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ktix_nl.h"
#include "ktixctl.h"

enum kind { DURATION, COUNT, SIZE };

static const struct field {
	const char *name;
	enum kind kind;
	int type;
	unsigned int bit;
	size_t off;
	const char *help;
} fields[] = {
	{ "rotate-interval", DURATION, KTIX_POLICY_A_ROTATE_INTERVAL,
	  KTIX_POLICY_SET_ROTATE_INTERVAL,
	  offsetof(struct ktix_policy_info, rotate_interval),
	  "time between automatic key rotations; 0 or 'manual' turns them off" },
	{ "retention", DURATION, KTIX_POLICY_A_RETENTION,
	  KTIX_POLICY_SET_RETENTION,
	  offsetof(struct ktix_policy_info, retention),
	  "how long a retired key still decrypts tickets" },
	{ "ticket-lifetime", DURATION, KTIX_POLICY_A_TICKET_LIFETIME,
	  KTIX_POLICY_SET_TICKET_LIFETIME,
	  offsetof(struct ktix_policy_info, ticket_lifetime),
	  "lifetime of the tickets issued (at most 7d)" },
	{ "max-keys", COUNT, KTIX_POLICY_A_MAX_KEYS,
	  KTIX_POLICY_SET_MAX_KEYS,
	  offsetof(struct ktix_policy_info, max_keys),
	  "most keys in the ring (2 to 64)" },
	{ "cache-entries", COUNT, KTIX_POLICY_A_CACHE_ENTRIES,
	  KTIX_POLICY_SET_CACHE_ENTRIES,
	  offsetof(struct ktix_policy_info, cache_entries),
	  "most sessions in the session-ID cache" },
	{ "cache-bytes", SIZE, KTIX_POLICY_A_CACHE_BYTES,
	  KTIX_POLICY_SET_CACHE_BYTES,
	  offsetof(struct ktix_policy_info, cache_bytes),
	  "most bytes of sessions in the session-ID cache" },
	{ "session-lifetime", DURATION, KTIX_POLICY_A_SESSION_LIFETIME,
	  KTIX_POLICY_SET_SESSION_LIFETIME,
	  offsetof(struct ktix_policy_info, session_lifetime),
	  "longest a cached session lives (at most 1d)" },
	{ "session-max-size", SIZE, KTIX_POLICY_A_SESSION_MAX_SIZE,
	  KTIX_POLICY_SET_SESSION_MAX_SIZE,
	  offsetof(struct ktix_policy_info, session_max_size),
	  "largest encoded session the cache accepts" },
};

#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

static uint64_t field_get(const struct ktix_policy_info *p,
			  const struct field *f)
{
	const char *base = (const char *)p + f->off;

	if (f->bit == KTIX_POLICY_SET_CACHE_BYTES)
		return *(const uint64_t *)base;
	return *(const uint32_t *)base;
}

static void field_set(struct ktix_policy_info *p, const struct field *f,
		      uint64_t v)
{
	char *base = (char *)p + f->off;

	if (f->bit == KTIX_POLICY_SET_CACHE_BYTES)
		*(uint64_t *)base = v;
	else
		*(uint32_t *)base = (uint32_t)v;
}

/* "90", "90s", "15m", "12h", "7d"; for rotate-interval also "manual". */
static int parse_value(const struct field *f, const char *s, uint64_t *out)
{
	unsigned long long v;
	uint64_t mul = 1;
	char *end;

	if (f->kind == DURATION && (!strcmp(s, "manual") || !strcmp(s, "off"))) {
		*out = 0;
		return f->bit == KTIX_POLICY_SET_ROTATE_INTERVAL ? 0 : -EINVAL;
	}
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	if (f->kind == DURATION) {
		if (!strcmp(end, "") || !strcmp(end, "s"))
			mul = 1;
		else if (!strcmp(end, "m"))
			mul = 60;
		else if (!strcmp(end, "h"))
			mul = 3600;
		else if (!strcmp(end, "d"))
			mul = 86400;
		else
			return -EINVAL;
	} else if (f->kind == SIZE) {
		if (!strcmp(end, "") || !strcmp(end, "B"))
			mul = 1;
		else if (!strcmp(end, "K") || !strcmp(end, "KiB"))
			mul = 1ULL << 10;
		else if (!strcmp(end, "M") || !strcmp(end, "MiB"))
			mul = 1ULL << 20;
		else if (!strcmp(end, "G") || !strcmp(end, "GiB"))
			mul = 1ULL << 30;
		else
			return -EINVAL;
	} else if (*end) {
		return -EINVAL;
	}
	if (v > UINT64_MAX / mul)
		return -ERANGE;
	v *= mul;
	if (f->bit != KTIX_POLICY_SET_CACHE_BYTES && v > UINT32_MAX)
		return -ERANGE;
	*out = v;
	return 0;
}

static void print_duration(uint64_t s)
{
	if (s == 0)
		printf("manual");
	else if (s % 86400 == 0)
		printf("%" PRIu64 "d", s / 86400);
	else if (s % 3600 == 0)
		printf("%" PRIu64 "h", s / 3600);
	else if (s % 60 == 0)
		printf("%" PRIu64 "m", s / 60);
	else
		printf("%" PRIu64 "s", s);
}

static void print_size(uint64_t b)
{
	if (b && b % (1ULL << 30) == 0)
		printf("%" PRIu64 "GiB", b >> 30);
	else if (b && b % (1ULL << 20) == 0)
		printf("%" PRIu64 "MiB", b >> 20);
	else if (b && b % (1ULL << 10) == 0)
		printf("%" PRIu64 "KiB", b >> 10);
	else
		printf("%" PRIu64 "B", b);
}

int policy_show(struct ktix_nl *nl)
{
	struct ktix_policy_info p;
	size_t i;
	int err;

	err = ktix_nl_policy_get(nl, &p);
	if (err) {
		ctl_error(nl, "policy", err);
		return err;
	}

	if (json) {
		/* JSON: plain numbers, seconds and bytes, names with '_'. */
		printf("{");
		for (i = 0; i < N_FIELDS; i++) {
			const char *c;

			printf("%s\"", i ? "," : "");
			for (c = fields[i].name; *c; c++)
				putchar(*c == '-' ? '_' : *c);
			printf("\":%" PRIu64, field_get(&p, &fields[i]));
		}
		printf("}");
		return 0;
	}
	for (i = 0; i < N_FIELDS; i++) {
		uint64_t v = field_get(&p, &fields[i]);

		printf("%-18s", fields[i].name);
		if (fields[i].kind == DURATION)
			print_duration(v);
		else if (fields[i].kind == SIZE)
			print_size(v);
		else
			printf("%" PRIu64, v);
		printf("\n");
	}
	return 0;
}

static void policy_usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: %s [-j] policy [show]\n"
		"       %s policy set NAME VALUE [NAME VALUE]...\n\n"
		"Show or change the policy of this network namespace's ticket-key ring\n"
		"and session-ID cache.  Changing it needs CAP_NET_ADMIN.  A change is\n"
		"checked as a whole and applied entirely or not at all.\n\n"
		"Durations take a suffix s, m, h or d (default s); sizes K, M or G\n"
		"(powers of 1024, default bytes).\n\n"
		"Names:\n", prog, prog);
	for (i = 0; i < N_FIELDS; i++)
		fprintf(f, "  %-18s %s\n", fields[i].name, fields[i].help);
}

static int policy_set(int argc, char **argv)
{
	struct ktix_policy_info p = { 0 };
	unsigned int mask = 0;
	struct ktix_nl *nl;
	int i, err;

	if (argc < 2 || argc % 2) {
		fprintf(stderr, "%s: policy set takes NAME VALUE pairs; see '%s help policy'\n",
			prog, prog);
		return 1;
	}
	for (i = 0; i < argc; i += 2) {
		const struct field *f = NULL;
		uint64_t v;
		size_t j;

		for (j = 0; j < N_FIELDS; j++)
			if (!strcmp(argv[i], fields[j].name))
				f = &fields[j];
		if (!f) {
			fprintf(stderr, "%s: policy set: unknown name '%s'; see '%s help policy'\n",
				prog, argv[i], prog);
			return 1;
		}
		if (mask & f->bit) {
			fprintf(stderr, "%s: policy set: '%s' given twice\n",
				prog, f->name);
			return 1;
		}
		err = parse_value(f, argv[i + 1], &v);
		if (err) {
			fprintf(stderr, "%s: policy set: %s: '%s' is not a valid %s\n",
				prog, f->name, argv[i + 1],
				f->kind == DURATION ? "duration" :
				f->kind == SIZE ? "size" : "number");
			return 1;
		}
		field_set(&p, f, v);
		mask |= f->bit;
	}

	nl = ctl_open();
	if (!nl)
		return 1;
	err = ktix_nl_policy_set(nl, &p, mask);
	if (err) {
		int outer, type = ktix_nl_err_attr(nl, &outer);
		char what[64] = "policy set";
		size_t j;

		for (j = 0; j < N_FIELDS && outer == KTIX_A_POLICY; j++)
			if (fields[j].type == type)
				snprintf(what, sizeof(what), "policy set: %s",
					 fields[j].name);
		ctl_error(nl, what, err);
	}
	ktix_nl_close(nl);
	return err ? 1 : 0;
}

int policy_main(int argc, char **argv)
{
	struct ktix_nl *nl;
	int err;

	if (argc > 1 && is_help(argv[1])) {
		policy_usage(stdout);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "set"))
		return policy_set(argc - 2, argv + 2);
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "show"))) {
		fprintf(stderr, "%s: policy: unknown argument '%s'; see '%s help policy'\n",
			prog, argv[1], prog);
		return 1;
	}

	nl = ctl_open();
	if (!nl)
		return 1;
	err = policy_show(nl);
	if (!err && json)
		printf("\n");
	ktix_nl_close(nl);
	return err ? 1 : 0;
}
