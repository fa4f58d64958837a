// SPDX-License-Identifier: GPL-2.0
/*
 * A server built outside the ktix tree against an installed libktix, the
 * way a user builds one:
 *
 *	cc -o ktix_hello ktix_hello.c $(pkg-config --cflags --libs ktix)
 *
 * ktix_hello PORT [SOCKET]: accepts one connection on 127.0.0.1:PORT,
 * has ktixd (at SOCKET, or its default) make it a TLS server, answers one
 * line over kTLS, and says how the handshake went.  With no ktixd it says
 * so and exits 2; the selftests run it both ways.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ktix.h>

int main(int argc, char **argv)
{
	static const char hello[] = "hello from an installed libktix\n";
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct ktix_client *cl;
	struct ktix_result res;
	int one = 1, lfd, fd, err;

	if (argc < 2) {
		fprintf(stderr, "usage: ktix_hello PORT [SOCKET]\n");
		return 1;
	}
	err = ktix_client_open(argc > 2 ? argv[2] : NULL, &cl);
	if (err) {
		printf("no ktixd: %s\n", strerror(-err));
		return 2;
	}
	sin.sin_port = htons((unsigned short)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) || listen(lfd, 1)) {
		perror("ktix_hello: listen");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		perror("ktix_hello: accept");
		return 1;
	}
	err = ktix_handshake(cl, fd, NULL, &res);
	if (err) {
		printf("handshake failed: %s\n", res.error);
		return 1;
	}
	printf("handshake: %s resumed=%s\n", res.cipher_name,
	       ktix_resumed_name(res.resumed));
	if (ktix_ktls_send(fd, hello, sizeof(hello) - 1, 0, res.max_record) !=
	    (ssize_t)sizeof(hello) - 1) {
		perror("ktix_hello: send");
		return 1;
	}
	ktix_ktls_close(fd);
	close(lfd);
	ktix_client_close(cl);
	return 0;
}
