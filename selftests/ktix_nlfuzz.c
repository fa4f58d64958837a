// SPDX-License-Identifier: GPL-2.0
/*
 * ktix_nlfuzz: a structure-aware fuzzer of the "ktix" generic netlink
 * family, run in the test VM as root with ktix.ko loaded.
 *
 *   ktix_nlfuzz [-n MESSAGES] [-s SECONDS] [-S SEED]
 *
 * Three processes at once, each on raw netlink sockets it builds every
 * message for by hand: root in the VM's namespace; nobody (uid 65534) in
 * the same namespace; and root of a new user and network namespace of its
 * own (an administrator there, nobody here).  Each sends commands of the
 * family (and numbers beyond it) with random flags (a request or not, an
 * ACK or not, a dump or not), attributes of the schema below with values
 * at and beyond their bounds, wrong lengths, truncated, duplicated,
 * unknown and wrongly nested attributes, and random bytes; abandons dumps
 * part way by closing its socket; and, interleaved, makes valid changes
 * (keys, rotations, sessions, revocations, policies) so that the handlers
 * run deep.  OFFLOAD is aimed at descriptors of every kind: a connected
 * TCP socket, a listening one, one never connected, UDP, a pipe, a TCP
 * socket that already has the "tls" ULP, and numbers that are none.
 *
 * It checks, for every reply: that nobody's admin commands never succeed
 * (an ACK with error 0), and that no reply to nobody carries key material
 * (KTIX_KEY_A_AES_KEY, _HMAC_KEY) or a session (KTIX_SESS_A_DATA), or a
 * session ID or handle at all.  The kernel's WARN, BUG and KASAN reports
 * fail the run through the VM runner.  It prints KTAP: one test a
 * process, with its messages and the errnos it got.  It stops after
 * MESSAGES in all (default 30000) or SECONDS (default 50), which first.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tls.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include <linux/ktix.h>

#include "lib/tls_pair.h"

enum kind { U8, U16, U32, U64, BIN, NEST, FLAG, STR };

struct aspec {
	int type;
	enum kind kind;
	int min, max;			/* BIN: lengths; numbers: values */
	const struct aspec *nest;
	int n_nest;
};

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define A(t, k, lo, hi) { .type = (t), .kind = (k), .min = (lo), .max = (hi) }
#define NEST_OF(t, specs) \
	{ .type = (t), .kind = NEST, .nest = (specs), .n_nest = N(specs) }

static const struct aspec policy_attrs[] = {
	A(KTIX_POLICY_A_ROTATE_INTERVAL, U32, 0, 604800),
	A(KTIX_POLICY_A_RETENTION, U32, 60, 1209600),
	A(KTIX_POLICY_A_TICKET_LIFETIME, U32, 60, 604800),
	A(KTIX_POLICY_A_MAX_KEYS, U32, 2, 64),
	A(KTIX_POLICY_A_CACHE_ENTRIES, U32, 1, 10000000),
	A(KTIX_POLICY_A_CACHE_BYTES, U64, 65536, 1 << 30),
	A(KTIX_POLICY_A_SESSION_LIFETIME, U32, 1, 86400),
	A(KTIX_POLICY_A_SESSION_MAX_SIZE, U32, 64, 65000),
	A(KTIX_POLICY_A_REVOKE_BYTES, U64, 1 << 20, 1 << 30),
};

static const struct aspec key_attrs[] = {
	A(KTIX_KEY_A_NAME, BIN, 16, 16),
	A(KTIX_KEY_A_STATE, U32, 1, 3),
	A(KTIX_KEY_A_AES_BITS, U32, 128, 256),
	A(KTIX_KEY_A_AES_KEY, BIN, 16, 32),
	A(KTIX_KEY_A_HMAC_KEY, BIN, 16, 32),
	A(KTIX_KEY_A_CREATED, U64, 0, 0),
	A(KTIX_KEY_A_DECRYPT_UNTIL, U64, 0, 0),
};

