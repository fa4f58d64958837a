// SPDX-License-Identifier: GPL-2.0
/*
 * ktixctl session: the namespace's session-ID cache.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ktix_nl.h"
#include "ktixctl.h"

static void session_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [-j] session [list]\n"
		"       %s session del ID\n"
		"       %s session flush\n\n"
		"Show or empty this network namespace's session-ID cache, where the\n"
		"helpers keep TLS sessions by their session ID.  ID is in hex (1 to 32\n"
		"bytes).  del and flush need CAP_NET_ADMIN and wipe what they remove.\n\n"
		"  list    ID, size, creation and expiry of every live session; never\n"
		"          the sessions themselves\n"
		"  del     remove one session\n"
		"  flush   remove every session\n",
		prog, prog, prog);
}

static int session_list(struct ktix_nl *nl)
{
	struct ktix_sess_list l;
	size_t i;
	int err;

	err = ktix_nl_sess_list(nl, false, &l);
	if (err) {
		ctl_error(nl, "session list", err);
		return err;
	}
	if (json) {
		printf("[");
		for (i = 0; i < l.n; i++) {
			const struct ktix_sess_info *s = &l.sess[i];

			printf("%s{\"id\":\"", i ? "," : "");
			print_hex(s->id, s->id_len);
			printf("\",\"size\":%" PRIu32 ",\"created\":%" PRIu64
			       ",\"expires\":%" PRIu64 "}", s->size, s->created,
			       s->expires);
		}
		printf("]\n");
	} else {
		printf("%-64s  %6s  %-20s  %s\n", "id", "size", "created",
		       "expires");
		for (i = 0; i < l.n; i++) {
			const struct ktix_sess_info *s = &l.sess[i];

			print_hex(s->id, s->id_len);
			printf("%*s  %6" PRIu32 "  ", 64 - 2 * s->id_len, "",
			       s->size);
			print_time(s->created, 20);
			printf("  ");
			print_time(s->expires, 0);
			printf("\n");
		}
	}
	ktix_sess_list_free(&l);
	return 0;
}

int session_main(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "list";
	uint8_t id[KTIX_SESS_ID_MAX_LEN];
	struct ktix_nl *nl;
	size_t id_len = 0;
	int err;

	if (is_help(sub)) {
		session_usage(stdout);
		return 0;
	}
	if (!strcmp(sub, "del")) {
		if (argc != 3) {
			fprintf(stderr, "%s: session del takes one ID; see '%s help session'\n",
				prog, prog);
			return 1;
		}
		if (parse_hex(argv[2], id, sizeof(id), &id_len)) {
			fprintf(stderr, "%s: session del: '%s' is not a session ID (2 to 64 hex digits)\n",
				prog, argv[2]);
			return 1;
		}
	} else if ((strcmp(sub, "list") && strcmp(sub, "flush")) || argc > 2) {
		fprintf(stderr, "%s: session: unknown argument '%s'; see '%s help session'\n",
			prog, argc > 2 ? argv[2] : sub, prog);
		return 1;
	}

	nl = ctl_open();
	if (!nl)
		return 1;
	if (!strcmp(sub, "list")) {
		err = session_list(nl);
	} else if (!strcmp(sub, "del")) {
		err = ktix_nl_sess_del(nl, id, id_len);
		if (err)
			ctl_error(nl, "session del", err);
	} else {
		err = ktix_nl_sess_flush(nl);
		if (err)
			ctl_error(nl, "session flush", err);
	}
	ktix_nl_close(nl);
	return err ? 1 : 0;
}
