// SPDX-License-Identifier: GPL-2.0
/*
 * ktix_revtool: revocation under load, for ktix_revoke.sh in the test VM.
 *
 *   ktix_revtool stream SOCK_A SOCK_B SESSIONS REVOKERS
 *	Makes SESSIONS sessions through the ktixd at SOCK_A (TLS 1.3 PSK,
 *	TLS 1.2 ticket and TLS 1.2 session ID in turn), each seen resuming
 *	through the ktixd at SOCK_B with the same handle.  Then, while
 *	REVOKERS processes revoke random handles as fast as they can (half
 *	through the ktixds with ktix_revoke(), half straight to the module)
 *	and one more process resumes the sessions not yet revoked, it logs
 *	each session out with ktix_revoke() through A and, the moment that
 *	returns, offers the session to B and to A: neither may resume it.
 *	Prints what it measured; exits 1 on any violation.
 *   ktix_revtool flood COUNT
 *	COUNT revocations of random handles, straight to the module.
 *   ktix_revtool revoke SOCK HANDLE
 *	One ktix_revoke() through the ktixd at SOCK; prints its answer.
 *
 * The client is OpenSSL on one end of a loopback TCP pair, ktixd's
 * server the other end, handed over with ktix_handshake(), as a server
 * would.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "ktix.h"
#include "ktix_nl.h"
#include "lib/tls_pair.h"

enum kind { PSK, TICKET, SESSION_ID, N_KINDS };

static const char *const kind_names[] = { "psk", "ticket", "session_id" };
static const uint32_t kind_resumed[] = {
	KTIX_RESUMED_PSK, KTIX_RESUMED_TICKET, KTIX_RESUMED_SESSION_ID,
};

struct sess {
	enum kind kind;
	SSL_SESSION *s;
	uint8_t handle[16];
	atomic_bool revoked;
};

static SSL_CTX *cctx[N_KINDS];

struct client_run {
	int fd;
	SSL_CTX *ctx;
	SSL_SESSION *in;
	SSL_SESSION *out;
	int ok;
};

/* The client: a handshake, then the server's "ok" (after TLS 1.3 tickets). */
static void *client(void *arg)
{
	struct client_run *c = arg;
	SSL *ssl = SSL_new(c->ctx);
	char buf[2];

	c->ok = 0;
	if (!ssl)
		return NULL;
	SSL_set_fd(ssl, c->fd);
	if (c->in)
		SSL_set_session(ssl, c->in);
	if (SSL_connect(ssl) == 1 && SSL_read(ssl, buf, 2) == 2) {
		c->out = SSL_get1_session(ssl);
		c->ok = 1;
	}
	SSL_shutdown(ssl);
	SSL_free(ssl);
	return NULL;
}

/* One connection through @cl: 0 and @res, or -1. */
static int connect_once(struct ktix_client *cl, enum kind k, SSL_SESSION *in,
			SSL_SESSION **out, struct ktix_result *res)
{
	struct client_run c = { .ctx = cctx[k], .in = in };
	pthread_t t;
	int s, err;

	if (tls_pair_tcp(&c.fd, &s))
		return -1;
	if (pthread_create(&t, NULL, client, &c)) {
		close(c.fd);
		close(s);
		return -1;
	}
	err = ktix_handshake(cl, s, NULL, res);
	if (!err && send(s, "ok", 2, MSG_NOSIGNAL) != 2)
		err = -1;
	if (err)
		shutdown(s, SHUT_RDWR);	/* the client must not wait */
	pthread_join(t, NULL);
	close(s);
	close(c.fd);
	if (err || !c.ok) {
		fprintf(stderr, "connection (%s): %s\n", kind_names[k],
			err ? res->error : "the client failed");
		SSL_SESSION_free(c.out);
		return -1;
	}
	if (out)
		*out = c.out;
	else
		SSL_SESSION_free(c.out);
	return 0;
}

