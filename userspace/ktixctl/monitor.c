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

static const char *event_name(uint32_t ev)
{
	switch (ev) {
	case KTIX_RING_EV_ADD:		return "add";
	case KTIX_RING_EV_DEL:		return "del";
	case KTIX_RING_EV_ROTATE:	return "rotate";
	case KTIX_RING_EV_EXPIRE:	return "expire";
	default:			return "unknown";
	}
}

int monitor_main(int argc, char **argv)
{
	uint32_t cmd, ev;
	struct ktix_nl *nl;
	uint64_t gen;
	int err;

	if (argc > 1) {
		if (is_help(argv[1])) {
			printf("Usage: %s [-j] monitor\n\n"
			       "Print every change of this network namespace's key ring as the\n"
			       "module announces it (multicast group \"%s\"), one line each:\n"
			       "  ring EVENT generation N\n"
			       "EVENT is add, del, rotate or expire.  With -j, one JSON object a\n"
			       "line.  Runs until interrupted.\n", prog, KTIX_MCGRP_RING);
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
	if (err) {
		ctl_error(nl, "monitor", err);
		ktix_nl_close(nl);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		err = ktix_nl_next_event(nl, -1, &cmd, &ev, &gen);
		if (err == -ENOBUFS) {
			/* Notifications were dropped: the reader must re-read. */
			if (json)
				printf("{\"group\":\"ring\",\"event\":\"lost\"}\n");
			else
				printf("ring lost: notifications dropped, re-read the ring\n");
			continue;
		}
		if (err)
			break;
		if (json)
			printf("{\"group\":\"ring\",\"event\":\"%s\",\"generation\":%" PRIu64 "}\n",
			       event_name(ev), gen);
		else
			printf("ring %s generation %" PRIu64 "\n", event_name(ev), gen);
	}
	ctl_error(nl, "monitor", err);
	ktix_nl_close(nl);
	return 1;
}
