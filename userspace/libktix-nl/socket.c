// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libktix-nl: the socket to the ktix module's family, on libnl-genl-3:
 * opening it, building requests, and one request's round trip with its
 * extended ACK (ktix_nl_transact()).  Each concept of the family has its
 * own file (ring.c, policy.c, session.c ...), and events.c reads what
 * the module announces.
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "ktix_nl.h"
#include "nl_priv.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif


int ktix_nl_errno(int nlerr)
{
	switch (-nlerr) {
	case NLE_NOMEM:		return -ENOMEM;
	case NLE_PERM:		return -EPERM;
	case NLE_OBJ_NOTFOUND:	return -ENOENT;
	case NLE_INVAL:		return -EINVAL;
	case NLE_MSGSIZE:	return -EMSGSIZE;
	case NLE_NOACCESS:	return -EACCES;
	case NLE_OPNOTSUPP:	return -EOPNOTSUPP;
	case NLE_AGAIN:		return -EAGAIN;
	default:		return -EIO;
	}
}

int ktix_nl_open(struct ktix_nl **out)
{
	struct ktix_nl *nl;
	int one = 1;
	int err;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->err_offset = -1;
	nl->err_type = -1;
	nl->err_outer = -1;

	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		err = -ENOMEM;
		goto err_free;
	}
	/*
	 * One buffer that holds any datagram the module sends: a reply with
	 * the largest session (KTIX_POLICY_A_SESSION_MAX_SIZE, 65000 bytes)
	 * or a dump part (at most 32 KiB).  Without it libnl peeks at each
	 * datagram first: two recvmsg(2) calls for every one.
	 */
	nl_socket_disable_msg_peek(nl->sk);
	err = nl_socket_set_msg_buf_size(nl->sk, 96 << 10);
	if (err < 0) {
		err = ktix_nl_errno(err);
		goto err_sock;
	}
	err = genl_connect(nl->sk);
	if (err < 0) {
		/* libnl folds a full descriptor table into "out of memory". */
		err = errno == EMFILE || errno == ENFILE ? -errno :
		      ktix_nl_errno(err);
		goto err_sock;
	}
	/*
	 * libnl's 32 KiB receive buffer cannot hold a reply with a large
	 * session and its ACK: the ACK would be dropped (ENOBUFS).  The kernel
	 * caps this at net.core.rmem_max.
	 */
	err = nl_socket_set_buffer_size(nl->sk, 1 << 20, 0);
	if (err < 0) {
		err = ktix_nl_errno(err);
		goto err_sock;
	}
	/* Ask for extended-ACK messages, without the request echoed back. */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));

	nl->family = genl_ctrl_resolve(nl->sk, KTIX_GENL_NAME);
	if (nl->family < 0) {
		err = nl->family == -NLE_OBJ_NOTFOUND ? -ENOENT :
			ktix_nl_errno(nl->family);
		goto err_sock;
	}

	*out = nl;
	return 0;

err_sock:
	nl_socket_free(nl->sk);
err_free:
	free(nl);
	return err;
}

/* Requests may carry key material: wipe them before they go. */
void ktix_nl_free_msg(struct nl_msg *msg)
{
	explicit_bzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	nlmsg_free(msg);
}

void ktix_nl_close(struct ktix_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl);
}

const char *ktix_nl_errmsg(const struct ktix_nl *nl)
{
	return nl->errmsg;
}

bool ktix_nl_err_range(const struct ktix_nl *nl, uint64_t *min, uint64_t *max)
{
	if (!nl->has_range)
		return false;
	*min = nl->range_min;
	*max = nl->range_max;
	return true;
}

int ktix_nl_err_attr(const struct ktix_nl *nl, int *outer)
{
	*outer = nl->err_outer;
	return nl->err_type;
}

/* Is offset off (from the start of h) inside attribute a? */
static bool attr_holds(const struct nlmsghdr *h, const struct nlattr *a,
		       size_t off)
{
	size_t start = (const char *)a - (const char *)h;

	return off >= start && off < start + a->nla_len;
}

/*
 * Finds the attribute of request h that the kernel's error offset points
 * at, one nest deep, while the request is still at hand.
 */