static const struct aspec sess_attrs[] = {
	A(KTIX_SESS_A_ID, BIN, 1, 32),
	A(KTIX_SESS_A_DATA, BIN, 1, 600),
	A(KTIX_SESS_A_LIFETIME, U32, 1, 86400),
	A(KTIX_SESS_A_SIZE, U32, 0, 0),
};

static const struct aspec revoke_attrs[] = {
	A(KTIX_REVOKE_A_HANDLE, BIN, 16, 16),
	A(KTIX_REVOKE_A_UNTIL, U64, 0, 0),
};

static const struct aspec dir_attrs[] = {
	A(KTIX_DIR_A_KEY, BIN, 16, 32),
	A(KTIX_DIR_A_IV, BIN, 8, 12),
	A(KTIX_DIR_A_SALT, BIN, 4, 4),
	A(KTIX_DIR_A_REC_SEQ, BIN, 8, 8),
};

static const struct aspec offload_attrs[] = {
	A(KTIX_OFFLOAD_A_FD, U32, 0, 0),	/* a descriptor: see fd_value() */
	A(KTIX_OFFLOAD_A_VERSION, U16, TLS_1_2_VERSION, TLS_1_3_VERSION),
	A(KTIX_OFFLOAD_A_CIPHER, U16, TLS_CIPHER_AES_GCM_128,
	  TLS_CIPHER_CHACHA20_POLY1305),
	A(KTIX_OFFLOAD_A_KIND, U32, 1, 4),
	NEST_OF(KTIX_OFFLOAD_A_TX, dir_attrs),
	NEST_OF(KTIX_OFFLOAD_A_RX, dir_attrs),
	A(KTIX_OFFLOAD_A_RX_NO_PAD, FLAG, 0, 0),
	A(KTIX_OFFLOAD_A_RESUME_MISS, U32, 1, KTIX_RESUME_MISS_MAX),
	A(KTIX_OFFLOAD_A_SEND_FIRST, BIN, 1, 64),
};

static const struct aspec top_attrs[] = {
	A(KTIX_A_VERSION, STR, 0, 0),
	A(KTIX_A_FEATURES, U64, 0, 0),
	NEST_OF(KTIX_A_POLICY, policy_attrs),
	A(KTIX_A_FLAGS, U32, 0, 3),
	A(KTIX_A_GENERATION, U64, 0, 0),
	NEST_OF(KTIX_A_KEY, key_attrs),
	A(KTIX_A_EVENT, U32, 0, 5),
	NEST_OF(KTIX_A_SESSION, sess_attrs),
	NEST_OF(KTIX_A_REVOKE, revoke_attrs),
	A(KTIX_A_STATS, NEST, 0, 0),
	NEST_OF(KTIX_A_OFFLOAD, offload_attrs),
};

/* The commands that change state, or read what identifies a session. */
static bool admin_cmd(int cmd)
{
	switch (cmd) {
	case KTIX_CMD_POLICY_SET: case KTIX_CMD_KEY_ADD: case KTIX_CMD_KEY_DEL:
	case KTIX_CMD_KEY_ROTATE: case KTIX_CMD_SESS_PUT: case KTIX_CMD_SESS_GET:
	case KTIX_CMD_SESS_DEL: case KTIX_CMD_SESS_FLUSH: case KTIX_CMD_REVOKE_ADD:
	case KTIX_CMD_REVOKE_GET: case KTIX_CMD_OFFLOAD:
		return true;
	}
	return false;
}

/* ---- randomness: xorshift, seeded per process ---- */

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned int below(unsigned int n)
{
	return n ? (unsigned int)(rnd() % n) : 0;
}

static bool chance(unsigned int percent)
{
	return below(100) < percent;
}

/* ---- descriptors for OFFLOAD ---- */

