// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libktix: the client of ktixd, and reading and closing a kTLS socket.
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/tls.h>

#include <linux/ktix.h>

#include "ktix.h"
#include "result.h"

/* The wire layout: a change here is a new KTIX_HELPER_VERSION. */
_Static_assert(sizeof(struct ktix_request) == 24, "struct ktix_request");
_Static_assert(sizeof(struct ktix_request_revoke) == 24,
	       "struct ktix_request_revoke");
_Static_assert(sizeof(struct ktix_request_key_update) == 144,
	       "struct ktix_request_key_update");
/* Fields are added at the end only: decoding zeroes what did not come. */
_Static_assert(sizeof(struct ktix_result) == 1280, "struct ktix_result");
_Static_assert(offsetof(struct ktix_result, error) == 884, "ktix_result.error");
_Static_assert(offsetof(struct ktix_result, max_record) == 1140,
	       "ktix_result.max_record");
_Static_assert(offsetof(struct ktix_result, secrets) == 1144,
	       "ktix_result.secrets");

/* Answers read in one recvmmsg(2), at most. */
#define ANSWER_BATCH	16

struct ktix_client {
	int fd;
	/*
	 * Answers read together, taken one by one.  drained: the read that
	 * filled them found the socket empty after them, so the call that
	 * finds them all taken says -EAGAIN without asking the socket (the
	 * caller waits for the descriptor, which wakes it for anything new).
	 */
	bool drained;
	unsigned int next, count;
	unsigned int len[ANSWER_BATCH];
	struct ktix_result ans[ANSWER_BATCH];
};

int ktix_client_open(const char *path, struct ktix_client **out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ktix_client *cl;
	int err;

	if (!path)
		path = KTIX_HELPER_SOCKET;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);

	cl = calloc(1, sizeof(*cl));
	if (!cl)
		return -ENOMEM;
	cl->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (cl->fd < 0) {
		err = -errno;
		goto err_free;
	}
	if (connect(cl->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		err = -errno;
		goto err_close;
	}
	*out = cl;
	return 0;

err_close:
	close(cl->fd);
err_free:
	free(cl);
	return err;
}

void ktix_client_close(struct ktix_client *cl)
{
	if (!cl)
		return;
	close(cl->fd);
	/* Answers read and never taken may carry sealed secrets. */
	explicit_bzero(cl->ans, sizeof(cl->ans));
	free(cl);
}

int ktix_client_fd(const struct ktix_client *cl)
{
	return cl->fd;
}

/* "h2,http/1.1" to ALPN's wire format; -1 if it does not fit or is empty. */
static int alpn_encode(const char *list, struct ktix_request_alpn *out)
{
	size_t n = strlen(list), i, start = 0, pos = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && list[i] != ',')
			continue;
		if (i == start || i - start > 254 ||
		    pos + 1 + (i - start) > sizeof(out->protos))
			return -1;
		out->protos[pos++] = (uint8_t)(i - start);
		memcpy(out->protos + pos, list + start, i - start);
		pos += i - start;
		start = i + 1;
	}
	out->len = (uint8_t)pos;
	return 0;
}

