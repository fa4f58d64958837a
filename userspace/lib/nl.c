// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libktix: the netlink client of the ktix module, on libnl-genl-3.
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

struct ktix_nl {
	struct nl_sock *sk;
	int family;
	int err;		/* errno of the last NLMSG_ERROR, 0 if none */
	int err_offset;		/* NLMSGERR_ATTR_OFFS, -1 if none */
	char errmsg[256];	/* NLMSGERR_ATTR_MSG */
	bool has_range;		/* NLMSGERR_ATTR_POLICY had a range */
	uint64_t range_min, range_max;
	int err_type;		/* the attribute err_offset points at */
	int err_outer;		/* the attribute nesting it, or -1 */
	bool done;		/* its ACK, error or dump end has arrived */
	bool intr;		/* the dump was interrupted by a change */
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
		err = nlerr_to_errno(err);
		goto err_sock;
	}
	err = genl_connect(nl->sk);
	if (err < 0) {
		/* libnl folds a full descriptor table into "out of memory". */
		err = errno == EMFILE || errno == ENFILE ? -errno :
		      nlerr_to_errno(err);
		goto err_sock;
	}
	/*
	 * libnl's 32 KiB receive buffer cannot hold a reply with a large
	 * session and its ACK: the ACK would be dropped (ENOBUFS).  The kernel
	 * caps this at net.core.rmem_max.
	 */
	err = nl_socket_set_buffer_size(nl->sk, 1 << 20, 0);
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
	nl->intr = false;
	nl->err_type = -1;
	nl->err_outer = -1;
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
		ktix_nl_free_msg(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, nl);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, nl);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, nl);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_dump_intr, nl);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, nl);

	err = nl_send_auto(nl->sk, msg);
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
	if (nl->err) {
		locate_err_attr(nl, nlmsg_hdr(msg));
		err = nl->err;
	} else if (err < 0) {
		err = nlerr_to_errno(err);
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

#define FIELD(n, t, m) {							\
	.name = n, .type = KTIX_POLICY_A_##t, .bit = KTIX_POLICY_SET_##t,	\
	.offset = offsetof(struct ktix_policy_info, m),				\
	.size = sizeof(((struct ktix_policy_info *)0)->m),			\
}

const struct ktix_policy_field ktix_policy_fields[] = {
	FIELD("rotate-interval", ROTATE_INTERVAL, rotate_interval),
	FIELD("retention", RETENTION, retention),
	FIELD("ticket-lifetime", TICKET_LIFETIME, ticket_lifetime),
	FIELD("max-keys", MAX_KEYS, max_keys),
	FIELD("cache-entries", CACHE_ENTRIES, cache_entries),
	FIELD("cache-bytes", CACHE_BYTES, cache_bytes),
	FIELD("session-lifetime", SESSION_LIFETIME, session_lifetime),
	FIELD("session-max-size", SESSION_MAX_SIZE, session_max_size),
	FIELD("revoke-bytes", REVOKE_BYTES, revoke_bytes),
	{ .name = NULL },
};

uint64_t ktix_policy_field_get(const struct ktix_policy_info *p,
			       const struct ktix_policy_field *f)
{
	const char *base = (const char *)p + f->offset;
	uint32_t v32;
	uint64_t v64;

	if (f->size == sizeof(v64)) {
		memcpy(&v64, base, sizeof(v64));
		return v64;
	}
	memcpy(&v32, base, sizeof(v32));
	return v32;
}

void ktix_policy_field_set(struct ktix_policy_info *p,
			   const struct ktix_policy_field *f, uint64_t v)
{
	char *base = (char *)p + f->offset;
	uint32_t v32 = (uint32_t)v;

	if (f->size == sizeof(v))
		memcpy(base, &v, sizeof(v));
	else
		memcpy(base, &v32, sizeof(v32));
}

const struct ktix_policy_field *ktix_policy_field_by_type(int type)
{
	const struct ktix_policy_field *f;

	for (f = ktix_policy_fields; f->name; f++)
		if (f->type == type)
			return f;
	return NULL;
}

