// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libktix: the netlink client of the ktix module, on libnl-genl-3.
 */
#include <errno.h>
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

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct ktix_nl {
	struct nl_sock *sk;
	int family;
	int err;		/* errno of the last NLMSG_ERROR, 0 if none */
	int err_offset;		/* NLMSGERR_ATTR_OFFS, -1 if none */
	char errmsg[256];	/* NLMSGERR_ATTR_MSG */
	bool has_range;		/* NLMSGERR_ATTR_POLICY had a range */
	uint64_t range_min, range_max;
	void *req;		/* a copy of the last request */
	size_t req_len;
	bool done;		/* its ACK or error has arrived */
	ktix_nl_parse_fn parse;
	void *parse_arg;
	int parse_err;
};

static int nlerr_to_errno(int nlerr)
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

	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		err = -ENOMEM;
		goto err_free;
	}
	err = genl_connect(nl->sk);
	if (err < 0) {
		err = nlerr_to_errno(err);
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
			nlerr_to_errno(nl->family);
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

void ktix_nl_close(struct ktix_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl->req);
	free(nl);
}

const char *ktix_nl_errmsg(const struct ktix_nl *nl)
{
	return nl->errmsg;
}

int ktix_nl_err_offset(const struct ktix_nl *nl)
{
	return nl->err_offset;
}

bool ktix_nl_err_range(const struct ktix_nl *nl, uint64_t *min, uint64_t *max)
{
	if (!nl->has_range)
		return false;
	*min = nl->range_min;
	*max = nl->range_max;
	return true;
}

/* Is the attribute at offset off inside (or at) attribute a of the request? */
static bool attr_holds(const struct ktix_nl *nl, const struct nlattr *a,
		       size_t off)
{
	size_t start = (const char *)a - (const char *)nl->req;

	return off >= start && off < start + a->nla_len;
}

int ktix_nl_err_attr(const struct ktix_nl *nl, int *outer)
{
	const struct nlmsghdr *h = nl->req;
	struct nlattr *a, *n;
	size_t off;
	int rem, nrem;

	*outer = -1;
	if (!h || nl->err_offset < 0)
		return -1;
	off = (size_t)nl->err_offset;
	if (off >= nl->req_len)
		return -1;
	nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(h), 0),
			  genlmsg_attrlen(nlmsg_data(h), 0), rem) {
		if (!attr_holds(nl, a, off))
			continue;
		if (off == (size_t)((const char *)a - (const char *)h) ||
		    !(a->nla_type & NLA_F_NESTED))
			return nla_type(a);
		nla_for_each_nested(n, a, nrem) {
			if (attr_holds(nl, n, off)) {
				*outer = nla_type(a);
				return nla_type(n);
			}
		}
		return nla_type(a);
	}
	return -1;
}

struct nl_msg *ktix_nl_msg(struct ktix_nl *nl, uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, 0,
			 cmd, KTIX_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/*
 * The extended ACK's attributes follow the nlmsgerr and, unless the kernel
 * capped it, the request it is answering.
 */
static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *h = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct ktix_nl *nl = arg;
	size_t off, end;

	(void)who;
	nl->done = true;
	nl->err = e->error;
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;

	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	off = NLMSG_ALIGN(off);
	end = h->nlmsg_len;
	if (off >= end)
		return NL_STOP;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)h + off),
		      end - off, NULL) < 0)
		return NL_STOP;
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
			return NL_STOP;
		lo = pol[NL_POLICY_TYPE_ATTR_MIN_VALUE_U];
		hi = pol[NL_POLICY_TYPE_ATTR_MAX_VALUE_U];
		if (lo && hi && nla_len(lo) == 8 && nla_len(hi) == 8) {
			nl->has_range = true;
			nl->range_min = nla_get_u64(lo);
			nl->range_max = nla_get_u64(hi);
		}
	}
	return NL_STOP;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[KTIX_A_MAX + 1];
	struct ktix_nl *nl = arg;
	int err;

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

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct ktix_nl *nl = arg;

	(void)msg;
	nl->done = true;
	return NL_STOP;
}

int ktix_nl_transact(struct ktix_nl *nl, struct nl_msg *msg,
		     ktix_nl_parse_fn parse, void *arg)
{
	struct nl_cb *cb, *cur;
	int err;

	nl->err = 0;
	nl->err_offset = -1;
	nl->errmsg[0] = '\0';
	nl->has_range = false;
	nl->done = false;
	free(nl->req);
	nl->req = NULL;
	nl->req_len = 0;
	nl->parse = parse;
	nl->parse_arg = arg;
	nl->parse_err = 0;

	if (!msg)
		return -ENOMEM;
	/* nl_socket_get_cb() hands out a reference of its own. */
	cur = nl_socket_get_cb(nl->sk);
	cb = nl_cb_clone(cur);
	nl_cb_put(cur);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, nl);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, nl);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, nl);

	err = nl_send_auto(nl->sk, msg);
	if (err >= 0) {
		/* Kept to tell which attribute an error points at. */
		nl->req_len = nlmsg_hdr(msg)->nlmsg_len;
		nl->req = malloc(nl->req_len);
		if (nl->req)
			memcpy(nl->req, nlmsg_hdr(msg), nl->req_len);
		else
			nl->req_len = 0;
	}
	nlmsg_free(msg);
	if (err < 0) {
		err = nlerr_to_errno(err);
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
	if (nl->err)
		err = nl->err;
	else if (err < 0)
		err = nlerr_to_errno(err);
	else
		err = nl->parse_err;
out:
	nl_cb_put(cb);
	return err;
}

