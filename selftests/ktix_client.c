// SPDX-License-Identifier: GPL-2.0
/*
 * ktix_client: libktix's blocking ktix_handshake() against a running
 * ktixd, with an OpenSSL client on the other end of a loopback TCP pair.
 * Run by ktix_e2e.sh with KTIX_SOCK set.  And against a fake ktixd that
 * never answers or hangs up: an error, never a hang.  And the peer's TLS
 * 1.3 KeyUpdate, followed through ktixd where the kernel's kTLS takes new
 * keys, refused with a close_notify where it does not, and sealed secrets
 * that open for their own socket only.  And a client whose records come
 * cut, the rest with its request: ktixd reads no further than its Finished.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
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

/*
 * A client whose records come in pieces: a relay between it and the TCP
 * socket sends the first 3 bytes of whatever the client writes, pauses,
 * then the rest together with whatever the client wrote meanwhile (its
 * request, after its Finished).  So ktixd reads records cut inside their
 * header, and the rest of a record arrives with the application data
 * that follows: what ktixd reads must still end exactly at the client's
 * Finished, the request is kTLS's.
 */
struct dribble {
	int tcp, app;		/* the TCP socket; the relay's end for the client */
	volatile bool stop;
};

static void *dribble_main(void *arg)
{
	struct dribble *d = arg;
	struct pollfd p[2] = {
		{ .fd = d->app, .events = POLLIN },
		{ .fd = d->tcp, .events = POLLIN },
	};
	char buf[16384];
	ssize_t n, more;

	while (!d->stop && poll(p, 2, 100) >= 0) {
		if (p[0].revents & (POLLIN | POLLHUP)) {
			n = read(d->app, buf, sizeof(buf));
			if (n <= 0)
				break;
			if (n > 3) {
				if (send(d->tcp, buf, 3, MSG_NOSIGNAL) != 3)
					break;
				usleep(20000);
				more = recv(d->app, buf + n, sizeof(buf) - (size_t)n,
					    MSG_DONTWAIT);
				if (more > 0)
					n += more;
				if (send(d->tcp, buf + 3, (size_t)n - 3,
					 MSG_NOSIGNAL) != n - 3)
					break;
			} else if (send(d->tcp, buf, (size_t)n, MSG_NOSIGNAL) != n) {
				break;
			}
		}
		if (p[1].revents & (POLLIN | POLLHUP)) {
			n = read(d->tcp, buf, sizeof(buf));
			if (n <= 0 || write(d->app, buf, (size_t)n) != n)
				break;
		}
	}
	return NULL;
}

struct dribble_client {
	int fd, version;
	SSL_SESSION *sess;	/* offered if set; the new one kept */
	int rc;
};

static void *dribble_client_main(void *arg)
{
	struct dribble_client *c = arg;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;
	char got[4];

	c->rc = -1;
	if (!ssl)
		goto out;
	SSL_set_min_proto_version(ssl, c->version);
	SSL_set_max_proto_version(ssl, c->version);
	SSL_set_fd(ssl, c->fd);
	if (c->sess)
		SSL_set_session(ssl, c->sess);
	if (SSL_connect(ssl) != 1 || SSL_write(ssl, "ping", 4) != 4 ||
	    SSL_read(ssl, got, 4) != 4 || memcmp(got, "pong", 4))
		goto out;
	SSL_SESSION_free(c->sess);
	c->sess = SSL_get1_session(ssl);
	/* Freed unshut, OpenSSL would mark the session not resumable. */
	SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	c->rc = 0;
out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return NULL;
}

/* One dribbled handshake through ktixd: its kind, or -1. */
static int dribbled(struct __test_metadata *_metadata, struct ktix_client *cl,
		    struct dribble_client *c)
{
	struct dribble d = { 0 };
	struct ktix_result res;
	pthread_t tc, td;
	int one = 1, s, pair[2];
	char buf[8];