enum { FD_TCP, FD_LISTEN, FD_UNCONNECTED, FD_UDP, FD_PIPE, FD_ULP, N_FDS };

static int fds[N_FDS + 2];	/* and the other end of the TCP pair, pipe */

static void fds_close(void)
{
	int i;

	for (i = 0; i < N_FDS + 2; i++)
		if (fds[i] > 0)
			close(fds[i]);
	memset(fds, 0, sizeof(fds));
}

/* A fresh set: offloads turn the TCP socket into a kTLS one. */
static void fds_make(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int p[2], peer;

	fds_close();
	tls_pair_tcp(&fds[N_FDS], &fds[FD_TCP]);
	fds[FD_LISTEN] = socket(AF_INET, SOCK_STREAM, 0);
	bind(fds[FD_LISTEN], (struct sockaddr *)&a, sizeof(a));
	listen(fds[FD_LISTEN], 1);
	fds[FD_UNCONNECTED] = socket(AF_INET6, SOCK_STREAM, 0);
	fds[FD_UDP] = socket(AF_INET, SOCK_DGRAM, 0);
	if (!pipe(p)) {
		fds[FD_PIPE] = p[0];
		fds[N_FDS + 1] = p[1];
	}
	if (!tls_pair_tcp(&peer, &fds[FD_ULP])) {
		setsockopt(fds[FD_ULP], SOL_TCP, TCP_ULP, "tls", 3);
		close(peer);
	}
}

static uint32_t fd_value(void)
{
	if (chance(85))
		return (uint32_t)fds[below(N_FDS)];
	return chance(50) ? (uint32_t)below(1024) : (uint32_t)rnd();
}

/* ---- building a message ---- */

struct msg {
	uint8_t buf[8192];
	size_t len;
};

static void put_raw(struct msg *m, const void *p, size_t n)
{
	if (m->len + n <= sizeof(m->buf)) {
		memcpy(m->buf + m->len, p, n);
		m->len += n;
	}
}

/* An attribute header and @n bytes of @p, padded. */
static void put_attr(struct msg *m, uint16_t type, const void *p, size_t n)
{
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + n),
			    .nla_type = type };
	static const uint8_t pad[4];

	if (m->len + NLA_ALIGN(NLA_HDRLEN + n) > sizeof(m->buf))
		return;
	put_raw(m, &a, sizeof(a));
	put_raw(m, p, n);
	put_raw(m, pad, NLA_ALIGN(n) - n);
}

static uint64_t number(const struct aspec *s)
{
	static const uint64_t odd[] = {
		0, 1, 2, 0x7f, 0xff, 0xffff, 0xffffffff, 0x7fffffffffffffffull,
		0xffffffffffffffffull,
	};
	uint64_t now = (uint64_t)time(NULL);

	switch (below(6)) {
	case 0:
		return odd[below(N(odd))];
	case 1:
		return s->max ? (uint64_t)s->max + below(3) : now + below(100000);
	case 2:
		return s->min ? (uint64_t)s->min - below(2) : now - below(100);
	case 3:
		return rnd();
	default:
		if (s->max > s->min)
			return (uint64_t)s->min + below((unsigned int)(s->max - s->min + 1));
		return s->type == KTIX_KEY_A_DECRYPT_UNTIL ||
		       s->type == KTIX_REVOKE_A_UNTIL ? now + below(7200) :
		       (uint64_t)s->min;
	}
}

static void gen_nest(struct msg *m, const struct aspec *specs, int n, int depth);