static int parse_policy(struct nlattr **tb, void *arg)
{
	struct nlattr *p[KTIX_POLICY_A_MAX + 1];
	struct ktix_policy_info *out = arg;
	const struct ktix_policy_field *f;

	if (!tb[KTIX_A_POLICY] ||
	    nla_parse_nested(p, KTIX_POLICY_A_MAX, tb[KTIX_A_POLICY], NULL) < 0)
		return -EBADMSG;
	for (f = ktix_policy_fields; f->name; f++) {
		struct nlattr *a = p[f->type];

		if (!a || (size_t)nla_len(a) != f->size)
			return -EBADMSG;
		ktix_policy_field_set(out, f, f->size == 8 ? nla_get_u64(a) :
				      nla_get_u32(a));
	}
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
	struct nl_msg *msg = ktix_nl_msg(nl, KTIX_CMD_POLICY_SET);
	const struct ktix_policy_field *f;
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, KTIX_A_POLICY | NLA_F_NESTED);
	if (!nest)
		goto nla_put_failure;
	for (f = ktix_policy_fields; f->name; f++) {
		uint64_t v = ktix_policy_field_get(p, f);

		if (!(fields & f->bit))
			continue;
		if (f->size == 8 ? nla_put_u64(msg, f->type, v) :
		    nla_put_u32(msg, f->type, (uint32_t)v))
			goto nla_put_failure;
	}
	nla_nest_end(msg, nest);
	return ktix_nl_transact(nl, msg, NULL, NULL);

nla_put_failure:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int parse_key(struct nlattr **tb, void *arg)
{
	struct ktix_key_list *list = arg;
	struct nlattr *k[KTIX_KEY_A_MAX + 1];
	struct ktix_key_info *ki;
	uint8_t len;

	if (!tb[KTIX_A_KEY] ||
	    nla_parse_nested(k, KTIX_KEY_A_MAX, tb[KTIX_A_KEY], NULL) < 0 ||
	    get_u64(tb[KTIX_A_GENERATION], &list->generation))
		return -EBADMSG;
	/* A key list is wiped when freed: never move it (realloc) unwiped. */
	if (list->n == 0 || list->n == KTIX_MAX_KEYS_LIMIT) {
		ki = calloc(list->n ? 4 * KTIX_MAX_KEYS_LIMIT : KTIX_MAX_KEYS_LIMIT,
			    sizeof(*ki));
		if (!ki)
			return -ENOMEM;
		if (list->n) {
			memcpy(ki, list->keys, list->n * sizeof(*ki));
			explicit_bzero(list->keys, list->n * sizeof(*ki));
			free(list->keys);
		}
		list->keys = ki;
	} else if (list->n >= 4 * KTIX_MAX_KEYS_LIMIT) {
		return -EBADMSG;	/* more than a ring can hold */
	}
	ki = &list->keys[list->n];
	memset(ki, 0, sizeof(*ki));
	if (get_bytes(k[KTIX_KEY_A_NAME], ki->name, sizeof(ki->name), &len) ||
	    len != sizeof(ki->name) ||
	    get_u32(k[KTIX_KEY_A_STATE], &ki->state) ||
	    get_u32(k[KTIX_KEY_A_AES_BITS], &ki->aes_bits) ||
	    get_u64(k[KTIX_KEY_A_CREATED], &ki->created) ||
	    get_u64(k[KTIX_KEY_A_ENCRYPT_FROM], &ki->encrypt_from) ||
	    get_u64(k[KTIX_KEY_A_ENCRYPT_UNTIL], &ki->encrypt_until) ||
	    get_u64(k[KTIX_KEY_A_DECRYPT_UNTIL], &ki->decrypt_until) ||
	    (k[KTIX_KEY_A_AES_KEY] &&
	     get_bytes(k[KTIX_KEY_A_AES_KEY], ki->aes, sizeof(ki->aes),
		       &ki->aes_len)) ||
	    (k[KTIX_KEY_A_HMAC_KEY] &&
	     get_bytes(k[KTIX_KEY_A_HMAC_KEY], ki->hmac, sizeof(ki->hmac),
		       &ki->hmac_len))) {
		explicit_bzero(ki, sizeof(*ki));
		return -EBADMSG;
	}
	list->n++;
	return 0;
}