static void locate_err_attr(struct ktix_nl *nl, const struct nlmsghdr *h)
{
	size_t off = (size_t)nl->err_offset;
	struct nlattr *a, *n;
	int rem, nrem;

	if (nl->err_offset < 0 || off >= h->nlmsg_len)
		return;
	nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(h), 0),
			  genlmsg_attrlen(nlmsg_data(h), 0), rem) {
		if (!attr_holds(h, a, off))
			continue;
		nl->err_type = nla_type(a);
		if (off == (size_t)((const char *)a - (const char *)h) ||
		    !(a->nla_type & NLA_F_NESTED))
			return;
		nla_for_each_nested(n, a, nrem) {
			if (attr_holds(h, n, off)) {
				nl->err_outer = nla_type(a);
				nl->err_type = nla_type(n);
				return;
			}
		}
		return;
	}
}

static struct nl_msg *new_msg(struct ktix_nl *nl, uint8_t cmd, int flags,
			      size_t size)
{
	struct nl_msg *msg = size ? nlmsg_alloc_size(size) : nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, KTIX_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct nl_msg *ktix_nl_msg(struct ktix_nl *nl, uint8_t cmd)
{
	return new_msg(nl, cmd, 0, 0);
}

struct nl_msg *ktix_nl_msg_sized(struct ktix_nl *nl, uint8_t cmd,
				 size_t payload)
{
	/* Room for the headers and a few attributes besides. */
	return new_msg(nl, cmd, 0, payload + 1024);
}

struct nl_msg *ktix_nl_dump_msg(struct ktix_nl *nl, uint8_t cmd)
{
	return new_msg(nl, cmd, NLM_F_DUMP, 0);
}

/* The extended-ACK attributes of h, from offset off on. */
static void parse_ext_ack(struct ktix_nl *nl, const struct nlmsghdr *h,
			  size_t off)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t end = h->nlmsg_len;

	off = NLMSG_ALIGN(off);
	if (off >= end ||
	    nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)h + off),
		      end - off, NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(nl->errmsg, sizeof(nl->errmsg), "%.*s",
			 nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (const char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_OFFS] && nla_len(tb[NLMSGERR_ATTR_OFFS]) == 4)
		nl->err_offset = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
	if (tb[NLMSGERR_ATTR_POLICY]) {
		struct nlattr *pol[NL_POLICY_TYPE_ATTR_MAX + 1];
		struct nlattr *lo, *hi;

		if (nla_parse_nested(pol, NL_POLICY_TYPE_ATTR_MAX,
				     tb[NLMSGERR_ATTR_POLICY], NULL) < 0)
			return;
		lo = pol[NL_POLICY_TYPE_ATTR_MIN_VALUE_U];
		hi = pol[NL_POLICY_TYPE_ATTR_MAX_VALUE_U];
		if (lo && hi && nla_len(lo) == 8 && nla_len(hi) == 8) {
			nl->has_range = true;
			nl->range_min = nla_get_u64(lo);
			nl->range_max = nla_get_u64(hi);
		}
	}
}

/*
 * The extended ACK's attributes follow the nlmsgerr and, unless the kernel
 * capped it, the request it is answering.
 */
static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *h = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct ktix_nl *nl = arg;
	size_t off;

	(void)who;
	nl->done = true;
	nl->err = e->error;
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	parse_ext_ack(nl, h, off);
	return NL_STOP;
}

/*
 * Replaces libnl's own check, which counts on an ACK ending every request
 * (ktix_nl_query() asks for none): a message of another request, one
 * that ended early, is not this one's and is skipped.
 */
static int on_seq(struct nl_msg *msg, void *arg)
{
	struct ktix_nl *nl = arg;

	return nlmsg_hdr(msg)->nlmsg_seq == nl->seq ? NL_OK : NL_SKIP;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[KTIX_A_MAX + 1];
	struct ktix_nl *nl = arg;
	int err;

	if (nl->reply_ends)
		nl->done = true;
	if (!nl->parse || nl->parse_err)
		return NL_OK;
	err = genlmsg_parse(nlmsg_hdr(msg), 0, tb, KTIX_A_MAX, NULL);
	if (err < 0) {
		nl->parse_err = -EBADMSG;
		return NL_OK;
	}
	nl->parse_err = nl->parse(tb, nl->parse_arg);
	return NL_OK;
}

static int on_dump_intr(struct nl_msg *msg, void *arg)
{
	struct ktix_nl *nl = arg;

	(void)msg;
	nl->intr = true;
	return NL_OK;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct ktix_nl *nl = arg;

	(void)msg;
	nl->done = true;
	return NL_STOP;
}

/*
 * NLMSG_DONE ends a dump.  Its payload is the dump's errno, which libnl
 * does not look at: a dump the kernel failed part way (or at its first
 * call) says so only there, with its extended ACK after it.
 */