static void gen_attr(struct msg *m, const struct aspec *s, int depth)
{
	uint8_t data[700];
	size_t len, i;
	uint64_t v;
	uint16_t type = (uint16_t)s->type;

	if (chance(3))
		type = (uint16_t)(s->type + 20 + below(4));	/* unknown */
	if (s->kind == NEST) {
		size_t start = m->len;
		struct nlattr *a;

		put_attr(m, type | (chance(90) ? NLA_F_NESTED : 0), NULL, 0);
		if (m->len == start)
			return;
		if (s->nest && depth < 3)
			gen_nest(m, s->nest, s->n_nest, depth + 1);
		a = (struct nlattr *)(m->buf + start);
		a->nla_len = (uint16_t)(m->len - start);
		if (chance(3))		/* a nest longer than what follows */
			a->nla_len += (uint16_t)(4 + below(64));
		return;
	}
	if (s->kind == FLAG) {
		memset(data, 0, 8);
		put_attr(m, type, data, chance(90) ? 0 : 1 + below(8));
		return;
	}
	if (s->kind == BIN || s->kind == STR) {
		len = s->kind == STR ? below(20) :
		      chance(80) ? (size_t)s->min + below((unsigned int)(s->max - s->min + 1)) :
		      below(sizeof(data));
		for (i = 0; i < len; i++)
			data[i] = (uint8_t)rnd();
		put_attr(m, type, data, len);
		return;
	}
	v = s->type == KTIX_OFFLOAD_A_FD ? fd_value() : number(s);
	len = s->kind == U8 ? 1 : s->kind == U16 ? 2 : s->kind == U32 ? 4 : 8;
	if (chance(4))
		len = below(10);	/* the wrong width */
	memset(data, 0, sizeof(data));
	memcpy(data, &v, len < 8 ? len : 8);
	put_attr(m, type, data, len);
}

static void gen_nest(struct msg *m, const struct aspec *specs, int n, int depth)
{
	int k = (int)below((unsigned int)n + 2), i;

	for (i = 0; i < k; i++) {
		const struct aspec *s = &specs[below((unsigned int)n)];

		gen_attr(m, s, depth);
		if (chance(5))
			gen_attr(m, s, depth);	/* duplicated */
	}
	/* Sometimes the whole of a nest's schema, for deeper paths. */
	if (chance(30))
		for (i = 0; i < n; i++)
			gen_attr(m, &specs[i], depth);
}

static void begin(struct msg *m, int family, int cmd, uint16_t flags,
		  uint32_t seq)
{
	struct nlmsghdr h = { .nlmsg_type = (uint16_t)family,
			      .nlmsg_flags = flags, .nlmsg_seq = seq };
	struct genlmsghdr g = { .cmd = (uint8_t)cmd, .version = 1 };

	m->len = 0;
	put_raw(m, &h, sizeof(h));
	put_raw(m, &g, sizeof(g));
}

static void end(struct msg *m)
{
	((struct nlmsghdr *)m->buf)->nlmsg_len = (uint32_t)m->len;
}

/* A random message: a command, flags, attributes, perhaps damaged. */
static int gen_random(struct msg *m, int family, uint32_t seq)
{
	int cmd = chance(95) ? 1 + (int)below(KTIX_CMD_MAX) : (int)below(256);
	uint16_t flags = NLM_F_REQUEST | (chance(70) ? NLM_F_ACK : 0) |
			 (chance(25) ? NLM_F_DUMP : 0);

	if (chance(3))
		flags = (uint16_t)rnd();
	begin(m, family, cmd, flags, seq);
	gen_nest(m, top_attrs, N(top_attrs), 0);
	if (chance(3) && m->len < sizeof(m->buf) - 16) {
		size_t i, n = below(16);

		for (i = 0; i < n; i++)
			m->buf[m->len++] = (uint8_t)rnd();
	}
	end(m);
	if (chance(3))		/* a header that claims more than was sent */
		((struct nlmsghdr *)m->buf)->nlmsg_len += 1 + below(64);
	return cmd;
}

