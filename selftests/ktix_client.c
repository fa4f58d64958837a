// SPDX-License-Identifier: GPL-2.0
/*
 * ktix_client: libktix's blocking ktix_handshake() against a running
 * ktixd, with an OpenSSL client on the other end of a loopback TCP pair.
 * Run by ktix_e2e.sh with KTIX_SOCK set.  And against a fake ktixd that
 * never answers or hangs up: an error, never a hang.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <linux/tls.h>
#include <openssl/ssl.h>

#include "ktix.h"
#include "kselftest_harness.h"
#include "lib/tls_pair.h"

struct peer {
	int fd;
	int version;
	char got[16];
	int rc;
};

/* The client: a handshake, a request, the answer. */
static void *client(void *arg)
{
	struct peer *p = arg;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;

	p->rc = -1;
	if (!ssl)
		goto out;
	SSL_set_min_proto_version(ssl, p->version);
	SSL_set_max_proto_version(ssl, p->version);
	SSL_set_fd(ssl, p->fd);
	if (SSL_connect(ssl) != 1 || SSL_write(ssl, "ping", 4) != 4 ||
	    SSL_read(ssl, p->got, 4) != 4)
		goto out;
	p->rc = 0;
out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return NULL;
}

FIXTURE(hs) {
	struct ktix_client *cl;
};

FIXTURE_VARIANT(hs) {
	int version;
};

FIXTURE_VARIANT_ADD(hs, tls12) { .version = TLS1_2_VERSION };
FIXTURE_VARIANT_ADD(hs, tls13) { .version = TLS1_3_VERSION };

FIXTURE_SETUP(hs)
{
	const char *path = getenv("KTIX_SOCK");

	if (!path)
		SKIP(return, "KTIX_SOCK names no ktixd socket");
	ASSERT_EQ(0, ktix_client_open(path, &self->cl));
}

FIXTURE_TEARDOWN(hs)
{
	ktix_client_close(self->cl);
}

TEST_F(hs, blocking_handshake_then_ktls)
{
	struct peer p = { .version = variant->version };
	struct ktix_result res;
	pthread_t t;
	char buf[8];
	int s;

	ASSERT_EQ(0, tls_pair_tcp(&p.fd, &s));
	ASSERT_EQ(0, pthread_create(&t, NULL, client, &p));
	ASSERT_EQ(0, ktix_handshake(self->cl, s, NULL, &res))
		TH_LOG("ktixd said: %s", res.error);
	EXPECT_EQ(variant->version == TLS1_3_VERSION ? 0x0304 : 0x0303,
		  res.tls_version);
	EXPECT_EQ(KTIX_RESUMED_NONE, res.resumed);
	EXPECT_NE(0, strlen(res.cipher_name));
	/* Plaintext on our side, TLS on the wire. */
	ASSERT_EQ(4, ktix_ktls_recv(s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "ping", 4));
	ASSERT_EQ(4, send(s, "pong", 4, 0));
	pthread_join(t, NULL);
	EXPECT_EQ(0, p.rc);
	EXPECT_EQ(0, memcmp(p.got, "pong", 4));
	EXPECT_EQ(0, ktix_ktls_close(s));
	close(p.fd);
}

/* A socket that is not TCP: ktixd says so, and the client goes on. */
TEST_F(hs, refusal_is_an_answer)
{
	struct ktix_result res;
	int u = socket(AF_INET, SOCK_DGRAM, 0);

	ASSERT_LE(0, u);
	EXPECT_EQ(-EPROTOTYPE, ktix_handshake(self->cl, u, NULL, &res));
	EXPECT_EQ(-EPROTOTYPE, res.status);
	EXPECT_NE(NULL, strstr(res.error, "not a TCP socket")) TH_LOG("%s", res.error);
	close(u);
	EXPECT_EQ(-EBADF, ktix_handshake(self->cl, -1, NULL, &res));
}

/* A "ktixd" that takes connections and never answers, or hangs up. */
struct fake {
	char path[108];
	int lfd;
	pthread_t t;
	bool hang_up;
};

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	int fd = accept(f->lfd, NULL, NULL);
	char buf[256];

	if (fd >= 0 && f->hang_up) {
		/* Takes the request, then goes away without a word. */
		recv(fd, buf, sizeof(buf), 0);
		close(fd);
	} else if (fd >= 0) {
		sleep(5);
		close(fd);
	}
	return NULL;
}

static int fake_start(struct fake *f, bool hang_up)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	snprintf(f->path, sizeof(f->path), "/tmp/ktix_fake.%d.%d", getpid(),
		 hang_up);
	unlink(f->path);
	strcpy(sun.sun_path, f->path);
	f->hang_up = hang_up;
	f->lfd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    listen(f->lfd, 4))
		return -1;
	return pthread_create(&f->t, NULL, fake_main, f) ? -1 : 0;
}

static void fake_stop(struct fake *f)
{
	pthread_join(f->t, NULL);
	close(f->lfd);
	unlink(f->path);
}

TEST(silent_ktixd_times_out)
{
	struct ktix_options opt = { .timeout_ms = 300 };
	struct ktix_client *cl;
	struct ktix_result res;
	struct timespec t0, t1;
	struct fake f;
	int sv[2];
	long ms;

	ASSERT_EQ(0, fake_start(&f, false));
	ASSERT_EQ(0, ktix_client_open(f.path, &cl));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(-ETIMEDOUT, ktix_handshake(cl, sv[0], &opt, &res));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	/* timeout_ms and the 2 s margin for the crossing, not a hang. */
	EXPECT_GE(ms, 2300);
	EXPECT_LT(ms, 4500);
	EXPECT_EQ(-ETIMEDOUT, res.status);
	EXPECT_NE(NULL, strstr(res.error, "timed out"));
	ktix_client_close(cl);
	close(sv[0]);
	close(sv[1]);
	fake_stop(&f);
}

TEST(lost_ktixd_is_an_error)
{
	struct ktix_client *cl;
	struct ktix_result res;
	struct fake f;
	int sv[2];

	ASSERT_EQ(0, fake_start(&f, true));
	ASSERT_EQ(0, ktix_client_open(f.path, &cl));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EXPECT_EQ(-ECONNRESET, ktix_handshake(cl, sv[0], NULL, &res));
	ktix_client_close(cl);
	close(sv[0]);
	close(sv[1]);
	fake_stop(&f);
}

TEST_HARNESS_MAIN
