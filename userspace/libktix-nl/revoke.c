// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libktix-nl: the revocation set (KTIX_CMD_REVOKE_ADD, _GET and its dump).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "ktix_nl.h"
#include "nl_priv.h"

struct revoke_reply {
	uint64_t generation;
	struct ktix_revoke_info entry;
};

static int parse_revoke_entry(struct nlattr *nest, struct ktix_revoke_info *r)
{
	struct nlattr *a[KTIX_REVOKE_A_MAX + 1];
	uint8_t len;

	if (!nest || nla_parse_nested(a, KTIX_REVOKE_A_MAX, nest, NULL) < 0 ||
	    get_bytes(a[KTIX_REVOKE_A_HANDLE], r->handle, sizeof(r->handle),
		      &len) || len != sizeof(r->handle) ||
	    get_u64(a[KTIX_REVOKE_A_UNTIL], &r->until))
		return -EBADMSG;
	return 0;
}

static int parse_revoke_reply(struct nlattr **tb, void *arg)
{
	struct revoke_reply *out = arg;

	if (get_u64(tb[KTIX_A_GENERATION], &out->generation))
		return -EBADMSG;
	return parse_revoke_entry(tb[KTIX_A_REVOKE], &out->entry);
}

int ktix_nl_revoke_add(struct ktix_nl *nl, const uint8_t *handle,
		       uint64_t until, uint64_t *generation)
{
	return ktix_nl_revoke_add_entry(nl, handle, until, generation, NULL);
}

int ktix_nl_revoke_add_entry(struct ktix_nl *nl, const uint8_t *handle,
			     uint64_t until, uint64_t *generation,
			     struct ktix_revoke_info *entry)
{
	struct nl_msg *msg = ktix_nl_msg(nl, KTIX_CMD_REVOKE_ADD);
	struct revoke_reply rep = { 0 };
	struct nlattr *nest;
	int err;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, KTIX_A_REVOKE | NLA_F_NESTED);
	if (!nest ||
	    nla_put(msg, KTIX_REVOKE_A_HANDLE, KTIX_REVOKE_HANDLE_LEN, handle) ||
	    (until && nla_put_u64(msg, KTIX_REVOKE_A_UNTIL, until))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	err = ktix_nl_transact(nl, msg, parse_revoke_reply, &rep);
	if (!err && generation)
		*generation = rep.generation;
	if (!err && entry)
		*entry = rep.entry;
	return err;
}

static int parse_revoked(struct nlattr **tb, void *arg)
{
	struct ktix_revoke_list *list = arg;

	if (get_u64(tb[KTIX_A_GENERATION], &list->generation))
		return -EBADMSG;
	if (grow_array(&list->revoked, list->n, sizeof(*list->revoked)))
		return -ENOMEM;
	if (parse_revoke_entry(tb[KTIX_A_REVOKE], &list->revoked[list->n]))
		return -EBADMSG;
	list->n++;
	return 0;
}

void ktix_revoke_list_free(struct ktix_revoke_list *list)
{
	free(list->revoked);
	memset(list, 0, sizeof(*list));
}

int ktix_nl_revoke_generation(struct ktix_nl *nl, uint64_t *generation)
{
	*generation = 0;
	return ktix_nl_transact(nl, ktix_nl_msg(nl, KTIX_CMD_REVOKE_GET),
				ktix_nl_parse_generation, generation);
}

int ktix_nl_revoke_dump(struct ktix_nl *nl, struct ktix_revoke_list *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	err = ktix_nl_transact(nl, ktix_nl_dump_msg(nl, KTIX_CMD_REVOKE_GET),
			       parse_revoked, out);
	if (err == -EINTR)
		err = 0;	/* what changed meanwhile was announced */
	if (err)
		ktix_revoke_list_free(out);
	return err;
}

static void revoke_list_free(void *list)
{
	ktix_revoke_list_free(list);
}

int ktix_nl_revoke_list(struct ktix_nl *nl, struct ktix_revoke_list *out)
{
	memset(out, 0, sizeof(*out));
	return ktix_nl_dump_consistent(nl, KTIX_CMD_REVOKE_GET, 0,
				       parse_revoked, out, revoke_list_free);
}
