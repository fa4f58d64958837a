// SPDX-License-Identifier: GPL-2.0
/*
 * ktixctl revoke: the namespace's revoked session handles.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ktix_nl.h"
#include "ktixctl.h"

static void revoke_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s revoke HANDLE [--until TIME]\n"
		"       %s [-j] revoke list\n\n"
		"Revoke a session: no helper resumes a ticket carrying HANDLE (the\n"
		"16-byte session handle the helper reported, 32 hex digits) until\n"
		"TIME.  TIME is +DURATION (+12h, +7d), YYYY-MM-DDTHH:MM:SSZ or\n"
		"@SECONDS since the epoch; by default the kernel picks the longest a\n"
		"ticket issued now can be accepted (policy retention plus rotation\n"
		"interval).  Revoking again extends, never shortens.  Needs\n"
		"CAP_NET_ADMIN.  Sessions cached by ID are removed with\n"
		"'%s session del ID'.\n\n"
		"  list   the revoked handles and until when\n",
		prog, prog, prog);
}

static int revoke_list(struct ktix_nl *nl)
{
	struct ktix_revoke_list l;
	size_t i;
	int err;

	err = ktix_nl_revoke_list(nl, &l);
	if (err) {
		ctl_error(nl, "revoke list", err);
		return err;
	}
	if (json) {
		printf("{\"generation\":%" PRIu64 ",\"revoked\":[", l.generation);
		for (i = 0; i < l.n; i++) {
			printf("%s{\"handle\":\"", i ? "," : "");
			print_hex(l.revoked[i].handle, KTIX_REVOKE_HANDLE_LEN);
			printf("\",\"until\":%" PRIu64 "}", l.revoked[i].until);
		}
		printf("]}\n");
	} else {
		printf("%-32s  %s\n", "handle", "until");
		for (i = 0; i < l.n; i++) {
			print_hex(l.revoked[i].handle, KTIX_REVOKE_HANDLE_LEN);
			printf("  ");
			print_time(l.revoked[i].until, 0);
			printf("\n");
		}
	}
	ktix_revoke_list_free(&l);
	return 0;
}

int revoke_main(int argc, char **argv)
{
	uint8_t handle[KTIX_REVOKE_HANDLE_LEN];
	uint64_t until = 0, gen;
	struct ktix_nl *nl;
	size_t len;
	int err;

	if (argc < 2 || is_help(argv[1])) {
		revoke_usage(argc < 2 ? stderr : stdout);
		return argc < 2;
	}
	if (!strcmp(argv[1], "list")) {
		if (argc > 2) {
			fprintf(stderr, "%s: revoke list takes no arguments\n",
				prog);
			return 1;
		}
	} else {
		if (parse_hex(argv[1], handle, sizeof(handle), &len) ||
		    len != sizeof(handle)) {
			fprintf(stderr, "%s: revoke: '%s' is not a session handle (32 hex digits)\n",
				prog, argv[1]);
			return 1;
		}
		if (argc == 4 && !strcmp(argv[2], "--until")) {
			if (parse_time(argv[3], (uint64_t)time(NULL), &until)) {
				fprintf(stderr, "%s: revoke: --until '%s' is not a time (+12h, 2026-11-25T12:00:00Z or @SECONDS)\n",
					prog, argv[3]);
				return 1;
			}
		} else if (argc != 2) {
			fprintf(stderr, "%s: revoke: unexpected argument '%s'; see '%s help revoke'\n",
				prog, argv[2], prog);
			return 1;
		}
	}

	nl = ctl_open();
	if (!nl)
		return 1;
	if (!strcmp(argv[1], "list")) {
		err = revoke_list(nl);
	} else {
		err = ktix_nl_revoke_add(nl, handle, until, &gen);
		if (err)
			ctl_error(nl, "revoke", err);
		else if (json)
			printf("{\"generation\":%" PRIu64 "}\n", gen);
	}
	ktix_nl_close(nl);
	return err ? 1 : 0;
}
