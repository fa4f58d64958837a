// SPDX-License-Identifier: GPL-2.0
/*
 * ktixctl monitor: print the module's notifications as they arrive.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ktix_nl.h"
#include "ktixctl.h"

static const char *ring_event_name(uint32_t ev)
{
#define KTIX_RING_EV_NAME(value, name)	[KTIX_RING_EV_##value] = name,
	static const char *const names[__KTIX_RING_EV_LAST] = {
#include <ktix/tables.h>
	};

	return ev < __KTIX_RING_EV_LAST && names[ev] ? names[ev] : "unknown";
}

static const char *revoke_event_name(uint32_t ev)
{
#define KTIX_REVOKE_EV_NAME(value, name)	[KTIX_REVOKE_EV_##value] = name,
	static const char *const names[__KTIX_REVOKE_EV_LAST] = {
#include <ktix/tables.h>
	};

	return ev < __KTIX_REVOKE_EV_LAST && names[ev] ? names[ev] : "unknown";
}

static void print_event(const struct ktix_event *e)
{
	bool ring = e->cmd == KTIX_CMD_RING_NOTIFY;
	const char *group = ring ? "ring" : "revoke";
	const char *name = ring ? ring_event_name(e->event) :
			   revoke_event_name(e->event);

	if (json) {
		printf("{\"group\":\"%s\",\"event\":\"%s\",\"generation\":%" PRIu64,
		       group, name, e->generation);
		if (e->has_handle) {
			printf(",\"handle\":\"");
			print_hex(e->handle, sizeof(e->handle));
			printf("\",\"until\":%" PRIu64, e->until);
		}
		printf("}\n");
		return;
	}
	printf("%s %s generation %" PRIu64, group, name, e->generation);
	if (e->has_handle) {
		printf(" handle ");
		print_hex(e->handle, sizeof(e->handle));
		printf(" until ");
		print_time(e->until, 0);
	}
	printf("\n");
}

int monitor_main(int argc, char **argv)
{
	struct ktix_event e;
	struct ktix_nl *nl;
	int err;

	if (argc > 1) {
		if (is_help(argv[1])) {
			printf("Usage: %s [-j] monitor\n\n"
			       "Print every change of this network namespace's key ring\n"
			       "(multicast group \"%s\") and revocation set (group \"%s\")\n"
			       "as the module announces it, one line each:\n"
			       "  ring EVENT generation N\n"
			       "  revoke EVENT generation N [handle HEX until TIME]\n"
			       "A ring EVENT is add, del, rotate or expire; a revoke EVENT is\n"
			       "add or expire.  The revocation group carries session\n"
			       "handles and needs CAP_NET_ADMIN: without it, only the ring\n"
			       "is followed (a note on standard error says so).  When the\n"
			       "kernel drops notifications, a 'lost' line says so: re-read\n"
			       "the state.  With -j, one JSON object a line.  Runs until\n"
			       "interrupted.\n",
			       prog, KTIX_MCGRP_RING, KTIX_MCGRP_REVOKE);
			return 0;
		}
		fprintf(stderr, "%s: monitor takes no arguments; see '%s help monitor'\n",
			prog, prog);
		return 1;
	}

	nl = ctl_open();
	if (!nl)
		return 1;
	err = ktix_nl_subscribe(nl, KTIX_MCGRP_RING);
	if (!err) {
		err = ktix_nl_subscribe(nl, KTIX_MCGRP_REVOKE);
		if (err == -EPERM) {
			fprintf(stderr, "%s: monitor: the revocation group needs CAP_NET_ADMIN; following the ring only\n",
				prog);
			err = 0;
		}
	}
	if (err) {
		ctl_error(nl, "monitor", err);
		ktix_nl_close(nl);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		err = ktix_nl_next_event(nl, -1, &e);
		if (err == -ENOBUFS) {
			/* Notifications were dropped: the reader must re-read. */
			if (json)
				printf("{\"event\":\"lost\"}\n");
			else
				printf("lost: notifications dropped, re-read the state\n");
			continue;
		}
		if (err)
			break;
		print_event(&e);
	}
	ctl_error(nl, "monitor", err);
	ktix_nl_close(nl);
	return 1;
}