static int on_finish(struct nl_msg *msg, void *arg)
{
	const struct nlmsghdr *h = nlmsg_hdr(msg);
	struct ktix_nl *nl = arg;
	int err;

	nl->done = true;
	if (h->nlmsg_len < NLMSG_HDRLEN + sizeof(err))
		return NL_STOP;
	memcpy(&err, nlmsg_data(h), sizeof(err));
	if (err < 0) {
		nl->err = err;
		if (h->nlmsg_flags & NLM_F_ACK_TLVS)
			parse_ext_ack(nl, h, NLMSG_HDRLEN + sizeof(err));
	}
	return NL_STOP;
}

static int transact(struct ktix_nl *nl, struct nl_msg *msg,
		    ktix_nl_parse_fn parse, void *arg, bool ack)
{
	struct nl_cb *cb, *cur;
	int err;

	nl->err = 0;
	nl->err_offset = -1;
	nl->errmsg[0] = '\0';
	nl->has_range = false;
	nl->done = false;
	nl->intr = false;
	nl->err_type = -1;
	nl->err_outer = -1;
	nl->parse = parse;
	nl->parse_arg = arg;
	nl->parse_err = 0;
	nl->reply_ends = !ack;

	if (!msg)
		return -ENOMEM;
	/* nl_socket_get_cb() hands out a reference of its own. */
	cur = nl_socket_get_cb(nl->sk);
	cb = nl_cb_clone(cur);
	nl_cb_put(cur);
	if (!cb) {
		ktix_nl_free_msg(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, nl);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, nl);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, nl);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_dump_intr, nl);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, nl);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, on_seq, nl);

	nl_complete_msg(nl->sk, msg);
	if (!ack)
		nlmsg_hdr(msg)->nlmsg_flags &= ~NLM_F_ACK;
	nl->seq = nlmsg_hdr(msg)->nlmsg_seq;
	err = nl_send(nl->sk, msg);
	if (err < 0) {
		err = ktix_nl_errno(err);
		goto out;
	}
	/*
	 * A reply and its ACK are separate datagrams and nl_recvmsgs() returns
	 * after one: read on until this request's ACK or error, so that
	 * nothing of it is left for the next request to trip on.
	 */
	do {
		err = nl_recvmsgs(nl->sk, cb);
	} while (err >= 0 && !nl->done);
	if (nl->err) {
		locate_err_attr(nl, nlmsg_hdr(msg));
		err = nl->err;
	} else if (err < 0) {
		err = ktix_nl_errno(err);
	} else {
		err = nl->parse_err;
	}
	if (!err && nl->intr)
		err = -EINTR;
out:
	/* Kept until now: an error may point into it. */
	ktix_nl_free_msg(msg);
	nl_cb_put(cb);
	return err;
}

int ktix_nl_transact(struct ktix_nl *nl, struct nl_msg *msg,
		     ktix_nl_parse_fn parse, void *arg)
{
	return transact(nl, msg, parse, arg, true);
}

/*
 * A request whose doit always answers with one message: no ACK is asked
 * for, so its reply ends it (an error still comes as one).  One datagram
 * to read, not two.
 */
int ktix_nl_query(struct ktix_nl *nl, struct nl_msg *msg,
		  ktix_nl_parse_fn parse, void *arg)
{
	return transact(nl, msg, parse, arg, false);
}

int ktix_nl_fd(const struct ktix_nl *nl)
{
	return nl_socket_get_fd(nl->sk);
}

int ktix_nl_set_rcvbuf(struct ktix_nl *nl, int bytes)
{
	int fd = nl_socket_get_fd(nl->sk);

	if (!setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)))
		return 0;
	return setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) ?
	       -errno : 0;
}

int ktix_nl_parse_generation(struct nlattr **tb, void *arg)
{
	return get_u64(tb[KTIX_A_GENERATION], arg);
}

int ktix_nl_dump_consistent(struct ktix_nl *nl, uint8_t cmd, uint32_t flags,
			    ktix_nl_parse_fn parse, void *out,
			    void (*free_out)(void *out))
{
	int tries, err = -EINTR;

	for (tries = 0; tries < 5 && err == -EINTR; tries++) {
		struct nl_msg *msg = ktix_nl_dump_msg(nl, cmd);

		free_out(out);
		if (msg && flags && nla_put_u32(msg, KTIX_A_FLAGS, flags)) {
			nlmsg_free(msg);
			return -EMSGSIZE;
		}
		err = ktix_nl_transact(nl, msg, parse, out);
	}
	if (err)
		free_out(out);
	return err;
}
