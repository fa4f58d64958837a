// SPDX-License-Identifier: GPL-2.0
/*
 * ktixctl: inspect and configure the ktix module.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ktix_nl.h"
#include "ktixctl.h"

#ifndef KTIX_TOOL_VERSION
#define KTIX_TOOL_VERSION "unknown"
#endif

const char *prog = "ktixctl";
bool json;

static int help_main(int argc, char **argv);

static const struct subcommand subcommands[] = {
	{ "version", version_main, "Show the tool's and the module's versions and features" },
	{ "policy", policy_main, "Show or change the key-ring and session-cache policy" },
	{ "key", key_main, "Show, add, rotate, delete, import or export ticket keys" },
	{ "session", session_main, "Show or empty the session-ID cache" },
	{ "revoke", revoke_main, "Revoke a session's tickets, or list revocations" },
	{ "stats", stats_main, "Show the module's counters" },
	{ "ticket", ticket_main, "Decode a session ticket with the ring's keys" },
	{ "monitor", monitor_main, "Print changes of the key ring and revocations" },
	{ "help", help_main, "Show this help, or a command's: help COMMAND" },
};

#define N_SUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s [-j] <command> [<args>]\n\n", prog);
	fprintf(f, "Inspect and configure the ktix kernel module (version %s).\n",
		KTIX_TOOL_VERSION);
	fprintf(f, "With no command, shows the module's version, policy and keys.\n\n");
	fprintf(f, "Options:\n");
	fprintf(f, "  -j, --json     print JSON\n");
	fprintf(f, "  -h, --help     show this help\n\n");
	fprintf(f, "Commands:\n");
	for (i = 0; i < N_SUBCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", subcommands[i].name,
			subcommands[i].help);
	fprintf(f, "\nSee '%s help <command>' and ktixctl(8).\n", prog);
}

static const struct subcommand *find(const char *name)
{
	size_t i;

	for (i = 0; i < N_SUBCOMMANDS; i++)
		if (!strcmp(name, subcommands[i].name))
			return &subcommands[i];
	return NULL;
}

static int help_main(int argc, char **argv)
{
	const struct subcommand *c;
	char *args[] = { NULL, "help", NULL };

	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	c = find(argv[1]);
	if (!c) {
		fprintf(stderr, "%s: unknown command '%s'; see '%s help'\n",
			prog, argv[1], prog);
		return 1;
	}
	if (c->main == help_main) {
		usage(stdout);
		return 0;
	}
	args[0] = argv[1];
	return c->main(2, args);
}

bool is_help(const char *arg)
{
	return !strcmp(arg, "help") || !strcmp(arg, "-h") ||
	       !strcmp(arg, "--help");
}

struct ktix_nl *ctl_open(void)
{
	struct ktix_nl *nl;
	int err = ktix_nl_open(&nl);

	if (!err)
		return nl;
	if (err == -ENOENT)
		fprintf(stderr,
			"%s: the ktix module is not loaded; load it with 'modprobe ktix' (or 'insmod kmod/ktix.ko' in a build tree)\n",
			prog);
	else
		fprintf(stderr, "%s: cannot open generic netlink: %s\n", prog,
			strerror(-err));
	return NULL;
}

void ctl_error(struct ktix_nl *nl, const char *what, int err)
{
	const char *msg = nl ? ktix_nl_errmsg(nl) : "";
	uint64_t lo, hi;
	char range[64] = "";

	if (nl && ktix_nl_err_range(nl, &lo, &hi))
		snprintf(range, sizeof(range), " (allowed: %" PRIu64 " to %" PRIu64 ")",
			 lo, hi);
	fprintf(stderr, "%s: %s: %s%s%s%s%s\n", prog, what, strerror(-err),
		*msg ? ": " : "", msg, range,
		err == -EPERM ? " (needs CAP_NET_ADMIN)" : "");
}

void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* The bare command: everything there is to show, as one document. */
static int show_main(void)
{
	struct ktix_nl *nl = ctl_open();
	int err;

	if (!nl)
		return 1;
	if (json)
		printf("{\"version\":");
	err = version_show(nl);
	if (!err) {
		printf(json ? ",\"policy\":" : "\n");
		err = policy_show(nl);
	}
	if (!err) {
		printf(json ? ",\"keys\":" : "\n");
		err = key_show(nl);
	}
	if (!err && json)
		printf("}\n");
	ktix_nl_close(nl);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct subcommand *c;
	int opt;

	while ((opt = getopt_long(argc, argv, "+jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	argc -= optind;
	argv += optind;

	if (argc == 0)
		return show_main() ? 1 : 0;

	c = find(argv[0]);
	if (!c) {
		fprintf(stderr, "%s: unknown command '%s'; see '%s help'\n",
			prog, argv[0], prog);
		return 1;
	}
	return c->main(argc, argv) ? 1 : 0;
}