void ktix_key_list_free(struct ktix_key_list *list)
{
	if (list->keys)
		explicit_bzero(list->keys, list->n * sizeof(*list->keys));
	free(list->keys);
	memset(list, 0, sizeof(*list));
}

int ktix_nl_key_list(struct ktix_nl *nl, bool material,
		     struct ktix_key_list *out)
{
	int tries, err = -EINTR;

	memset(out, 0, sizeof(*out));
	for (tries = 0; tries < 5 && err == -EINTR; tries++) {
		struct nl_msg *msg = ktix_nl_dump_msg(nl, KTIX_CMD_KEY_GET);

		ktix_key_list_free(out);
		if (msg && material &&
		    nla_put_u32(msg, KTIX_A_FLAGS, KTIX_F_KEY_MATERIAL)) {
			nlmsg_free(msg);
			return -EMSGSIZE;
		}
		err = ktix_nl_transact(nl, msg, parse_key, out);
	}
	if (err)
		ktix_key_list_free(out);
	return err;
}

int ktix_nl_key_add(struct ktix_nl *nl, const struct ktix_key_info *k)
{
	struct nl_msg *msg = ktix_nl_msg(nl, KTIX_CMD_KEY_ADD);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, KTIX_A_KEY | NLA_F_NESTED);
	if (!nest ||
	    nla_put(msg, KTIX_KEY_A_NAME, sizeof(k->name), k->name) ||
	    nla_put(msg, KTIX_KEY_A_AES_KEY, k->aes_len, k->aes) ||
	    nla_put(msg, KTIX_KEY_A_HMAC_KEY, k->hmac_len, k->hmac) ||
	    (k->state && nla_put_u32(msg, KTIX_KEY_A_STATE, k->state)) ||
	    (k->decrypt_until &&
	     nla_put_u64(msg, KTIX_KEY_A_DECRYPT_UNTIL, k->decrypt_until))) {
		ktix_nl_free_msg(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return ktix_nl_transact(nl, msg, NULL, NULL);
}

int ktix_nl_key_del(struct ktix_nl *nl, const uint8_t *name)
{
	struct nl_msg *msg = ktix_nl_msg(nl, KTIX_CMD_KEY_DEL);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, KTIX_A_KEY | NLA_F_NESTED);
	if (!nest || nla_put(msg, KTIX_KEY_A_NAME, KTIX_KEY_NAME_LEN, name)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return ktix_nl_transact(nl, msg, NULL, NULL);
}

static int parse_generation(struct nlattr **tb, void *arg)
{
	return get_u64(tb[KTIX_A_GENERATION], arg);
}

int ktix_nl_key_rotate(struct ktix_nl *nl, uint64_t *generation)
{
	uint64_t g = 0;
	int err = ktix_nl_transact(nl, ktix_nl_msg(nl, KTIX_CMD_KEY_ROTATE),
				   parse_generation, &g);

	if (!err && generation)
		*generation = g;
	return err;
}

const char *ktix_key_state_name(uint32_t state)
{
	switch (state) {
	case KTIX_KEY_STATE_NEXT:	return "next";
	case KTIX_KEY_STATE_PRIMARY:	return "primary";
	case KTIX_KEY_STATE_RETIRING:	return "retiring";
	default:			return "unknown";
	}
}

int ktix_nl_subscribe(struct ktix_nl *nl, const char *group)
{
	int grp = genl_ctrl_resolve_grp(nl->sk, KTIX_GENL_NAME, group);

	if (grp < 0)
		return nlerr_to_errno(grp);
	grp = nl_socket_add_membership(nl->sk, grp);
	return grp < 0 ? nlerr_to_errno(grp) : 0;
}

int ktix_nl_watch_family(struct ktix_nl *nl)
{
	int grp = genl_ctrl_resolve_grp(nl->sk, "nlctrl", "notify");

	if (grp < 0)
		return nlerr_to_errno(grp);
	grp = nl_socket_add_membership(nl->sk, grp);
	return grp < 0 ? nlerr_to_errno(grp) : 0;
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

/* Notifications carry sequence number 0: no sequence to check. */
static int no_seq_check(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

struct event_ctx {
	const struct ktix_nl *nl;
	struct ktix_event *out;
};

/* The controller's word that the ktix family came or went. */
static int on_ctrl_event(struct nl_msg *msg, struct ktix_event *e)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[CTRL_ATTR_MAX + 1];

	if ((g->cmd != CTRL_CMD_NEWFAMILY && g->cmd != CTRL_CMD_DELFAMILY) ||
	    genlmsg_parse(nlmsg_hdr(msg), 0, tb, CTRL_ATTR_MAX, NULL) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_NAME] ||
	    strcmp(nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]), KTIX_GENL_NAME))
		return NL_SKIP;
	e->cmd = g->cmd == CTRL_CMD_NEWFAMILY ? KTIX_NL_FAMILY_NEW :
		 KTIX_NL_FAMILY_DEL;
	return NL_STOP;
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[KTIX_A_MAX + 1], *r[KTIX_REVOKE_A_MAX + 1];
	const struct event_ctx *ctx = arg;
	struct ktix_event *e = ctx->out;
	uint8_t len;

	memset(e, 0, sizeof(*e));
	if (nlmsg_hdr(msg)->nlmsg_type == GENL_ID_CTRL)
		return on_ctrl_event(msg, e);
	if (nlmsg_hdr(msg)->nlmsg_type != ctx->nl->family)
		return NL_SKIP;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, KTIX_A_MAX, NULL) < 0 ||
	    get_u32(tb[KTIX_A_EVENT], &e->event) ||
	    get_u64(tb[KTIX_A_GENERATION], &e->generation))
		return NL_SKIP;
	if (tb[KTIX_A_REVOKE]) {
		if (nla_parse_nested(r, KTIX_REVOKE_A_MAX, tb[KTIX_A_REVOKE],
				     NULL) < 0 ||
		    get_bytes(r[KTIX_REVOKE_A_HANDLE], e->handle,
			      sizeof(e->handle), &len) ||
		    len != sizeof(e->handle) ||
		    get_u64(r[KTIX_REVOKE_A_UNTIL], &e->until))
			return NL_SKIP;
		e->has_handle = true;
	}
	e->cmd = g->cmd;
	return NL_STOP;
}

