// SPDX-License-Identifier: GPL-2.0
/*
 * ktixctl version: the tool's and the module's versions and features.
 */
#include <inttypes.h>
#include <stdio.h>

#include "ktix_nl.h"
#include "ktixctl.h"

#ifndef KTIX_TOOL_VERSION
#define KTIX_TOOL_VERSION "unknown"
#endif

static void print_features(uint64_t f)
{
	const char *name;
	bool first = true;
	unsigned int b;

	for (b = 0; b < 64; b++) {
		if (!(f & (1ULL << b)))
			continue;
		name = ktix_feature_name(b);
		if (json) {
			printf("%s", first ? "" : ",");
			if (name)
				json_string(stdout, name);
			else
				printf("\"bit%u\"", b);
		} else if (name) {
			printf("%s%s", first ? "" : " ", name);
		} else {
			printf("%sbit%u", first ? "" : " ", b);
		}
		first = false;
	}
	if (first && !json)
		printf("none");
}

int version_show(struct ktix_nl *nl)
{
	struct ktix_version_info v;
	int err;

	err = ktix_nl_version(nl, &v);
	if (err) {
		ctl_error(nl, "version", err);
		return err;
	}

	if (json) {
		printf("{\"tool\":");
		json_string(stdout, KTIX_TOOL_VERSION);
		printf(",\"module\":");
		json_string(stdout, v.version);
		printf(",\"genl_version\":%d,\"features_mask\":%" PRIu64 ",\"features\":[",
		       KTIX_GENL_VERSION, v.features);
		print_features(v.features);
		printf("]}");
		return 0;
	}
	printf("ktixctl:  %s\n", KTIX_TOOL_VERSION);
	printf("module:   %s\n", v.version);
	printf("features: ");
	print_features(v.features);
	printf("\n");
	return 0;
}

int version_main(int argc, char **argv)
{
	struct ktix_nl *nl;
	int err;

	if (argc > 1) {
		if (is_help(argv[1])) {
			printf("Usage: %s [-j] version\n\n"
			       "Show the version of ktixctl and of the loaded ktix module, and\n"
			       "the features the module implements.\n", prog);
			return 0;
		}
		fprintf(stderr, "%s: version takes no arguments; see '%s help version'\n",
			prog, prog);
		return 1;
	}

	nl = ctl_open();
	if (!nl)
		return 1;
	err = version_show(nl);
	if (!err && json)
		printf("\n");
	ktix_nl_close(nl);
	return err ? 1 : 0;
}
