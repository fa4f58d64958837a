// SPDX-License-Identifier: GPL-2.0
/*
 * Addresses as operators write them and logs print them (ktix_net.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ktix_net.h"

int ktix_resolve_tcp(const char *spec, int passive, struct addrinfo **out,
		     char *err, size_t errlen)
{
	struct addrinfo hints = {
		.ai_socktype = SOCK_STREAM,
		.ai_flags = passive ? AI_PASSIVE : 0,
	};
	char host[256], *port;
	int gai;

	if (strlen(spec) >= sizeof(host)) {
		snprintf(err, errlen, "\"%.32s...\": too long for ADDR:PORT",
			 spec);
		return -EINVAL;
	}
	snprintf(host, sizeof(host), "%s", spec);
	port = strrchr(host, ':');
	if (!port || !port[1]) {
		snprintf(err, errlen, "\"%s\" is not ADDR:PORT", spec);
		return -EINVAL;
	}
	*port++ = '\0';
	if (host[0] == '[') {
		if (port - host < 3 || port[-2] != ']') {
			snprintf(err, errlen, "\"%s\" is not [ADDR]:PORT", spec);
			return -EINVAL;
		}
		port[-2] = '\0';
		memmove(host, host + 1, strlen(host));
	}
	if (!*host && !passive) {
		snprintf(err, errlen, "\"%s\": no address", spec);
		return -EINVAL;
	}
	gai = getaddrinfo(*host ? host : NULL, port, &hints, out);
	if (gai) {
		snprintf(err, errlen, "%s: %s", spec, gai_strerror(gai));
		return -EINVAL;
	}
	return 0;
}

int ktix_listen_tcp(const char *spec, char *err, size_t errlen)
{
	struct addrinfo *ai;
	int fd, one = 1;

	if (ktix_resolve_tcp(spec, 1, &ai, err, errlen))
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
				 sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
		snprintf(err, errlen, "%s: %s", spec, strerror(errno));
		freeaddrinfo(ai);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	freeaddrinfo(ai);
	return fd;
}

void ktix_addr_str(const struct sockaddr_storage *ss, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(out, len, "[%s]:%u", host, ntohs(a->sin6_port));
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		snprintf(out, len, "%s:%u", host, ntohs(a->sin_port));
	} else {
		snprintf(out, len, "?");
	}
}

uint64_t ktix_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int ktix_accept(int lfd, struct sockaddr_storage *ss, unsigned int open,
		unsigned int max, const char *prog)
{
	static uint64_t said;
	socklen_t sl = sizeof(*ss);
	uint64_t now;
	int fd;

	fd = accept4(lfd, (struct sockaddr *)ss, &sl,
		     SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0 || open < max)
		return fd;
	close(fd);
	/* Once a second at most: a flood must not flood the log. */
	now = ktix_now_ms();
	if (now - said >= 1000) {
		printf("%s: %u connections open (--max-conns): refusing new ones\n",
		       prog, open);
		said = now;
	}
	return -1;
}
