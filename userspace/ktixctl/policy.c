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

/*
 * How to explain each field of libktix-nl's table; its range, default and
 * unit come from there (<ktix/tables.h>).
 */
static const struct field {
	int type;
	const char *help;
} fields[] = {
	{ KTIX_POLICY_A_ROTATE_INTERVAL,
	  "time between automatic key rotations; 0 or 'manual' turns them off" },
	{ KTIX_POLICY_A_RETENTION,
	  "how long a retired key still decrypts tickets" },
	{ KTIX_POLICY_A_TICKET_LIFETIME,
	  "lifetime of the tickets issued" },
	{ KTIX_POLICY_A_MAX_KEYS,
	  "most keys in the ring" },
	{ KTIX_POLICY_A_CACHE_ENTRIES,
	  "most sessions in the session-ID cache" },
	{ KTIX_POLICY_A_CACHE_BYTES,
	  "most bytes of sessions in the session-ID cache" },
	{ KTIX_POLICY_A_SESSION_LIFETIME,
	  "longest a cached session lives" },
	{ KTIX_POLICY_A_SESSION_MAX_SIZE,
	  "largest encoded session the cache accepts" },
	{ KTIX_POLICY_A_REVOKE_BYTES,
	  "memory the revocation set may use, 80 bytes a handle" },
	{ KTIX_POLICY_A_EXTERNAL_KEYS,
	  "1: every key comes from outside (a fleet); needs rotate-interval 0" },
};

#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

static const struct ktix_policy_field *lib(const struct field *f)
{
	return ktix_policy_field_by_type(f->type);
}

/* "90", "90s", "15m", "12h", "7d"; for rotate-interval also "manual". */
static int parse_value(const struct field *f, const char *s, uint64_t *out)
{
	uint64_t v;
	int err;

	if (lib(f)->unit == KTIX_UNIT_SECONDS &&
	    (!strcmp(s, "manual") || !strcmp(s, "off"))) {
		*out = 0;
		return f->type == KTIX_POLICY_A_ROTATE_INTERVAL ? 0 : -EINVAL;
	}
	err = ktix_parse_scaled(s, lib(f)->unit == KTIX_UNIT_SECONDS ?
				duration_units : lib(f)->unit == KTIX_UNIT_BYTES ?
				size_units : no_units, &v);
	if (err)
		return err;
	if (lib(f)->size < sizeof(v) && v > UINT32_MAX)
		return -ERANGE;
	*out = v;
	return 0;
}

/* "12h", "64MiB", "16": a value as ktixctl shows it. */
static const char *fmt_value(const struct ktix_policy_field *f, uint64_t v,
			     char *buf, size_t len)
{
	static const struct { uint64_t mul; const char *suffix; }
	secs[] = { { 86400, "d" }, { 3600, "h" }, { 60, "m" }, { 1, "s" } },
	bytes[] = { { 1ULL << 30, "GiB" }, { 1ULL << 20, "MiB" },
		    { 1ULL << 10, "KiB" }, { 1, "B" } };
	unsigned int i;

	for (i = 0; i < 4; i++) {
		if (f->unit == KTIX_UNIT_SECONDS && v && v % secs[i].mul == 0) {
			snprintf(buf, len, "%" PRIu64 "%s", v / secs[i].mul,
				 secs[i].suffix);
			return buf;
		}
		if (f->unit == KTIX_UNIT_BYTES && v && v % bytes[i].mul == 0) {
			snprintf(buf, len, "%" PRIu64 "%s", v / bytes[i].mul,
				 bytes[i].suffix);
			return buf;
		}
	}
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
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
			for (c = lib(&fields[i])->name; *c; c++)
				putchar(*c == '-' ? '_' : *c);
			printf("\":%" PRIu64,
			       ktix_policy_field_get(&p, lib(&fields[i])));
		}
		printf("}");
		return 0;
	}
	for (i = 0; i < N_FIELDS; i++) {
		const struct ktix_policy_field *lf = lib(&fields[i]);
		uint64_t v = ktix_policy_field_get(&p, lf);
		char buf[32];

		printf("%-18s%s\n", lf->name,
		       lf->type == KTIX_POLICY_A_ROTATE_INTERVAL && !v ?
		       "manual" : fmt_value(lf, v, buf, sizeof(buf)));
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
		"Names, with what the module accepts and a new namespace's value:\n",
		prog, prog);
	for (i = 0; i < N_FIELDS; i++) {
		const struct ktix_policy_field *lf = lib(&fields[i]);
		char lo[32], hi[32], def[32];

		fprintf(f, "  %-18s %s\n  %-18s (%s to %s; default %s)\n",
			lf->name, fields[i].help, "",
			fmt_value(lf, lf->min, lo, sizeof(lo)),
			fmt_value(lf, lf->max, hi, sizeof(hi)),
			fmt_value(lf, lf->def, def, sizeof(def)));
	}
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
			if (!strcmp(argv[i], lib(&fields[j])->name))
				f = &fields[j];
		if (!f) {
			fprintf(stderr, "%s: policy set: unknown name '%s'; see '%s help policy'\n",
				prog, argv[i], prog);
			return 1;
		}
		if (mask & lib(f)->bit) {
			fprintf(stderr, "%s: policy set: '%s' given twice\n",
				prog, argv[i]);
			return 1;
		}
		err = parse_value(f, argv[i + 1], &v);
		if (err) {
			fprintf(stderr, "%s: policy set: %s: '%s' is not a valid %s\n",
				prog, argv[i], argv[i + 1],
				lib(f)->unit == KTIX_UNIT_SECONDS ? "duration" :
				lib(f)->unit == KTIX_UNIT_BYTES ? "size" :
				"number");
			return 1;
		}
		ktix_policy_field_set(&p, lib(f), v);
		mask |= lib(f)->bit;
	}

	nl = ctl_open();
	if (!nl)
		return 1;
	err = ktix_nl_policy_set(nl, &p, mask);
	if (err) {
		int outer, type = ktix_nl_err_attr(nl, &outer);
		const struct ktix_policy_field *lf = NULL;
		char what[64] = "policy set";

		if (outer == KTIX_A_POLICY)
			lf = ktix_policy_field_by_type(type);
		if (lf)
			snprintf(what, sizeof(what), "policy set: %s", lf->name);
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