static int open_client(const char *path, struct ktix_client **cl)
{
	int err = ktix_client_open(path, cl);

	if (err)
		fprintf(stderr, "%s: %s\n", path, strerror(-err));
	return err;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int contexts(void)
{
	int k;

	for (k = 0; k < N_KINDS; k++) {
		cctx[k] = SSL_CTX_new(TLS_client_method());
		if (!cctx[k])
			return -1;
		SSL_CTX_set_session_cache_mode(cctx[k], SSL_SESS_CACHE_CLIENT);
		SSL_CTX_set_min_proto_version(cctx[k], k == PSK ?
					      TLS1_3_VERSION : TLS1_2_VERSION);
		SSL_CTX_set_max_proto_version(cctx[k], k == PSK ?
					      TLS1_3_VERSION : TLS1_2_VERSION);
		if (k == SESSION_ID)
			SSL_CTX_set_options(cctx[k], SSL_OP_NO_TICKET);
	}
	return 0;
}

/* Revocations of random handles until SIGTERM; *count says how many. */
static void revoker(int i, const char *sock_a, const char *sock_b,
		    atomic_ulong *count)
{
	struct ktix_client *cl = NULL;
	struct ktix_result res;
	struct ktix_nl *nl = NULL;
	uint8_t h[16];
	int err;

	signal(SIGTERM, SIG_DFL);
	if (i % 2 ? ktix_nl_open(&nl) :
	    open_client(i % 4 ? sock_b : sock_a, &cl))
		_exit(2);
	for (;;) {
		uint64_t until = (uint64_t)time(NULL) + 300;

		RAND_bytes(h, sizeof(h));
		err = nl ? ktix_nl_revoke_add(nl, h, until, NULL) :
		      ktix_revoke(cl, h, until, &res);
		if (err) {
			fprintf(stderr, "revoker %d: %s\n", i, strerror(-err));
			_exit(3);
		}
		atomic_fetch_add(count, 1);
	}
}

/* Resumes the sessions not yet revoked, through B, until SIGTERM. */
static void resumer(const char *sock_b, struct sess *s, int n,
		    atomic_ulong *count, atomic_ulong *bad)
{
	struct ktix_client *cl;
	struct ktix_result res;
	int i = 0;

	signal(SIGTERM, SIG_DFL);
	if (open_client(sock_b, &cl))
		_exit(2);
	for (;; i = (i + 1) % n) {
		if (atomic_load(&s[i].revoked))
			continue;
		if (connect_once(cl, s[i].kind, s[i].s, NULL, &res))
			atomic_fetch_add(bad, 1);
		else
			atomic_fetch_add(count, 1);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Offers @s through @cl: 1 if it resumed, 0 if not, -1 on failure. */
static int resumes(struct ktix_client *cl, struct sess *s,
		   struct ktix_result *res)
{
	if (connect_once(cl, s->kind, s->s, NULL, res))
		return -1;
	return res->resumed != KTIX_RESUMED_NONE;
}

static int stream(const char *sock_a, const char *sock_b, int n, int k)
{
	struct ktix_client *a, *b;
	struct ktix_result res;
	struct sess *s;
	atomic_ulong *shared;	/* revocations, resumptions, failures */
	double *lat, t0;
	pid_t *pids;
	int i, violations = 0, tries, err = 1;

	s = mmap(NULL, n * sizeof(*s), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	shared = mmap(NULL, 3 * sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	lat = calloc(n, sizeof(*lat));
	pids = calloc(k + 1, sizeof(*pids));
	if (s == MAP_FAILED || shared == MAP_FAILED || !lat || !pids ||
	    contexts() || open_client(sock_a, &a) || open_client(sock_b, &b))
		return 1;

	/* Sessions from A, each resuming on B with its own handle. */
	for (i = 0; i < n; i++) {
		s[i].kind = i % N_KINDS;
		if (connect_once(a, s[i].kind, NULL, &s[i].s, &res))
			return 1;
		if (res.resumed != KTIX_RESUMED_NONE ||
		    !(res.flags & KTIX_RES_F_HANDLE)) {
			fprintf(stderr, "session %d: not a full handshake with a handle\n", i);
			return 1;
		}
		memcpy(s[i].handle, res.handle, 16);
		if (connect_once(b, s[i].kind, s[i].s, NULL, &res))
			return 1;
		if (res.resumed != kind_resumed[s[i].kind] ||
		    !(res.flags & KTIX_RES_F_HANDLE) ||
		    memcmp(res.handle, s[i].handle, 16)) {
			fprintf(stderr, "session %d (%s): resumed %s on B, handle %s\n",
				i, kind_names[s[i].kind],
				ktix_resumed_name(res.resumed),
				memcmp(res.handle, s[i].handle, 16) ?
				"another" : "the same");
			return 1;
		}
	}
	printf("%d sessions made through A, each resumed through B with its handle\n",
	       n);

	for (i = 0; i < k; i++) {
		pids[i] = fork();
		if (!pids[i])
			revoker(i, sock_a, sock_b, &shared[0]);
	}
	pids[k] = fork();
	if (!pids[k])
		resumer(sock_b, s, n, &shared[1], &shared[2]);
	sleep(1);		/* the stream is flowing */

	for (i = 0; i < n; i++) {
		err = ktix_revoke(a, s[i].handle, 0, &res);
		t0 = now_ms();
		atomic_store(&s[i].revoked, true);
		if (err) {
			fprintf(stderr, "ktix_revoke: %s\n", res.error);
			goto out;
		}
		for (tries = 0; tries < 2; tries++) {
			struct ktix_client *cl = tries ? a : b;

			switch (resumes(cl, &s[i], &res)) {
			case 1:
				fprintf(stderr, "session %d (%s) RESUMED through %c after its revocation was acknowledged\n",
					i, kind_names[s[i].kind], tries ? 'A' : 'B');
				violations++;
				break;
			case -1:
				err = 1;
				goto out;
			}
			if (!tries)
				lat[i] = now_ms() - t0;
		}
	}
	err = violations ? 1 : 0;
out:
	for (i = 0; i <= k; i++) {
		int st;

		kill(pids[i], SIGTERM);
		waitpid(pids[i], &st, 0);
		if (!WIFSIGNALED(st)) {
			fprintf(stderr, "process %d ended on its own (%d)\n", i,
				WEXITSTATUS(st));
			err = 1;
		}
	}
	qsort(lat, n, sizeof(*lat), cmp_double);
	printf("revoked %d sessions through A; %d resumed afterwards through B or A\n",
	       n, violations);
	printf("meanwhile %d processes made %lu other revocations; %lu resumptions through B succeeded, %lu failed\n",
	       k, atomic_load(&shared[0]), atomic_load(&shared[1]),
	       atomic_load(&shared[2]));
	printf("from ktix_revoke()'s answer to B's refusal (a whole handshake): p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
	       lat[n / 2], lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1],
	       lat[n - 1]);
	if (atomic_load(&shared[2]) || !atomic_load(&shared[0]) ||
	    !atomic_load(&shared[1]))
		err = 1;
	return err;
}

static int flood(long count)
{
	uint64_t until = (uint64_t)time(NULL) + 300;
	struct ktix_nl *nl;
	uint8_t h[16];
	long i;
	int err = ktix_nl_open(&nl);

	for (i = 0; i < count && !err; i++) {
		RAND_bytes(h, sizeof(h));
		err = ktix_nl_revoke_add(nl, h, until, NULL);
	}
	if (err)
		fprintf(stderr, "flood: %s: %s\n", strerror(-err),
			nl ? ktix_nl_errmsg(nl) : "");
	ktix_nl_close(nl);
	return err ? 1 : 0;
}

static int revoke_one(const char *sock, const char *hex)
{
	struct ktix_client *cl;
	struct ktix_result res;
	uint8_t h[16];
	size_t len = 0;
	int err;

	if (!OPENSSL_hexstr2buf_ex(h, sizeof(h), &len, hex, '\0') ||
	    len != sizeof(h))
		return 2;
	if (open_client(sock, &cl))
		return 1;
	err = ktix_revoke(cl, h, 0, &res);
	printf("ktix_revoke: %d (%s)%s%s\n", err, err ? strerror(-err) : "ok",
	       err ? ": " : "", err ? res.error : "");
	ktix_client_close(cl);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 6 && !strcmp(argv[1], "stream"))
		return stream(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
	if (argc == 3 && !strcmp(argv[1], "flood"))
		return flood(atol(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "revoke"))
		return revoke_one(argv[2], argv[3]);
	fprintf(stderr, "usage: ktix_revtool stream SOCK_A SOCK_B SESSIONS REVOKERS\n"
		"       ktix_revtool flood COUNT\n"
		"       ktix_revtool revoke SOCK HANDLE\n");
	return 2;
}