/* A valid change, so that the handlers run past their checks. */
static int gen_valid(struct msg *m, int family, uint32_t seq)
{
	static const int cmds[] = {
		KTIX_CMD_KEY_ADD, KTIX_CMD_KEY_DEL, KTIX_CMD_KEY_ROTATE,
		KTIX_CMD_SESS_PUT, KTIX_CMD_SESS_DEL, KTIX_CMD_REVOKE_ADD,
		KTIX_CMD_POLICY_SET, KTIX_CMD_SESS_FLUSH, KTIX_CMD_OFFLOAD,
	};
	int cmd = cmds[below(N(cmds))];
	uint8_t name[16] = { 0x6b, (uint8_t)below(8) }, key[32], id[8];
	size_t start;
	uint32_t v;
	uint64_t u;

	memset(key, 0x5a, sizeof(key));
	memcpy(id, &seq, sizeof(seq));
	memset(id + 4, 0x33, 4);
	id[0] = (uint8_t)below(16);
	begin(m, family, cmd, NLM_F_REQUEST | NLM_F_ACK, seq);
	start = m->len;
	switch (cmd) {
	case KTIX_CMD_KEY_ADD:
	case KTIX_CMD_KEY_DEL:
		put_attr(m, KTIX_A_KEY | NLA_F_NESTED, NULL, 0);
		put_attr(m, KTIX_KEY_A_NAME, name, 16);
		if (cmd == KTIX_CMD_KEY_ADD) {
			put_attr(m, KTIX_KEY_A_AES_KEY, key, 32);
			put_attr(m, KTIX_KEY_A_HMAC_KEY, key, 16);
			v = 1 + below(3);
			put_attr(m, KTIX_KEY_A_STATE, &v, 4);
		}
		break;
	case KTIX_CMD_SESS_PUT:
	case KTIX_CMD_SESS_DEL:
		put_attr(m, KTIX_A_SESSION | NLA_F_NESTED, NULL, 0);
		put_attr(m, KTIX_SESS_A_ID, id, 1 + below(8));
		if (cmd == KTIX_CMD_SESS_PUT)
			put_attr(m, KTIX_SESS_A_DATA, key, 1 + below(32));
		break;
	case KTIX_CMD_REVOKE_ADD:
		put_attr(m, KTIX_A_REVOKE | NLA_F_NESTED, NULL, 0);
		put_attr(m, KTIX_REVOKE_A_HANDLE, key, 16);
		u = (uint64_t)time(NULL) + 60 + below(600);
		put_attr(m, KTIX_REVOKE_A_UNTIL, &u, 8);
		break;
	case KTIX_CMD_POLICY_SET:
		put_attr(m, KTIX_A_POLICY | NLA_F_NESTED, NULL, 0);
		v = chance(50) ? 0 : 1 + below(3600);
		put_attr(m, KTIX_POLICY_A_ROTATE_INTERVAL, &v, 4);
		break;
	case KTIX_CMD_OFFLOAD:
		put_attr(m, KTIX_A_OFFLOAD | NLA_F_NESTED, NULL, 0);
		v = fd_value();
		put_attr(m, KTIX_OFFLOAD_A_FD, &v, 4);
		v = chance(50) ? TLS_1_2_VERSION : TLS_1_3_VERSION;
		put_attr(m, KTIX_OFFLOAD_A_VERSION, &v, 2);
		v = TLS_CIPHER_AES_GCM_128;
		put_attr(m, KTIX_OFFLOAD_A_CIPHER, &v, 2);
		v = 1 + below(4);
		put_attr(m, KTIX_OFFLOAD_A_KIND, &v, 4);
		{
			size_t d = m->len;

			put_attr(m, KTIX_OFFLOAD_A_TX | NLA_F_NESTED, NULL, 0);
			put_attr(m, KTIX_DIR_A_KEY, key, 16);
			put_attr(m, KTIX_DIR_A_IV, key, 8);
			put_attr(m, KTIX_DIR_A_SALT, key, 4);
			put_attr(m, KTIX_DIR_A_REC_SEQ, key, 8);
			((struct nlattr *)(m->buf + d))->nla_len =
				(uint16_t)(m->len - d);
		}
		break;
	}
	if (m->len > start)
		((struct nlattr *)(m->buf + start))->nla_len =
			(uint16_t)(m->len - start);
	end(m);
	return cmd;
}

