// SPDX-License-Identifier: GPL-2.0
/*
 * An event loop's libktix client: ktix_loop.h.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/epoll.h>

#include "ktix_loop.h"

int ktix_loop_connect(struct ktix_loop_client *lc)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = lc };
	int err = ktix_client_open(lc->path, &lc->client);

	if (err) {
		lc->client = NULL;
		return err;
	}
	if (epoll_ctl(lc->epfd, EPOLL_CTL_ADD, ktix_client_fd(lc->client),
		      &ev) < 0) {
		err = -errno;
		ktix_loop_drop(lc);
	}
	return err;
}

void ktix_loop_drop(struct ktix_loop_client *lc)
{
	if (!lc->client)
		return;
	epoll_ctl(lc->epfd, EPOLL_CTL_DEL, ktix_client_fd(lc->client), NULL);
	ktix_client_close(lc->client);
	lc->client = NULL;
}