int ktix_nl_next_event(struct ktix_nl *nl, int timeout_ms,
		       struct ktix_event *out)
{
	struct pollfd pfd = { .fd = nl_socket_get_fd(nl->sk), .events = POLLIN };
	struct event_ctx ctx = { .nl = nl, .out = out };
	struct nl_cb *cb;
	int err = 0;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return -ENOMEM;
	memset(out, 0, sizeof(*out));
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_event, &ctx);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);
	while (!out->cmd) {
		err = poll(&pfd, 1, timeout_ms);
		if (err == 0) {
			err = -ETIMEDOUT;
			break;
		}
		if (err < 0) {
			err = -errno;
			break;
		}
		err = nl_recvmsgs(nl->sk, cb);
		if (err == -NLE_NOMEM) {
			err = -ENOBUFS;
			break;
		}
		if (err < 0) {
			err = nlerr_to_errno(err);
			break;
		}
		err = 0;
	}
	nl_cb_put(cb);
	return out->cmd ? 0 : err;
}

const char *ktix_feature_name(unsigned int bit)
{
	static const char *const names[] = {
		"policy",
		"ring",
		"cache",
		"revoke",
		"stats",
		"offload",
	};

	return bit < sizeof(names) / sizeof(names[0]) ? names[bit] : NULL;
}