	ASSERT_EQ(0, tls_pair_tcp(&d.tcp, &s));
	setsockopt(d.tcp, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, pair));
	d.app = pair[0];
	c->fd = pair[1];
	ASSERT_EQ(0, pthread_create(&td, NULL, dribble_main, &d));
	ASSERT_EQ(0, pthread_create(&tc, NULL, dribble_client_main, c));
	EXPECT_EQ(0, ktix_handshake(cl, s, NULL, &res))
		TH_LOG("ktixd said: %s", res.error);
	if (!res.status) {
		/* The request, after the Finished, came to kTLS whole. */
		EXPECT_EQ(4, ktix_ktls_recv(s, buf, sizeof(buf), 0));
		EXPECT_EQ(0, memcmp(buf, "ping", 4));
		EXPECT_EQ(4, send(s, "pong", 4, 0));
	}
	pthread_join(tc, NULL);
	d.stop = true;
	pthread_join(td, NULL);
	EXPECT_EQ(0, c->rc);
	ktix_ktls_close(s);
	close(d.tcp);
	close(pair[0]);
	close(pair[1]);
	return res.status ? -1 : (int)res.resumed;
}

TEST_F(hs, records_in_pieces)
{
	struct dribble_client c = { .version = variant->version };

	EXPECT_EQ(KTIX_RESUMED_NONE, dribbled(_metadata, self->cl, &c));
	ASSERT_NE(NULL, c.sess);
	/* Resumed: TLS 1.2's last flight is read by its known size. */
	EXPECT_EQ(variant->version == TLS1_3_VERSION ? KTIX_RESUMED_PSK :
		  KTIX_RESUMED_TICKET, dribbled(_metadata, self->cl, &c));
	SSL_SESSION_free(c.sess);
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

/*
 * A client that updates its keys after the first exchange: "ping",
 * "pong", its KeyUpdate (asking for ours with @requested), "after", then
 * what the server says: "reply" (the update was followed) or the end of
 * the stream (got stays empty, closed is set).
 */
struct updater {
	int fd;
	bool requested;
	char got[16];
	bool closed;		/* a close_notify came */
	int rc;
};

static void *updater_main(void *arg)
{
	struct updater *u = arg;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;
	char buf[8];
	int n;

	u->rc = -1;
	if (!ssl)
		goto out;
	SSL_set_min_proto_version(ssl, TLS1_3_VERSION);
	SSL_set_fd(ssl, u->fd);
	if (SSL_connect(ssl) != 1 || SSL_write(ssl, "ping", 4) != 4 ||
	    SSL_read(ssl, buf, 4) != 4 ||
	    SSL_key_update(ssl, u->requested ? SSL_KEY_UPDATE_REQUESTED :
			   SSL_KEY_UPDATE_NOT_REQUESTED) != 1 ||
	    SSL_write(ssl, "after", 5) != 5)
		goto out;
	n = SSL_read(ssl, u->got, 5);
	if (n <= 0)
		u->closed = SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN;
	u->rc = 0;
out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return NULL;
}

/*
 * The whole exchange: where the kernel can, the data after the KeyUpdate
 * is read under the client's next keys, and the answer (after ktixd's own
 * KeyUpdate when asked) reaches the client; where it cannot, ktixd says
 * so and the client reads a close_notify.
 */
/* One exchange of TEST_F(hs, key_update_followed_where_the_kernel_can). */
static void key_update_once(struct __test_metadata *_metadata,
			    struct ktix_client *cl, int can, bool asks)
{
	struct ktix_options opt = { .flags = KTIX_OPT_F_KEY_UPDATE };
	struct updater u = { .requested = asks };
	struct ktix_result res, r2;
	bool requested = !asks;
	pthread_t t;
	char buf[8];
	int s;

	ASSERT_EQ(0, tls_pair_tcp(&u.fd, &s));
	ASSERT_EQ(0, pthread_create(&t, NULL, updater_main, &u));
	ASSERT_EQ(0, ktix_handshake(cl, s, &opt, &res))
		TH_LOG("ktixd said: %s", res.error);
	ASSERT_TRUE(res.flags & KTIX_RES_F_SECRETS);
	ASSERT_EQ(4, ktix_ktls_recv_update(s, buf, sizeof(buf), 0, &requested));
	ASSERT_EQ(4, send(s, "pong", 4, 0));
	ASSERT_EQ(-EKEYEXPIRED, ktix_ktls_recv_update(s, buf, sizeof(buf), 0,
						      &requested));
	EXPECT_EQ(asks, requested);
	if (!can) {
		EXPECT_EQ(-EOPNOTSUPP, ktix_key_update(cl, s, res.secrets,
						       requested, &r2));
		EXPECT_NE(NULL, strstr(r2.error, "6.14")) TH_LOG("%s", r2.error);
		EXPECT_FALSE(r2.flags & KTIX_RES_F_SECRETS);
		pthread_join(t, NULL);
		EXPECT_EQ(0, u.rc);
		EXPECT_TRUE(u.closed);	/* a close_notify, not garbage */
		close(u.fd);
		ktix_ktls_abort(s, 2000);
		return;
	}
	ASSERT_EQ(0, ktix_key_update(cl, s, res.secrets, requested, &r2))
		TH_LOG("ktixd said: %s", r2.error);
	ASSERT_TRUE(r2.flags & KTIX_RES_F_SECRETS);
	EXPECT_NE(0, memcmp(res.secrets, r2.secrets, sizeof(r2.secrets)));
	ASSERT_EQ(5, ktix_ktls_recv_update(s, buf, sizeof(buf), 0, &requested));
	EXPECT_EQ(0, memcmp(buf, "after", 5));
	ASSERT_EQ(5, send(s, "reply", 5, 0));
	pthread_join(t, NULL);
	EXPECT_EQ(0, u.rc);
	EXPECT_EQ(0, memcmp(u.got, "reply", 5));
	EXPECT_EQ(0, ktix_ktls_close(s));
	close(u.fd);
}

/*
 * The whole exchange, the client asking for ktixd's KeyUpdate or not:
 * where the kernel can, the data after the KeyUpdate is read under the
 * client's next keys, and the answer (after ktixd's own KeyUpdate when
 * asked) reaches the client; where it cannot, ktixd says so and the
 * client reads a close_notify.
 */
TEST_F(hs, key_update_followed_where_the_kernel_can)
{
	int can = ktix_ktls_can_rekey();

	if (variant->version != TLS1_3_VERSION)
		SKIP(return, "KeyUpdate is TLS 1.3's");
	ASSERT_LE(0, can);
	key_update_once(_metadata, self->cl, can, false);
	key_update_once(_metadata, self->cl, can, true);
}

/* A TLS 1.3 connection through ktixd with sealed secrets: its sockets. */
static void sealed_conn(struct __test_metadata *_metadata,
			struct ktix_client *cl, int *c, int *s,
			struct ktix_result *res, pthread_t *t, struct peer *p)
{
	struct ktix_options opt = { .flags = KTIX_OPT_F_KEY_UPDATE };

	p->version = TLS1_3_VERSION;
	ASSERT_EQ(0, tls_pair_tcp(c, s));
	p->fd = *c;
	ASSERT_EQ(0, pthread_create(t, NULL, client, p));
	ASSERT_EQ(0, ktix_handshake(cl, *s, &opt, res))
		TH_LOG("ktixd said: %s", res->error);
	ASSERT_TRUE(res->flags & KTIX_RES_F_SECRETS);
}

/*
 * Sealed secrets open for the socket they were made for only: another
 * connection's, altered ones, zeros, and a socket that is not on kTLS are
 * refused (-EBADMSG) before anything is done with the socket, on every
 * kernel.
 */
TEST(sealed_secrets_open_for_their_socket_only)
{
	const char *path = getenv("KTIX_SOCK");
	struct ktix_result a, b, r;
	struct ktix_client *cl;
	struct peer pa, pb;
	uint8_t bad[KTIX_SECRETS_LEN];
	pthread_t ta, tb;
	int ca, sa, cb, sb, c, s;
	char buf[8];

	if (!path)
		SKIP(return, "KTIX_SOCK names no ktixd socket");
	ASSERT_EQ(0, ktix_client_open(path, &cl));
	memset(&pa, 0, sizeof(pa));
	memset(&pb, 0, sizeof(pb));
	sealed_conn(_metadata, cl, &ca, &sa, &a, &ta, &pa);
	sealed_conn(_metadata, cl, &cb, &sb, &b, &tb, &pb);
	EXPECT_NE(0, memcmp(a.secrets, b.secrets, sizeof(a.secrets)));
	/* Another socket's. */
	EXPECT_EQ(-EBADMSG, ktix_key_update(cl, sb, a.secrets, false, &r));
	EXPECT_NE(NULL, strstr(r.error, "do not open")) TH_LOG("%s", r.error);
	/* Altered: each part, the nonce, the sealed bytes, the tag. */
	memcpy(bad, a.secrets, sizeof(bad));
	bad[0] ^= 1;
	EXPECT_EQ(-EBADMSG, ktix_key_update(cl, sa, bad, false, &r));
	memcpy(bad, a.secrets, sizeof(bad));
	bad[40] ^= 0x80;
	EXPECT_EQ(-EBADMSG, ktix_key_update(cl, sa, bad, false, &r));
	memcpy(bad, a.secrets, sizeof(bad));
	bad[KTIX_SECRETS_LEN - 1] ^= 1;
	EXPECT_EQ(-EBADMSG, ktix_key_update(cl, sa, bad, false, &r));
	memset(bad, 0, sizeof(bad));
	EXPECT_EQ(-EBADMSG, ktix_key_update(cl, sa, bad, false, &r));
	/* A plain TCP socket: refused, and nothing written to it. */
	ASSERT_EQ(0, tls_pair_tcp(&c, &s));
	EXPECT_EQ(-EBADMSG, ktix_key_update(cl, s, a.secrets, false, &r));
	EXPECT_EQ(-1, recv(c, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-EBADF, ktix_key_update(cl, -1, a.secrets, false, &r));
	close(c);
	close(s);
	/* The connections themselves: still theirs to end. */
	shutdown(sa, SHUT_RDWR);
	shutdown(sb, SHUT_RDWR);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	close(sa);
	close(sb);
	close(ca);
	close(cb);
	ktix_client_close(cl);
}

/* TLS 1.2 has no KeyUpdate: no secrets come back, and nothing fails. */
TEST_F(hs, secrets_for_tls13_only)
{
	struct ktix_options opt = { .flags = KTIX_OPT_F_KEY_UPDATE };
	struct peer p = { .version = variant->version };
	struct ktix_result res;
	pthread_t t;
	char buf[8];
	int s;

	ASSERT_EQ(0, tls_pair_tcp(&p.fd, &s));
	ASSERT_EQ(0, pthread_create(&t, NULL, client, &p));
	ASSERT_EQ(0, ktix_handshake(self->cl, s, &opt, &res))
		TH_LOG("ktixd said: %s", res.error);
	EXPECT_EQ(variant->version == TLS1_3_VERSION,
		  !!(res.flags & KTIX_RES_F_SECRETS));
	ASSERT_EQ(4, ktix_ktls_recv(s, buf, sizeof(buf), 0));
	ASSERT_EQ(4, send(s, "pong", 4, 0));
	pthread_join(t, NULL);
	EXPECT_EQ(0, p.rc);
	EXPECT_EQ(0, ktix_ktls_close(s));
	close(p.fd);
	/* Unknown option flags are the caller's mistake. */
	opt.flags = 1u << 7;
	EXPECT_EQ(-EINVAL, ktix_handshake(self->cl, s, &opt, &res));
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
