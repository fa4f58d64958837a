/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What ktix's event-loop servers (ktix-serve, ktix-proxy) share about
 * their connection to ktixd: one libktix client in the loop's epoll set,
 * connected again after ktixd went away, and the cookie that finds a
 * connection from ktixd's answer.  Built into libktix-common.a.
 */
#ifndef KTIX_LOOP_H
#define KTIX_LOOP_H

#include <stdint.h>

#include "ktix.h"

struct ktix_loop_client {
	struct ktix_client *client;	/* NULL while not connected */
	const char *path;		/* ktixd's socket; NULL: the default */
	int epfd;			/* the loop's epoll set */
};

/*
 * Connects to ktixd and adds the client's socket to the epoll set for
 * EPOLLIN, with @lc as the event's data.ptr: 0, or a negative errno with
 * @lc->client NULL.
 */
int ktix_loop_connect(struct ktix_loop_client *lc);
/* Takes the client out of the set and closes it; @lc->client is NULL. */
void ktix_loop_drop(struct ktix_loop_client *lc);

/*
 * A connection's cookie for ktixd: its descriptor, and a generation so
 * that an answer for a closed connection does not find the next one that
 * got the same descriptor.
 */
static inline uint64_t ktix_cookie(uint32_t gen, int fd)
{
	return (uint64_t)gen << 32 | (uint32_t)fd;
}

static inline int ktix_cookie_fd(uint64_t cookie)
{
	return (int)(cookie & 0xffffffff);
}

static inline uint32_t ktix_cookie_gen(uint64_t cookie)
{
	return (uint32_t)(cookie >> 32);
}

#endif /* KTIX_LOOP_H */
