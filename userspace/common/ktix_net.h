/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What ktix's TCP programs (ktix-serve, ktix-proxy) share about addresses:
 * "ADDR:PORT" and "[V6ADDR]:PORT" as an operator writes them, and a peer's
 * address as their logs print it.  Built into libktix-common.a.
 */
#ifndef KTIX_NET_H
#define KTIX_NET_H

#include <stddef.h>
#include <stdint.h>
#include <netdb.h>
#include <sys/socket.h>

/* "[2001:db8::1]:65535" and its NUL */
#define KTIX_ADDRSTRLEN	56

/*
 * The addresses "ADDR:PORT" names ("[::1]:443", "127.0.0.1:80",
 * "localhost:8080"; ":443" for every address with @passive), as
 * getaddrinfo(3) gives them, for freeaddrinfo(3): 0, or -EINVAL with a
 * reason in @err.
 */
int ktix_resolve_tcp(const char *spec, int passive, struct addrinfo **out,
		     char *err, size_t errlen);
/*
 * A non-blocking listening TCP socket on "ADDR:PORT" (SO_REUSEADDR,
 * backlog 1024): the descriptor, or -1 with a reason in @err.
 */
int ktix_listen_tcp(const char *spec, char *err, size_t errlen);
/* "1.2.3.4:443" or "[::1]:443", as the logs print a peer. */
void ktix_addr_str(const struct sockaddr_storage *ss, char *out, size_t len);
/*
 * The next connection of listening socket @lfd, non-blocking from the
 * start (ktixd then has no flags to change), its peer in @ss: the
 * descriptor, or -1 when none waits or when @open connections are already
 * @max: then it is closed, and "PROG: N connections open (--max-conns):
 * refusing new ones" printed once a second at most.
 */
int ktix_accept(int lfd, struct sockaddr_storage *ss, unsigned int open,
		unsigned int max, const char *prog);
/* CLOCK_MONOTONIC_COARSE in milliseconds: the servers' deadlines. */
uint64_t ktix_now_ms(void);

#endif /* KTIX_NET_H */