static int parse_version(struct nlattr **tb, void *arg)
{
	struct ktix_version_info *v = arg;

	if (!tb[KTIX_A_VERSION] || !tb[KTIX_A_FEATURES] ||
	    nla_len(tb[KTIX_A_FEATURES]) != sizeof(uint64_t))
		return -EBADMSG;
	snprintf(v->version, sizeof(v->version), "%.*s",
		 nla_len(tb[KTIX_A_VERSION]),
		 (const char *)nla_data(tb[KTIX_A_VERSION]));
	v->features = nla_get_u64(tb[KTIX_A_FEATURES]);
	return 0;
}

int ktix_nl_version(struct ktix_nl *nl, struct ktix_version_info *out)
{
	memset(out, 0, sizeof(*out));
	return ktix_nl_transact(nl, ktix_nl_msg(nl, KTIX_CMD_VERSION),
				parse_version, out);
}

static int get_u32(struct nlattr **tb, int type, uint32_t *out)
{
	if (!tb[type] || nla_len(tb[type]) != sizeof(uint32_t))
		return -EBADMSG;
	*out = nla_get_u32(tb[type]);
	return 0;
}

static int parse_policy(struct nlattr **tb, void *arg)
{
	struct nlattr *p[KTIX_POLICY_A_MAX + 1];
	struct ktix_policy_info *out = arg;

	if (!tb[KTIX_A_POLICY] ||
	    nla_parse_nested(p, KTIX_POLICY_A_MAX, tb[KTIX_A_POLICY], NULL) < 0)
		return -EBADMSG;
	if (!p[KTIX_POLICY_A_CACHE_BYTES] ||
	    nla_len(p[KTIX_POLICY_A_CACHE_BYTES]) != sizeof(uint64_t))
		return -EBADMSG;
	out->cache_bytes = nla_get_u64(p[KTIX_POLICY_A_CACHE_BYTES]);
	if (get_u32(p, KTIX_POLICY_A_ROTATE_INTERVAL, &out->rotate_interval) ||
	    get_u32(p, KTIX_POLICY_A_RETENTION, &out->retention) ||
	    get_u32(p, KTIX_POLICY_A_TICKET_LIFETIME, &out->ticket_lifetime) ||
	    get_u32(p, KTIX_POLICY_A_MAX_KEYS, &out->max_keys) ||
	    get_u32(p, KTIX_POLICY_A_CACHE_ENTRIES, &out->cache_entries) ||
	    get_u32(p, KTIX_POLICY_A_SESSION_LIFETIME, &out->session_lifetime) ||
	    get_u32(p, KTIX_POLICY_A_SESSION_MAX_SIZE, &out->session_max_size))
		return -EBADMSG;
	return 0;
}

int ktix_nl_policy_get(struct ktix_nl *nl, struct ktix_policy_info *out)
{
	memset(out, 0, sizeof(*out));
	return ktix_nl_transact(nl, ktix_nl_msg(nl, KTIX_CMD_POLICY_GET),
				parse_policy, out);
}

int ktix_nl_policy_set(struct ktix_nl *nl, const struct ktix_policy_info *p,
		       unsigned int fields)
{
	static const struct {
		unsigned int bit;
		int type;
		size_t off;
	} u32s[] = {
		{ KTIX_POLICY_SET_ROTATE_INTERVAL, KTIX_POLICY_A_ROTATE_INTERVAL,
		  offsetof(struct ktix_policy_info, rotate_interval) },
		{ KTIX_POLICY_SET_RETENTION, KTIX_POLICY_A_RETENTION,
		  offsetof(struct ktix_policy_info, retention) },
		{ KTIX_POLICY_SET_TICKET_LIFETIME, KTIX_POLICY_A_TICKET_LIFETIME,
		  offsetof(struct ktix_policy_info, ticket_lifetime) },
		{ KTIX_POLICY_SET_MAX_KEYS, KTIX_POLICY_A_MAX_KEYS,
		  offsetof(struct ktix_policy_info, max_keys) },
		{ KTIX_POLICY_SET_CACHE_ENTRIES, KTIX_POLICY_A_CACHE_ENTRIES,
		  offsetof(struct ktix_policy_info, cache_entries) },
		{ KTIX_POLICY_SET_SESSION_LIFETIME, KTIX_POLICY_A_SESSION_LIFETIME,
		  offsetof(struct ktix_policy_info, session_lifetime) },
		{ KTIX_POLICY_SET_SESSION_MAX_SIZE, KTIX_POLICY_A_SESSION_MAX_SIZE,
		  offsetof(struct ktix_policy_info, session_max_size) },
	};
	struct nl_msg *msg = ktix_nl_msg(nl, KTIX_CMD_POLICY_SET);
	struct nlattr *nest;
	size_t i;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, KTIX_A_POLICY | NLA_F_NESTED);
	if (!nest)
		goto nla_put_failure;
	for (i = 0; i < sizeof(u32s) / sizeof(u32s[0]); i++) {
		if (!(fields & u32s[i].bit))
			continue;
		if (nla_put_u32(msg, u32s[i].type,
				*(const uint32_t *)((const char *)p + u32s[i].off)))
			goto nla_put_failure;
	}
	if ((fields & KTIX_POLICY_SET_CACHE_BYTES) &&
	    nla_put_u64(msg, KTIX_POLICY_A_CACHE_BYTES, p->cache_bytes))
		goto nla_put_failure;
	nla_nest_end(msg, nest);
	return ktix_nl_transact(nl, msg, NULL, NULL);

nla_put_failure:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

const char *ktix_feature_name(unsigned int bit)
{
	static const char *const names[] = {
		"policy",
	};

	return bit < sizeof(names) / sizeof(names[0]) ? names[bit] : NULL;
}
