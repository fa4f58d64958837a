// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libktix-nl: what the module announces (the ring's and the revocation
 * set's multicast groups) and the controller's word that the family came
 * or went, read one event at a time.
 */
#include <poll.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "ktix_nl.h"
#include "nl_priv.h"

int ktix_nl_subscribe(struct ktix_nl *nl, const char *group)
{
	int grp = genl_ctrl_resolve_grp(nl->sk, KTIX_GENL_NAME, group);

	if (grp < 0)
		return ktix_nl_errno(grp);
	grp = nl_socket_add_membership(nl->sk, grp);
	return grp < 0 ? ktix_nl_errno(grp) : 0;
}

int ktix_nl_watch_family(struct ktix_nl *nl)
{
	int grp = genl_ctrl_resolve_grp(nl->sk, "nlctrl", "notify");

	if (grp < 0)
		return ktix_nl_errno(grp);
	grp = nl_socket_add_membership(nl->sk, grp);
	return grp < 0 ? ktix_nl_errno(grp) : 0;
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
			err = ktix_nl_errno(err);
			break;
		}
		err = 0;
	}
	nl_cb_put(cb);
	return out->cmd ? 0 : err;
}
