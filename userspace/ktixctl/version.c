// SPDX-License-Identifier: GPL-2.0
/*
 * ktixctl version: the tool's and the module's versions and features, and
 * what the running kernel's kTLS can do.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ktix.h"
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

/* "yes", "no", or why it could not be told. */
static const char *rekey_text(int r)
{
	static char buf[128];

	if (r > 0)
		return "yes";
	if (r == 0)
		return "no (Linux before 6.14)";
	if (r == -ENOENT)
		return "unknown (kTLS is not loaded: modprobe tls)";
	snprintf(buf, sizeof(buf), "unknown (trying it over loopback: %s)",
		 strerror(-r));
	return buf;
}

int version_show(struct ktix_nl *nl)
{
	struct ktix_version_info v;
	int rekey, err;

	err = ktix_nl_version(nl, &v);
	if (err) {
		ctl_error(nl, "version", err);
		return err;
	}
	rekey = ktix_ktls_can_rekey();

	if (json) {
		printf("{\"tool\":");
		json_string(stdout, KTIX_TOOL_VERSION);
		printf(",\"module\":");
		json_string(stdout, v.version);
		printf(",\"genl_version\":%d,\"features_mask\":%" PRIu64 ",\"features\":[",
		       KTIX_GENL_VERSION, v.features);
		print_features(v.features);
		printf("],\"ktls_rekey\":%s}",
		       rekey < 0 ? "null" : rekey ? "true" : "false");
		return 0;
	}
	printf("ktixctl:  %s\n", KTIX_TOOL_VERSION);
	printf("module:   %s\n", v.version);
	printf("features: ");
	print_features(v.features);
	printf("\nktls rekey: %s\n", rekey_text(rekey));
	return 0;
}

int version_main(int argc, char **argv)
{
	struct ktix_nl *nl;
	int err;

	if (argc > 1) {
		if (is_help(argv[1])) {
			printf("Usage: %s [-j] version\n\n"
			       "Show the version of ktixctl and of the loaded ktix module, the\n"
			       "features the module implements, and whether the running kernel's\n"
			       "kTLS can take new keys on a live socket (\"ktls rekey\", Linux 6.14\n"
			       "and later; tried on a loopback connection).\n", prog);
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