/* ---- replies ---- */

struct tally {
	unsigned long sent, replies, acks, dumps_abandoned;
	unsigned long errnos[140];
	unsigned long violations;
};

/* Whether a reply's attributes carry what nobody may read. */
static const char *forbidden(const struct nlmsghdr *h)
{
	const struct nlattr *a, *b;
	int rem, rem2;

	if (h->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return NULL;
	rem = (int)(h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN);
	for (a = (const void *)((const char *)NLMSG_DATA(h) + GENL_HDRLEN);
	     rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem;
	     rem -= NLA_ALIGN(a->nla_len),
	     a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len))) {
		int t = a->nla_type & NLA_TYPE_MASK;

		if (t == KTIX_A_SESSION)
			return "a session";
		if (t == KTIX_A_REVOKE)
			return "a session handle";
		if (t != KTIX_A_KEY)
			continue;
		rem2 = a->nla_len - NLA_HDRLEN;
		for (b = (const void *)((const char *)a + NLA_HDRLEN);
		     rem2 >= NLA_HDRLEN && b->nla_len >= NLA_HDRLEN &&
		     b->nla_len <= rem2;
		     rem2 -= NLA_ALIGN(b->nla_len),
		     b = (const void *)((const char *)b + NLA_ALIGN(b->nla_len))) {
			t = b->nla_type & NLA_TYPE_MASK;
			if (t == KTIX_KEY_A_AES_KEY || t == KTIX_KEY_A_HMAC_KEY)
				return "key material";
		}
	}
	return NULL;
}

/*
 * Everything waiting on @fd; @sent_cmd[seq % 64] says what was asked, a
 * command, or -1 for a message without NLM_F_REQUEST (which the kernel
 * acknowledges without running anything).
 */
static void drain(int fd, int family, bool nobody, const int *sent_cmd,
		  struct tally *t, int max_datagrams)
{
	static uint8_t buf[1 << 16];
	int d;

	for (d = 0; d < max_datagrams; d++) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		struct nlmsghdr *h;
		int rem = (int)n;

		if (n <= 0)
			return;
		for (h = (void *)buf; NLMSG_OK(h, rem); h = NLMSG_NEXT(h, rem)) {
			int cmd = sent_cmd[h->nlmsg_seq % 64];

			t->replies++;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				int err = -e->error;

				t->acks++;
				t->errnos[err >= 0 && err < 140 ? err : 0]++;
				if (!err && nobody && admin_cmd(cmd)) {
					printf("# VIOLATION: nobody's command %d succeeded\n",
					       cmd);
					t->violations++;
				}
			} else if (h->nlmsg_type == family && nobody) {
				const char *what = forbidden(h);

				if (what) {
					printf("# VIOLATION: a reply to nobody (command %d) carries %s\n",
					       cmd, what);
					t->violations++;
				}
			}
		}
	}
}

static int nl_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	int big = 1 << 20;

	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	return fd;
}

static int resolve(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int id = -1;

	if (sk && !genl_connect(sk))
		id = genl_ctrl_resolve(sk, KTIX_GENL_NAME);
	nl_socket_free(sk);
	return id;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

enum who { ROOT, NOBODY, USERNS };

static const char *const who_names[] = {
	"root", "nobody", "root of its own user and network namespace",
};

/*
 * nobody: uid and gid 65534 here.  Its own namespaces: nobody too, then a
 * new user namespace (whose creator holds every capability in it) and a
 * new network namespace owned by it, its loopback up.
 */
static int become(enum who w)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd;

	if (w == ROOT)
		return 0;
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		return -1;
	if (w == NOBODY)
		return 0;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr))
		return -1;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr))
		return -1;
	close(fd);
	return 0;
}

