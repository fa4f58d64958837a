// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: a server's request to log a session out (KTIX_REQ_F_REVOKE).
 *
 * Servers have no CAP_NET_ADMIN; ktixd asks the module for them
 * (KTIX_CMD_REVOKE_ADD, on the worker's netlink socket) and puts the
 * entry in its own mirror at once, so that this ktixd refuses the session
 * from the moment the server has its answer, before the announcement
 * reaches the mirror's thread.  Other helpers refuse it once the
 * announcement reaches theirs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "ktix_nl.h"
#include "ktixd.h"

void revoke_request(const struct request *req, struct ktix_result *r)
{
	struct ktix_nl *nl = tls_thread_nl();
	struct ktix_revoke_info entry;
	int err;

	if (!nl) {
		r->status = tls_thread_nl_error();
		snprintf(r->error, sizeof(r->error),
			 "ktixd cannot reach the ktix module: %s",
			 strerror(-r->status));
		return;
	}
	err = ktix_nl_revoke_add_entry(nl, req->revoke.handle,
				       req->revoke.until, NULL, &entry);
	if (err) {
		r->status = err;
		snprintf(r->error, sizeof(r->error), "revocation refused: %s%s%s",
			 strerror(-err), *ktix_nl_errmsg(nl) ? ": " : "",
			 ktix_nl_errmsg(nl));
		log_msg(LOG_WARNING, "%s", r->error);
		return;
	}
	mirror_revoke_local(entry.handle, entry.until);
	memcpy(r->handle, entry.handle, sizeof(r->handle));
	r->flags |= KTIX_RES_F_HANDLE;
}