/* Sends a request, with @fd attached when it is not -1. */
static int request_send(struct ktix_client *cl, int fd, struct iovec *iov,
			size_t n_iov)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = n_iov };
	struct cmsghdr *c;

	if (fd != -1) {
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	while (sendmsg(cl->fd, &mh, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

int ktix_handshake_submit(struct ktix_client *cl, int fd,
			  const struct ktix_options *opt, uint64_t cookie)
{
	struct ktix_request req = {
		.magic = KTIX_HELPER_MAGIC,
		.version = KTIX_HELPER_VERSION,
		.size = sizeof(req),
		.cookie = cookie,
		.timeout_ms = opt ? opt->timeout_ms : 0,
	};
	struct ktix_request_alpn alpn = { 0 };
	struct iovec iov[2] = {
		{ .iov_base = &req, .iov_len = sizeof(req) },
		{ .iov_base = &alpn, .iov_len = sizeof(alpn) },
	};
	size_t n_iov = 1;

	if (fd < 0)
		return -EBADF;
	if (opt && (opt->flags & ~KTIX_OPT_F_KEY_UPDATE))
		return -EINVAL;
	if (opt && opt->alpn) {
		if (alpn_encode(opt->alpn, &alpn))
			return -EINVAL;
		req.flags |= KTIX_REQ_F_ALPN;
		n_iov = 2;
	}
	if (opt && (opt->flags & KTIX_OPT_F_KEY_UPDATE))
		req.flags |= KTIX_REQ_F_SECRETS;
	return request_send(cl, fd, iov, n_iov);
}

/* Reads what answers wait, up to ANSWER_BATCH: 0 or a negative errno. */
static int answers_read(struct ktix_client *cl)
{
	struct mmsghdr mm[ANSWER_BATCH];
	struct iovec iov[ANSWER_BATCH];
	unsigned int i;
	int n;

	memset(mm, 0, sizeof(mm));
	for (i = 0; i < ANSWER_BATCH; i++) {
		iov[i].iov_base = &cl->ans[i];
		iov[i].iov_len = sizeof(cl->ans[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	do {
		n = recvmmsg(cl->fd, mm, ANSWER_BATCH, MSG_DONTWAIT, NULL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	for (i = 0; i < (unsigned int)n; i++)
		cl->len[i] = mm[i].msg_len;
	cl->next = 0;
	cl->count = (unsigned int)n;
	/* recvmmsg(2) stops short only where the socket is empty. */
	cl->drained = n < ANSWER_BATCH;
	return 0;
}

int ktix_handshake_complete(struct ktix_client *cl, struct ktix_result *res)
{
	struct ktix_result *a;
	size_t n;
	int err;

	memset(res, 0, sizeof(*res));
	if (cl->next == cl->count) {
		if (cl->drained) {
			cl->drained = false;
			return -EAGAIN;
		}
		err = answers_read(cl);
		if (err)
			return err;
	}
	a = &cl->ans[cl->next];
	n = cl->len[cl->next++];
	if (n == 0)
		return -ECONNRESET;	/* ktixd went away */
	memcpy(res, a, n);
	/* It may carry sealed secrets: one copy, the caller's. */
	explicit_bzero(a, n);
	return ktix_result_decode(res, n);
}

int ktix_result_decode(struct ktix_result *res, size_t n)
{
	if (n < offsetof(struct ktix_result, cipher_name) ||
	    res->magic != KTIX_HELPER_MAGIC ||
	    res->version != KTIX_HELPER_VERSION)
		return -EPROTO;
	/* A short answer (an older ktixd): what did not come is zero. */
	if (n < sizeof(*res))
		memset((char *)res + n, 0, sizeof(*res) - n);
	res->cipher_name[sizeof(res->cipher_name) - 1] = '\0';
	res->sni[sizeof(res->sni) - 1] = '\0';
	res->alpn[sizeof(res->alpn) - 1] = '\0';
	res->peer[sizeof(res->peer) - 1] = '\0';
	res->error[sizeof(res->error) - 1] = '\0';
	/* An older ktixd sends 0 there: no limit. */
	if (!res->status && !res->max_record)
		res->max_record = 16384;
	return 0;
}

/* ktixd answers within the handshake's timeout; this is for its crossing. */
#define KTIX_WAIT_MARGIN_MS	2000
/*
 * ktixd answers a revocation or a key update without a handshake: this is
 * for its queue.
 */
#define KTIX_QUICK_WAIT_MS	8000

static int64_t ms_of(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000 + ts->tv_nsec / 1000000;
}

/* Waits until @deadline_ms (CLOCK_MONOTONIC) for the answer to @cookie. */
static int wait_answer(struct ktix_client *cl, uint64_t cookie,
		       int64_t deadline_ms, struct ktix_result *res)
{
	struct timespec now;
	int err;

	for (;;) {
		struct pollfd p = { .fd = cl->fd, .events = POLLIN };
		struct ktix_result r;
		int64_t left;
		int n;

		/* Answers read with an earlier one come first. */
		if (cl->next < cl->count)
			goto take;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = deadline_ms - ms_of(&now);
		if (left <= 0)
			return -ETIMEDOUT;	/* its answer, if any, is dropped */
		n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			continue;
		cl->drained = false;	/* readable now: ask the socket */
take:
		err = ktix_handshake_complete(cl, &r);
		if (err == -EAGAIN)
			continue;
		if (err)
			return err;
		if (r.cookie == cookie) {
			*res = r;
			return 0;
		}
		/* Someone else's answer on a shared client: not ours. */
	}
}

/* A cookie of this thread's own, never one a server chose (top bit set). */
static uint64_t own_cookie(void)
{
	static _Thread_local uint64_t next_cookie;

	return ++next_cookie | (uint64_t)1 << 63;
}

static int answer_failed(struct ktix_result *res, int err)
{
	res->status = err;
	snprintf(res->error, sizeof(res->error), "talking to ktixd: %s",
		 strerror(-err));
	return err;
}

/*
 * The blocking half of a call whose request went out (submit_err 0): res
 * becomes the answer to cookie, or says why there is none.
 */
static int await_answer(struct ktix_client *cl, uint64_t cookie,
			int submit_err, int wait_ms, struct ktix_result *res)
{
	struct timespec now;
	int err = submit_err;

	if (!err) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		err = wait_answer(cl, cookie, ms_of(&now) + wait_ms +
				  KTIX_WAIT_MARGIN_MS, res);
	}
	return err ? answer_failed(res, err) : res->status;
}

int ktix_handshake(struct ktix_client *cl, int fd,
		   const struct ktix_options *opt, struct ktix_result *res)
{
	/* Answers come in the order handshakes finish: match the cookie. */
	uint64_t cookie = own_cookie();

	memset(res, 0, sizeof(*res));
	return await_answer(cl, cookie,
			    ktix_handshake_submit(cl, fd, opt, cookie),
			    opt && opt->timeout_ms ? opt->timeout_ms :
			    KTIX_WAIT_MS, res);
}

int ktix_revoke_submit(struct ktix_client *cl, const uint8_t handle[16],
		       uint64_t until, uint64_t cookie)
{
	struct ktix_request req = {
		.magic = KTIX_HELPER_MAGIC,
		.version = KTIX_HELPER_VERSION,
		.size = sizeof(req),
		.cookie = cookie,
		.flags = KTIX_REQ_F_REVOKE,
	};
	struct ktix_request_revoke rv = { .until = until };
	struct iovec iov[2] = {
		{ .iov_base = &req, .iov_len = sizeof(req) },
		{ .iov_base = &rv, .iov_len = sizeof(rv) },
	};

	memcpy(rv.handle, handle, sizeof(rv.handle));
	return request_send(cl, -1, iov, 2);
}

int ktix_revoke(struct ktix_client *cl, const uint8_t handle[16],
		uint64_t until, struct ktix_result *res)
{
	uint64_t cookie = own_cookie();

	memset(res, 0, sizeof(*res));
	return await_answer(cl, cookie,
			    ktix_revoke_submit(cl, handle, until, cookie),
			    KTIX_QUICK_WAIT_MS, res);
}

int ktix_key_update_submit(struct ktix_client *cl, int fd,
			   const uint8_t secrets[KTIX_SECRETS_LEN],
			   bool update_requested, uint64_t cookie)
{
	struct ktix_request req = {
		.magic = KTIX_HELPER_MAGIC,
		.version = KTIX_HELPER_VERSION,
		.size = sizeof(req),
		.cookie = cookie,
		.flags = KTIX_REQ_F_KEY_UPDATE,
	};
	struct ktix_request_key_update ku = {
		.update_requested = update_requested,
	};
	struct iovec iov[2] = {
		{ .iov_base = &req, .iov_len = sizeof(req) },
		{ .iov_base = &ku, .iov_len = sizeof(ku) },
	};

	if (fd < 0)
		return -EBADF;
	memcpy(ku.secrets, secrets, sizeof(ku.secrets));
	return request_send(cl, fd, iov, 2);
}

int ktix_key_update(struct ktix_client *cl, int fd,
		    const uint8_t secrets[KTIX_SECRETS_LEN],
		    bool update_requested, struct ktix_result *res)
{
	uint64_t cookie = own_cookie();

	memset(res, 0, sizeof(*res));
	return await_answer(cl, cookie,
			    ktix_key_update_submit(cl, fd, secrets,
						   update_requested, cookie),
			    KTIX_QUICK_WAIT_MS, res);
}

const char *ktix_resumed_name(uint32_t resumed)
{
	/* KTIX_RESUMED_* are the module's enum ktix_offload_kind. */
#define KTIX_OFFLOAD_KIND_NAME(value, name)	[KTIX_OFFLOAD_KIND_##value] = name,
	static const char *const names[KTIX_OFFLOAD_KIND_MAX + 1] = {
#include <ktix/tables.h>
	};

	return resumed <= KTIX_OFFLOAD_KIND_MAX && names[resumed] ?
	       names[resumed] : "unknown";
}