static void fuzz(enum who w, long n, double until, uint64_t seed,
		 struct tally *t)
{
	int sent_cmd[64] = { 0 }, fd, family;
	struct msg m;
	long i;

	rng = seed * 0x9e3779b97f4a7c15ull + (uint64_t)w + 1;
	if (become(w)) {
		printf("# %s: could not become it: %s\n", who_names[w],
		       strerror(errno));
		t->violations++;
		return;
	}
	family = resolve();
	fd = nl_socket();
	if (family < 0 || fd < 0) {
		printf("# %s: no ktix family\n", who_names[w]);
		t->violations++;
		return;
	}
	fds_make();
	for (i = 0; i < n && now_s() < until; i++) {
		uint32_t seq = (uint32_t)i;

		sent_cmd[seq % 64] = w != NOBODY && chance(15) ?
				     gen_valid(&m, family, seq) :
				     gen_random(&m, family, seq);
		if (!(((struct nlmsghdr *)m.buf)->nlmsg_flags & NLM_F_REQUEST))
			sent_cmd[seq % 64] = -1;
		if (send(fd, m.buf, m.len, 0) < 0 && errno == EBADF)
			break;
		t->sent++;
		if (chance(2)) {
			/* A dump read part way, then dropped with its socket. */
			drain(fd, family, w == NOBODY, sent_cmd, t, 1);
			close(fd);
			fd = nl_socket();
			t->dumps_abandoned++;
		} else {
			drain(fd, family, w == NOBODY, sent_cmd, t, 64);
		}
		if (i % 500 == 499)
			fds_make();
	}
	fds_close();
	close(fd);
}

int main(int argc, char **argv)
{
	long total = 30000;
	double seconds = 50, start;
	uint64_t seed = (uint64_t)time(NULL);
	struct tally *tallies;
	int o, w, failed = 0;
	pid_t pids[3];

	while ((o = getopt(argc, argv, "n:s:S:h")) != -1) {
		switch (o) {
		case 'n': total = atol(optarg); break;
		case 's': seconds = atof(optarg); break;
		case 'S': seed = strtoull(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: ktix_nlfuzz [-n MESSAGES] [-s SECONDS] [-S SEED]\n");
			return o == 'h' ? 0 : 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	tallies = mmap(NULL, 3 * sizeof(*tallies), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tallies == MAP_FAILED)
		return 1;
	memset(tallies, 0, 3 * sizeof(*tallies));
	printf("TAP version 13\n1..3\n# seed %llu\n", (unsigned long long)seed);
	start = now_s();
	for (w = ROOT; w <= USERNS; w++) {
		pids[w] = fork();
		if (!pids[w]) {
			fuzz(w, total / 3, start + seconds, seed, &tallies[w]);
			_exit(0);
		}
	}
	for (w = ROOT; w <= USERNS; w++) {
		struct tally *t = &tallies[w];
		int st, e;

		waitpid(pids[w], &st, 0);
		printf("# %s: %lu messages, %lu replies, %lu ACKs, %lu dumps abandoned, %.1f s\n",
		       who_names[w], t->sent, t->replies, t->acks,
		       t->dumps_abandoned, now_s() - start);
		printf("# errnos:");
		for (e = 0; e < 140; e++)
			if (t->errnos[e])
				printf(" %s %lu", e ? strerrorname_np(e) : "0",
				       t->errnos[e]);
		printf("\n");
		if (!WIFEXITED(st) || WEXITSTATUS(st) || t->violations ||
		    !t->sent) {
			printf("not ok %d %s: %lu violations%s\n", w + 1,
			       who_names[w], t->violations,
			       WIFEXITED(st) ? "" : ", died");
			failed++;
		} else {
			printf("ok %d %s\n", w + 1, who_names[w]);
		}
	}
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n",
	       3 - failed, failed);
	return failed ? 1 : 0;
}
