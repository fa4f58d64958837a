// SPDX-License-Identifier: GPL-2.0
/*
 * ktix-proxy: moving bytes between a client's kTLS socket and the backend.
 *
 * Each direction is a flow: splice(2) from one socket into a pipe, then
 * from the pipe into the other socket.  kTLS decrypts what is spliced out
 * of the client's socket and encrypts what is spliced into it: no byte of
 * either direction is copied to this process, and no TLS library is in
 * the path.  A flow reads only when its pipe is empty, so a slow reader
 * holds up its writer (TCP's own flow control) and never this loop.
 *
 * Three cases go through a buffer instead: what follows a record splice
 * cannot take (kTLS refuses control records: ktix_ktls_recv() reads the
 * alert or the handshake message and answers as a TLS server must), the
 * backend's bytes for a client that asked for smaller records
 * (max_fragment_length: kTLS fills records to 16 KiB, ktix_ktls_send()
 * cuts them), and the PROXY protocol header.
 *
 * How a connection ends:
 *	client close_notify, or FIN	backend FIN once the pipe is empty
 *	backend FIN			client close_notify and FIN
 *	both halves closed		both sockets closed
 *	client reset, or its alert	backend reset
 *	backend reset			client reset (no close_notify: the
 *					client sees the stream cut short)
 *	a record kTLS refuses		libktix's fatal alert to the client,
 *					backend reset
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "proxy.h"

enum wait { W_IN, W_OUT, W_END, W_FAIL };

/*
 * A flow holds a pipe only while bytes are in it: an idle connection
 * holds none, since an unprivileged user's pipes count against
 * fs.pipe-user-pages-soft.  An emptied pipe goes back to a pool, where
 * up to POOL_MAX wait for the next flow that reads.
 */
#define POOL_MAX	64
static int pool[POOL_MAX][2];
static unsigned int pooled;

static int pipe_get(int p[2])
{
	if (pooled) {
		pooled--;
		p[0] = pool[pooled][0];
		p[1] = pool[pooled][1];
		return 0;
	}
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) {
		p[0] = p[1] = -1;
		return -errno;
	}
	/* Larger pipes, fewer calls; the default (64 KiB) if refused. */
	fcntl(p[1], F_SETPIPE_SZ, PIPE_BYTES);
	return 0;
}

/* Back to the pool, or closed: only an empty pipe may be lent again. */
static void pipe_put(int p[2], bool empty)
{
	if (p[0] < 0)
		return;
	if (empty && pooled < POOL_MAX) {
		pool[pooled][0] = p[0];
		pool[pooled][1] = p[1];
		pooled++;
	} else {
		close(p[0]);
		close(p[1]);
	}
	p[0] = p[1] = -1;
}

static void flow_init(struct flow *f, int from, int to, bool from_tls)
{
	f->from = from;
	f->to = to;
	f->from_tls = from_tls;
	f->pipe[0] = f->pipe[1] = -1;
}

static int flow_buf(struct flow *f)
{
	if (!f->buf)
		f->buf = malloc(COPY_BYTES);
	return f->buf ? 0 : -ENOMEM;
}

int relay_start(struct conn *c)
{
	flow_init(&c->up, c->cfd, c->bfd, true);
	flow_init(&c->down, c->bfd, c->cfd, false);
	/* A client that asked for smaller records: cut by ktix_ktls_send(). */
	c->down.copy = c->res.max_record && c->res.max_record < COPY_BYTES;
	return 0;
}

void relay_free(struct conn *c)
{
	struct flow *fs[] = { &c->up, &c->down };
	size_t i;

	for (i = 0; i < 2; i++) {
		pipe_put(fs[i]->pipe, !fs[i]->in_pipe);
		free(fs[i]->buf);
		fs[i]->buf = NULL;
	}
}

/*
 * Reads what @f's source has, into the pipe or the buffer: the bytes, 0
 * at the end, or a negative errno (-EAGAIN: nothing yet).
 */
