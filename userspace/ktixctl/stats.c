// SPDX-License-Identifier: GPL-2.0
/*
 * ktixctl stats: the module's counters for this network namespace.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "ktix_nl.h"
#include "ktixctl.h"

int stats_main(int argc, char **argv)
{
	const struct ktix_stat_field *f;
	bool prometheus = false;
	struct ktix_stats st;
	struct ktix_nl *nl;
	int err, width = 0;

	if (argc > 1 && is_help(argv[1])) {
		printf("Usage: %s [-j] stats [--format text|prometheus]\n\n"
		       "Print this network namespace's ktix counters, the same as\n"
		       "/proc/net/ktix_stat: first the state now (keys in the ring,\n"
		       "sessions cached and their bytes, handles revoked), then\n"
		       "counts since the namespace was made.  ktixctl(8) explains\n"
		       "each.  --format prometheus prints them in the Prometheus\n"
		       "text format (ktix_resumptions_total{kind=\"ticket\"}, ...),\n"
		       "for node_exporter's textfile collector.\n", prog);
		return 0;
	}
	if (argc > 1) {
		if (strcmp(argv[1], "--format") && strcmp(argv[1], "format")) {
			fprintf(stderr, "%s: stats: unknown argument '%s'; see '%s help stats'\n",
				prog, argv[1], prog);
			return 1;
		}
		if (argc != 3 || (strcmp(argv[2], "text") &&
				  strcmp(argv[2], "prometheus"))) {
			fprintf(stderr, "%s: stats: --format is text or prometheus%s%s%s\n",
				prog, argc > 2 ? ", not '" : "",
				argc > 2 ? argv[2] : "", argc > 2 ? "'" : "");
			return 1;
		}
		prometheus = !strcmp(argv[2], "prometheus");
	}
	if (prometheus && json) {
		fprintf(stderr, "%s: stats: -j and --format prometheus are two formats; pick one\n",
			prog);
		return 1;
	}
	if (prometheus && ktix_prom_check(prog))
		return 1;
	nl = ctl_open();
	if (!nl)
		return 1;
	err = ktix_nl_stats(nl, &st);
	if (err) {
		ctl_error(nl, "stats", err);
		ktix_nl_close(nl);
		return 1;
	}
	if (prometheus) {
		ktix_prom_print(stdout, &st);
		ktix_nl_close(nl);
		return 0;
	}
	for (f = ktix_stat_fields; f->name; f++)
		if ((int)strlen(f->name) > width)
			width = (int)strlen(f->name);
	if (json)
		printf("{");
	for (f = ktix_stat_fields; f->name; f++) {
		if (json)
			printf("%s\"%s\":%" PRIu64, f == ktix_stat_fields ? "" : ",",
			       f->key, st.v[f->type]);
		else
			printf("%-*s  %" PRIu64 "\n", width, f->name,
			       st.v[f->type]);
	}
	if (json)
		printf("}\n");
	ktix_nl_close(nl);
	return 0;
}
