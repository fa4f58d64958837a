// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libktix-nl: handing a socket's record keys to kTLS (KTIX_CMD_OFFLOAD).
 * The request carries keys: it is wiped when freed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "ktix_keys.h"
#include "ktix_nl.h"
#include "nl_priv.h"

static int put_dir(struct nl_msg *msg, int type, const struct ktix_tls_dir *d)
{
	struct nlattr *nest = nla_nest_start(msg, type | NLA_F_NESTED);

	if (!nest || nla_put(msg, KTIX_DIR_A_KEY, d->key_len, d->key) ||
	    nla_put(msg, KTIX_DIR_A_IV, d->iv_len, d->iv) ||
	    (d->salt_len && nla_put(msg, KTIX_DIR_A_SALT, d->salt_len, d->salt)) ||
	    nla_put(msg, KTIX_DIR_A_REC_SEQ, sizeof(d->rec_seq), d->rec_seq))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

int ktix_nl_offload(struct ktix_nl *nl, int fd, const struct ktix_tls_keys *k,
		    uint32_t kind)
{
	return ktix_nl_offload_miss(nl, fd, k, kind, KTIX_RESUME_MISS_NONE);
}

int ktix_nl_offload_miss(struct ktix_nl *nl, int fd,
			 const struct ktix_tls_keys *k, uint32_t kind,
			 uint32_t miss)
{
	return ktix_nl_offload_send(nl, fd, k, kind, miss, NULL, 0);
}

int ktix_nl_offload_send(struct ktix_nl *nl, int fd,
			 const struct ktix_tls_keys *k, uint32_t kind,
			 uint32_t miss, const void *first, size_t first_len)
{
	struct nl_msg *msg;
	struct nlattr *nest;

	if (first_len > KTIX_SEND_FIRST_MAX_LEN)
		return -EMSGSIZE;
	msg = ktix_nl_msg_sized(nl, KTIX_CMD_OFFLOAD, first_len);
	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, KTIX_A_OFFLOAD | NLA_F_NESTED);
	if (!nest || fd < 0 ||
	    nla_put_u32(msg, KTIX_OFFLOAD_A_FD, (uint32_t)fd) ||
	    nla_put_u16(msg, KTIX_OFFLOAD_A_VERSION, k->version) ||
	    nla_put_u16(msg, KTIX_OFFLOAD_A_CIPHER, k->cipher) ||
	    nla_put_u32(msg, KTIX_OFFLOAD_A_KIND, kind) ||
	    (k->tx.key_len && put_dir(msg, KTIX_OFFLOAD_A_TX, &k->tx)) ||
	    (k->rx.key_len && put_dir(msg, KTIX_OFFLOAD_A_RX, &k->rx)) ||
	    (k->rx_no_pad && nla_put_flag(msg, KTIX_OFFLOAD_A_RX_NO_PAD)) ||
	    (miss && nla_put_u32(msg, KTIX_OFFLOAD_A_RESUME_MISS, miss)) ||
	    (first_len && nla_put(msg, KTIX_OFFLOAD_A_SEND_FIRST,
				  (int)first_len, first))) {
		ktix_nl_free_msg(msg);
		return fd < 0 ? -EBADF : -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return ktix_nl_transact(nl, msg, NULL, NULL);
}
