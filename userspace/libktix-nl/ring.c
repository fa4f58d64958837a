// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libktix-nl: the ticket-key ring (KTIX_CMD_KEY_GET, _ADD, _DEL, _ROTATE).
 * Key lists hold key material when asked for: they are wiped when freed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "ktix_nl.h"
#include "nl_priv.h"

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

static void key_list_free(void *list)
{
	ktix_key_list_free(list);
}

int ktix_nl_key_list(struct ktix_nl *nl, bool material,
		     struct ktix_key_list *out)
{
	memset(out, 0, sizeof(*out));
	return ktix_nl_dump_consistent(nl, KTIX_CMD_KEY_GET,
				       material ? KTIX_FLAG_KEY_MATERIAL : 0,
				       parse_key, out, key_list_free);
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
	     nla_put_u64(msg, KTIX_KEY_A_DECRYPT_UNTIL, k->decrypt_until)) ||
	    (k->encrypt_from &&
	     nla_put_u64(msg, KTIX_KEY_A_ENCRYPT_FROM, k->encrypt_from)) ||
	    (k->encrypt_until &&
	     nla_put_u64(msg, KTIX_KEY_A_ENCRYPT_UNTIL, k->encrypt_until))) {
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

int ktix_nl_key_rotate(struct ktix_nl *nl, uint64_t *generation)
{
	uint64_t g = 0;
	int err = ktix_nl_transact(nl, ktix_nl_msg(nl, KTIX_CMD_KEY_ROTATE),
				   ktix_nl_parse_generation, &g);

	if (!err && generation)
		*generation = g;
	return err;
}

const char *ktix_key_state_name(uint32_t state)
{
#define KTIX_KEY_STATE_NAME(value, name)	[KTIX_KEY_STATE_##value] = name,
	static const char *const names[KTIX_KEY_STATE_MAX + 1] = {
#include <ktix/tables.h>
	};

	return state <= KTIX_KEY_STATE_MAX && names[state] ? names[state] :
	       "unknown";
}
