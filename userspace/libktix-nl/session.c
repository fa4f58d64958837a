// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libktix-nl: the session-ID cache (KTIX_CMD_SESS_PUT, _GET, _DEL, _FLUSH).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "ktix_nl.h"
#include "nl_priv.h"

static struct nl_msg *sess_msg(struct ktix_nl *nl, uint8_t cmd,
			       const uint8_t *id, size_t id_len,
			       const uint8_t *data, size_t size,
			       uint32_t lifetime)
{
	struct nl_msg *msg = ktix_nl_msg_sized(nl, cmd, id_len + size);
	struct nlattr *nest;

	if (!msg)
		return NULL;
	nest = nla_nest_start(msg, KTIX_A_SESSION | NLA_F_NESTED);
	if (!nest || nla_put(msg, KTIX_SESS_A_ID, (int)id_len, id) ||
	    (data && nla_put(msg, KTIX_SESS_A_DATA, (int)size, data)) ||
	    (lifetime && nla_put_u32(msg, KTIX_SESS_A_LIFETIME, lifetime))) {
		ktix_nl_free_msg(msg);
		return NULL;
	}
	nla_nest_end(msg, nest);
	return msg;
}

int ktix_nl_sess_put(struct ktix_nl *nl, const uint8_t *id, size_t id_len,
		     const uint8_t *data, size_t size, uint32_t lifetime)
{
	struct nl_msg *msg;

	if (size > 65535 || id_len > 255)
		return -EMSGSIZE;
	msg = sess_msg(nl, KTIX_CMD_SESS_PUT, id, id_len, data, size, lifetime);
	return ktix_nl_transact(nl, msg, NULL, NULL);
}

static int parse_sess(struct nlattr *nest, struct ktix_sess_info *s)
{
	struct nlattr *a[KTIX_SESS_A_MAX + 1];

	memset(s, 0, sizeof(*s));
	if (!nest || nla_parse_nested(a, KTIX_SESS_A_MAX, nest, NULL) < 0 ||
	    get_bytes(a[KTIX_SESS_A_ID], s->id, sizeof(s->id), &s->id_len) ||
	    get_u32(a[KTIX_SESS_A_SIZE], &s->size) ||
	    get_u64(a[KTIX_SESS_A_CREATED], &s->created) ||
	    get_u64(a[KTIX_SESS_A_EXPIRES], &s->expires))
		return -EBADMSG;
	if (a[KTIX_SESS_A_DATA]) {
		if ((uint32_t)nla_len(a[KTIX_SESS_A_DATA]) != s->size)
			return -EBADMSG;
		s->data = malloc(s->size ? s->size : 1);
		if (!s->data)
			return -ENOMEM;
		memcpy(s->data, nla_data(a[KTIX_SESS_A_DATA]), s->size);
	}
	return 0;
}

void ktix_sess_info_free(struct ktix_sess_info *s)
{
	if (s->data) {
		explicit_bzero(s->data, s->size);
		free(s->data);
	}
	memset(s, 0, sizeof(*s));
}

static int parse_sess_one(struct nlattr **tb, void *arg)
{
	struct ktix_sess_info *s = arg;
	int err;

	ktix_sess_info_free(s);
	err = parse_sess(tb[KTIX_A_SESSION], s);
	if (!err && !s->data)
		err = -EBADMSG;
	if (err)
		ktix_sess_info_free(s);
	return err;
}

int ktix_nl_sess_get(struct ktix_nl *nl, const uint8_t *id, size_t id_len,
		     struct ktix_sess_info *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	/* Every connection that offers a session ID: one reply, no ACK. */
	err = ktix_nl_query(nl, sess_msg(nl, KTIX_CMD_SESS_GET, id, id_len,
					 NULL, 0, 0),
			    parse_sess_one, out);
	if (err)
		ktix_sess_info_free(out);
	return err;
}

static int parse_sess_entry(struct nlattr **tb, void *arg)
{
	struct ktix_sess_list *list = arg;
	int err;

	if (grow_array(&list->sess, list->n, sizeof(*list->sess)))
		return -ENOMEM;
	err = parse_sess(tb[KTIX_A_SESSION], &list->sess[list->n]);
	if (err) {
		ktix_sess_info_free(&list->sess[list->n]);
		return err;
	}
	list->n++;
	return 0;
}

void ktix_sess_list_free(struct ktix_sess_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		ktix_sess_info_free(&list->sess[i]);
	free(list->sess);
	memset(list, 0, sizeof(*list));
}

static void sess_list_free(void *list)
{
	ktix_sess_list_free(list);
}

int ktix_nl_sess_list(struct ktix_nl *nl, bool data,
		      struct ktix_sess_list *out)
{
	memset(out, 0, sizeof(*out));
	return ktix_nl_dump_consistent(nl, KTIX_CMD_SESS_GET,
				       data ? KTIX_FLAG_SESSION_DATA : 0,
				       parse_sess_entry, out, sess_list_free);
}

int ktix_nl_sess_del(struct ktix_nl *nl, const uint8_t *id, size_t id_len)
{
	if (id_len > 255)
		return -EMSGSIZE;
	return ktix_nl_transact(nl, sess_msg(nl, KTIX_CMD_SESS_DEL, id, id_len,
					     NULL, 0, 0), NULL, NULL);
}

int ktix_nl_sess_flush(struct ktix_nl *nl)
{
	return ktix_nl_transact(nl, ktix_nl_msg(nl, KTIX_CMD_SESS_FLUSH),
				NULL, NULL);
}
