// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libktix: what the running kernel's kTLS can do, asked of kTLS itself.
 *
 * A kernel's version says little: distributions backport kTLS features,
 * and kTLS may be a module not loaded yet.  So each capability is tried
 * on a throwaway connection over the loopback interface of the caller's
 * network namespace, with keys of zeros on a connection that carries no
 * data: nothing secret is made or sent.
 *
 * Rekeying: kTLS before Linux 6.14 takes a direction's keys once; setting
 * TLS_RX again fails with EBUSY (net/tls/tls_main.c,
 * do_tls_setsockopt_conf()).  From 6.14 a TLS 1.3 socket takes new keys,
 * which is what following a peer's KeyUpdate needs.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/tls.h>

#include "ktix.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif
#ifndef TCP_ULP
#define TCP_ULP 31
#endif

/* A connected pair over 127.0.0.1: *cl and *sv, or -errno. */
static int loopback_pair(int *cl, int *sv)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t alen = sizeof(a);
	int lfd, c = -1, s = -1, err = 0;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -errno;
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) < 0) {
		err = -errno;
		goto out;
	}
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) < 0) {
		err = -errno;
		goto out;
	}
	s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (s < 0)
		err = -errno;
out:
	if (err && c >= 0)
		close(c);
	close(lfd);
	if (!err) {
		*cl = c;
		*sv = s;
	}
	return err;
}

int ktix_ktls_can_rekey(void)
{
	struct tls12_crypto_info_aes_gcm_128 ci = {
		.info.version = TLS_1_3_VERSION,
		.info.cipher_type = TLS_CIPHER_AES_GCM_128,
	};
	int cl = -1, sv = -1, err;

	err = loopback_pair(&cl, &sv);
	if (err)
		return err;
	if (setsockopt(sv, SOL_TCP, TCP_ULP, "tls", sizeof("tls")) < 0 ||
	    setsockopt(sv, SOL_TLS, TLS_RX, &ci, sizeof(ci)) < 0) {
		err = -errno;
		goto out;
	}
	if (setsockopt(sv, SOL_TLS, TLS_RX, &ci, sizeof(ci)) == 0)
		err = 1;
	else
		err = errno == EBUSY ? 0 : -errno;
out:
	close(sv);
	close(cl);
	return err;
}