static ssize_t flow_read(struct flow *f)
{
	ssize_t n;
	int err;

	if (f->copy) {
		if (flow_buf(f))
			return -ENOMEM;
		n = recv(f->from, f->buf, COPY_BYTES, MSG_DONTWAIT);
		if (n < 0)
			return -errno;
		f->off = 0;
		f->len = (size_t)n;
		return n;
	}
	if (f->pipe[0] < 0) {
		err = pipe_get(f->pipe);
		if (err)
			return err;
	}
	n = splice(f->from, NULL, f->pipe[1], NULL, PIPE_BYTES,
		   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	err = n < 0 ? errno : 0;
	if (n > 0) {
		f->in_pipe += (size_t)n;
		return n;
	}
	/* Nothing came: the pipe waits in the pool meanwhile. */
	pipe_put(f->pipe, true);
	if (n == 0)
		return 0;
	/*
	 * kTLS does not splice a control record (EINVAL), nor a record that
	 * did not decrypt or is too large (EBADMSG, EMSGSIZE, kept in the
	 * socket's error): libktix reads it and answers it, an alert where
	 * TLS asks for one.  A renegotiation attempt is refused and the data
	 * after it comes back here.
	 */
	if (!f->from_tls || (err != EINVAL && err != EBADMSG &&
			     err != EMSGSIZE))
		return -err;
	if (flow_buf(f))
		return -ENOMEM;
	n = ktix_ktls_recv(f->from, f->buf, COPY_BYTES, MSG_DONTWAIT);
	if (n > 0) {
		f->off = 0;
		f->len = (size_t)n;
	} else if (n == 0) {
		f->notify = true;
	}
	return n;
}

/*
 * Moves what @f can without waiting: what it waits for next, or W_FAIL
 * with the errno in *err and *at_from saying which socket failed.
 */
static enum wait flow_run(struct flow *f, unsigned int max_record, int *err,
			  bool *at_from, bool *moved)
{
	for (;;) {
		ssize_t n;

		if (f->off < f->len) {
			if (!f->from_tls) {
				n = ktix_ktls_send(f->to, f->buf + f->off,
						   f->len - f->off,
						   MSG_DONTWAIT | MSG_NOSIGNAL,
						   max_record);
			} else {
				n = send(f->to, f->buf + f->off, f->len - f->off,
					 MSG_DONTWAIT | MSG_NOSIGNAL);
				if (n < 0)
					n = -errno;
			}
			if (n == -EAGAIN)
				return W_OUT;
			if (n == -EINTR)
				continue;
			if (n < 0) {
				*err = (int)-n;
				*at_from = false;
				return W_FAIL;
			}
			f->off += (size_t)n;
			f->bytes += (uint64_t)n;
			*moved = true;
			continue;
		}
		if (f->in_pipe) {
			n = splice(f->pipe[0], NULL, f->to, NULL, f->in_pipe,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n < 0 && errno == EAGAIN)
				return W_OUT;
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				*err = n < 0 ? errno : EPIPE;
				*at_from = false;
				return W_FAIL;
			}
			f->in_pipe -= (size_t)n;
			f->bytes += (uint64_t)n;
			*moved = true;
			if (!f->in_pipe)
				pipe_put(f->pipe, true);
			continue;
		}
		if (f->eof) {
			/*
			 * The client's close_notify waits for room, as the
			 * bytes before it do: never in this loop.
			 */
			if (!f->shut && !f->from_tls &&
			    ktix_ktls_close_notify(f->to) == -EAGAIN)
				return W_OUT;
			if (!f->shut) {
				shutdown(f->to, SHUT_WR);
				f->shut = true;
			}
			return W_END;
		}
		n = flow_read(f);
		if (n == -EAGAIN)
			return W_IN;
		if (n == -EINTR)
			continue;
		if (n < 0) {
			*err = (int)-n;
			*at_from = true;
			return W_FAIL;
		}
		if (n == 0)
			f->eof = true;
		else
			*moved = true;
	}
}

enum relay_end relay_run(struct conn *c, struct relay_fail *fail)
{
	unsigned int max_record = c->res.max_record ? c->res.max_record : 16384;
	enum wait up, down;
	bool moved = false, at_from = false;
	int err = 0;

	up = flow_run(&c->up, 0, &err, &at_from, &moved);
	if (up == W_FAIL) {
		/* The client's socket is the up flow's source. */
		fail->backend = !at_from;
		goto failed;
	}
	down = flow_run(&c->down, max_record, &err, &at_from, &moved);
	if (down == W_FAIL) {
		fail->backend = at_from;
		goto failed;
	}
	if (moved)
		c->deadline = ktix_now_ms() + conf.idle_ms;
	if (up == W_END && down == W_END)
		return RELAY_DONE;
	if (!side_watch(&c->cs, c->cfd, (up == W_IN ? EPOLLIN : 0) |
					(down == W_OUT ? EPOLLOUT : 0)) ||
	    !side_watch(&c->bs, c->bfd, (down == W_IN ? EPOLLIN : 0) |
					(up == W_OUT ? EPOLLOUT : 0))) {
		err = errno;
		fail->backend = false;
		goto failed;
	}
	return RELAY_MORE;
failed:
	fail->err = err;
	/* libktix answered what the client sent with a fatal alert. */
	fail->alert = !fail->backend &&
		      (err == EBADMSG || err == EMSGSIZE || err == EPROTO);
	return RELAY_FAILED;
}
